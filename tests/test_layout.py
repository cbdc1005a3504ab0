"""Layout passes: valid permutations, equivalence, VF2 embeddings and refusals, errors."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qtool import Circuit, Layout
from qtool.errors import TargetError
from qtool.gates import GATES
from qtool.passes.layout import (DenseLayout, LayoutNotFound, SabreLayout, TrivialLayout,
                                 VF2Layout)
from qtool.passes.layout.trivial import interaction_graph
from qtool.passes.layout.vf2 import find_perfect_layout
from qtool.passes.routing import SabreRouting
from qtool.passmanager import Context
from qtool.targets import respects_coupling
from qtool.targets.target import Props, Target
from qtool.testing import assert_equivalent, circuits

GATESET_2Q = tuple(g.name for g in GATES.gates
                   if g.is_unitary and g.name != "unitary" and g.num_qubits <= 2)
LAYOUTS = [TrivialLayout(), DenseLayout(), VF2Layout(), SabreLayout(trials=3)]


def _grid(r, c, **kw):
    edges = [(i * c + j, i * c + j + 1) for i in range(r) for j in range(c - 1)]
    edges += [(i * c + j, (i + 1) * c + j) for i in range(r - 1) for j in range(c)]
    return Target(f"grid:{r}x{c}", r * c, edges, **kw)


def _heavy_hex(d=3):
    import rustworkx as rx
    g = rx.generators.heavy_hex_graph(d)
    return Target(f"heavyhex:{d}", g.num_nodes(), [tuple(e) for e in g.edge_list()])


GRID = _grid(3, 3)
HEAVY = _heavy_hex()
LINE = Target("line:6", 6, [(i, i + 1) for i in range(5)])


def _run(p, circ, target, seed=0):
    return p.run(circ, Context(target=target, seed=seed, check=True).for_pass(0))


def _check_laid_out(circ, out, target):
    n, N = circ.num_qubits, target.num_qubits
    assert out.num_qubits == N
    assert out.qregs == (("$", N),)
    lay = out.layout
    assert lay.num_virtual == n
    assert sorted(lay.initial) == list(range(N)) and lay.final == lay.initial
    # rows are the input's rows relabelled virtual v -> initial[v]
    assert len(out) == len(circ)
    for i in range(len(circ)):
        assert out.name_of(i) == circ.name_of(i)
        assert out.qubits_of(i) == tuple(lay.initial[q] for q in circ.qubits_of(i))
        assert out.params_of(i) == circ.params_of(i)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(circ=circuits((1, 6), GATESET_2Q, max_ops=25), t=st.sampled_from([GRID, HEAVY, LINE]),
       p=st.sampled_from([TrivialLayout(), DenseLayout(), SabreLayout(trials=3)]))
def test_layout_is_a_valid_relabelling(circ, t, p):
    out = _run(p, circ, t)
    _check_laid_out(circ, out, t)
    assert_equivalent(circ, out)


@settings(max_examples=25, deadline=None)
@given(circ=circuits((2, 6), GATESET_2Q, max_ops=20))
def test_vf2_layout_is_swap_free_or_refuses(circ):
    try:
        out = _run(VF2Layout(), circ, HEAVY)
    except LayoutNotFound:
        return
    _check_laid_out(circ, out, HEAVY)
    assert respects_coupling(out, HEAVY)


@pytest.mark.parametrize("p", [VF2Layout(), SabreLayout()], ids=["vf2", "sabre"])
def test_ghz_chain_embeds_on_heavy_hex_without_swaps(p, measured_ghz):
    t = _heavy_hex(5)          # 57 qubits
    circ = measured_ghz(20)
    out = _run(p, circ, t)
    assert respects_coupling(out, t)
    routed = SabreRouting()(out, target=t)
    assert routed.count_ops().get("swap", 0) == 0


def test_vf2_refuses_a_triangle_on_a_grid():
    # bipartite coupling: no odd cycle embeds (the search must end, not enumerate 144^3)
    circ = Circuit.from_instructions(3, [("cx", (0, 1)), ("cx", (1, 2)), ("cx", (2, 0))])
    big = _grid(12, 12)
    assert find_perfect_layout(interaction_graph(circ), big) is None
    with pytest.raises(LayoutNotFound):
        _run(VF2Layout(), circ, big)


def test_vf2_refuses_too_high_degree():
    star = Circuit.from_instructions(5, [("cz", (0, i)) for i in range(1, 5)])
    assert find_perfect_layout(interaction_graph(star), HEAVY) is None   # degree 4 > 3
    assert find_perfect_layout(interaction_graph(star), _grid(3, 3)) is not None


def test_vf2_prefers_low_error_couplings():
    edges = [(i, i + 1) for i in range(7)]
    props = {"cx": {(a, b): Props(error=0.05 if a < 4 else 0.001) for a, b in edges}}
    t = Target("line-cal", 8, edges, props=props)
    circ = Circuit.from_instructions(3, [("cx", (0, 1)), ("cx", (1, 2))])
    out = _run(VF2Layout(), circ, t)
    assert min(out.layout.initial[:3]) >= 4


def test_sabre_layout_without_vf2_still_finds_a_good_layout():
    """A line circuit on a grid: the SABRE search alone reaches (almost) no swaps."""
    b = Circuit.builder(6)
    for _ in range(3):
        for i in range(5):
            b.cx(i, i + 1)
    circ = b.build()
    ctx = Context(target=GRID, seed=3)
    out = SabreLayout(use_vf2=False, trials=8).run(circ, ctx.for_pass(0))
    routed = SabreRouting().run(out, ctx.for_pass(1))
    assert routed.count_ops().get("swap", 0) <= 1
    assert_equivalent(circ, routed)


def test_dense_layout_uses_a_connected_dense_region():
    t = Target("line+square", 8, [(0, 1), (1, 2), (2, 3), (4, 5), (5, 6), (6, 7), (7, 4),
                                  (3, 4)])
    circ = Circuit.from_instructions(4, [("cx", (0, 1)), ("cx", (1, 2)), ("cx", (2, 3)),
                                         ("cx", (3, 0))])
    out = _run(DenseLayout(), circ, t)
    assert sorted(out.layout.initial[:4]) == [4, 5, 6, 7]
    assert respects_coupling(out, t)


def test_layouts_are_deterministic():
    rng = np.random.default_rng(0)
    b = Circuit.builder(7)
    for _ in range(40):
        a, c = (int(x) for x in rng.choice(7, 2, replace=False))
        b.cx(a, c)
    circ = b.build()
    for p in LAYOUTS[1:]:
        try:
            outs = [_run(p, circ, HEAVY, seed=5) for _ in range(2)]
        except LayoutNotFound:
            continue
        assert outs[0] == outs[1]
    a = SabreLayout(threads=1).run(circ, Context(target=HEAVY, seed=9).for_pass(0))
    b2 = SabreLayout(threads=2).run(circ, Context(target=HEAVY, seed=9).for_pass(0))
    assert a == b2


@pytest.mark.parametrize("p", LAYOUTS, ids=lambda p: p.pass_name)
def test_too_small_target_is_a_target_error(p):
    circ = Circuit.from_instructions(7, [("cx", (0, 6))])
    with pytest.raises(TargetError, match="circuit needs 7 qubits but target line:6 has 6"):
        _run(p, circ, LINE)


@pytest.mark.parametrize("p", LAYOUTS, ids=lambda p: p.pass_name)
def test_placed_circuits_are_kept(p):
    circ = Circuit.from_instructions(3, [("cx", (0, 2))])
    laid = Layout((2, 0, 1, 3, 4, 5), (2, 0, 1, 3, 4, 5), 3)
    physical = circ.remap([2, 0, 1], 6).replace(layout=laid, qregs=(("$", 6),))
    assert _run(p, physical, LINE) is physical
    # on the physical register without a layout: trivial, padded to the target
    bare = circ.replace(qregs=(("$", 3),))
    out = _run(p, bare, LINE)
    assert out.layout == Layout.trivial(3, 6) and out.num_qubits == 6


def test_idle_and_one_qubit_only_circuits():
    circ = Circuit.from_instructions(3, [("h", (0,)), ("x", (2,))])
    for p in LAYOUTS:
        out = _run(p, circ, HEAVY)
        _check_laid_out(circ, out, HEAVY)


def test_sabre_layout_on_disconnected_target_uses_one_component():
    t = Target("islands", 9, [(0, 1), (1, 2), (3, 4), (4, 5), (5, 6), (6, 7), (7, 8), (8, 3)])
    b = Circuit.builder(4)
    for i in range(4):
        for j in range(i + 1, 4):
            b.cx(i, j)
    circ = b.build()
    out = _run(SabreLayout(trials=6), circ, t)
    assert all(p >= 3 for p in out.layout.initial[:4])
    routed = SabreRouting()(out, target=t)
    assert respects_coupling(routed, t)
    assert_equivalent(circ, routed)


def test_options_are_validated():
    with pytest.raises(ValueError):
        SabreLayout(trials=0)
    with pytest.raises(ValueError):
        VF2Layout(call_limit=0)
    assert SabreLayout(trials=5).to_dict()["trials"] == 5


def test_sabre_layout_leaves_a_reproducible_routing_hint():
    """The seed SabreLayout found routes the laid-out circuit exactly as well as the search
    saw, so SabreRouting (which adds it to its trials) never does worse."""
    from qtool.passes.routing.sabre import (SabreRoutingHint, route_once, coupling_arrays,
                                            routing_problem)
    rng = np.random.default_rng(4)
    b = Circuit.builder(8, 8)
    for _ in range(60):
        a, c = (int(x) for x in rng.choice(8, 2, replace=False))
        b.cx(a, c)
        b.rz(0.1, c)
    for q in range(8):
        b.measure(q, q)
    circ = b.build()
    ctx = Context(target=HEAVY, seed=2)
    lay = SabreLayout(use_vf2=False, trials=4).run(circ, ctx.for_pass(0))
    hint = ctx.analyses[SabreRoutingHint]
    assert hint.version == lay.version
    assert hint.heuristic in (SabreRouting().heuristic(True), SabreRouting().heuristic(False))
    res = route_once(routing_problem(lay, commute=hint.heuristic.commutation),
                      coupling_arrays(HEAVY),
                      np.arange(HEAVY.num_qubits, dtype=np.int32), hint.seed, hint.heuristic)
    assert res.key(True) == hint.key
    out = SabreRouting(trials=1).run(lay, ctx.for_pass(1))
    assert respects_coupling(out, HEAVY)
    assert_equivalent(circ, out)
