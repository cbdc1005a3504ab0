"""Speed of the compiled peephole kernels against their pure Python twins, and of the
optimisation passes built on them.

Builds a routed-looking random circuit (``swap``/``cx``/``rz``/``sx`` on a 27-qubit line,
translated to ``cx`` + ``rz``/``sx``/``x``), runs each kernel of
:mod:`qtool._ext._peephole` and its twin in :mod:`qtool._ref._peephole` on the same
inputs, checks that they agree exactly and prints both times and their ratio; then times
each optimisation pass on the same circuit::

    python benchmarks/peephole_kernels.py              # 10k input rows
    python benchmarks/peephole_kernels.py --rows 50000
    python benchmarks/peephole_kernels.py --quick      # 2k rows
"""
from __future__ import annotations

import argparse

import numpy as np
from _timing import best_of

from qtool.testing import routed_line_circuit


def _same(a, b) -> bool:
    if isinstance(a, tuple):
        return all(np.array_equal(x, y) for x, y in zip(a, b))
    return np.array_equal(a, b)


def kernel_inputs(circ):
    from qtool.gates import GATES
    from qtool.passes.optimization.cancel import _SYM, inverse_keys
    from qtool.passes.optimization.commutation import COMM_CLASS
    ptr, wires = circ.operands()
    ar = circ.arity()
    unitary = np.array([g.is_unitary for g in GATES.gates])[circ.op]
    one = (ar == 1) & unitary & (circ.cond < 0)
    kind = np.where(one, 1, np.where((ar == 2) & unitary, 2, 0)).astype(np.uint8)
    key, ikey = inverse_keys(circ)
    counts = np.diff(ptr)
    row_of = np.repeat(np.arange(len(circ)), counts)
    pos = np.minimum(np.arange(len(wires)) - np.repeat(ptr[:-1], counts), 2)
    cls = COMM_CLASS[circ.op[row_of], pos].astype(np.uint8)
    nq, nw = circ.num_qubits, circ.num_qubits + circ.num_clbits
    return {
        "collect_runs": (ptr, wires, one.astype(np.uint8), nq),
        "collect_blocks": (ptr, wires, kind, nq),
        "cancel_inverses": (ptr, wires, key, ikey, _SYM[circ.op], nw),
        "commutation_groups": (ptr, wires, cls, nq),
    }


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000, help="input rows before translation")
    ap.add_argument("--quick", action="store_true", help="2k rows, one repeat")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)
    rows, repeats = (2_000, 1) if args.quick else (args.rows, args.repeats)

    from qtool._ext import _peephole as fast
    from qtool._ref import _peephole as ref
    from qtool.passes.optimization import (cancel_inverses, commutative_cancellation,
                                           consolidate_two_qubit_blocks, merge_one_qubit_runs,
                                           remove_trivial_gates)
    from qtool.passes.translation import translate_to_basis

    raw, target = routed_line_circuit(rows)
    dt, circ = best_of(lambda: translate_to_basis(raw, target), 1)
    print(f"circuit: {len(raw)} rows ({raw.num_2q()} 2Q rows) -> translated {len(circ)} rows "
          f"({circ.num_2q()} cx) in {dt:.3f} s\n")
    print(f"{'kernel':20s} {'cython':>10s} {'python':>10s} {'ratio':>8s}  same")
    for name, kargs in kernel_inputs(circ).items():
        t_fast, got = best_of(lambda: getattr(fast, name)(*kargs), repeats)
        t_ref, want = best_of(lambda: getattr(ref, name)(*kargs), 1)
        print(f"{name:20s} {t_fast * 1e3:8.2f}ms {t_ref * 1e3:8.1f}ms {t_ref / t_fast:7.0f}x  "
              f"{_same(got, want)}")
    print(f"\n{'pass':30s} {'time':>9s}  rows before -> after, 2Q before -> after")
    passes = [("MergeOneQubitRuns", lambda c: merge_one_qubit_runs(c, target)),
              ("ConsolidateTwoQubitBlocks", lambda c: consolidate_two_qubit_blocks(c, target)),
              ("CancelInverses", cancel_inverses),
              ("CommutativeCancellation", lambda c: commutative_cancellation(c, target)),
              ("RemoveTrivialGates", remove_trivial_gates)]
    for name, f in passes:
        dt, out = best_of(lambda: f(circ), max(1, repeats // 2))
        print(f"{name:30s} {dt:8.3f}s  {len(circ):6d} -> {len(out):6d}, "
              f"{circ.num_2q():6d} -> {out.num_2q():6d}")
    dt, out = best_of(lambda: consolidate_two_qubit_blocks(raw, target), max(1, repeats // 2))
    native_cx = sum(3 if raw.name_of(i) == "swap" else 1
                    for i in np.flatnonzero(raw.two_qubit_mask()).tolist())
    print(f"{'Consolidate (untranslated)':30s} {dt:8.3f}s  {len(raw):6d} -> {len(out):6d}, "
          f"{native_cx:6d} -> {out.num_2q():6d} (cx needed as written -> after)")

if __name__ == "__main__":
    main()
