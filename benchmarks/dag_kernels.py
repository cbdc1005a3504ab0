"""Speed of the wire-index kernels (``qtool._ext._dag``) against their numpy twins.

Builds a random 50-qubit circuit of ``--rows`` rows (default 20 000, a third of them 2Q),
checks both implementations agree, and prints the best-of-5 time of each and the ratio::

    python benchmarks/dag_kernels.py [--rows N]
"""
from __future__ import annotations

import argparse

import numpy as np
from _timing import best_of


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=20000)
    args = ap.parse_args(argv)
    from qtool import Circuit
    from qtool._ext import _dag
    from qtool._ref import _dag as ref

    rng = np.random.default_rng(0)
    b = Circuit.builder(50, 50)
    for _ in range(args.rows):
        if rng.random() < 1 / 3:
            a, c = rng.choice(50, 2, replace=False)
            b.cx(int(a), int(c))
        else:
            b.rz(float(rng.normal()), int(rng.integers(50)))
    for q in range(50):
        b.measure(q, q)
    circ = b.build()
    ptr, wires = circ.operands()
    nw = circ.num_qubits + circ.num_clbits
    w = np.ones(len(circ), np.uint8)
    rows = [("build_wire_index", lambda m: m.build_wire_index(ptr, wires, nw)),
            ("circuit_depth", lambda m: m.circuit_depth(ptr, wires, w, nw))]
    print(f"circuit: {len(circ)} rows on 50 qubits")
    print(f"{'kernel':20s} {'cython':>10s} {'numpy ref':>10s} {'ratio':>8s}  same")
    for name, f in rows:
        a, r = f(_dag), f(ref)
        same = all(np.array_equal(x, y) for x, y in zip(a, r)) if isinstance(a, tuple) \
            else a == r
        tf, tr = best_of(lambda: f(_dag))[0], best_of(lambda: f(ref), 2)[0]
        print(f"{name:20s} {tf * 1e3:8.2f}ms {tr * 1e3:8.1f}ms {tr / tf:7.0f}x  {same}")


if __name__ == "__main__":
    main()
