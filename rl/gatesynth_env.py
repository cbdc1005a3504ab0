"""Gymnasium environment ``qtool/GateSynth-v0``: reduce a one-qubit residual to the identity
with basis moves (papers.md section 1.2, reverse formulation).

* Observation: the residual's rotation matrix (9 floats, :func:`qtool.gatesynth.features.so3`)
  -- phase-invariant, so ``U`` and ``-U`` are one state.
* Actions: the moves of a :class:`qtool.gatesynth.search.MoveSet` (basis gates, or the
  Clifford+T syllables); action ``a`` maps the residual ``R`` to ``m_a^dag R``, so the moves
  taken, in order, spell the word from its leftmost (last applied) letter.  Moves not allowed
  after the previous one (a gate after its inverse; ``T`` after a syllable) are masked in
  ``info["action_mask"]``.
* Reward: minus the move's cost (1 per gate, or 1 per T); the episode succeeds when the
  residual is within ``eps`` (``eps_op``) of the identity, and is truncated after
  ``max_steps``.
* Start states: scrambles -- ``scramble`` random allowed moves applied to the identity, so a
  solution of cost at most the scramble's exists; ``options={"target": U}`` starts from a
  given unitary instead.

Requires the ``rl`` extra (gymnasium).
"""
from __future__ import annotations

import gymnasium as gym
import numpy as np

from qtool.gatesynth.features import so3
from qtool.gatesynth.search import MoveSet
from qtool.gatesynth.su2 import qconj, qdist, qmul, to_quaternion

__all__ = ["GateSynthEnv", "scramble", "scramble_batch", "ENV_ID"]

ENV_ID = "qtool/GateSynth-v0"
_IDENTITY = np.array([1.0, 0.0, 0.0, 0.0])


def scramble_batch(moves: MoveSet, lengths, rng: np.random.Generator
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random products ``m_1 m_2 ... m_k`` of allowed moves, one per entry of ``lengths``:
    quaternions ``(n, 4)``, costs ``(n,)``, and the moves ``(n, max k)`` padded with -1
    (taking a row's moves in order as actions returns to the identity)."""
    lengths = np.asarray(lengths, dtype=int)
    n = len(lengths)
    q = np.tile(_IDENTITY, (n, 1))
    cost = np.zeros(n)
    taken = np.full((n, int(lengths.max(initial=0))), -1)
    last = np.full(n, -1)
    for step in range(taken.shape[1]):
        live = np.flatnonzero(lengths > step)
        # a uniform allowed move per live row: the largest random key among the allowed
        a = np.argmax(rng.random((len(live), len(moves.names))) * moves.allowed[last[live]],
                      axis=1)
        q[live] = qmul(q[live], moves.quats[a])
        cost[live] += moves.costs[a]
        taken[live, step] = a
        last[live] = a
    return q, cost, taken


def scramble(moves: MoveSet, length: int, rng: np.random.Generator
             ) -> tuple[np.ndarray, float, list[int]]:
    """One scramble of ``length`` moves (:func:`scramble_batch`): its quaternion, cost and
    moves."""
    q, cost, taken = scramble_batch(moves, [length], rng)
    return q[0], float(cost[0]), [int(a) for a in taken[0]]


class GateSynthEnv(gym.Env):
    """See module doc."""

    metadata = {"render_modes": []}

    def __init__(self, moves: MoveSet, eps: float = 1e-2, scramble_length: int = 8,
                 max_steps: int = 64):
        self.moves = moves
        self.eps = float(eps)
        self.scramble_length = int(scramble_length)
        self.max_steps = int(max_steps)
        self.action_space = gym.spaces.Discrete(len(moves.names))
        self.observation_space = gym.spaces.Box(-1.0, 1.0, shape=(9,), dtype=np.float32)
        self._q = _IDENTITY.copy()
        self._last = -1
        self._steps = 0
        self.scramble_moves: list[int] = []

    def _obs(self) -> np.ndarray:
        return so3(self._q).astype(np.float32)

    def _info(self) -> dict:
        return {"action_mask": self.moves.allowed[self._last].copy(),
                "eps_op": float(qdist(self._q, _IDENTITY))}

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        if options and "target" in options:
            self._q = to_quaternion(options["target"])
        else:
            self._q, _, self.scramble_moves = scramble(self.moves, self.scramble_length,
                                                       self.np_random)
        self._last = -1
        self._steps = 0
        return self._obs(), self._info()

    def step(self, action):
        a = int(action)
        if not self.moves.allowed[self._last][a]:
            raise ValueError(f"action {a} is not allowed after action {self._last}")
        self._q = qmul(qconj(self.moves.quats[a]), self._q)
        self._last = a
        self._steps += 1
        info = self._info()
        done = info["eps_op"] <= self.eps
        truncated = not done and self._steps >= self.max_steps
        return self._obs(), -float(self.moves.costs[a]), done, truncated, info


def register() -> None:
    """Register ``qtool/GateSynth-v0`` (needs ``moves=`` in ``gymnasium.make``)."""
    if ENV_ID not in gym.registry:
        gym.register(ENV_ID, entry_point=GateSynthEnv)
