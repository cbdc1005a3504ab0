"""The architecture-search loop: episodes of an agent in :class:`ArchitectureEnv`.

Every circuit the agent builds on the way is a candidate (after each step its angles are
already optimised), so the loop keeps a Pareto front -- for every gate count the lowest
energy seen -- from which both "the best circuit" and "the smallest circuit within the
target error" are read.  A learning curve (one row per episode) is recorded for plots.

Ctrl-C stops the loop cleanly after the current step; the result so far is returned with
``interrupted = True``.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import threadpool_limits

from .ansatz import Ansatz
from .dqn import DDQNAgent, DQNConfig
from .env import ArchitectureEnv

__all__ = ["Candidate", "SearchResult", "run_search", "AGENTS"]

log = logging.getLogger("qtool.qas")

AGENTS = ("ddqn", "random")


@dataclass
class Candidate:
    """One optimised circuit met during the search."""

    ansatz: Ansatz
    theta: np.ndarray
    energy: float
    error: float
    episode: int
    noiseless_error: float | None = None     # noisy searches: same angles, no noise

    @property
    def gates(self) -> int:
        """Gates of the circuit, the X preparation of its initial state included."""
        return self.ansatz.num_gates

    def summary(self) -> dict:
        a = self.ansatz
        out = {"energy": self.energy, "error": self.error, "gates": a.num_gates,
               "cnots": a.num_cx, "parameters": a.num_params, "depth": a.depth(),
               "episode": self.episode}
        if self.noiseless_error is not None:
            out["noiseless_error"] = self.noiseless_error
        return out

    @property
    def exact_error(self) -> float:
        """The noiseless error (the error itself in a noiseless search)."""
        return self.error if self.noiseless_error is None else self.noiseless_error


@dataclass
class SearchResult:
    """Candidates kept by a search.  ``front``: for every gate count, the lowest energy.
    ``solved``: the same among circuits whose *noiseless* error is within ``target_error``
    (in a noiseless search, the front members that meet it; in a noisy one, the circuits
    that are correct in principle, ranked by their noisy energy)."""

    front: dict[int, Candidate] = field(default_factory=dict)
    solved: dict[int, Candidate] = field(default_factory=dict)
    curve: list[dict] = field(default_factory=list)
    first_success: int | None = None        # first episode reaching the target error
    episodes: int = 0
    steps: int = 0
    evaluations: int = 0
    wall_time: float = 0.0
    interrupted: bool = False
    target_error: float = 0.0

    def offer(self, cand: Candidate) -> None:
        fronts = [self.front]
        if cand.exact_error <= self.target_error:
            fronts.append(self.solved)
        for front in fronts:
            old = front.get(cand.gates)
            if old is None or cand.energy < old.energy - 1e-12:
                front[cand.gates] = cand

    @property
    def best(self) -> Candidate | None:
        """Lowest energy; among energies within 1e-9 Ha of it, the fewest gates."""
        if not self.front:
            return None
        e = min(c.energy for c in self.front.values())
        return min((c for c in self.front.values() if c.energy <= e + 1e-9),
                   key=lambda c: c.gates)

    def smallest_within(self, error: float) -> Candidate | None:
        """Fewest gates among front members with (noisy) error <= ``error``."""
        ok = [c for c in self.front.values() if c.error <= error]
        return min(ok, key=lambda c: c.gates) if ok else None

    @property
    def best_solved(self) -> Candidate | None:
        """Lowest (noisy) energy among circuits whose noiseless error meets the target;
        among energies within 1e-9 Ha of it, the fewest gates."""
        if not self.solved:
            return None
        e = min(c.energy for c in self.solved.values())
        return min((c for c in self.solved.values() if c.energy <= e + 1e-9),
                   key=lambda c: c.gates)

    def pareto(self) -> list[Candidate]:
        """Front members that no smaller circuit beats."""
        out, best = [], float("inf")
        for g in sorted(self.front):
            c = self.front[g]
            if c.energy < best - 1e-12:
                out.append(c)
                best = c.energy
        return out


def run_search(env: ArchitectureEnv, episodes: int, *, agent: str = "ddqn",
               dqn: DQNConfig | None = None, seed: int = 0, log_every: int = 50,
               time_limit: float | None = None, learner: DDQNAgent | None = None,
               progress=None) -> tuple[SearchResult, DDQNAgent | None]:
    """Run ``episodes`` episodes; returns the result and the trained agent (``None`` for
    the random baseline).  ``time_limit`` (seconds) stops early between episodes;
    ``progress(message)`` receives a status line every ``log_every`` episodes (default:
    the ``qtool.qas`` logger at INFO)."""
    say = progress or log.info
    if agent not in AGENTS:
        raise ValueError(f"unknown agent {agent!r}; choose one of {', '.join(AGENTS)}")
    rng = np.random.default_rng(seed)
    if agent == "ddqn" and learner is None:
        learner = DDQNAgent(env.obs_size, env.num_actions, dqn or DQNConfig(), seed=seed,
                            binary_inputs=env.tensor.size)
    res = SearchResult(target_error=env.config.target_error)
    t0 = time.perf_counter()
    # The loop's BLAS calls are tiny (L-BFGS vectors, one replay batch): threads only add
    # synchronisation, and on a loaded machine a spinning pool costs 10-40x.
    limits = threadpool_limits(limits=1)
    try:
        for ep in range(episodes):
            if time_limit is not None and time.perf_counter() - t0 > time_limit:
                break
            _episode(env, learner, rng, res, ep, seed)
            res.episodes = ep + 1
            if log_every and (ep + 1) % log_every == 0:
                say(_progress_line(res, env, learner, t0))
    except KeyboardInterrupt:
        res.interrupted = True
        log.warning("interrupted after %d episodes; keeping the results so far", res.episodes)
    finally:
        limits.restore_original_limits()
    res.wall_time = time.perf_counter() - t0
    return res, learner


def _episode(env, learner, rng, res: SearchResult, ep: int, seed: int) -> None:
    obs, _ = env.reset(seed=seed * 1_000_003 + ep)
    total, best_err, done = 0.0, float("inf"), False
    losses = []
    mask = env.action_masks()
    while not done:
        if learner is None:
            a = int(rng.choice(np.flatnonzero(mask)))
        else:
            a = learner.act(obs, mask)
        nobs, r, term, trunc, info = env.step(a)
        done = term or trunc
        mask = env.action_masks()
        if learner is not None:
            learner.observe(obs, a, r, nobs, mask, term, trunc)
            loss = learner.update()
            if loss is not None:
                losses.append(loss)
        obs = nobs
        total += r
        res.steps += 1
        res.evaluations += info["evaluations"]
        best_err = min(best_err, info["error"])
        res.offer(Candidate(env.ansatz.copy(), env.theta.copy(), info["energy"],
                            info["error"], ep, None if env.noiseless_sim is None
                            else info["noiseless_error"]))
        if info["solved"] and res.first_success is None:
            res.first_success = ep
    res.curve.append({"episode": ep, "return": total, "error": best_err,
                      "final_error": info["error"], "gates": info["gates"],
                      "success": bool(env.success), "xi": env.curriculum.xi,
                      "eps": None if learner is None else learner.eps,
                      "loss": float(np.mean(losses)) if losses else None})


def _progress_line(res: SearchResult, env, learner, t0: float) -> str:
    recent = res.curve[-50:]
    best = res.best
    eps = "-" if learner is None else f"{learner.eps:.3f}"
    return (f"episode {res.episodes}: best error {best.error:.3g} ({best.gates} gates), "
            f"smallest solved {min(res.solved) if res.solved else '-'} gates, recent mean error "
            f"{np.mean([c['error'] for c in recent]):.3g}, successes "
            f"{sum(c['success'] for c in recent)}/{len(recent)}, xi {env.curriculum.xi:.4g}, "
            f"eps {eps}, {time.perf_counter() - t0:.0f} s")
