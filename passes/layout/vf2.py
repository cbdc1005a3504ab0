""":class:`VF2Layout`: a layout that needs no swaps at all, when one exists.

The circuit's two-qubit interaction graph is embedded into the coupling graph as a
subgraph monomorphism (``rustworkx.vf2_mapping(..., subgraph=True, induced=False)``); among
the first ``max_trials`` embeddings the one with the lowest calibrated error wins
(gate-weighted ``-log(1 - e)`` of the couplings used, plus one-qubit and readout errors).

Cheap necessary conditions are checked before the search, so hopeless cases return at
once: the sorted degree sequence must fit the coupling graph's, and an interaction graph
with an odd cycle cannot embed into a bipartite coupling graph (square grids and heavy-hex
lattices are bipartite).  The search itself is bounded by ``call_limit`` VF2 states (not by
wall-clock time, so the result is the same on every machine).

When no embedding is found, :class:`VF2Layout` raises :class:`LayoutNotFound` (a
``RuntimeError``, so :class:`~qtool.passmanager.BestOf` skips it);
:class:`~qtool.passes.layout.SabreLayout` calls :func:`find_perfect_layout` first and falls
back to its own search.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from qtool.circuit import Circuit
from qtool.passmanager import Context, Pass

from .dense import calibration_costs
from .trivial import Interaction, apply_layout, check_fits, interaction_graph, keep_placed

__all__ = ["VF2Layout", "LayoutNotFound", "find_perfect_layout", "place_idle"]


class LayoutNotFound(RuntimeError):
    """No swap-free layout exists or none was found within the search limits."""


_GRAPHS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _coupling_graph(target):
    got = _GRAPHS.get(target)
    if got is None:
        import rustworkx as rx
        g = rx.PyGraph(multigraph=False)
        g.add_nodes_from(range(target.num_qubits))
        g.add_edges_from_no_data([tuple(e) for e in target.undirected_edges.tolist()])
        deg = np.sort(np.array([g.degree(i) for i in range(target.num_qubits)]))[::-1]
        got = (g, deg, rx.is_bipartite(g))
        _GRAPHS[target] = got
    return got


def _uniform(costs) -> bool:
    e = costs.edge[np.isfinite(costs.edge)]
    return all(np.ptp(x) < 1e-12 for x in (e, costs.one_q, costs.readout) if len(x))


def place_idle(placed: np.ndarray, inter: Interaction, target) -> np.ndarray:
    """Put the virtual qubits still at ``-1`` (no two-qubit gates) on the free physical
    qubits with the lowest one-qubit plus readout error, busiest qubits first."""
    placed = np.array(placed, dtype=np.int64)
    todo = np.flatnonzero(placed < 0)
    if not len(todo):
        return placed
    costs = calibration_costs(target)
    qcost = costs.one_q + costs.readout
    used = np.zeros(target.num_qubits, dtype=bool)
    used[placed[placed >= 0]] = True
    free = np.flatnonzero(~used)
    free = free[np.argsort(qcost[free], kind="stable")]
    busy = inter.one_q[todo] + inter.measured[todo]
    todo = todo[np.argsort(-busy, kind="stable")]
    placed[todo] = free[:len(todo)]
    return placed


def find_perfect_layout(inter: Interaction, target, *, call_limit: int = 200_000,
                        max_trials: int = 64) -> np.ndarray | None:
    """``placed[v]`` for a swap-free layout of the interaction graph, or ``None``.

    Deterministic: VF2 enumerates embeddings in a fixed order, the bounds count states and
    embeddings (never wall-clock time) and ties keep the first embedding.  On a target whose
    calibration is uniform every embedding scores the same, so the first one is taken.
    """
    n = inter.num_qubits
    n_phys = target.num_qubits
    if n > n_phys:
        return None
    placed = np.full(n, -1, dtype=np.int64)
    if not len(inter.edges):
        return place_idle(placed, inter, target)
    import rustworkx as rx
    cg, cdeg, c_bip = _coupling_graph(target)
    act = inter.active
    k = len(act)
    if k > n_phys or len(inter.edges) > len(target.undirected_edges):
        return None
    local = np.full(n, -1, dtype=np.int64)
    local[act] = np.arange(k)
    ledges = local[inter.edges]
    ideg = np.sort(np.bincount(ledges.reshape(-1), minlength=k))[::-1]
    if (ideg > cdeg[:k]).any():
        return None
    ig = rx.PyGraph(multigraph=False)
    ig.add_nodes_from(range(k))
    ig.add_edges_from_no_data([tuple(e) for e in ledges.tolist()])
    if c_bip and not rx.is_bipartite(ig):
        return None
    costs = calibration_costs(target)
    if _uniform(costs):
        max_trials = 1
    w = inter.weight.astype(float)
    qw1 = inter.one_q[act].astype(float)
    qwm = inter.measured[act].astype(float)
    best_score, best = np.inf, None
    maps = rx.vf2_mapping(cg, ig, subgraph=True, induced=False, id_order=False,
                          call_limit=int(call_limit))
    for t, mapping in enumerate(maps):
        phys = np.empty(k, dtype=np.int64)
        phys[list(mapping.values())] = list(mapping.keys())
        pe = phys[ledges]
        score = float((w * costs.edge[pe[:, 0], pe[:, 1]]).sum()
                      + (qw1 * costs.one_q[phys]).sum() + (qwm * costs.readout[phys]).sum())
        if score < best_score:
            best_score, best = score, phys
        if t + 1 >= max_trials:
            break
    if best is None:
        return None
    placed[act] = best
    return place_idle(placed, inter, target)


@dataclass(frozen=True)
class VF2Layout(Pass):
    """A swap-free layout by subgraph monomorphism, lowest calibrated error first.

    Raises :class:`LayoutNotFound` when none is found within ``call_limit`` VF2 states
    (``max_trials`` embeddings are scored).
    """

    call_limit: int = 200_000
    max_trials: int = 64

    requires: ClassVar[frozenset] = frozenset({"decomposed"})
    establishes: ClassVar[frozenset] = frozenset({"laid_out"})
    invalidates: ClassVar[frozenset] = frozenset({"routed"})
    stage: ClassVar[str] = "layout"

    def __post_init__(self):
        if self.call_limit < 1 or self.max_trials < 1:
            raise ValueError("call_limit and max_trials must be positive")

    def run(self, circ: Circuit, ctx: Context) -> Circuit:
        check_fits(circ, ctx.target)
        kept = keep_placed(circ, ctx.target)
        if kept is not None:
            return kept
        placed = find_perfect_layout(interaction_graph(circ), ctx.target,
                                     call_limit=self.call_limit, max_trials=self.max_trials)
        if placed is None:
            raise LayoutNotFound(f"no swap-free layout of {circ.num_qubits} qubits on "
                                 f"{ctx.target.name} found")
        return apply_layout(circ, placed, ctx.target)
