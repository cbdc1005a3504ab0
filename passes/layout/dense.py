""":class:`DenseLayout`: place the circuit on the best-connected, lowest-error region.

For every physical qubit ``s`` the ``n`` qubits nearest to it (hop distance, ties by
error) form a candidate region; the region with the most couplings inside wins, ties by
summed calibrated error.  Inside the region virtual qubits are placed greedily: the busiest
virtual qubit first, on the region's best-connected qubit, then each next virtual qubit
(the one most entangled with those already placed) on the free qubit that minimises its
gate-weighted distance to its placed partners.

The greedy placement is also the deterministic starting point that
:class:`~qtool.passes.layout.SabreLayout` adds to its random trials.
"""
from __future__ import annotations

import math
import weakref
from dataclasses import dataclass
from typing import ClassVar, NamedTuple

import numpy as np

from qtool.circuit import Circuit
from qtool.errors import TargetError
from qtool.passmanager import Context, Pass

from .trivial import Interaction, apply_layout, check_fits, interaction_graph, keep_placed

__all__ = ["DenseLayout", "dense_placement", "calibration_costs", "CalibrationCosts"]


class CalibrationCosts(NamedTuple):
    """``-log(1 - error)`` per physical qubit (one-qubit gate, readout) and per coupled pair
    (``edge[a, b]``, ``inf`` where not coupled); unknown errors cost 0 (1Q, readout) or the
    target's default (2Q)."""

    one_q: np.ndarray
    readout: np.ndarray
    edge: np.ndarray


_COSTS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _cost(e) -> float:
    if e is None or not (0 <= e < 1) or math.isnan(e):
        return 0.0
    return -math.log1p(-e)


def calibration_costs(target) -> CalibrationCosts:
    got = _COSTS.get(target)
    if got is not None:
        return got
    n = target.num_qubits
    gate_1q = next((g for g in ("sx", "x") + tuple(target.basis_1q) if g in target.props),
                   None)
    one_q = np.array([_cost(target.gate_error(gate_1q, (p,))) if gate_1q else 0.0
                      for p in range(n)])
    readout = np.array([_cost(None if np.isnan(e) else float(e))
                        for e in target.readout_error])
    edge = np.full((n, n), np.inf)
    for a, b in target.undirected_edges.tolist():
        edge[a, b] = edge[b, a] = target.edge_cost(a, b)
    out = CalibrationCosts(one_q, readout, edge)
    for arr in out:
        arr.flags.writeable = False
    _COSTS[target] = out
    return out


def _adjacency(target) -> np.ndarray:
    n = target.num_qubits
    adj = np.zeros((n, n), dtype=bool)
    e = target.undirected_edges
    if len(e):
        adj[e[:, 0], e[:, 1]] = True
        adj[e[:, 1], e[:, 0]] = True
    return adj


def best_region(n: int, target) -> np.ndarray:
    """The ``n`` physical qubits of the densest, lowest-error connected region."""
    n_phys = target.num_qubits
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    d = np.asarray(target.distance)
    adj = _adjacency(target)
    costs = calibration_costs(target)
    qcost = costs.one_q + costs.readout
    ecost = np.where(np.isfinite(costs.edge), costs.edge, 0.0)
    tiebreak = qcost / (qcost.max() + 1.0) * 0.5   # < 1: never overrides a hop
    best_key, best = None, None
    for s in range(n_phys):
        row = d[s]
        if np.isfinite(row).sum() < n:
            continue
        region = np.argsort(np.where(np.isfinite(row), row + tiebreak, np.inf),
                            kind="stable")[:n]
        sub = adj[np.ix_(region, region)]
        inside = int(sub.sum()) // 2
        err = float(ecost[np.ix_(region, region)][sub].sum() / 2 + qcost[region].sum())
        key = (-inside, err)
        if best_key is None or key < best_key:
            best_key, best = key, region
    if best is None:
        raise TargetError(f"circuit needs {n} connected qubits but the largest connected "
                          f"part of target {target.name} is smaller")
    return best


def dense_placement(inter: Interaction, target, region: np.ndarray | None = None
                    ) -> np.ndarray:
    """Greedy placement of the virtual qubits on ``region`` (default :func:`best_region`);
    returns ``placed[v]``, the physical qubit of each virtual qubit."""
    n = inter.num_qubits
    if region is None:
        region = best_region(n, target)
    region = np.asarray(region, dtype=np.int64)
    placed = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return placed
    w = np.zeros((n, n))
    if len(inter.edges):
        np.add.at(w, (inter.edges[:, 0], inter.edges[:, 1]), inter.weight)
        np.add.at(w, (inter.edges[:, 1], inter.edges[:, 0]), inter.weight)
    hops = np.asarray(target.distance)[np.ix_(region, region)]
    adj = _adjacency(target)[np.ix_(region, region)]
    rdeg = adj.sum(axis=1)
    costs = calibration_costs(target)
    rcost = (costs.one_q + costs.readout)[region]
    strength = w.sum(axis=1)
    free = np.ones(len(region), dtype=bool)
    pos = np.full(n, -1, dtype=np.int64)        # region index of each placed virtual
    done = np.zeros(n, dtype=bool)
    for _ in range(n):
        link = w[:, done].sum(axis=1) if done.any() else np.zeros(n)
        # most connected to the placed set, then busiest, then lowest index
        key = np.lexsort((np.arange(n), -strength, -link, done))
        v = int(key[0])
        if done.any() and link[v] > 0:
            partners = np.flatnonzero(done & (w[v] > 0))
            score = (hops[:, pos[partners]] * w[v, partners]).sum(axis=1)
        else:
            score = np.zeros(len(region))
        cand = np.lexsort((np.arange(len(region)), rcost, -rdeg, score, ~free))
        r = int(cand[0])
        pos[v] = r
        free[r] = False
        done[v] = True
        placed[v] = region[r]
    return placed


@dataclass(frozen=True)
class DenseLayout(Pass):
    """Place the circuit on the densest, lowest-error region of the target."""

    requires: ClassVar[frozenset] = frozenset({"decomposed"})
    establishes: ClassVar[frozenset] = frozenset({"laid_out"})
    invalidates: ClassVar[frozenset] = frozenset({"routed"})
    stage: ClassVar[str] = "layout"

    def run(self, circ: Circuit, ctx: Context) -> Circuit:
        check_fits(circ, ctx.target)
        kept = keep_placed(circ, ctx.target)
        if kept is not None:
            return kept
        placed = dense_placement(interaction_graph(circ), ctx.target)
        return apply_layout(circ, placed, ctx.target)
