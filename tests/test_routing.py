"""SabreRouting: coupling respected, exact equivalence, classical structure, determinism."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qtool import Circuit
from qtool.errors import TargetError
from qtool.gates import BARRIER, GATES
from qtool.passes.layout import SabreLayout, TrivialLayout
from qtool.passes.routing import SabreRouting
from qtool.passes.routing.sabre import AXIS
from qtool.passmanager import Context, Pipeline
from qtool.targets import respects_coupling
from qtool.targets.target import Props, Target
from qtool.testing import assert_equivalent, circuits, random_parameter_values

GATESET_2Q = tuple(g.name for g in GATES.gates
                   if g.is_unitary and g.name != "unitary" and g.num_qubits <= 2)


def _grid(r, c):
    edges = [(i * c + j, i * c + j + 1) for i in range(r) for j in range(c - 1)]
    edges += [(i * c + j, (i + 1) * c + j) for i in range(r - 1) for j in range(c)]
    return Target(f"grid:{r}x{c}", r * c, edges)


def _heavy_hex():
    import rustworkx as rx
    g = rx.generators.heavy_hex_graph(3)
    return Target("heavyhex:3", g.num_nodes(), [tuple(e) for e in g.edge_list()])


LINE = Target("line:8", 8, [(i, i + 1) for i in range(7)])
RING = Target("ring:8", 8, [(i, (i + 1) % 8) for i in range(8)])
GRID = _grid(3, 3)
HEAVY = _heavy_hex()
TARGETS = [LINE, RING, GRID, HEAVY]

SETTINGS = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _route(circ, target, layout=None, seed=0, **kw):
    ctx = Context(target=target, seed=seed, check=True)
    lay = (layout or TrivialLayout()).run(circ, ctx.for_pass(0))
    return SabreRouting(**kw).run(lay, ctx.for_pass(1))


@SETTINGS
@given(circ=circuits((3, 8), GATESET_2Q, max_ops=40), t=st.sampled_from(TARGETS),
       seed=st.integers(0, 3))
def test_routed_circuit_respects_coupling_and_is_equivalent(circ, t, seed):
    out = _route(circ, t, seed=seed)
    assert respects_coupling(out, t)
    assert out.num_qubits == t.num_qubits
    assert_equivalent(circ, out)


@SETTINGS
@given(circ=circuits((3, 7), GATESET_2Q, max_ops=30, measure=True), t=st.sampled_from(TARGETS))
def test_routing_after_sabre_layout_with_measurements(circ, t):
    out = _route(circ, t, layout=SabreLayout(trials=3, iterations=1),
                 merge_weight=0.5)
    assert respects_coupling(out, t)
    assert_equivalent(circ, out)


@settings(max_examples=15, deadline=None)
@given(circ=circuits((3, 6), GATESET_2Q, max_ops=25, symbolic=True))
def test_symbolic_parameters_pass_through(circ):
    out = _route(circ, GRID)
    assert out.parameters == circ.parameters
    vals = random_parameter_values(circ)
    assert_equivalent(circ, out, bind=vals)


def _unroute(routed: Circuit):
    """Per logical wire, the sequence of (name, params, logical qubits, clbit, cond) of the
    routed circuit with its swaps undone."""
    lay = routed.layout
    p2l = {p: q for q, p in enumerate(lay.initial)}
    wires: dict = {}
    for i in range(len(routed)):
        name = routed.name_of(i)
        qs = routed.qubits_of(i)
        if name == "swap":
            a, b = qs
            p2l[a], p2l[b] = p2l[b], p2l[a]
            continue
        key = (name, routed.params_of(i), tuple(p2l[q] for q in qs), int(routed.cargs[i]),
               int(routed.cond[i]))
        for w in key[2]:
            wires.setdefault(("q", w), []).append(key)
        for c in {int(routed.cargs[i]), int(routed.cond[i])} - {-1}:
            wires.setdefault(("c", c), []).append(key)
    return wires, p2l


def _wire_sequences(circ: Circuit):
    wires: dict = {}
    for i in range(len(circ)):
        key = (circ.name_of(i), circ.params_of(i), circ.qubits_of(i), int(circ.cargs[i]),
               int(circ.cond[i]))
        for w in key[2]:
            wires.setdefault(("q", w), []).append(key)
        for c in {int(circ.cargs[i]), int(circ.cond[i])} - {-1}:
            wires.setdefault(("c", c), []).append(key)
    return wires


@st.composite
def classical_circuits(draw):
    n = draw(st.integers(3, 7))
    b = Circuit.builder(n, 2)
    for _ in range(draw(st.integers(0, 40))):
        kind = draw(st.integers(0, 6))
        qs = draw(st.permutations(range(n)))
        if kind == 0:
            b.measure(qs[0], draw(st.integers(0, 1)))
        elif kind == 1:
            b.reset(qs[0])
        elif kind == 2:
            b.barrier(*sorted(qs[:draw(st.integers(1, n))]))
        elif kind == 3:
            b.cx(qs[0], qs[1], cond=draw(st.integers(0, 1)), cond_val=draw(st.integers(0, 1)))
        elif kind == 4:
            b.rz(draw(st.floats(-3, 3)), qs[0], cond=draw(st.integers(-1, 1)))
        else:
            b.cz(qs[0], qs[1])
    return b.build()


def _segments(wires: dict) -> dict:
    """Each wire's sequence cut into runs of rows that commute on it (same nonzero axis
    from ``AXIS``); a run is compared as a multiset, the runs in order."""
    out = {}
    for (kind, w), seq in wires.items():
        segs, cur, cur_axis = [], [], 0
        for key in seq:
            name, _, qubits, _, cond = key
            axis = 0
            if kind == "q" and cond < 0 and len(qubits) <= 3:
                axis = int(AXIS[GATES.by_name[name].op, qubits.index(w)])
            if axis and axis == cur_axis:
                cur.append(key)
                continue
            if cur:
                segs.append(sorted(cur, key=repr))
            cur, cur_axis = [key], axis
        if cur:
            segs.append(sorted(cur, key=repr))
        out[(kind, w)] = segs
    return out


@SETTINGS
@given(circ=classical_circuits(), t=st.sampled_from(TARGETS), commute=st.booleans(),
       sabre=st.booleans())
def test_measurements_resets_barriers_conditions_keep_their_order(circ, t, commute, sabre):
    """Routing may interleave wires differently but never reorders non-commuting rows on
    one wire (qubit or classical bit): undoing the swaps gives back every wire's sequence
    (exactly without ``commutation``; up to runs of commuting rows with it)."""
    mode = "on" if commute else "off"
    layout = SabreLayout(trials=2, iterations=1, commutation=mode) if sabre else None
    out = _route(circ, t, layout=layout, commutation=mode)
    assert respects_coupling(out, t)
    got, p2l = _unroute(out)
    got = {k: v for k, v in got.items() if v}
    want = _wire_sequences(circ)
    if commute:
        assert _segments(got) == _segments(want)
    else:
        assert got == want
    # the final layout is where the logical qubits ended up
    for q in range(circ.num_qubits):
        assert out.layout.final[q] == {lq: p for p, lq in p2l.items()}[q]


def test_wide_barrier_is_routed_whole():
    b = Circuit.builder(6)
    b.cx(0, 5)
    b.barrier(0, 1, 2, 3, 4, 5)
    b.cx(1, 4)
    b.h(2)
    circ = b.build()
    out = _route(circ, LINE)
    assert respects_coupling(out, LINE)
    names = [out.name_of(i) for i in range(len(out))]
    bar = names.index("barrier")
    assert len(out.qubits_of(bar)) == 6
    # the rows before the barrier stay before it on every wire, the rows after stay after
    assert names[:bar].count("cx") == 1 and "h" not in names[:bar]
    # barriers are identities: compare the unitaries without them
    assert_equivalent(circ.select(circ.op != BARRIER), out.select(out.op != BARRIER))


def test_determinism_and_thread_independence():
    rng = np.random.default_rng(3)
    b = Circuit.builder(9)
    for _ in range(120):
        a, c = (int(x) for x in rng.choice(9, 2, replace=False))
        b.cx(a, c)
        b.rz(float(rng.uniform()), a)
    circ = b.build()
    runs = [_route(circ, GRID, seed=11, threads=th) for th in (1, 2, 1)]
    assert runs[0] == runs[1] == runs[2]
    other = _route(circ, GRID, seed=12)
    assert respects_coupling(other, GRID)


def test_already_routed_circuit_is_returned_unchanged():
    b = Circuit.builder(8)
    for i in range(7):
        b.cx(i, i + 1)
    lay = TrivialLayout()(b.build(), target=LINE)
    out = SabreRouting()(lay, target=LINE)
    assert out is lay


def test_final_layout_composes_with_existing_layout():
    b = Circuit.builder(4)
    b.cx(0, 3)
    b.cx(1, 2)
    base = b.build()
    lay = TrivialLayout()(base, target=LINE)
    once = SabreRouting()(lay, target=LINE)
    # route a circuit that already carries a non-trivial final layout
    b2 = Circuit.builder(8)
    b2.cx(0, 7)
    second = b2.build().replace(layout=once.layout)
    twice = SabreRouting()(second, target=LINE)
    assert respects_coupling(twice, LINE)
    assert sorted(twice.layout.final) == list(range(8))


def test_noise_aware_routing_is_equivalent():
    props = {"cx": {(a, b): Props(error=1e-3 * (1 + (a * 7 + b) % 5))
                    for a, b in GRID.undirected_edges.tolist()}}
    t = Target("grid-cal", 9, GRID.undirected_edges.tolist(), props=props)
    rng = np.random.default_rng(0)
    b = Circuit.builder(9)
    for _ in range(30):
        a, c = (int(x) for x in rng.choice(9, 2, replace=False))
        b.cx(a, c)
    circ = b.build()
    out = _route(circ, t, noise_aware=True)
    assert respects_coupling(out, t)
    assert_equivalent(circ, out)


def test_routing_needs_a_laid_out_circuit():
    circ = Circuit.from_instructions(3, [("cx", (0, 2))])
    with pytest.raises(TargetError, match="laid-out"):
        SabreRouting()(circ, target=LINE)


def test_gate_across_disconnected_parts_is_a_target_error():
    t = Target("islands", 4, [(0, 1), (2, 3)])
    circ = Circuit.from_instructions(4, [("cx", (0, 2))])
    lay = TrivialLayout()(circ, target=t)
    with pytest.raises(TargetError, match="disconnected"):
        SabreRouting()(lay, target=t)


def test_options_are_validated():
    with pytest.raises(ValueError):
        SabreRouting(trials=0)
    with pytest.raises(ValueError):
        SabreRouting(lookahead_layers=-1)
    with pytest.raises(ValueError):
        SabreRouting(merge_weight=-1)
    d = SabreRouting(trials=4, merge_weight=0.5).to_dict()
    assert d["pass"] == "SabreRouting" and d["trials"] == 4


def test_pipeline_layout_then_routing():
    rng = np.random.default_rng(7)
    b = Circuit.builder(7, 7)
    for _ in range(40):
        a, c = (int(x) for x in rng.choice(7, 2, replace=False))
        b.cp(float(rng.uniform()), a, c)
    for q in range(7):
        b.measure(q, q)
    circ = b.build()
    pipe = Pipeline([SabreLayout(trials=4), SabreRouting(trials=4)], strict=False)
    out = pipe(circ, Context(target=HEAVY, seed=1, check=True))
    assert respects_coupling(out, HEAVY)
    assert out.layout.num_virtual == 7
    assert_equivalent(circ, out)


def _qft_like(n):
    b = Circuit.builder(n)
    for i in range(n):
        b.h(i)
        for j in range(i + 1, n):
            b.cp(np.pi / 2 ** (j - i), j, i)
    return b.build()


def test_wide_circuit_routes():
    """A 50-qubit QFT (1225 two-qubit gates) on a 127-qubit heavy-hex (speed: see
    benchmarks/routing_kernels.py and compile_bench.py)."""
    import rustworkx as rx
    g = rx.generators.heavy_hex_graph(7)
    t = Target("heavyhex:7", g.num_nodes(), [tuple(e) for e in g.edge_list()])
    circ = _qft_like(50)
    ctx = Context(target=t, seed=0)
    lay = SabreLayout(trials=8).run(circ, ctx.for_pass(0))
    out = SabreRouting(trials=8).run(lay, ctx.for_pass(1))
    assert respects_coupling(out, t)
