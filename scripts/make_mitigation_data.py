"""Simulated noisy runs for the mitigation work: training data of the effective-p
estimator and the histograms of ``benchmarks/mitigation_bench.py``.

Every circuit of :func:`circuits` is compiled by qtool at -O3 for each Qiskit fake backend,
run with the backend's Aer noise model (8192 shots), and stored with its ideal distribution,
the estimator's features and the best-fit flip rate ``p*``:

    python scripts/make_mitigation_data.py [--backends ...] [--out benchmarks/data/mitigation_runs.json.gz]

Rows are written as they are produced (an interrupted run keeps what it has).
"""
from __future__ import annotations

import argparse
import gzip
import json
import logging
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger("mitigation_data")

BACKENDS = ("FakeBrisbane", "FakeTorino", "FakeKyiv", "FakeSherbrooke", "FakeMarrakesh",
            "FakeFez", "FakeBrussels", "FakeStrasbourg")


def circuits():
    """(name, family, QuantumCircuit with measurements), low and high entropy, 3-20 qubits."""
    from qiskit import QuantumCircuit
    from qiskit.circuit.library import QFTGate
    from qiskit.circuit.random import random_circuit

    out = []

    def add(name, family, qc):
        out.append((name, family, qc))

    for n in (3, 5, 7, 9, 12, 15, 18, 20):
        qc = QuantumCircuit(n, n)
        qc.h(0)
        for i in range(n - 1):
            qc.cx(i, i + 1)
        qc.measure(range(n), range(n))
        add(f"ghz_{n}", "ghz", qc)
    for n in (4, 6, 8, 10, 12, 16, 20):          # Bernstein-Vazirani, secret 1010...
        secret = [(i % 2) for i in range(n - 1)]
        qc = QuantumCircuit(n, n - 1)
        qc.x(n - 1)
        qc.h(range(n))
        for i, s in enumerate(secret):
            if s:
                qc.cx(i, n - 1)
        qc.h(range(n - 1))
        qc.measure(range(n - 1), range(n - 1))
        add(f"bv_{n}", "bv", qc)
    for n in (3, 4, 6, 8, 10):                   # W state by the cascade of rotations
        qc = QuantumCircuit(n, n)
        qc.x(0)
        for i in range(n - 1):
            theta = 2 * math.acos(math.sqrt(1 / (n - i)))
            qc.cry(theta, i, i + 1)
            qc.cx(i + 1, i)
        qc.measure(range(n), range(n))
        add(f"wstate_{n}", "wstate", qc)
    for bits in (2, 3, 4):                       # ripple-carry adder on basis inputs
        from qiskit.circuit.library import CDKMRippleCarryAdder
        adder = CDKMRippleCarryAdder(bits, kind="full")
        n = adder.num_qubits
        qc = QuantumCircuit(n, n)
        qc.x([1, 2, bits + 1])                   # a = 3ish, b = 1ish
        qc.compose(adder, range(n), inplace=True)
        qc.measure(range(n), range(n))
        add(f"adder_{bits}", "adder", qc.decompose(reps=2))
    qc = QuantumCircuit(3, 3)
    qc.x([0, 1])
    qc.ccx(0, 1, 2)
    qc.measure(range(3), range(3))
    add("toffoli_3", "toffoli", qc)
    qc = QuantumCircuit(5, 5)                    # AND of three bits through an ancilla
    qc.x([0, 1, 2])
    qc.ccx(0, 1, 3)
    qc.ccx(2, 3, 4)
    qc.measure(range(5), range(5))
    add("toffoli_5", "toffoli", qc.decompose())
    for n, angles in QAOA_DOMINANT.items():
        add(f"qaoa_fields_{n}", "qaoa", _qaoa_fields(n, angles))
    for n in (4, 6):                             # QAOA-1 MaxCut ring, angles near optimum
        qc = QuantumCircuit(n, n)
        qc.h(range(n))
        for i in range(n):
            qc.rzz(2 * 0.55, i, (i + 1) % n)
        qc.rx(2 * 0.39, range(n))
        qc.measure(range(n), range(n))
        add(f"qaoa_{n}", "qaoa", qc)
    for n in (4, 6, 8):                          # high entropy: QFT of a basis state
        qc = QuantumCircuit(n, n)
        qc.x(0)
        qc.append(QFTGate(n), range(n))
        qc.measure(range(n), range(n))
        add(f"qft_{n}", "qft", qc.decompose(reps=2))
    for n, seed in ((5, 1), (6, 2), (6, 3), (8, 4)):
        qc = random_circuit(n, 4, max_operands=2, measure=False, seed=seed)
        qc.measure_all()
        add(f"random_{n}_{seed}", "random", qc.decompose(reps=2))
    return out


# QAOA on a ring Ising model with local fields (see _qaoa_fields); angles maximise the
# expected cut found by COBYLA on the exact state, so the output has a dominant answer
# (ideal normalised entropy 0.38, 0.12, 0.15; most likely string 0.46, 0.87, 0.76).
QAOA_DOMINANT = {6: (3.068, 0.787), 8: (1.0993, 2.0414, 1.5551, 2.353),
                 10: (2.0167, 1.1255, 1.581, 0.7859)}


def _qaoa_fields(n: int, angles):
    """QAOA for H = sum h_i Z_i + 0.5 sum Z_i Z_{i+1} (ring), h drawn with seed n."""
    from qiskit import QuantumCircuit
    rng = np.random.default_rng(n)
    h = rng.uniform(0.5, 1.0, n) * rng.choice([-1, 1], n)
    reps = len(angles) // 2
    qc = QuantumCircuit(n, n)
    qc.h(range(n))
    for gamma, beta in zip(angles[:reps], angles[reps:]):
        for i in range(n):
            qc.rz(2 * gamma * h[i], i)
        for i in range(n):
            qc.rzz(2 * gamma * 0.5, i, (i + 1) % n)
        qc.rx(2 * beta, range(n))
    qc.measure(range(n), range(n))
    return qc


def ideal_distribution(qc) -> dict:
    """Exact output distribution of ``qc`` (measurements at the end), keys as clbit strings."""
    from qiskit.quantum_info import Statevector
    body = qc.remove_final_measurements(inplace=False)
    probs = Statevector(body).probabilities_dict()
    # map qubit order to clbit order through the measurements
    meas = {qc.find_bit(i.qubits[0]).index: qc.find_bit(i.clbits[0]).index
            for i in qc.data if i.operation.name == "measure"}
    ncl = qc.num_clbits
    out: dict = {}
    for key, p in probs.items():
        if p < 1e-12:
            continue
        bits = ["0"] * ncl
        for q, c in meas.items():
            bits[ncl - 1 - c] = key[len(key) - 1 - q]
        k = "".join(bits)
        out[k] = out.get(k, 0.0) + float(p)
    return out


def _pack(d: dict) -> tuple[np.ndarray, np.ndarray]:
    keys = np.array([int(k, 2) for k in d], dtype=np.uint64)
    vals = np.array(list(d.values()), dtype=float)
    return keys, vals


MPS_ABOVE = 12   # wider circuits are simulated as matrix product states (same noise model)


def run(backends, out_path: Path, shots: int, seed: int, only=None, merge=False) -> None:
    import qiskit_ibm_runtime.fake_provider as fp
    from qiskit_aer import AerSimulator

    import qtool
    from qtool.mitigation.effective_p import best_fit_p, circuit_features
    from qtool.targets import get_target

    rows = []
    todo = [c for c in circuits() if only is None or c[0] in only]
    if merge and out_path.exists():
        with gzip.open(out_path, "rt") as f:
            rows = json.load(f)
        keep = {(name, b) for name, _, _ in todo for b in backends}
        rows = [r for r in rows if (r["circuit"], r["backend"]) not in keep]
    for bname in backends:
        backend = getattr(fp, bname)()
        target = get_target(backend)
        sim = AerSimulator.from_backend(backend)
        for name, family, qc in todo:
            t0 = time.perf_counter()
            res = qtool.compile(qc, target, 3, seed=seed)
            method = "matrix_product_state" if qc.num_qubits > MPS_ABOVE else "automatic"
            counts = sim.run(res.circuit.to_qiskit(), shots=shots, seed_simulator=seed,
                             method=method).result().get_counts()
            counts = {k.replace(" ", ""): int(v) for k, v in counts.items()}
            ideal = ideal_distribution(qc)
            n = qc.num_clbits
            nk, nv = _pack(counts)
            ik, iv = _pack(ideal)
            feats = circuit_features(res.circuit, target, nv / nv.sum(), n)
            p_star = best_fit_p(nk, nv, ik, iv, n)
            ent_ideal = -sum(p * math.log2(p) for p in ideal.values() if p > 0) / n
            rows.append({"circuit": name, "family": family, "backend": bname, "bits": n,
                         "ideal_entropy": ent_ideal, "features": feats, "p_star": p_star,
                         "counts": counts, "ideal": ideal,
                         "qasm": None})
            log.info("%-14s %-16s n=%2d H=%.2f p*=%.4f esp=%.3f (%.1f s)", bname, name, n,
                     ent_ideal, p_star, feats["esp"], time.perf_counter() - t0)
        _write(out_path, rows)
    _write(out_path, rows)


def _write(path: Path, rows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with gzip.open(tmp, "wt") as f:
        json.dump(rows, f)
    tmp.replace(path)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backends", nargs="+", default=list(BACKENDS))
    ap.add_argument("--shots", type=int, default=8192)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--circuits", nargs="+", help="only these circuits (default: all)")
    ap.add_argument("--merge", action="store_true",
                    help="keep the other rows of --out, replacing the ones produced")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "data" /
                                         "mitigation_runs.json.gz"))
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    run(args.backends, Path(args.out), args.shots, args.seed,
        only=set(args.circuits) if args.circuits else None, merge=args.merge)
    return 0


if __name__ == "__main__":
    sys.exit(main())
