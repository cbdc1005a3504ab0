"""Speed of the compiled SABRE kernel against its pure Python twin.

Routes two ~50-qubit circuits on IBM Eagle's 127-qubit heavy-hex graph (``ibm_eagle``;
a 115-qubit distance-7 heavy-hex lattice if that target is unavailable) from a dense
initial layout with both :func:`qtool._ext._sabre.sabre_route` and
:func:`qtool._ref._sabre.sabre_route`, checks that they agree exactly and prints the time of
each and their ratio::

    python benchmarks/routing_kernels.py            # both circuits
    python benchmarks/routing_kernels.py --quick    # smaller circuits
"""
from __future__ import annotations

import argparse
import math
import time

import numpy as np


def heavy_hex_target(d: int = 7):
    try:
        from qtool.targets import get_target
        return get_target("ibm_eagle")
    except (ImportError, KeyError, ValueError, OSError):
        pass
    import rustworkx as rx
    from qtool.targets.target import Target
    g = rx.generators.heavy_hex_graph(d)
    return Target(f"heavyhex:{d}", g.num_nodes(), [tuple(e) for e in g.edge_list()])


def qft(n: int):
    from qtool import Circuit
    b = Circuit.builder(n, n)
    for i in range(n):
        b.h(i)
        for j in range(i + 1, n):
            b.cp(math.pi / 2 ** (j - i), j, i)
    for q in range(n):
        b.measure(q, q)
    return b.build()


def random_circuit(n: int, n_ops: int, seed: int = 7):
    from qtool import Circuit
    rng = np.random.default_rng(seed)
    b = Circuit.builder(n)
    for _ in range(n_ops):
        a, c = (int(x) for x in rng.choice(n, 2, replace=False))
        if rng.random() < 0.6:
            b.cx(a, c)
        else:
            b.rz(float(rng.uniform(-3, 3)), a)
    return b.build()


def bench(name: str, circ, target, repeats: int) -> float:
    from qtool._ext import _sabre as fast
    from qtool._ref import _sabre as ref
    from qtool.passes.layout import DenseLayout
    from qtool.passes.routing.sabre import (SabreHeuristic, coupling_arrays, operand_axes,
                                            routing_problem)
    print(name)
    laid = DenseLayout()(circ, target=target)
    pr = routing_problem(laid)
    cp = coupling_arrays(target)
    heur = SabreHeuristic(lookahead_layers=2, merge_weight=0.5)
    n = target.num_qubits
    args = (pr.ptr, pr.wires, pr.succ_ptr, pr.succ, pr.kind, n, cp.nbr_ptr, cp.nbr, cp.dist,
            cp.hops, np.arange(n, dtype=np.int32), 12345, heur.weights(n), heur.decay_delta,
            heur.decay_reset, heur.limit(n), heur.merge_weight)
    ptr, wires = laid.operands()
    axis = operand_axes(laid)
    nw = laid.num_qubits + laid.num_clbits
    t0 = time.perf_counter()
    for _ in range(repeats):
        fast.build_dag(ptr, wires, axis, nw)
    t_dag_fast = (time.perf_counter() - t0) / repeats
    t0 = time.perf_counter()
    ref.build_dag(ptr, wires, axis, nw)
    t_dag_ref = time.perf_counter() - t0
    print(f"{'  build_dag':28s} {'':36s}  cython {t_dag_fast * 1e3:8.2f} ms   "
          f"python {t_dag_ref * 1e3:9.1f} ms   ratio {t_dag_ref / t_dag_fast:7.1f}x")
    fast.sabre_route(*args)   # warm-up
    t0 = time.perf_counter()
    for _ in range(repeats):
        got = fast.sabre_route(*args)
    t_fast = (time.perf_counter() - t0) / repeats
    t0 = time.perf_counter()
    want = ref.sabre_route(*args)
    t_ref = time.perf_counter() - t0
    same = all(np.array_equal(a, b) for a, b in zip(got[:4], want[:4])) and got[4:] == want[4:]
    print(f"{'  sabre_route':28s} rows={len(circ):5d} 2q={circ.num_2q():5d} "
          f"swaps={len(got[1]):5d}  cython {t_fast * 1e3:8.2f} ms   python {t_ref * 1e3:9.1f} ms   "
          f"ratio {t_ref / t_fast:7.1f}x   identical={same}")
    if not same:
        raise SystemExit("kernel and reference disagree")
    return t_ref / t_fast


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller circuits")
    ap.add_argument("--repeats", type=int, default=20)
    args = ap.parse_args(argv)
    target = heavy_hex_target(7)
    n = 20 if args.quick else 50
    ops = 600 if args.quick else 4000
    print(f"target {target.name}: {target.num_qubits} qubits, "
          f"{len(target.undirected_edges)} couplings")
    ratios = [bench(f"qft_{n} (+measure)", qft(n), target, args.repeats),
              bench(f"random_{n}q_{ops}ops", random_circuit(n, ops), target, args.repeats)]
    print(f"geometric-mean speed-up {math.exp(np.mean(np.log(ratios))):.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
