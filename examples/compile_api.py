"""Compile an OpenQASM file for IBM Heron with qtool's Python API and print metrics.

The Python twin of ``qtool compile circuit.qasm --target ibm_heron -O3 -o out.qasm``::

    python examples/compile_api.py                         # examples/qft_8.qasm
    python examples/compile_api.py examples/adder_4.qasm -O 1 -o adder_heron.qasm
    python examples/compile_api.py examples/qaoa_layer.qasm  # parameters stay symbolic
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from qtool import Circuit, compile
from qtool.io import load_circuit, write_qasm3

HERE = Path(__file__).resolve().parent


def describe(label: str, circ: Circuit) -> None:
    """One line of the metrics a compiler is judged by."""
    print(f"{label:9s} qubits {circ.num_qubits:4d}  ops {len(circ):5d}  "
          f"2q {circ.num_2q():4d}  2q-depth {circ.depth(two_qubit_only=True):4d}  "
          f"depth {circ.depth():5d}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("qasm", nargs="?", type=Path, default=HERE / "qft_8.qasm")
    ap.add_argument("--target", default="ibm_heron")
    ap.add_argument("-O", dest="level", type=int, default=3, choices=(0, 1, 2, 3))
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("-o", "--output", type=Path, help="write the result as OpenQASM 3")
    args = ap.parse_args(argv)

    circ = load_circuit(args.qasm)
    describe("input", circ)
    if circ.parameters:
        print(f"          parameters: {', '.join(circ.parameters)}")

    t0 = time.perf_counter()
    result = compile(circ, target=args.target, optimization_level=args.level, seed=args.seed)
    seconds = time.perf_counter() - t0
    out = result.circuit
    describe("compiled", out)
    print(f"          gates: {out.count_ops()}")
    print(f"          {args.target} -O{args.level} in {seconds * 1e3:.1f} ms")
    if out.layout is not None:
        n = out.layout.num_virtual
        print(f"          virtual -> physical at start: {list(out.layout.initial[:n])}")
        print(f"          virtual -> physical at end:   {list(out.layout.final[:n])}")

    if args.output:
        text, inputs = write_qasm3(out)
        args.output.write_text(text)
        print(f"wrote {args.output}" + (f" (inputs: {', '.join(inputs)})" if inputs else ""))


if __name__ == "__main__":
    main()
