""":class:`SabreLayout`: choose the initial layout by routing forwards and backwards.

A swap-free embedding is tried first (:func:`~qtool.passes.layout.vf2.find_perfect_layout`).
Otherwise every trial starts from a layout -- the greedy dense placement, the identity and
the reversed identity, then seeded random permutations -- and refines it by routing the
circuit forwards, then its reverse, ``iterations`` times, each routing starting where the
previous one ended (the qubits drift towards the places the circuit needs them, as in
SABRE).  A couple of routings screen the refined layouts; the best few are then scored by
routing the circuit several more times, and the layout of the best routing
(fewest swaps, or lowest merge-aware cost) wins -- layout and routing are chosen jointly,
as in LightSABRE.  Trials run on threads in the compiled kernel; the result does not depend
on the number of threads.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, NamedTuple

import numpy as np

from qtool.circuit import Circuit
from qtool.errors import TargetError
from qtool.passes.routing.sabre import (SabreHeuristic, SabreRoutingHint, route_once,
                                        commutation_modes, coupling_arrays, parallel_map,
                                        routing_problem)
from qtool.passmanager import Context, Pass

from .dense import dense_placement
from .trivial import apply_layout, check_fits, full_permutation, interaction_graph, keep_placed
from .vf2 import find_perfect_layout, place_idle

__all__ = ["SabreLayout", "sabre_search", "SearchResult"]


def _random_start(rng: np.random.Generator, component: np.ndarray, n: int) -> np.ndarray:
    """A random full permutation whose first ``n`` entries lie in the largest connected
    component of the coupling graph."""
    n_phys = len(component)
    labels, sizes = np.unique(component, return_counts=True)
    if len(labels) == 1:
        return rng.permutation(n_phys).astype(np.int32)
    big = labels[np.argmax(sizes)]
    if sizes.max() < n:
        raise TargetError(f"circuit needs {n} connected qubits but the largest connected part "
                          f"of the target has {int(sizes.max())}")
    inside = rng.permutation(np.flatnonzero(component == big))
    rest = np.setdiff1d(np.arange(n_phys), inside[:n])
    return np.concatenate([inside[:n], rng.permutation(rest)]).astype(np.int32)


class SearchResult(NamedTuple):
    layout: np.ndarray         # full permutation, virtual qubits first
    seed: int                  # routing seed that reached ``key`` from ``layout``
    key: tuple
    heuristic: SabreHeuristic  # with the dependency graph (commutation) that reached it


def sabre_search(circ: Circuit, target, starts, seeds, heurs, iterations: int,
                 score_trials: int = 2, finalists: int = 4, final_trials: int = 8,
                 threads: int = 0) -> SearchResult:
    """Refine every start layout by routing the circuit forwards and backwards, screen the
    refined layouts by the best of ``score_trials`` routings, then route the circuit
    ``final_trials`` more times from each of the ``finalists`` best layouts.

    Start layouts are full permutations (virtual qubits first); start ``t`` is refined with
    heuristic ``heurs[t % len(heurs)]`` (the heuristics differ only in their dependency
    graph).  The problems are built on the target's qubit count with the routing pass's
    dependency graph, so a routing from layout ``L`` makes exactly the choices
    :class:`~qtool.passes.routing.SabreRouting` makes on the circuit laid out by ``L``.
    Returns the layout, heuristic and routing seed of the best routing (fewest swaps, or
    lowest merge-aware cost when ``merge_weight > 0``; then 2Q depth; then trial order).
    """
    cp = coupling_arrays(target)
    n_phys = target.num_qubits
    heurs = list(heurs)
    problems = {h.commutation: (routing_problem(circ, num_qubits=n_phys, commute=h.commutation),
                                routing_problem(circ, num_qubits=n_phys, commute=h.commutation,
                                                reverse=True)) for h in heurs}
    aware = heurs[0].merge_weight > 0

    def refine(job):
        start, seed, heur = job
        fwd, rev = problems[heur.commutation]
        sub = np.random.SeedSequence(seed).generate_state(2 * iterations + score_trials,
                                                          dtype=np.uint64)
        lay = np.asarray(start, dtype=np.int32)
        for it in range(iterations):
            lay = route_once(fwd, cp, lay, int(sub[2 * it]), heur).final
            lay = route_once(rev, cp, lay, int(sub[2 * it + 1]), heur).final
        key = min(route_once(fwd, cp, lay, int(s), heur).key(aware)
                  for s in sub[2 * iterations:])
        return key, lay

    job_heurs = [heurs[t % len(heurs)] for t in range(len(starts))]
    screened = parallel_map(refine, list(zip(starts, seeds, job_heurs)), threads)
    order = sorted(range(len(screened)), key=lambda t: (screened[t][0], t))[:finalists]
    jobs = []
    for t in order:
        sub = np.random.SeedSequence([int(seeds[t]), 1]).generate_state(final_trials,
                                                                         dtype=np.uint64)
        jobs += [(screened[t][1], int(s) & 0x7FFFFFFFFFFFFFFF, job_heurs[t]) for s in sub]

    def final(job):
        lay, seed, heur = job
        return route_once(problems[heur.commutation][0], cp, lay, seed, heur).key(aware)

    keys = parallel_map(final, jobs, threads)
    i = min(range(len(jobs)), key=lambda j: (keys[j], j))
    return SearchResult(jobs[i][0], jobs[i][1], keys[i], jobs[i][2])


@dataclass(frozen=True)
class SabreLayout(Pass):
    """Initial layout by SABRE's forward/backward refinement (after a VF2 attempt).

    Parameters
    ----------
    trials:
        Start layouts (with ``dense_start`` the first three are the dense placement and
        the identity and reversed permutations, the rest random).
    iterations:
        Forward+backward refinement rounds per trial.
    score_trials:
        Routings screening each refined layout (the best counts).
    finalists, final_trials:
        The best screened layouts are scored by ``final_trials`` more routings each.  The winning routing's seed is left for
        :class:`~qtool.passes.routing.SabreRouting` as a :class:`SabreRoutingHint` in
        ``ctx.analyses``, so routing (with the same heuristic) is never worse than what the
        layout search saw.
    use_vf2, vf2_call_limit, vf2_max_trials:
        Try a swap-free embedding first, with these search bounds.
    lookahead_layers, lookahead_weight, decay_delta, decay_reset, noise_aware, merge_weight:
        The routing heuristic, see :class:`~qtool.passes.routing.SabreHeuristic`.
    commutation:
        ``"auto"`` (alternate start layouts between the relaxed and the plain dependency
        graph, keep the best), ``"on"`` or ``"off"``.
    threads:
        Threads for the trials (0: one per CPU); the result does not depend on it.
    """

    trials: int = 20
    iterations: int = 4
    score_trials: int = 2
    finalists: int = 4
    final_trials: int = 8
    dense_start: bool = True
    use_vf2: bool = True
    vf2_call_limit: int = 200_000
    vf2_max_trials: int = 64
    lookahead_layers: int = 2
    lookahead_weight: float | None = None
    decay_delta: float = 0.001
    decay_reset: int = 5
    noise_aware: bool = False
    merge_weight: float = 0.5
    commutation: str = "auto"
    threads: int = 0

    requires: ClassVar[frozenset] = frozenset({"decomposed"})
    establishes: ClassVar[frozenset] = frozenset({"laid_out"})
    invalidates: ClassVar[frozenset] = frozenset({"routed"})
    stage: ClassVar[str] = "layout"

    def __post_init__(self):
        if not 1 <= self.trials <= 1000:
            raise ValueError("trials (start layouts) must be in 1..1000")
        if not 0 <= self.iterations <= 100:
            raise ValueError("iterations must be in 0..100")
        for name in ("score_trials", "finalists", "final_trials"):
            if not 1 <= getattr(self, name) <= 1000:
                raise ValueError(f"{name} must be in 1..1000")
        if self.vf2_call_limit < 1 or self.vf2_max_trials < 1 or self.threads < 0:
            raise ValueError("vf2 limits must be positive and threads >= 0")
        commutation_modes(self.commutation)
        self.heuristic()

    def heuristic(self, commute: bool = True) -> SabreHeuristic:
        return SabreHeuristic(self.lookahead_layers, self.lookahead_weight, self.decay_delta,
                              self.decay_reset, None, self.noise_aware, self.merge_weight,
                              commute)

    def run(self, circ: Circuit, ctx: Context) -> Circuit:
        target = ctx.target
        check_fits(circ, target)
        kept = keep_placed(circ, target)
        if kept is not None:
            return kept
        inter = interaction_graph(circ)
        n = circ.num_qubits
        if self.use_vf2 or not len(inter.edges):
            placed = find_perfect_layout(inter, target, call_limit=self.vf2_call_limit,
                                         max_trials=self.vf2_max_trials)
            if placed is not None:
                return apply_layout(circ, placed, target)
        cp = coupling_arrays(target)
        starts = []
        n_phys = target.num_qubits
        if self.dense_start:
            placed = place_idle(dense_placement(inter, target), inter, target)
            starts.append(np.array(full_permutation(placed, n_phys), np.int32))
            if cp.component.max() == 0:   # connected: the trivial layouts are valid starts
                starts.append(np.arange(n_phys, dtype=np.int32))
                starts.append(np.arange(n_phys, dtype=np.int32)[::-1].copy())
        while len(starts) < self.trials:
            starts.append(_random_start(ctx.rng, cp.component, n))
        seeds = [int(s) for s in ctx.rng.integers(0, 2**63 - 1, size=len(starts))]
        heurs = [self.heuristic(m) for m in commutation_modes(self.commutation)]
        found = sabre_search(circ, target, starts, seeds, heurs, self.iterations,
                             self.score_trials, self.finalists, self.final_trials, self.threads)
        out = apply_layout(circ, found.layout[:n], target)
        ctx.analyses[SabreRoutingHint] = SabreRoutingHint(out.version, found.seed,
                                                            found.heuristic, found.key)
        return out
