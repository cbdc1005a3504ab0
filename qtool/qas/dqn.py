"""Masked double DQN with N-step returns, in numpy (the CRLQAS agent).

The agent of the paper: an MLP Q-network, a target network refreshed every
``target_update`` gradient steps, double-DQN targets

    y = sum_{i<N} gamma^i r_{t+i} + gamma^N Q_target(s_{t+N}, argmax_{a legal} Q_online(s_{t+N}, a))

(no bootstrap past a terminal state), SmoothL1 loss, Adam, and epsilon-greedy exploration
restricted to legal actions (the greedy choice takes ``Q = -inf`` on masked ones).

Written in numpy rather than torch so that ``qtool qas`` runs on the core install (torch is
only in the ``rl`` extra, for sb3-contrib's MaskablePPO).  The paper's 5 x 1000-unit network
with batches of 1000 costs about a second per update on two CPU cores; the defaults here
(3 x 256, batch 128) cost a few milliseconds, which the search's short episodes need.
"""
from __future__ import annotations

from collections import deque
from dataclasses import asdict, dataclass

import numpy as np

__all__ = ["DQNConfig", "MLP", "DDQNAgent"]


@dataclass(frozen=True)
class DQNConfig:
    hidden: tuple[int, ...] = (256, 256, 256)
    lr: float = 3e-4
    gamma: float = 0.88
    n_step: int = 5
    buffer_size: int = 20_000
    batch_size: int = 128
    target_update: int = 500
    eps_start: float = 1.0
    eps_decay: float = 0.99995
    eps_min: float = 0.05
    learn_start: int = 256


class MLP:
    """ReLU multilayer perceptron with its own backward pass and Adam state.

    All weights live in one flat float32 vector (``W`` and ``b`` are views into it), so an
    Adam step is a handful of vectorised operations however many layers there are.
    """

    def __init__(self, sizes, rng: np.random.Generator):
        shapes = [(a, b) for a, b in zip(sizes[:-1], sizes[1:])]
        total = sum(a * b + b for a, b in shapes)
        self.flat = np.zeros(total, np.float32)
        self._grad = np.zeros(total, np.float32)
        self.W, self.b, self._gW, self._gb = [], [], [], []
        off = 0
        for a, b in shapes:
            for store, gstore, shape in ((self.W, self._gW, (a, b)), (self.b, self._gb, (b,))):
                size = int(np.prod(shape))
                store.append(self.flat[off:off + size].reshape(shape))
                gstore.append(self._grad[off:off + size].reshape(shape))
                off += size
        for (a, _), W in zip(shapes, self.W):
            W[...] = rng.standard_normal(W.shape) * np.sqrt(2.0 / a)
        self._m = np.zeros_like(self.flat)
        self._v = np.zeros_like(self.flat)
        self._t = 0

    def forward(self, x: np.ndarray, keep: bool = False):
        acts = [x]
        for i, (W, b) in enumerate(zip(self.W, self.b)):
            x = x @ W + b
            if i < len(self.W) - 1:
                np.maximum(x, 0, out=x)
            acts.append(x)
        return (x, acts) if keep else x

    def backward(self, acts, grad_out: np.ndarray) -> np.ndarray:
        """Gradient of ``sum(grad_out * forward(x))`` in every weight, as one flat vector."""
        g = grad_out
        for i in range(len(self.W) - 1, -1, -1):
            np.matmul(acts[i].T, g, out=self._gW[i])
            g.sum(axis=0, out=self._gb[i])
            if i:
                g = (g @ self.W[i].T) * (acts[i] > 0)
        return self._grad

    def adam_step(self, grad: np.ndarray, lr: float, b1=0.9, b2=0.999, eps=1e-8) -> None:
        self._t += 1
        c1, c2 = 1 - b1 ** self._t, 1 - b2 ** self._t
        self._m *= b1
        self._m += (1 - b1) * grad
        self._v *= b2
        self._v += (1 - b2) * grad * grad
        self.flat -= (lr / c1) * self._m / (np.sqrt(self._v / c2) + eps)

    def copy_from(self, other: "MLP") -> None:
        self.flat[...] = other.flat

    def arrays(self) -> dict[str, np.ndarray]:
        out = {f"W{i}": w for i, w in enumerate(self.W)}
        out.update({f"b{i}": b for i, b in enumerate(self.b)})
        return out


class DDQNAgent:
    """Masked double DQN (see the module docstring); ``act`` / ``observe`` / ``update``."""

    def __init__(self, obs_size: int, num_actions: int, config: DQNConfig = DQNConfig(), *,
                 seed: int = 0):
        self.config = config
        self.rng = np.random.default_rng(seed)
        sizes = (obs_size, *config.hidden, num_actions)
        self.q = MLP(sizes, self.rng)
        self.q_target = MLP(sizes, self.rng)
        self.q_target.copy_from(self.q)
        self.num_actions = num_actions
        self.eps = config.eps_start
        cap = config.buffer_size
        self._obs = np.zeros((cap, obs_size), np.float32)
        self._next = np.zeros((cap, obs_size), np.float32)
        self._act = np.zeros(cap, np.int64)
        self._ret = np.zeros(cap, np.float32)
        self._disc = np.zeros(cap, np.float32)        # gamma^k, 0 when the chain ended
        self._mask = np.zeros((cap, num_actions), bool)
        self._size = self._pos = 0
        self._chain: deque = deque()
        self.updates = 0

    # ------------------------------------------------------------------ acting
    def act(self, obs: np.ndarray, mask: np.ndarray, *, greedy: bool = False) -> int:
        legal = np.flatnonzero(mask)
        if not greedy and self.rng.random() < self.eps:
            return int(self.rng.choice(legal))
        q = self.q.forward(obs[None, :].astype(np.float32))[0]
        return int(legal[np.argmax(q[legal])])

    # ------------------------------------------------------------------ memory
    def observe(self, obs, action: int, reward: float, next_obs, next_mask,
                terminated: bool, truncated: bool) -> None:
        """Record one step; N-step transitions leave the chain as they complete."""
        cfg = self.config
        self._chain.append((obs, action, reward))
        if len(self._chain) == cfg.n_step:
            self._emit(next_obs, next_mask, terminated)
        if terminated or truncated:
            while self._chain:
                self._emit(next_obs, next_mask, terminated)

    def _emit(self, next_obs, next_mask, terminated: bool) -> None:
        g = self.config.gamma
        ret = sum(r * g ** i for i, (_, _, r) in enumerate(self._chain))
        disc = 0.0 if terminated else g ** len(self._chain)
        obs, action, _ = self._chain.popleft()
        i = self._pos
        self._obs[i], self._next[i], self._act[i] = obs, next_obs, action
        self._ret[i], self._disc[i], self._mask[i] = ret, disc, next_mask
        self._pos = (i + 1) % len(self._act)
        self._size = min(self._size + 1, len(self._act))

    # ------------------------------------------------------------------ learning
    def update(self) -> float | None:
        """One gradient step on a replay batch; returns the loss (None while warming up)."""
        cfg = self.config
        if self._size < max(cfg.learn_start, cfg.batch_size):
            return None
        idx = self.rng.integers(0, self._size, cfg.batch_size)
        nxt = self._next[idx]
        q_next_online = np.where(self._mask[idx], self.q.forward(nxt), -np.inf)
        a_star = np.argmax(q_next_online, axis=1)
        q_next = self.q_target.forward(nxt)[np.arange(len(idx)), a_star]
        y = self._ret[idx] + self._disc[idx] * q_next
        q, acts = self.q.forward(self._obs[idx], keep=True)
        rows = np.arange(len(idx))
        diff = q[rows, self._act[idx]] - y
        loss = float(np.mean(np.where(np.abs(diff) < 1, 0.5 * diff ** 2, np.abs(diff) - 0.5)))
        grad = np.zeros_like(q)
        grad[rows, self._act[idx]] = np.clip(diff, -1, 1) / len(idx)
        self.q.adam_step(self.q.backward(acts, grad), cfg.lr)
        self.updates += 1
        self.eps = max(cfg.eps_min, self.eps * cfg.eps_decay)
        if self.updates % cfg.target_update == 0:
            self.q_target.copy_from(self.q)
        return loss

    # ------------------------------------------------------------------ weights
    def save(self, path) -> None:
        """Online network weights plus the config, as a small ``.npz`` (numpy inference)."""
        import io
        import json

        from ..cli import write_atomic
        buf = io.BytesIO()
        np.savez_compressed(buf, config=json.dumps(asdict(self.config)), **self.q.arrays())
        write_atomic(path, buf.getvalue())
