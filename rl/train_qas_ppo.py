"""Train sb3-contrib's MaskablePPO on the CRLQAS environment ``qtool/QAS-v0``.

    python -m qtool.rl.train_qas_ppo --hamiltonian h2-2 --timesteps 3000 --seed 0 \\
        [--noise depolarizing:1e-3,1e-2] [--max-gates L] [--log run.json]

The policy-gradient alternative to the numpy DDQN of ``qtool qas`` (:mod:`qtool.qas.dqn`).
As in :mod:`qtool.qas.search`, every circuit the agent builds is a candidate (its angles are
already optimised after each step), kept in a :class:`~qtool.qas.search.SearchResult`: the
summary reports the smallest circuit within the target error (chemical accuracy by default)
or, when none is, the lowest-energy one, with the first episode that reached the target.

A progress line goes to the log every ``--log-every`` episodes; Ctrl-C stops training and
still prints (and writes) the summary of what was found.  Runs on the CPU; everything is
seeded (sb3's ``set_random_seed``, the policy, the environment).

Requires the ``rl`` extra (gymnasium, stable-baselines3, sb3-contrib, torch).
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import gymnasium as gym
import numpy as np

from qtool.qas.curriculum import CurriculumConfig
from qtool.qas.env import CHEMICAL_ACCURACY
from qtool.qas.optimize import OptimizerConfig
from qtool.qas.search import Candidate, SearchResult
from qtool.qas.statevector import StatevectorSimulator
from qtool.rl.qas_env import QASEnv

__all__ = ["SearchTracker", "train_ppo", "summarize", "main"]

log = logging.getLogger("qtool.rl.train_qas_ppo")


@dataclass
class _Episode:
    """Running totals of the episode in progress."""

    ret: float = 0.0
    best_error: float = float("inf")
    info: dict = field(default_factory=dict)


class SearchTracker(gym.Wrapper):
    """Offers every step's circuit to a :class:`SearchResult` and records one learning-curve
    row per episode, like :func:`qtool.qas.search.run_search` does for the DDQN.

    It sits between the agent and :class:`QASEnv`, so it sees each circuit before the
    vectorised environment's automatic reset replaces it.
    """

    def __init__(self, env: QASEnv, result: SearchResult, *, log_every: int = 50,
                 progress=None):
        super().__init__(env)
        self.result = result
        self.log_every = log_every
        self.say = progress or log.info
        self.t0 = time.perf_counter()
        self._ep = _Episode()

    def reset(self, **kwargs):
        self._ep = _Episode()
        return self.env.reset(**kwargs)

    def step(self, action):
        obs, reward, terminated, truncated, info = self.env.step(action)
        self._record_step(reward, info)
        if terminated or truncated:
            self._end_episode()
        return obs, reward, terminated, truncated, info

    def action_masks(self) -> np.ndarray:
        """The wrapped environment's legal actions (for ``MaskablePPO``)."""
        return self.env.unwrapped.action_masks()

    def _record_step(self, reward: float, info: dict) -> None:
        core, res, ep = self.env.unwrapped.core, self.result, self.result.episodes
        res.steps += 1
        res.evaluations += info["evaluations"]
        res.offer(Candidate(core.ansatz.copy(), core.theta.copy(), info["energy"],
                            info["error"], ep))
        if info["solved"] and res.first_success is None:
            res.first_success = ep
        self._ep.ret += reward
        self._ep.best_error = min(self._ep.best_error, info["error"])
        self._ep.info = info

    def _end_episode(self) -> None:
        core, res, ep = self.env.unwrapped.core, self.result, self._ep
        res.curve.append({"episode": res.episodes, "return": ep.ret, "error": ep.best_error,
                          "final_error": ep.info["error"], "gates": ep.info["gates"],
                          "success": bool(core.success), "xi": core.curriculum.xi})
        res.episodes += 1
        self._ep = _Episode()
        if self.log_every and res.episodes % self.log_every == 0:
            self.say(self.progress_line())

    def progress_line(self) -> str:
        """Best and smallest solved circuits so far, and how the recent episodes went."""
        res = self.result
        best, small = res.best, res.smallest_within(res.target_error)
        recent = res.curve[-self.log_every:] if self.log_every else res.curve
        return (f"episode {res.episodes} ({res.steps} steps): best error {best.error:.3g} "
                f"({best.gates} gates), smallest solved {small.gates if small else '-'} "
                f"gates, recent mean error {np.mean([c['error'] for c in recent]):.3g}, "
                f"successes {sum(c['success'] for c in recent)}/{len(recent)}, "
                f"xi {self.env.unwrapped.core.curriculum.xi:.4g}, "
                f"{time.perf_counter() - self.t0:.0f} s")


def _stop_callback(time_limit: float | None):
    """An sb3 callback that ends training after ``time_limit`` seconds (``None``: never)."""
    from stable_baselines3.common.callbacks import BaseCallback

    class _TimeLimit(BaseCallback):
        def _on_training_start(self) -> None:
            self.t0 = time.perf_counter()

        def _on_step(self) -> bool:
            return time_limit is None or time.perf_counter() - self.t0 < time_limit

    return _TimeLimit()


def summarize(result: SearchResult, env: QASEnv, settings: dict) -> dict:
    """The JSON summary: the chosen circuit (smallest within the target error, else the
    best), the best one, the Pareto front and the search's counters."""
    core = env.core
    small = result.smallest_within(result.target_error)
    chosen = small or result.best
    out = {"hamiltonian": settings.get("hamiltonian"), "num_qubits": core.n,
           "reference_energy": core.min_energy, "solved": small is not None}
    if chosen is not None:
        out.update({k: v for k, v in chosen.summary().items() if k != "episode"})
        out["found_in_episode"] = chosen.episode
        out["parameter_values"] = [float(v) for v in chosen.theta]
        out["ansatz"] = chosen.ansatz.to_dict()
        out["best"] = result.best.summary()
    out.update({"first_success_episode": result.first_success,
                "episodes": result.episodes, "steps": result.steps,
                "energy_evaluations": result.evaluations,
                "wall_time_s": round(result.wall_time, 3),
                "interrupted": result.interrupted,
                "pareto": [c.summary() for c in result.pareto()],
                "settings": settings})
    return out


def _make_model(env, *, seed: int, gamma: float, n_steps: int, batch_size: int,
                learning_rate: float, ent_coef: float, net_arch):
    """A CPU ``MaskablePPO`` with an MLP policy (separate actor and critic layers)."""
    from sb3_contrib import MaskablePPO
    return MaskablePPO("MlpPolicy", env, seed=seed, gamma=gamma, n_steps=n_steps,
                       batch_size=batch_size, learning_rate=learning_rate, ent_coef=ent_coef,
                       policy_kwargs={"net_arch": list(net_arch)}, device="cpu", verbose=0)


def train_ppo(hamiltonian, *, timesteps: int, seed: int = 0, max_gates: int | None = None,
              noise=None, log_path=None, cnot_pairs=None,
              optimizer: OptimizerConfig | None = None,
              target_error: float = CHEMICAL_ACCURACY,
              curriculum: CurriculumConfig | None = None, halting: bool = True,
              gamma: float | None = None, n_steps: int = 256, batch_size: int = 64,
              learning_rate: float = 3e-4, ent_coef: float = 0.01, net_arch=(256, 256),
              log_every: int = 100, time_limit: float | None = None,
              torch_threads: int | None = 1, progress=None) -> dict:
    """Train MaskablePPO for ``timesteps`` environment steps; returns :func:`summarize`'s
    dict (also written as JSON, with the learning curve, to ``log_path``).

    ``hamiltonian`` is a spec or a :class:`~qtool.qas.hamiltonian.PauliSum`; the
    environment takes :func:`qtool.rl.qas_env.build_core_env`'s defaults.  ``gamma=None``
    uses the DDQN's horizon rule ``0.005 ** (1 / L)``.  ``time_limit`` (seconds) and Ctrl-C
    stop training early; the summary then covers what was found.
    """
    import torch
    from stable_baselines3.common.utils import set_random_seed

    if torch_threads is not None:
        torch.set_num_threads(torch_threads)
    set_random_seed(seed)
    env = QASEnv(hamiltonian, seed=seed, noise=noise, cnot_pairs=cnot_pairs,
                 max_gates=max_gates, optimizer=optimizer, target_error=target_error,
                 curriculum=curriculum, halting=halting)
    L = env.core.config.max_gates
    gamma = round(0.005 ** (1.0 / L), 2) if gamma is None else gamma
    result = SearchResult(target_error=target_error)
    tracker = SearchTracker(env, result, log_every=log_every, progress=progress)
    model = _make_model(tracker, seed=seed, gamma=gamma, n_steps=n_steps,
                        batch_size=batch_size, learning_rate=learning_rate,
                        ent_coef=ent_coef, net_arch=net_arch)
    log.info("MaskablePPO on %s: %d qubits, %d actions, L=%d, %d timesteps",
             _name(hamiltonian), env.core.n, env.num_actions, L, timesteps)
    t0 = time.perf_counter()
    try:
        model.learn(total_timesteps=timesteps, callback=_stop_callback(time_limit))
    except KeyboardInterrupt:
        result.interrupted = True
        log.warning("interrupted after %d episodes; keeping the results so far",
                    result.episodes)
    result.wall_time = time.perf_counter() - t0
    settings = {"hamiltonian": _name(hamiltonian), "timesteps": timesteps, "seed": seed,
                "max_gates": L,
                "noisy": not isinstance(env.core.sim, StatevectorSimulator),
                "optimizer": env.core.config.optimizer.method, "target_error": target_error,
                "halting": halting, "gamma": gamma, "n_steps": n_steps,
                "batch_size": batch_size, "learning_rate": learning_rate,
                "ent_coef": ent_coef, "net_arch": list(net_arch),
                "shift_time": env.core.config.curriculum.shift_time}
    summary = summarize(result, env, settings)
    if log_path is not None:
        _write_log(Path(log_path), summary, result)
    return summary


def _name(hamiltonian) -> str:
    """A Hamiltonian's name for the summary: its ``name``, else the spec itself."""
    return getattr(hamiltonian, "name", "") or str(hamiltonian)


def _write_log(path: Path, summary: dict, result: SearchResult) -> None:
    """The summary plus the per-episode learning curve, as one JSON file (atomically)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps({**summary, "curve": result.curve}, indent=1) + "\n")
    tmp.replace(path)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hamiltonian", required=True, help="built-in name, model spec or file")
    ap.add_argument("--timesteps", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-gates", type=int, default=None, help="episode length L")
    ap.add_argument("--noise", default=None, help="none or depolarizing:P1,P2[,READOUT]")
    ap.add_argument("--optimizer", default="lbfgs", help="inner angle optimiser")
    ap.add_argument("--target-error", type=float, default=CHEMICAL_ACCURACY)
    ap.add_argument("--shift-time", type=int, default=None,
                    help="curriculum reset period in episodes (default 500)")
    ap.add_argument("--n-steps", type=int, default=256, help="PPO rollout length")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--ent-coef", type=float, default=0.01)
    ap.add_argument("--time-limit", type=float, default=None, help="seconds")
    ap.add_argument("--log-every", type=int, default=100, help="episodes between progress")
    ap.add_argument("--log", default=None, help="write summary + learning curve JSON here")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(message)s")
    curriculum = None if args.shift_time is None else CurriculumConfig(
        shift_time=args.shift_time)
    summary = train_ppo(args.hamiltonian, timesteps=args.timesteps, seed=args.seed,
                        max_gates=args.max_gates, noise=args.noise, log_path=args.log,
                        optimizer=OptimizerConfig(args.optimizer),
                        target_error=args.target_error, curriculum=curriculum,
                        n_steps=args.n_steps, batch_size=args.batch_size,
                        learning_rate=args.lr, ent_coef=args.ent_coef,
                        time_limit=args.time_limit, log_every=args.log_every)
    print(json.dumps(summary, indent=1))
    return 130 if summary["interrupted"] else 0


if __name__ == "__main__":
    sys.exit(main())
