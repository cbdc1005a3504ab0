"""Differential tests: the compiled SABRE kernel against its pure Python twin."""
import zlib

import numpy as np
import pytest

from qtool import Circuit
from qtool._ext import _sabre as fast
from qtool._ref import _sabre as ref
from qtool.passes.routing.sabre import coupling_arrays, operand_axes, routing_problem
from qtool.targets.target import Target


def _grid(r, c):
    edges = [(i * c + j, i * c + j + 1) for i in range(r) for j in range(c - 1)]
    edges += [(i * c + j, (i + 1) * c + j) for i in range(r - 1) for j in range(c)]
    return Target(f"grid{r}x{c}", r * c, edges)


def _heavy_hex():
    import rustworkx as rx
    g = rx.generators.heavy_hex_graph(3)
    return Target("hh3", g.num_nodes(), [tuple(e) for e in g.edge_list()])


TARGETS = [
    Target("line6", 6, [(i, i + 1) for i in range(5)]),
    Target("ring7", 7, [(i, (i + 1) % 7) for i in range(7)]),
    _grid(3, 3),
    _heavy_hex(),
]


def _random_circuit(rng, n, n_ops, nclbits=2):
    b = Circuit.builder(n, nclbits)
    for _ in range(n_ops):
        a, c = (int(x) for x in rng.choice(n, 2, replace=False))
        k = int(rng.integers(8))
        if k == 0:
            b.h(a)
        elif k == 1:
            b.measure(a, int(rng.integers(nclbits)))
        elif k == 2:
            b.barrier(*sorted({a, c, int(rng.integers(n))}))
        elif k == 3:
            b.x(a, cond=int(rng.integers(nclbits)))
        elif k == 4:
            b.rzz(0.3, a, c)
        elif k == 5:
            b.cz(a, c)
        elif k == 6:
            b.rz(0.2, a)
        else:
            b.cx(a, c)
    if rng.integers(2):   # terminal barrier + measurements (held back by the router)
        b.barrier()
        for q in range(n):
            b.measure(q, q % nclbits)
    return b.build()


LAYOUT, ATTEMPTS = 10, 15   # positions in the argument tuple


def _args(circ, target, rng, seed, merge_weight, commute=True):
    cp = coupling_arrays(target)
    pr = routing_problem(circ, commute=commute)
    n = target.num_qubits
    layers = int(rng.integers(0, 4))
    weights = np.array([1.0] + list(rng.uniform(0, 0.5, size=layers)))
    dist = cp.err_dist if seed % 2 else cp.dist
    return (pr.ptr, pr.wires, pr.succ_ptr, pr.succ, pr.kind, n, cp.nbr_ptr, cp.nbr, dist,
            cp.hops, rng.permutation(n).astype(np.int32), seed, weights,
            float(rng.uniform(0, 0.01)), int(rng.integers(1, 6)), int(rng.integers(1, 40)),
            merge_weight)


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
@pytest.mark.parametrize("merge_weight,commute", [(0.0, False), (0.5, True), (0.0, True)])
def test_kernel_matches_reference(target, merge_weight, commute):
    rng = np.random.default_rng(zlib.crc32(target.name.encode()))
    for trial in range(10):
        circ = _random_circuit(rng, target.num_qubits, int(rng.integers(0, 80)))
        args = _args(circ, target, rng, 1000 + trial, merge_weight, commute)
        got, want = fast.sabre_route(*args), ref.sabre_route(*args)
        for g, w in zip(got[:4], want[:4]):
            np.testing.assert_array_equal(g, w)
        assert got[4:] == want[4:]


def test_release_valve_matches_reference():
    """attempt_limit=1 fires the release valve after every heuristic swap."""
    target = _heavy_hex()
    rng = np.random.default_rng(5)
    circ = _random_circuit(rng, target.num_qubits, 120)
    args = list(_args(circ, target, rng, 7, 0.0))
    args[ATTEMPTS] = 1
    got, want = fast.sabre_route(*args), ref.sabre_route(*args)
    for g, w in zip(got[:4], want[:4]):
        np.testing.assert_array_equal(g, w)


def test_kernel_outputs_are_consistent():
    target = _grid(3, 3)
    rng = np.random.default_rng(1)
    circ = _random_circuit(rng, 9, 60)
    args = _args(circ, target, rng, 3, 0.0)
    order, swaps, ent, final, depth, merged = fast.sabre_route(*args)
    # every row once, every swap once
    rows = order[order >= 0]
    assert sorted(rows.tolist()) == list(range(len(circ)))
    assert sorted((-order[order < 0] - 1).tolist()) == list(range(len(swaps)))
    # replaying the swaps from the initial layout gives the final layout
    lay = args[LAYOUT].copy()
    p2l = np.argsort(lay)
    for a, b in swaps:
        p2l[a], p2l[b] = p2l[b], p2l[a]
    np.testing.assert_array_equal(np.argsort(p2l), final)
    assert 0 <= merged <= len(swaps) and depth >= 1


def test_empty_and_single_qubit_circuits():
    target = _grid(2, 2)
    for circ in (Circuit.builder(4).build(), Circuit.from_instructions(4, [("h", (0,))])):
        args = _args(circ, target, np.random.default_rng(0), 1, 0.0)
        for mod in (fast, ref):
            order, swaps, ent, final, depth, merged = mod.sabre_route(*args)
            assert len(swaps) == 0 and depth == 0
            assert order.tolist() == list(range(len(circ)))


def test_kernel_rejects_bad_input():
    target = _grid(2, 2)
    circ = Circuit.from_instructions(4, [("cx", (0, 3))])
    args = list(_args(circ, target, np.random.default_rng(0), 1, 0.0))
    bad = list(args)
    bad[LAYOUT] = np.array([0, 0, 1, 2], np.int32)
    for mod in (fast, ref):
        with pytest.raises(ValueError, match="permutation"):
            mod.sabre_route(*bad)
    bad = list(args)
    bad[4] = np.array([4], np.uint8)
    for mod in (fast, ref):
        with pytest.raises(ValueError, match="kinds"):
            mod.sabre_route(*bad)
    # a dependency cycle (row 0 after itself) leaves rows unemitted
    bad = list(args)
    bad[2], bad[3] = np.array([0, 1], np.int32), np.array([0], np.int32)
    for mod in (fast, ref):
        with pytest.raises(ValueError, match="cycle"):
            mod.sabre_route(*bad)


def test_disconnected_pair_is_an_error():
    target = Target("two-lines", 4, [(0, 1), (2, 3)])
    circ = Circuit.from_instructions(4, [("cx", (0, 2))])
    args = _args(circ, target, np.random.default_rng(0), 1, 0.0)
    args = args[:LAYOUT] + (np.arange(4, dtype=np.int32),) + args[LAYOUT + 1:]
    for mod in (fast, ref):
        with pytest.raises(ValueError, match="disconnected"):
            mod.sabre_route(*args)


def test_build_dag_matches_reference():
    rng = np.random.default_rng(11)
    for _ in range(30):
        circ = _random_circuit(rng, 6, int(rng.integers(0, 60)))
        ptr, wires = circ.operands()
        axis = operand_axes(circ)
        nw = circ.num_qubits + circ.num_clbits
        got, want = fast.build_dag(ptr, wires, axis, nw), ref.build_dag(ptr, wires, axis, nw)
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_array_equal(got[1], want[1])
        assert got[2] == want[2]


def test_build_dag_without_axes_is_the_wire_order():
    rng = np.random.default_rng(12)
    circ = _random_circuit(rng, 5, 50)
    ptr, wires = circ.operands()
    sp, sc, nn = fast.build_dag(ptr, wires, np.zeros(len(wires), np.uint8),
                                circ.num_qubits + circ.num_clbits)
    assert nn == len(circ)
    nxt = circ.wires().next
    for r in range(len(circ)):
        want = sorted(int(x) for x in nxt[ptr[r]:ptr[r + 1]] if x >= 0)
        assert sorted(sc[sp[r]:sp[r + 1]].tolist()) == want


def test_build_dag_relaxes_commuting_runs():
    """cz(0,1) cz(0,2) cz(0,3) share qubit 0 (a Z run): none waits for another; the x on
    qubit 0 waits for all three through one join node."""
    circ = Circuit.from_instructions(4, [("cz", (0, 1)), ("cz", (0, 2)), ("cz", (0, 3)),
                                         ("x", (0,))])
    ptr, wires = circ.operands()
    sp, sc, nn = fast.build_dag(ptr, wires, operand_axes(circ), 4)
    assert nn == 5
    succ = [sorted(sc[sp[i]:sp[i + 1]].tolist()) for i in range(nn)]
    assert succ == [[4], [4], [4], [], [3]]
