"""NoiseAwarePostLayout and the shared placement scoring: equivalence after relabelling,
the score never rises, bad regions are left, determinism, directed targets."""
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qtool import Circuit
from qtool.gates import GATES
from qtool.passes import (NoiseAwarePostLayout, SabreLayout, SabreRouting, TranslateToBasis,
                          TrivialLayout)
from qtool.passes.layout.post_layout import post_layout_permutation
from qtool.passes.layout.scoring import (_beam_search, _su4_cx_count, coupling_graph,
                                         placement_costs, score_placements, search_placement,
                                         usage_of_circuit)
from qtool.passmanager import Context, Pipeline, check_property, pass_from_dict
from qtool.presets import preset_pipeline
from qtool.targets import get_target, in_basis, respects_coupling
from qtool.targets.metrics import estimate_success_probability
from qtool.targets.target import Props, Target
from qtool.testing import assert_equivalent, circuits

GATESET_2Q = tuple(g.name for g in GATES.gates
                   if g.is_unitary and g.name != "unitary" and g.num_qubits <= 2)


# ---------------------------------------------------------------------------- targets
def _calibrated(name, n, edges, *, seed=0, gate_2q="cx", directed=False, bad=()):
    """A target with made-up, non-uniform calibration; qubits in ``bad`` are awful."""
    rng = np.random.default_rng(seed)
    e2 = {}
    for a, b in edges:
        err = float(10 ** rng.uniform(-3, -1.5))
        if a in bad or b in bad:
            err = 0.2
        e2[(a, b)] = Props(err, 3e-7)
        if not directed:
            e2[(b, a)] = Props(err, 3e-7)
    sx = {(q,): Props(0.05 if q in bad else float(10 ** rng.uniform(-4, -3)), 5e-8)
          for q in range(n)}
    props = {gate_2q: e2, "sx": sx, "x": dict(sx),
             "rz": {(q,): Props(0.0, 0.0) for q in range(n)}}
    readout = [0.3 if q in bad else float(10 ** rng.uniform(-2.3, -1)) for q in range(n)]
    return Target(name, n, edges, ("rz", "sx", "x"), gate_2q, directed=directed, props=props,
                  readout_error=readout)


def _grid_edges(r, c):
    edges = [(i * c + j, i * c + j + 1) for i in range(r) for j in range(c - 1)]
    return edges + [(i * c + j, (i + 1) * c + j) for i in range(r - 1) for j in range(c)]


def _heavy_hex_edges(d=3):
    import rustworkx as rx
    g = rx.generators.heavy_hex_graph(d)
    return g.num_nodes(), [tuple(e) for e in g.edge_list()]


LINE = _calibrated("line:8", 8, [(i, i + 1) for i in range(7)], seed=1)
GRID = _calibrated("grid:3x3", 9, _grid_edges(3, 3), seed=2)
HEAVY = _calibrated("heavyhex:3", *_heavy_hex_edges(3), seed=3)
# directed: each coupler calibrated in one direction only
DIRECTED = _calibrated("grid:3x3-ecr", 9,
                       [(a, b) if (a + b) % 2 else (b, a) for a, b in _grid_edges(3, 3)],
                       seed=4, gate_2q="ecr", directed=True)


def _ctx(target, seed=0, check=True):
    return Context(target=target, seed=seed, check=check)


def _routed(circ, target, seed=0, layout=None):
    ctx = _ctx(target, seed)
    lay = (layout or SabreLayout(trials=2)).run(circ, ctx.for_pass(0))
    return SabreRouting(trials=2).run(lay, ctx.for_pass(1))


def _score(circ, target):
    costs = placement_costs(target)
    u = usage_of_circuit(circ, target, costs)
    return float(score_placements(u, costs, u.qubits)) if u.num_used else 0.0


# ---------------------------------------------------------------------------- the pass
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(circ=circuits((2, 6), GATESET_2Q, max_ops=25, measure=True),
       t=st.sampled_from([LINE, GRID, HEAVY]), seed=st.integers(0, 3),
       layout=st.sampled_from([TrivialLayout(), SabreLayout(trials=2)]))
def test_relabelling_is_equivalent_and_never_worse(circ, t, seed, layout):
    routed = _routed(circ, t, seed, layout)
    ctx = _ctx(t, seed)
    out = NoiseAwarePostLayout().run(routed, ctx.for_pass(2))
    assert_equivalent(circ, out)
    for prop in ("routed", "laid_out"):
        assert check_property(prop, out, ctx)
    assert sorted(out.layout.initial) == list(range(t.num_qubits))
    assert out.layout.num_virtual == routed.layout.num_virtual
    assert len(out) == len(routed) and out.count_ops() == routed.count_ops()
    before, after = _score(routed, t), _score(out, t)
    assert after <= before + 1e-9
    assert (out is routed) == (after == before)


def test_moves_off_a_bad_region():
    """A chain placed (trivially) on awful qubits 0..3 moves to the good end of a line."""
    n = 10
    t = _calibrated("line-bad", n, [(i, i + 1) for i in range(n - 1)], seed=5, bad=(0, 1, 2, 3))
    b = Circuit.builder(4, 4)
    b.h(0)
    for i in range(3):
        b.cx(i, i + 1)
    for i in range(4):
        b.measure(i, i)
    circ = b.build()
    routed = _routed(circ, t, layout=TrivialLayout())
    assert set(routed.layout.initial[:4]) == {0, 1, 2, 3}
    out = NoiseAwarePostLayout().run(routed, _ctx(t).for_pass(2))
    assert not set(out.layout.initial[:4]) & {0, 1, 2, 3}
    assert_equivalent(circ, out)
    esp = [estimate_success_probability(TranslateToBasis()(c, target=t), t)
           for c in (routed, out)]
    assert esp[1] > 2 * esp[0]


def test_isolated_measured_qubits_go_to_the_best_readout():
    """Qubits without two-qubit gates land on the free qubits with the lowest readout error."""
    n = 6
    t = _calibrated("line6", n, [(i, i + 1) for i in range(n - 1)], seed=6)
    b = Circuit.builder(3, 3)
    b.cx(0, 1)
    b.h(2)
    for q in range(3):
        b.measure(q, q)
    circ = b.build()
    routed = _routed(circ, t, layout=TrivialLayout())
    out = NoiseAwarePostLayout().run(routed, _ctx(t).for_pass(2))
    assert_equivalent(circ, out)
    used = set(out.layout.initial[:2])
    free = [p for p in range(n) if p not in used]
    best = min(free, key=lambda p: t.readout_error[p] + 1e-9 * p)
    assert out.layout.initial[2] == best


def test_deterministic_across_runs_and_target_objects():
    circ = _ghz_like(7)
    t1 = _calibrated("hh", *_heavy_hex_edges(3), seed=7)
    t2 = _calibrated("hh", *_heavy_hex_edges(3), seed=7)      # equal, but a new object
    outs = []
    for t in (t1, t1, t2):
        routed = _routed(circ, t, seed=3)
        outs.append(NoiseAwarePostLayout().run(routed, _ctx(t, 3).for_pass(2)))
    assert outs[0] == outs[1] == outs[2]


def test_directed_target_then_translation_is_in_basis():
    circ = _ghz_like(5, extra=True)
    routed = _routed(circ, DIRECTED, seed=1)
    pipe = Pipeline([NoiseAwarePostLayout(), TranslateToBasis()], strict=False)
    pipe.check(frozenset({"decomposed", "laid_out", "routed"}))
    ctx = _ctx(DIRECTED, 1)
    out = pipe.run(routed, ctx.for_pass(2))
    assert in_basis(out, DIRECTED)
    assert respects_coupling(out, DIRECTED)           # every ecr in a calibrated direction
    assert_equivalent(circ, out)


def test_native_rows_keep_a_calibrated_direction_on_directed_targets():
    """Rows that already are the directed native gate are only placed where they run (and
    a placement that runs them beats one that does not, whatever the errors)."""
    b = Circuit.builder(3)
    b.ecr(0, 1)
    b.ecr(1, 2)
    b.sx(0)
    circ = b.build()
    for seed in range(4):
        t = _calibrated("line-fwd", 7, [(i, i + 1) for i in range(6)], seed=seed,
                        gate_2q="ecr", directed=True)
        routed = _routed(circ, t, seed=seed)
        out = NoiseAwarePostLayout().run(routed, _ctx(t, seed).for_pass(2))
        assert respects_coupling(out, t)
        assert_equivalent(circ, out)


def test_uniform_target_is_left_alone():
    t = get_target("grid:3x3")
    routed = _routed(_ghz_like(5), t)
    assert NoiseAwarePostLayout().run(routed, _ctx(t).for_pass(2)) is routed


def test_builtin_device_improves():
    t = get_target("ibm_heron")
    circ = _ghz_like(12)                       # trivially on 0..11: the first row
    routed = _routed(circ, t, layout=TrivialLayout())
    perm = post_layout_permutation(routed, t)
    assert perm is not None and sorted(perm.tolist()) == list(range(t.num_qubits))
    out = NoiseAwarePostLayout().run(routed, _ctx(t).for_pass(2))
    assert _score(out, t) < _score(routed, t)
    assert respects_coupling(out, t)


def test_configuration_is_checked_and_serialises():
    with pytest.raises(ValueError):
        NoiseAwarePostLayout(max_mappings=0)
    with pytest.raises(ValueError):
        NoiseAwarePostLayout(beam_width=-1)
    p = NoiseAwarePostLayout(call_limit=5000, max_mappings=300, beam_width=4)
    assert pass_from_dict(p.to_dict()) == p
    assert NoiseAwarePostLayout.stage == "routing"


def test_presets_run_it_between_routing_and_translation():
    for level in (1, 2, 3):
        names = _pass_names(preset_pipeline(level))
        i = names.index("NoiseAwarePostLayout")
        assert names[i - 1] == "SabreRouting" and names[i + 1] == "TranslateToBasis"
    assert "NoiseAwarePostLayout" not in _pass_names(preset_pipeline(0))


# ---------------------------------------------------------------------------- scoring
@pytest.mark.parametrize("name,count", [("cx", 1), ("cz", 1), ("ecr", 1), ("ch", 1),
                                        ("swap", 3), ("iswap", 2), ("cs", 2), ("id", 0)])
def test_two_qubit_gate_counts(name, count):
    g = GATES.by_name[name]
    mat = g.matrix() if g.num_qubits == 2 else np.kron(g.matrix(), g.matrix())
    assert _su4_cx_count(mat) == count


def test_blocks_on_one_pair_cost_at_most_three():
    t = LINE
    b = Circuit.builder(3)
    for _ in range(4):
        b.cx(0, 1)
        b.h(1)
    b.swap(0, 1)
    b.cx(1, 2)      # another pair: its own block
    b.cx(0, 1)      # after qubit 1 met qubit 2: a new block on (0, 1)
    u = usage_of_circuit(b.build(), t)
    w = {tuple(u.qubits[e].tolist()): x for e, x in zip(u.edges, u.edge_weight)}
    assert w == {(0, 1): 3 + 1, (1, 2): 1}


def test_score_matches_a_plain_sum():
    t = GRID
    circ = _routed(_ghz_like(5, extra=True), t)
    costs = placement_costs(t)
    u = usage_of_circuit(circ, t, costs)
    rng = np.random.default_rng(0)
    phys = np.array([rng.permutation(t.num_qubits)[:u.num_used] for _ in range(20)])
    phys[0] = u.qubits
    got = score_placements(u, costs, phys)
    for row, s in zip(phys, got):
        want = sum(u.qubit_cost[i, row[i]] for i in range(u.num_used))
        want += sum(w * costs.edge[row[a], row[b]] for (a, b), w in zip(u.edges, u.edge_weight))
        assert s == pytest.approx(want) if math.isfinite(want) else s == want


def test_search_finds_the_best_chain_on_a_line():
    """On a line every embedding of a 3-chain is a window: the best window wins."""
    t = _calibrated("line12", 12, [(i, i + 1) for i in range(11)], seed=9)
    circ = Circuit.from_instructions(3, [("cx", (0, 1)), ("cx", (1, 2)), ("cx", (0, 1))])
    costs = placement_costs(t)
    u = usage_of_circuit(circ, t, costs)
    phys, score = search_placement(u, t, costs=costs)
    windows = [np.array(w) for s in range(10) for w in ((s, s + 1, s + 2), (s + 2, s + 1, s))]
    best = min(float(score_placements(u, costs, w)) for w in windows)
    assert score == pytest.approx(best)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), size=st.integers(2, 6), cyclic=st.booleans())
def test_a_wide_beam_is_exhaustive_and_exact(seed, size, cyclic):
    """With room for every partial placement the beam search is exhaustive: it returns
    valid embeddings only, and its best matches the best of all VF2 embeddings."""
    import rustworkx as rx
    t = _calibrated("grid:3x3", 9, _grid_edges(3, 3), seed=seed)
    edges = [(i, i + 1) for i in range(size - 1)]
    if cyclic and size == 4:
        edges.append((0, 3))                                   # a square
    circ = Circuit.from_instructions(size, [("cx", e) for e in edges])
    costs = placement_costs(t)
    u = usage_of_circuit(circ, t, costs)
    info = coupling_graph(t)
    got = _beam_search(u.qubit_cost, u.edges, u.edge_weight, costs, info.neighbors, 10_000)
    pattern = rx.PyGraph()
    pattern.add_nodes_from(range(size))
    pattern.add_edges_from_no_data(edges)
    every = np.array([[m_inv for m_inv in _inverse(m, size)] for m in
                      rx.vf2_mapping(info.graph, pattern, subgraph=True, induced=False)])
    assert len(got) == len(every)
    for row in got:
        assert len(set(row.tolist())) == size
        assert all(t.has_edge(int(row[a]), int(row[b])) for a, b in edges)
    assert score_placements(u, costs, got).min() == pytest.approx(
        score_placements(u, costs, every).min())


def test_post_layout_is_idempotent():
    t = HEAVY
    routed = _routed(_ghz_like(6, extra=True), t, layout=TrivialLayout())
    p = NoiseAwarePostLayout()
    once = p.run(routed, _ctx(t).for_pass(2))
    assert once is not routed
    assert p.run(once, _ctx(t).for_pass(3)) is once


# ---------------------------------------------------------------------------- helpers
def _inverse(mapping, size):
    out = [0] * size
    for phys, v in mapping.items():
        out[v] = phys
    return out


def _ghz_like(n, extra=False):
    b = Circuit.builder(n, n)
    b.h(0)
    for i in range(n - 1):
        b.cx(i, i + 1)
    if extra:
        b.cz(0, n - 1)
        b.rx(0.3, 1)
    for i in range(n):
        b.measure(i, i)
    return b.build()


def _pass_names(p):
    out = []
    for q in getattr(p, "passes", ()):
        out += _pass_names(q) if hasattr(q, "passes") else [q.pass_name]
    return out
