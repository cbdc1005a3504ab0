"""Time one noisy energy evaluation: qtool's PTM simulator vs qiskit-aer density matrices.

The circuit is CRLQAS-like: ``10 n`` random gates, a third of them CX on random pairs, the
rest RX/RY/RZ with random angles, and a random ``n``-qubit Pauli Hamiltonian.  The aer side
is the realistic variational loop: a parameterised ``QuantumCircuit`` with
``save_expectation_value`` of the ``SparsePauliOp``, built once, then per evaluation bound
with ``assign_parameters`` and run on one reused ``AerSimulator(method="density_matrix")``
carrying ``NoiseModel.to_aer()``.  The PTM side is one ``PTMSimulator.energy`` call (with
``readout=False``: aer's expectation value has no readout error either).  Both run on one
thread; the two energies are compared as a check.

    python benchmarks/ptm_vs_aer.py [--noise ibm_heron|depolarizing:P1,P2] [--repeats R]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qtool.qas.ansatz import CX, RX, Ansatz  # noqa: E402
from qtool.qas.hamiltonian import PauliSum  # noqa: E402
from qtool.qas.noise import NoiseModel, best_line  # noqa: E402
from qtool.qas.ptm import PTMSimulator  # noqa: E402


def random_program(rng, n: int, num_gates: int):
    """``(kinds, q0, q1, thetas)``: a third CX on random ordered pairs, else rotations."""
    a = Ansatz.random(n, num_gates, rng)
    return (*a.arrays(), rng.uniform(-np.pi, np.pi, a.num_params))


def random_hamiltonian(rng, n: int, terms: int) -> PauliSum:
    return PauliSum.random(n, terms, rng)


def make_noise(noise, n: int) -> NoiseModel | None:
    """A :class:`NoiseModel`, ``None``, a ``depolarizing:...`` spec, or a target name (the
    calibration of its :func:`best_line` of ``n`` qubits)."""
    if noise is None or isinstance(noise, NoiseModel):
        return noise
    if str(noise).startswith("depolarizing"):
        return NoiseModel.from_spec(noise, n)
    from qtool.targets import get_target
    target = get_target(noise)
    return NoiseModel.from_target(target, best_line(target, n))


def aer_evaluator(ham: PauliSum, program, noise: NoiseModel | None):
    """``f(thetas) -> energy`` through qiskit-aer, everything but bind-and-run prebuilt."""
    from qiskit import QuantumCircuit
    from qiskit.circuit import ParameterVector
    from qiskit.quantum_info import SparsePauliOp
    from qiskit_aer import AerSimulator

    n = ham.num_qubits
    kinds, q0, q1, thetas = program
    params = ParameterVector("t", len(thetas))
    qc = QuantumCircuit(n)
    p = 0
    for k, a, b in zip(kinds.tolist(), q0.tolist(), q1.tolist()):
        if k == CX:
            qc.cx(a, b)
        else:
            getattr(qc, ("rx", "ry", "rz")[k - RX])(params[p], a)
            p += 1
    # qiskit labels put qubit 0 last
    op = SparsePauliOp([s[::-1] for s in ham.labels], ham.coeffs)
    qc.save_expectation_value(op, list(range(n)), label="ev")
    sim = AerSimulator(method="density_matrix", max_parallel_threads=1,
                       noise_model=None if noise is None else noise.to_aer())

    def energy(values) -> float:
        bound = qc.assign_parameters(dict(zip(params, values)))
        return float(np.real(sim.run(bound).result().data()["ev"]))
    return energy


def _samples(f, repeats: int, inner: int) -> list[float]:
    """``repeats`` timings of ``f`` in seconds per call, each the mean of ``inner`` calls."""
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(inner):
            f()
        out.append((time.perf_counter() - t0) / inner)
    return out


def time_energy_eval(n: int, num_gates: int, noise, *, repeats: int = 20, seed: int = 0,
                     terms: int = 30) -> dict:
    """Time one energy evaluation of a random ``n``-qubit, ``num_gates`` program with both
    simulators: min and median seconds over ``repeats``, the speed-ups and ``|dE|``."""
    rng = np.random.default_rng(seed)
    model = make_noise(noise, n)
    ham = random_hamiltonian(rng, n, terms)
    program = random_program(rng, n, num_gates)
    thetas = program[3]
    ptm = PTMSimulator(ham, model, readout=False)
    aer = aer_evaluator(ham, program, model)
    diff = abs(ptm.energy(*program) - aer(thetas))
    ptm_t = _samples(lambda: ptm.energy(*program), repeats, inner=max(1, 4096 // 4 ** (n - 2)))
    aer_t = _samples(lambda: aer(thetas), repeats, inner=1)
    out = {"n": n, "gates": num_gates, "cx": int((program[0] == CX).sum()),
           "ptm_min": min(ptm_t), "ptm_median": statistics.median(ptm_t),
           "aer_min": min(aer_t), "aer_median": statistics.median(aer_t), "max_abs_diff": diff}
    out["speedup_min"] = out["aer_min"] / out["ptm_min"]
    out["speedup_median"] = out["aer_median"] / out["ptm_median"]
    return out


def _fmt(seconds: float) -> str:
    return f"{seconds * 1e6:.1f} us" if seconds < 1e-3 else f"{seconds * 1e3:.2f} ms"


def main(argv=None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--noise", default="ibm_heron")
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--qubits", type=int, nargs="+", default=[4, 6, 8])
    args = ap.parse_args(argv)
    rows = [time_energy_eval(n, 10 * n, args.noise, repeats=args.repeats, seed=args.seed)
            for n in args.qubits]
    print(f"noise: {args.noise}; one energy evaluation, min / median of {args.repeats}\n")
    print("| n | gates (cx) | PTM min | PTM median | aer min | aer median | speed-up (median) "
          "| abs(dE) |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['n']} | {r['gates']} ({r['cx']}) | {_fmt(r['ptm_min'])} | "
              f"{_fmt(r['ptm_median'])} | {_fmt(r['aer_min'])} | {_fmt(r['aer_median'])} | "
              f"{r['speedup_median']:.0f}x | {r['max_abs_diff']:.1e} |")
    return rows


if __name__ == "__main__":
    main()
