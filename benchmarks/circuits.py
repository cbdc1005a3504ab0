"""The compile-benchmark circuit set: 17 MQT Bench circuits, flattened once to OpenQASM 2.

Run as a script to (re)generate ``benchmarks/circuits/<name>.qasm``::

    python benchmarks/circuits.py            # all 17
    python benchmarks/circuits.py --check    # regenerate in memory, compare with the files

The circuits are MQT Bench's algorithm level (``BenchmarkLevel.ALG``, mqt.bench 2.3.0).
Each is flattened once with ``qiskit.transpile(qc, basis_gates=COMMON_BASIS,
optimization_level=0, seed_transpiler=42)`` so that every compiler in
``compile_bench.py`` reads the identical input; ``ccx`` stays in the basis so that each
compiler's own Toffoli decomposition is exercised.  Free parameters are bound by MQT
Bench itself (``random_parameters=True`` draws from ``numpy.random.default_rng(10)``);
anything still free afterwards is bound here from ``default_rng(PARAM_SEED)``.

The committed ``.qasm`` files are what the benchmark reads; ``mqt.bench`` is only needed
to regenerate them.  ``load(name)`` returns one as a Qiskit ``QuantumCircuit``.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["BENCHMARKS", "CIRCUIT_DIR", "COMMON_BASIS", "BenchCircuit", "build", "load",
           "names", "write_all"]

CIRCUIT_DIR = Path(__file__).resolve().parent / "circuits"

#: gate set every benchmark circuit is flattened to (``ccx`` kept on purpose)
COMMON_BASIS = ["cx", "u", "rz", "ry", "rx", "h", "x", "y", "z", "s", "sdg", "t", "tdg", "sx",
                "p", "cz", "swap", "ccx", "cp", "rzz"]

#: seed for binding parameters MQT Bench left free (it binds its own with seed 10)
PARAM_SEED = 42
TRANSPILE_SEED = 42


@dataclass(frozen=True)
class BenchCircuit:
    """One benchmark: our file name, the MQT Bench benchmark name, its size and options."""

    name: str
    mqt_name: str
    size: int
    options: dict = field(default_factory=dict)


BENCHMARKS: tuple[BenchCircuit, ...] = (
    BenchCircuit("ghz_40", "ghz", 40),
    BenchCircuit("graphstate_30", "graphstate", 30, {"seed": 10}),
    BenchCircuit("wstate_40", "wstate", 40),
    BenchCircuit("bv_60", "bv", 60),
    BenchCircuit("qft_20", "qft", 20),
    BenchCircuit("qft_50", "qft", 50),
    BenchCircuit("qpeexact_16", "qpeexact", 16),
    BenchCircuit("qaoa_16", "qaoa", 16),
    BenchCircuit("qaoa_40", "qaoa", 40),
    BenchCircuit("vqe_real_amp_30", "vqe_real_amp", 30),
    BenchCircuit("vqe_su2_20", "vqe_su2", 20),
    BenchCircuit("vqe_two_local_12", "vqe_two_local", 12),
    BenchCircuit("qnn_30", "qnn", 30),
    BenchCircuit("grover_7", "grover", 7),
    BenchCircuit("randomcircuit_10", "randomcircuit", 10),
    BenchCircuit("cdkm_ripple_carry_adder_30", "cdkm_ripple_carry_adder", 30),
    BenchCircuit("draper_qft_adder_16", "draper_qft_adder", 16),
)
_BY_NAME = {b.name: b for b in BENCHMARKS}


def names() -> list[str]:
    """Benchmark names in the canonical order."""
    return [b.name for b in BENCHMARKS]


def build(bench: BenchCircuit):
    """Generate one benchmark with MQT Bench and flatten it to :data:`COMMON_BASIS`."""
    import numpy as np
    from mqt.bench import BenchmarkLevel, get_benchmark
    from qiskit import transpile

    qc = get_benchmark(bench.mqt_name, level=BenchmarkLevel.ALG, circuit_size=bench.size,
                       random_parameters=True, **bench.options)
    if qc.parameters:
        rng = np.random.default_rng(PARAM_SEED)
        qc = qc.assign_parameters({p: float(rng.uniform(0, 2 * np.pi)) for p in qc.parameters})
    flat = transpile(qc, basis_gates=COMMON_BASIS, optimization_level=0,
                     seed_transpiler=TRANSPILE_SEED)
    flat.name = bench.name
    return flat


def to_qasm(qc) -> str:
    from qiskit import qasm2
    return qasm2.dumps(qc) + "\n"


def write_all(selected: list[str] | None = None, out: Path = CIRCUIT_DIR) -> list[Path]:
    """(Re)generate the ``.qasm`` files of ``selected`` benchmarks (default: all)."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in selected or names():
        path = out / f"{name}.qasm"
        path.write_text(to_qasm(build(_BY_NAME[name])))
        paths.append(path)
    return paths


def load(name: str, directory: Path = CIRCUIT_DIR):
    """One committed benchmark circuit as a Qiskit ``QuantumCircuit`` (named ``name``)."""
    from qiskit import qasm2
    path = directory / f"{name}.qasm"
    if not path.exists():
        raise FileNotFoundError(f"{path} missing: run `python benchmarks/circuits.py`")
    qc = qasm2.load(path, custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
    qc.name = name
    return qc


def _summary(qc) -> str:
    ops = qc.count_ops()
    twoq = sum(1 for ins in qc.data if ins.operation.num_qubits == 2)
    return (f"{qc.num_qubits:3d} qubits  {qc.size():6d} ops  {twoq:5d} 2q  "
            f"ccx={ops.get('ccx', 0)}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help="subset of benchmarks (default: all)")
    ap.add_argument("--out", type=Path, default=CIRCUIT_DIR)
    ap.add_argument("--check", action="store_true",
                    help="regenerate in memory and report files that differ")
    args = ap.parse_args(argv)
    unknown = [n for n in args.names if n not in _BY_NAME]
    if unknown:
        ap.error(f"unknown benchmark(s) {unknown}; known: {names()}")
    selected = args.names or names()
    if args.check:
        stale = []
        for n in selected:
            path = args.out / f"{n}.qasm"
            if not path.exists() or path.read_text() != to_qasm(build(_BY_NAME[n])):
                stale.append(n)
        print("up to date" if not stale else f"stale: {' '.join(stale)}")
        return 1 if stale else 0
    for path in write_all(selected, args.out):
        print(f"{path.stem:28s} {_summary(load(path.stem, args.out))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
