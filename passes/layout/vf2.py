""":class:`VF2Layout`: a layout that needs no swaps at all, when one exists.

The circuit's two-qubit interaction graph is embedded into the coupling graph as a
subgraph monomorphism (``rustworkx.vf2_mapping(..., subgraph=True, induced=False)``); among
``max_trials`` embeddings the one with the lowest calibrated error wins (the score of
:mod:`~qtool.passes.layout.scoring`, shared with
:class:`~qtool.passes.layout.NoiseAwarePostLayout`: gate-weighted ``-log(1 - e)`` of the
couplings used, plus one-qubit and readout errors).

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

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from qtool.circuit import Circuit
from qtool.passmanager import Context, Pass

from .dense import calibration_costs
from .scoring import search_placement, usage_of_interaction
from .trivial import Interaction, apply_layout, check_fits, interaction_graph, keep_placed

__all__ = ["VF2Layout", "LayoutNotFound", "find_perfect_layout", "place_idle"]


class LayoutNotFound(RuntimeError):
    """No swap-free layout exists or none was found within the search limits."""


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
                        max_trials: int = 64, beam_width: int = 0) -> np.ndarray | None:
    """``placed[v]`` for a swap-free layout of the interaction graph, or ``None``.

    The search and its score are :func:`~qtool.passes.layout.scoring.search_placement`'s
    (``max_trials`` VF2 embeddings scored, then -- when there are more -- a score-guided
    beam search of width ``beam_width``, if positive).
    Deterministic: VF2 enumerates embeddings in a fixed order, the bounds count states and
    embeddings (never wall-clock time) and ties keep the first embedding.  On a target whose
    calibration is uniform every embedding scores the same, so the first one is taken.
    """
    n = inter.num_qubits
    if n > target.num_qubits:
        return None
    placed = np.full(n, -1, dtype=np.int64)
    if not len(inter.edges):
        return place_idle(placed, inter, target)
    usage = usage_of_interaction(inter, target)
    found = search_placement(usage, target, call_limit=call_limit, max_mappings=max_trials,
                             beam_width=beam_width)
    if found is None:
        return None
    placed[usage.qubits[usage.linked]] = found[0]
    return place_idle(placed, inter, target)


@dataclass(frozen=True)
class VF2Layout(Pass):
    """A swap-free layout by subgraph monomorphism, lowest calibrated error first.

    Raises :class:`LayoutNotFound` when none is found within ``call_limit`` VF2 states
    (``max_trials`` embeddings are scored; when there are more, a score-guided beam search
    of width ``beam_width`` adds candidates, see
    :func:`~qtool.passes.layout.scoring.search_placement`).
    """

    call_limit: int = 200_000
    max_trials: int = 64
    beam_width: int = 64

    requires: ClassVar[frozenset] = frozenset({"decomposed"})
    establishes: ClassVar[frozenset] = frozenset({"laid_out"})
    invalidates: ClassVar[frozenset] = frozenset({"routed"})
    stage: ClassVar[str] = "layout"

    def __post_init__(self):
        if self.call_limit < 1 or self.max_trials < 1 or self.beam_width < 0:
            raise ValueError("call_limit and max_trials must be positive, beam_width >= 0")

    def run(self, circ: Circuit, ctx: Context) -> Circuit:
        check_fits(circ, ctx.target)
        kept = keep_placed(circ, ctx.target)
        if kept is not None:
            return kept
        placed = find_perfect_layout(interaction_graph(circ), ctx.target,
                                     call_limit=self.call_limit, max_trials=self.max_trials,
                                     beam_width=self.beam_width)
        if placed is None:
            raise LayoutNotFound(f"no swap-free layout of {circ.num_qubits} qubits on "
                                 f"{ctx.target.name} found")
        return apply_layout(circ, placed, ctx.target)
