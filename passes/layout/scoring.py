"""Calibration-aware scoring and search of qubit placements, shared by the layout passes.

A *placement* puts the ``k`` qubits a circuit uses onto distinct physical qubits.  Its cost
estimates the compiled circuit's ``-log`` success probability there: the sum, over every
use of a qubit or a coupling, of ``-log(1 - error)`` from the target's calibration (the ESP
model of :mod:`qtool.targets.metrics`, estimated before translation).  Lower is better.

What a circuit uses (:class:`Usage`, from :func:`usage_of_circuit`):

* per used pair, the native two-qubit gates it will cost after translation and block
  consolidation: consecutive two-qubit gates on the same pair (one-qubit gates between them
  allowed) form a block that resynthesises into at most 3 native gates; a gate alone costs
  its own count (``swap`` 3, ``cx``/``cz``/``ecr``-like 1, a controlled rotation 2);
* per used qubit, one ``sx``-like pulse per native two-qubit gate on it (the basis changes
  translation puts around ``cz``/``ecr``: compiled MQT Bench circuits have about one
  ``sx`` per qubit per two-qubit gate, so a qubit with a bad ``sx`` is a bad partner);
* per used qubit, its runs of one-qubit gates: a run of diagonal gates is free where ``rz``
  is virtual, a run made of one native calibrated gate costs that gate's error, any other
  run one more pulse;
* per used qubit, its measurements (readout error).

What the target charges (:class:`PlacementCosts`, from :func:`placement_costs`): per
physical qubit the ``-log(1 - e)`` of each native one-qubit gate, of a pulse and of
readout; per usable coupled pair the native two-qubit gate's, in its best calibrated
direction (translation orients gates on directed targets).  Unknown numbers are the
target's median for that gate.

:func:`score_placements` scores many placements at once with numpy gathers.
:func:`search_placement` looks for the best embedding of a circuit's interaction graph
into the coupling graph (subgraph monomorphism with :func:`rustworkx.vf2_mapping`): VF2
enumerates embeddings depth first, so the embeddings it finds first crowd one region of the
device; when the search space is large a beam search guided by the score adds its
candidates.  Every bound counts states, embeddings or beam entries, never wall-clock time,
so the result is the same on every machine.
"""
from __future__ import annotations

import math
import weakref
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from qtool.circuit import FLAG_WIDE, Circuit
from qtool.gates import BARRIER, DIAG, GATES, MEASURE, UNITARY_OP

__all__ = ["PlacementCosts", "placement_costs", "Usage", "usage_of_circuit",
           "usage_of_interaction", "score_placements", "search_placement", "coupling_graph",
           "is_uniform"]

#: native two-qubit gates a block of consecutive gates on one pair resynthesises into, at most
MAX_BLOCK_2Q = 3
#: one-qubit pulses (``sx``) a generic one-qubit run adds to a translated circuit
GENERIC_RUN_PULSES = 1.0
#: one-qubit pulses per qubit per native two-qubit gate (see the module docstring)
PULSES_PER_2Q = 1.0


# ---------------------------------------------------------------------------- target side
class PlacementCosts(NamedTuple):
    """``-log(1 - error)`` charged by a target, per physical qubit or coupled pair.

    ``edge[a, b]`` is the native 2Q gate's cost on the usable pair (best calibrated
    direction; ``inf`` where not usable), ``gate_1q[g][p]`` a native non-virtual one-qubit
    gate's, ``pulse[p]`` one ``sx``-like pulse's (what translated gates are made of),
    ``readout[p]`` a measurement's.
    ``virtual_z`` says diagonal one-qubit gates are free (``rz`` native with error 0).
    ``allowed[a, b]`` (directed targets only, else ``None``) says the native 2Q gate runs
    with ``a`` first.
    """

    edge: np.ndarray
    gate_1q: dict
    pulse: np.ndarray
    readout: np.ndarray
    virtual_z: bool
    allowed: np.ndarray | None


_COSTS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _nlog(e: np.ndarray) -> np.ndarray:
    return -np.log1p(-np.clip(e, 0.0, 0.999))


def _filled(values: np.ndarray) -> np.ndarray:
    """``values`` with ``nan`` replaced by the median of the others (0 if all unknown)."""
    out = np.array(values, dtype=float)
    known = out[np.isfinite(out)]
    out[~np.isfinite(out)] = float(np.median(known)) if len(known) else 0.0
    return out


def _per_qubit_error(target, gate: str) -> np.ndarray:
    out = np.full(target.num_qubits, np.nan)
    for qs, p in target.props.get(gate, {}).items():
        if len(qs) == 1 and p.error is not None and 0 <= qs[0] < target.num_qubits:
            out[qs[0]] = p.error
    return _filled(out)


def placement_costs(target) -> PlacementCosts:
    """The :class:`PlacementCosts` of ``target`` (cached per target object)."""
    got = _COSTS.get(target)
    if got is not None:
        return got
    n = target.num_qubits
    virtual_z = "rz" in target.basis_1q and all(
        p.error in (None, 0.0) for p in target.props.get("rz", {}).values())
    gate_1q = {}
    for g in target.basis_1q:
        if g == "rz" and virtual_z:
            continue
        gate_1q[g] = _nlog(_per_qubit_error(target, g))
    pulse = next((g for g in ("sx", "x", "rx") if g in gate_1q), None)
    if pulse is None and gate_1q:
        pulse = sorted(gate_1q)[0]
    pulse_cost = gate_1q[pulse] if pulse is not None else np.zeros(n)
    ro = np.array(target.readout_error, dtype=float)
    meas = target.props.get("measure", {})
    for q in np.flatnonzero(~np.isfinite(ro)).tolist():
        p = meas.get((q,))
        ro[q] = np.nan if p is None or p.error is None else p.error
    readout = _nlog(_filled(ro))
    edges = target.undirected_edges
    err = np.full(len(edges), np.nan)
    for i, (a, b) in enumerate(edges.tolist()):
        es = [e for e in (_directed_error(target, a, b), _directed_error(target, b, a))
              if e is not None]
        if es:
            err[i] = min(es)
    if len(edges) and not np.isfinite(err).any():
        err[:] = 1e-2
    edge = np.full((n, n), np.inf)
    if len(edges):
        c = _nlog(_filled(err))
        edge[edges[:, 0], edges[:, 1]] = c
        edge[edges[:, 1], edges[:, 0]] = c
    allowed = None
    if target.directed:
        allowed = np.zeros((n, n), dtype=bool)
        if len(target.edges):
            allowed[target.edges[:, 0], target.edges[:, 1]] = True
    out = PlacementCosts(edge, gate_1q, pulse_cost, readout, virtual_z, allowed)
    for arr in (edge, pulse_cost, readout, *gate_1q.values()):
        arr.flags.writeable = False
    _COSTS[target] = out
    return out


def _directed_error(target, a: int, b: int) -> float | None:
    """The native 2Q gate's calibrated error with ``a`` first, if that direction runs."""
    if target.directed and not target.allows(a, b):
        return None
    p = target.props.get(target.gate_2q, {}).get((a, b))
    if p is None and not target.directed:
        p = target.props.get(target.gate_2q, {}).get((b, a))
    return None if p is None or p.error is None or math.isnan(p.error) else p.error


def is_uniform(costs: PlacementCosts) -> bool:
    """Whether every qubit and every usable coupling costs the same (no placement beats
    another)."""
    e = costs.edge[np.isfinite(costs.edge)]
    arrays = (e, costs.pulse, costs.readout, *costs.gate_1q.values())
    return all(np.ptp(x) < 1e-12 for x in arrays if len(x))


# ---------------------------------------------------------------------------- circuit side
@dataclass(frozen=True)
class Usage:
    """What a circuit asks of the qubits it uses, priced on one target.

    ``qubits`` are the used qubits (circuit labels, ascending); ``edges`` the distinct used
    pairs as local indices into ``qubits`` (``a < b``, sorted) with ``edge_weight`` the
    estimated native two-qubit gates on each; ``qubit_cost[i, p]`` the one-qubit and readout
    cost of putting ``qubits[i]`` on physical qubit ``p``.  ``oriented`` lists the local
    ordered pairs of rows that already are the native gate of a directed target: a placement
    must keep them in a calibrated direction, or the relabelled circuit would not be
    ``routed`` any more.
    """

    qubits: np.ndarray
    edges: np.ndarray
    edge_weight: np.ndarray
    qubit_cost: np.ndarray
    oriented: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.int64))

    @property
    def num_used(self) -> int:
        return len(self.qubits)

    @property
    def linked(self) -> np.ndarray:
        """Local indices of the qubits with at least one two-qubit gate, ascending."""
        if not len(self.edges):
            return np.zeros(0, np.int64)
        return np.unique(self.edges.reshape(-1))


def _su4_cx_count(mat: np.ndarray) -> int:
    """CX-equivalent gates an exact synthesis of the 4x4 unitary needs (0..3).

    Uses the invariant ``gamma = U (Y x Y) U^T (Y x Y)`` of ``U`` normalised into SU(4)
    (Shende, Bullock, Markov, PRA 69, 062321): local iff ``gamma`` is ``+-1``, one CX iff
    ``tr gamma = 0`` and ``gamma^2 = -1``, two iff ``tr gamma`` is real.
    """
    u = np.asarray(mat, dtype=complex)
    u = u / np.linalg.det(u) ** 0.25
    yy = np.kron([[0, -1j], [1j, 0]], [[0, -1j], [1j, 0]])
    g = u @ yy @ u.T @ yy
    tr = np.trace(g)
    eye = np.eye(4)
    if np.allclose(g, eye, atol=1e-9) or np.allclose(g, -eye, atol=1e-9):
        return 0
    if abs(tr) < 1e-9 and np.allclose(g @ g, -eye, atol=1e-9):
        return 1
    if abs(tr.imag) < 1e-9:
        return 2
    return 3


_GATE_2Q_COUNT: dict[int, float] = {}


def _gate_2q_count(op: int) -> float:
    """Estimated native two-qubit gates of one two-qubit gate ``op`` (a parametric gate
    counts as a generic controlled rotation: 2)."""
    got = _GATE_2Q_COUNT.get(op)
    if got is None:
        g = GATES[op]
        if op == UNITARY_OP:
            got = float(MAX_BLOCK_2Q)
        elif g.num_params:
            got = 2.0
        else:
            got = float(max(1, _su4_cx_count(g.matrix())))
        _GATE_2Q_COUNT[op] = got
    return got


def _previous_on_wire(qubits: np.ndarray, order: np.ndarray) -> np.ndarray:
    """For entries ``(qubits[j], order[j])``, the index of the previous entry on the same
    qubit (by ``order``), else -1."""
    idx = np.lexsort((order, qubits))
    prev = np.full(len(qubits), -1, dtype=np.int64)
    if len(idx) > 1:
        same = qubits[idx[1:]] == qubits[idx[:-1]]
        prev[idx[1:][same]] = idx[:-1][same]
    return prev


def _two_qubit_blocks(circ: Circuit, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(pairs, weight)``: for the two-qubit ``rows`` (in circuit order), the distinct
    sorted pairs and their estimated native gates after block consolidation."""
    t = len(rows)
    pairs = np.sort(circ.qargs[rows, :2].astype(np.int64), axis=1)
    cost = np.array([_gate_2q_count(int(o)) for o in circ.op[rows].tolist()], dtype=float)
    if t == 0:
        return np.zeros((0, 2), np.int64), np.zeros(0)
    pos = np.arange(t)
    prev = _previous_on_wire(np.concatenate([pairs[:, 0], pairs[:, 1]]),
                             np.concatenate([pos, pos]))
    prev = np.where(prev >= t, prev - t, prev)       # entry index -> 2Q row position
    pa, pb = prev[:t], prev[t:]
    # a gate continues its predecessor's block when it is the previous 2Q gate on both wires
    parent = np.where((pa == pb) & (pa >= 0), pa, pos)
    while True:
        nxt = parent[parent]
        if np.array_equal(nxt, parent):
            break
        parent = nxt
    block_cost = np.minimum(np.bincount(parent, cost, minlength=t), MAX_BLOCK_2Q)
    heads = np.flatnonzero(parent == pos)
    upairs, inv = np.unique(pairs[heads], axis=0, return_inverse=True)
    weight = np.bincount(inv.reshape(-1), block_cost[heads], minlength=len(upairs))
    return upairs, weight


def usage_of_circuit(circ: Circuit, target, costs: PlacementCosts | None = None) -> Usage:
    """The :class:`Usage` of ``circ`` on ``target`` (rows on more than two qubits other
    than barriers are not counted: decompose first)."""
    costs = placement_costs(target) if costs is None else costs
    n_phys = target.num_qubits
    ar = circ.arity()
    keep = (circ.op != BARRIER) & ((circ.flags & FLAG_WIDE) == 0)
    rows = np.flatnonzero(keep)
    used = np.unique(circ.qargs[rows][circ.qargs[rows] >= 0]).astype(np.int64)
    local = np.full(max(circ.num_qubits, 1), -1, dtype=np.int64)
    local[used] = np.arange(len(used))
    k = len(used)

    two = rows[ar[rows] == 2]
    upairs, weight = _two_qubit_blocks(circ, two)
    edges = local[upairs] if len(upairs) else np.zeros((0, 2), np.int64)

    # one-qubit runs: maximal sequences of one-qubit unitary rows on a wire
    sel = rows[ar[rows] <= 3]
    q = circ.qargs[sel]
    ent_q = q.reshape(-1)
    ent_row = np.repeat(sel, 3)
    ok = ent_q >= 0
    ent_q, ent_row = ent_q[ok].astype(np.int64), ent_row[ok]
    unitary = _UNITARY[circ.op[ent_row]]
    is1 = (ar[ent_row] == 1) & unitary
    order = np.lexsort((ent_row, ent_q))
    eq, er, e1 = ent_q[order], ent_row[order], is1[order]
    start = e1.copy()
    if len(e1) > 1:
        start[1:] &= ~(e1[:-1] & (eq[1:] == eq[:-1]))
    run_id = np.cumsum(start) - 1
    qc = np.zeros((k, n_phys))
    if e1.any():
        rid = run_id[e1]
        n_runs = int(rid.max()) + 1
        ops = circ.op[er[e1]]
        run_q = np.zeros(n_runs, dtype=np.int64)
        run_q[rid] = eq[e1]
        size = np.bincount(rid, minlength=n_runs)
        diag = np.bincount(rid, _DIAG[ops].astype(float), minlength=n_runs) == size
        first_op = np.zeros(n_runs, dtype=np.int64)
        first_op[rid[::-1]] = ops[::-1]                       # any op of a size-1 run
        generic = ~(diag & costs.virtual_z)
        for g, cg in costs.gate_1q.items():
            single = generic & (size == 1) & (first_op == GATES.op(g))
            if single.any():
                cnt = np.bincount(local[run_q[single]], minlength=k)
                qc += cnt[:, None] * cg[None, :]
                generic &= ~single
        cnt = np.bincount(local[run_q[generic]], minlength=k)
        qc += (GENERIC_RUN_PULSES * cnt)[:, None] * costs.pulse[None, :]
    if len(edges):
        incident = np.bincount(edges.reshape(-1), np.repeat(weight, 2), minlength=k)
        qc += (PULSES_PER_2Q * incident)[:, None] * costs.pulse[None, :]
    meas = rows[circ.op[rows] == MEASURE]
    if len(meas):
        cnt = np.bincount(local[circ.qargs[meas, 0]], minlength=k)
        qc += cnt[:, None] * costs.readout[None, :]
    oriented = np.zeros((0, 2), np.int64)
    if target.directed and len(two):
        native = two[circ.op[two] == GATES.op(target.gate_2q)]
        if len(native):
            oriented = np.unique(local[circ.qargs[native, :2]], axis=0)
    return Usage(used, np.asarray(edges, np.int64), np.asarray(weight, float), qc, oriented)


_UNITARY = np.array([g.is_unitary for g in GATES.gates], dtype=bool)
_DIAG = np.array([g.comm == DIAG and g.num_qubits == 1 for g in GATES.gates], dtype=bool)


def usage_of_interaction(inter, target, costs: PlacementCosts | None = None) -> Usage:
    """A :class:`Usage` from an :class:`~qtool.passes.layout.trivial.Interaction` alone
    (gate counts, no gate kinds): each two-qubit gate costs one native gate, each
    one-qubit gate one ``sx`` pulse."""
    costs = placement_costs(target) if costs is None else costs
    n = inter.num_qubits
    busy = inter.one_q + inter.measured
    deg = inter.degree
    used = np.flatnonzero((busy > 0) | (deg > 0)).astype(np.int64)
    local = np.full(max(n, 1), -1, dtype=np.int64)
    local[used] = np.arange(len(used))
    edges = local[inter.edges] if len(inter.edges) else np.zeros((0, 2), np.int64)
    qc = (inter.one_q[used, None] * costs.pulse[None, :]
          + inter.measured[used, None] * costs.readout[None, :])
    return Usage(used, np.asarray(edges, np.int64), inter.weight.astype(float), qc)


def score_placements(usage: Usage, costs: PlacementCosts, phys: np.ndarray,
                     subset: np.ndarray | None = None) -> np.ndarray:
    """Cost of placements ``phys[..., j]`` (physical qubit of local qubit ``subset[j]``;
    ``subset`` defaults to every used qubit).  Pairs not on a usable coupling cost ``inf``.
    With a ``subset``, only its qubits and the pairs inside it are charged.  A placement
    that puts an ``oriented`` pair against the target's direction costs ``inf``."""
    phys = np.asarray(phys, dtype=np.int64)
    k = usage.num_used
    sub = np.arange(k) if subset is None else np.asarray(subset, dtype=np.int64)
    pos = np.full(k, -1, dtype=np.int64)
    pos[sub] = np.arange(len(sub))
    e = usage.edges
    w = usage.edge_weight
    if len(e):
        inside = (pos[e[:, 0]] >= 0) & (pos[e[:, 1]] >= 0)
        e, w = pos[e[inside]], w[inside]
    total = usage.qubit_cost[sub, phys].sum(axis=-1)
    if len(e):
        total = total + costs.edge[phys[..., e[:, 0]], phys[..., e[:, 1]]] @ w
    o = usage.oriented
    if costs.allowed is not None and len(o):
        o = pos[o]
        o = o[(o >= 0).all(axis=1)]
        if len(o):
            ok = costs.allowed[phys[..., o[:, 0]], phys[..., o[:, 1]]].all(axis=-1)
            total = np.where(ok, total, np.inf)
    return total


# ---------------------------------------------------------------------------- search
_GRAPHS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


class _CouplingInfo(NamedTuple):
    graph: object            # rustworkx.PyGraph on the usable couplings
    degrees: np.ndarray      # sorted descending
    bipartite: bool
    neighbors: np.ndarray    # int64[N, D]: usable neighbours of each qubit, -1 padded


def coupling_graph(target) -> _CouplingInfo:
    """The usable coupling graph as a ``rustworkx.PyGraph``, with its sorted degree
    sequence, bipartiteness and a padded neighbour table (cached per target)."""
    got = _GRAPHS.get(target)
    if got is None:
        import rustworkx as rx
        n = target.num_qubits
        g = rx.PyGraph(multigraph=False)
        g.add_nodes_from(range(n))
        g.add_edges_from_no_data([tuple(e) for e in target.undirected_edges.tolist()])
        nb = target.neighbors
        table = np.full((n, max([len(x) for x in nb] + [1])), -1, dtype=np.int64)
        for p, x in enumerate(nb):
            table[p, :len(x)] = sorted(x)
        deg = np.sort((table >= 0).sum(axis=1))[::-1]
        got = _CouplingInfo(g, deg, rx.is_bipartite(g), table)
        _GRAPHS[target] = got
    return got


def _collect(maps, k: int, limit: int) -> np.ndarray:
    """Up to ``limit`` embeddings from a VF2 iterator as rows ``phys[j]`` (coupling node of
    pattern node ``j``).

    rustworkx lists every mapping of one run in the same pattern-node order, so only the
    first mapping's pattern nodes are read (half the conversion cost); were that order ever
    different, a row would still be an embedding's node set and the caller's score (finite
    only on coupled pairs) keeps the result valid.
    """
    keys = []
    vals = None
    for m in maps:
        if vals is None:
            vals = np.fromiter(m.values(), dtype=np.int64, count=k)
        keys.append(list(m.keys()))
        if len(keys) >= limit:
            break
    if vals is None:
        return np.zeros((0, k), np.int64)
    out = np.empty((len(keys), k), dtype=np.int64)
    out[:, vals] = np.array(keys, dtype=np.int64)
    return out


def _search_order(k: int, adj: list[list[int]], load: np.ndarray) -> list[int]:
    """Pattern nodes in the order the beam search places them: breadth first from the
    busiest node of each connected part, preferring nodes with more already-placed
    neighbours, then higher degree, then lower index (so that every node but a part's first
    has a placed neighbour, and constrained nodes come early)."""
    deg = [len(x) for x in adj]
    load = load.tolist()
    done = [False] * k
    conn = [0] * k
    order: list[int] = []
    while len(order) < k:
        root = min((v for v in range(k) if not done[v]), key=lambda v: (-deg[v], -load[v], v))
        frontier = {root}
        while frontier:
            v = min(frontier, key=lambda u: (-conn[u], -deg[u], u))
            frontier.discard(v)
            done[v] = True
            order.append(v)
            for u in adj[v]:
                conn[u] += 1
                if not done[u]:
                    frontier.add(u)
    return order


def _beam_search(qcost: np.ndarray, edges: np.ndarray, weight: np.ndarray,
                 costs: PlacementCosts, neighbors: np.ndarray, width: int) -> np.ndarray:
    """Up to ``width`` embeddings of the pattern (``k`` nodes, ``edges`` local, with
    ``weight``) found by a beam search guided by the placement cost.

    Nodes are placed in :func:`_search_order`; a node with a placed neighbour goes on a free
    neighbour of that neighbour's qubit (coupled to the qubits of all its placed
    neighbours, with enough free neighbours left for its unplaced ones), the first node of a
    connected part on any free qubit.  After each node the ``width`` cheapest partial
    placements survive (ties: earlier partial, then lower qubit).  Returns ``(B, k)``
    placements, cheapest first (none when every branch dead-ends).
    """
    k, n = qcost.shape
    adj: list[list[int]] = [[] for _ in range(k)]
    w = {}
    for (a, b), x in zip(edges.tolist(), weight.tolist()):
        adj[a].append(b)
        adj[b].append(a)
        w[a, b] = w[b, a] = x
    order = _search_order(k, adj, np.bincount(edges.reshape(-1), np.repeat(weight, 2),
                                              minlength=k))
    pos = np.empty(k, dtype=np.int64)
    pos[order] = np.arange(k)
    n1 = n + 1                                   # qubit index n: "none", always taken
    pad = np.concatenate([neighbors, np.full((1, neighbors.shape[1]), n)])
    free_deg = (neighbors >= 0).sum(axis=1)
    edge = np.full((n1, n), np.inf)
    edge[:n] = costs.edge
    edge = edge.reshape(-1)                      # edge[a * n + b]
    qc = np.concatenate([qcost, np.full((k, 1), np.inf)], axis=1)
    phys = np.full((1, k), -1, dtype=np.int64)
    taken = np.zeros((1, n1))                    # inf where a partial placement used a qubit
    taken[:, n] = np.inf
    cost = np.zeros(1)
    for t, v in enumerate(order):
        placed = [u for u in adj[v] if pos[u] < t]
        later = len(adj[v]) - len(placed)
        if not placed:
            cand = np.broadcast_to(np.arange(n), (len(cost), n))
            total = cost[:, None] + qc[v, :n] + taken[:, :n]
            total[:, free_deg < later] = np.inf
        else:
            base = (np.arange(len(cost)) * n1)[:, None]
            cand = pad[phys[:, placed[0]]]                  # n where there is no neighbour
            total = cost[:, None] + qc[v][cand] + taken.reshape(-1)[base + cand]
            for u in placed:                # inf where not coupled
                total += w[u, v] * edge[cand * n + phys[:, u][:, None]]
            if later > 1:                   # (one free neighbour: dead ends just drop out)
                around = pad[cand]                                  # (beam, cand, D)
                free = np.isfinite(taken.reshape(-1)[base[:, :, None] + around])
                total[free.sum(axis=2) < later] = np.inf
        total = total.reshape(-1)
        pick = np.argsort(total, kind="stable")[:width]
        pick = pick[np.isfinite(total[pick])]
        if not len(pick):
            return np.zeros((0, k), np.int64)
        src, col = np.divmod(pick, cand.shape[1])
        chosen = cand[src, col]
        phys = phys[src]
        phys[:, v] = chosen
        taken = taken[src]
        taken[np.arange(len(src)), chosen] = np.inf
        cost = total[pick]
    return phys


#: VF2 embeddings scored for a forest pattern (chains, trees) when a beam search follows:
#: forests embed in very many ways and VF2's first embeddings all crowd one region
FOREST_MAPPINGS = 16


def search_placement(usage: Usage, target, *, call_limit: int = 10_000,
                     max_mappings: int = 256, beam_width: int = 64,
                     costs: PlacementCosts | None = None) -> tuple[np.ndarray, float] | None:
    """The lowest-cost embedding found for the linked qubits of ``usage``.

    Returns ``(phys, score)`` -- ``phys[j]`` is the physical qubit of local qubit
    ``usage.linked[j]``, ``score`` its :func:`score_placements` cost over the linked qubits
    and their pairs -- or ``None`` when no embedding was found.

    Cheap necessary conditions come first (degree sequence, odd cycles on a bipartite
    device).  VF2 then enumerates up to ``max_mappings`` embeddings (visiting at most
    ``call_limit`` states; ``FOREST_MAPPINGS`` for a forest when a beam search follows):
    when it stops below that budget it has seen every embedding and the best is exact.
    Otherwise the space is large -- chains and trees embed in thousands of ways, and the
    embeddings VF2 lists first all crowd one region -- so a beam search of width
    ``beam_width`` guided by the score (:func:`_beam_search`) adds its candidates.  On a
    uniformly calibrated target the first embedding is taken.  Ties keep the candidate
    found first (VF2's before the beam's).
    """
    import rustworkx as rx
    costs = placement_costs(target) if costs is None else costs
    linked = usage.linked
    k = len(linked)
    if k == 0:
        return np.zeros(0, np.int64), 0.0
    info = coupling_graph(target)
    if k > target.num_qubits or len(usage.edges) > len(target.undirected_edges):
        return None
    pos = np.full(usage.num_used, -1, dtype=np.int64)
    pos[linked] = np.arange(k)
    ledges = pos[usage.edges]
    ideg = np.sort(np.bincount(ledges.reshape(-1), minlength=k))[::-1]
    if (ideg > info.degrees[:k]).any():
        return None
    pattern = rx.PyGraph(multigraph=False)
    pattern.add_nodes_from(range(k))
    pattern.add_edges_from_no_data(list(map(tuple, ledges.tolist())))
    if info.bipartite and not rx.is_bipartite(pattern):
        return None
    uniform = is_uniform(costs)
    budget = 1 if uniform else max(1, int(max_mappings))
    if beam_width > 0 and len(ledges) == k - rx.number_connected_components(pattern):
        budget = min(budget, FOREST_MAPPINGS)       # a forest: the beam does the work
    found = [_collect(rx.vf2_mapping(info.graph, pattern, subgraph=True, induced=False,
                                     id_order=False, call_limit=int(call_limit)), k, budget)]
    if not len(found[0]):
        return None
    if not uniform and beam_width > 0 and len(found[0]) == budget:
        found.append(_beam_search(usage.qubit_cost[linked], ledges, usage.edge_weight, costs,
                                  info.neighbors, int(beam_width)))
    cand = np.concatenate(found)
    scores = score_placements(usage, costs, cand, linked)
    best = int(np.argmin(scores))          # first minimum: ties keep the earliest found
    return cand[best], float(scores[best])
