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

The observation is mostly a one-hot circuit tensor (at most ``L`` ones among
``L (n + 3) n`` entries), so the first layer -- nearly all of the network's weights -- is
fed sparsely: its forward and backward passes cost ``O(nonzeros)`` instead of
``O(inputs)``, and Adam updates only the first-layer rows of inputs seen in the batch
("lazy" Adam, as for embedding tables).  The replay buffer keeps the 0/1 part of the
observations as the column indices of its ones and hands batches over as CSR matrices.
At 6 qubits (3781 inputs) this makes a LiH-6 search about 4x faster per episode; the
network's update was nine tenths of its time.
"""
from __future__ import annotations

from collections import deque
from dataclasses import asdict, dataclass

import numpy as np
from scipy import sparse

__all__ = ["DQNConfig", "MLP", "DDQNAgent"]

#: inputs below this density (and at least ``_SPARSE_MIN_INPUTS`` wide) go through the
#: sparse first-layer path
_SPARSE_DENSITY = 0.1
_SPARSE_MIN_INPUTS = 256


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
    Adam step is a handful of vectorised operations however many layers there are.  Wide,
    sparse inputs take the sparse first-layer path (see the module docstring); the result
    is the same function up to float32 rounding.
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
        self._rows = None    # first-layer rows the last sparse backward touched

    def forward(self, x: np.ndarray, keep: bool = False):
        x0 = _sparse_or_dense(x)
        acts = [x0]
        for i, (W, b) in enumerate(zip(self.W, self.b)):
            x = (x0 @ W if i == 0 else x @ W) + b
            if i < len(self.W) - 1:
                np.maximum(x, 0, out=x)
            acts.append(x)
        return (x, acts) if keep else x

    def backward(self, acts, grad_out: np.ndarray) -> np.ndarray:
        """Gradient of ``sum(grad_out * forward(x))`` in every weight, as one flat vector.

        After a sparse forward pass the first-layer gradient is nonzero only on the rows of
        the batch's nonzero inputs; :meth:`adam_step` updates just those.
        """
        g = grad_out
        stale, self._rows = self._rows, None
        for i in range(len(self.W) - 1, -1, -1):
            if i == 0 and sparse.issparse(acts[0]):
                if stale is not None:           # rows a previous sparse pass wrote
                    self._gW[0][stale] = 0.0
                rows = np.unique(acts[0].indices)
                self._gW[0][rows] = (acts[0].T @ g)[rows]
                self._rows = rows
            else:
                np.matmul(acts[i].T, g, out=self._gW[i])
            g.sum(axis=0, out=self._gb[i])
            if i:
                g = (g @ self.W[i].T) * (acts[i] > 0)
        return self._grad

    def adam_step(self, grad: np.ndarray, lr: float, b1=0.9, b2=0.999, eps=1e-8) -> None:
        """Adam on every weight, or -- after a sparse backward pass -- on every weight but
        the first-layer rows whose inputs were all zero in the batch (lazy Adam)."""
        self._t += 1
        c1, c2 = 1 - b1 ** self._t, 1 - b2 ** self._t
        if self._rows is None:
            _adam(self.flat, self._m, self._v, grad, lr / c1, c2, b1, b2, eps)
            return
        width = self.W[0].shape[1]
        k, rows = self.W[0].size, self._rows
        tail = slice(k, None)
        _adam(self.flat[tail], self._m[tail], self._v[tail], grad[tail], lr / c1, c2, b1, b2,
              eps)
        p, m, v, g = (a[:k].reshape(-1, width) for a in (self.flat, self._m, self._v, grad))
        pr, mr, vr = p[rows], m[rows], v[rows]
        _adam(pr, mr, vr, g[rows], lr / c1, c2, b1, b2, eps)
        p[rows], m[rows], v[rows] = pr, mr, vr

    def copy_from(self, other: "MLP") -> None:
        self.flat[...] = other.flat

    def arrays(self) -> dict[str, np.ndarray]:
        out = {f"W{i}": w for i, w in enumerate(self.W)}
        out.update({f"b{i}": b for i, b in enumerate(self.b)})
        return out


class _Observations:
    """Replay storage of observations whose leading ``binary`` entries are 0/1 (the
    circuit tensor): those are kept as the column indices of their ones, the rest as
    ``float32``.  :meth:`batch` returns a CSR matrix straight from the indices when there
    is a binary part (no dense scan), a dense array otherwise."""

    def __init__(self, capacity: int, size: int, binary: int):
        self.size, self.binary = size, binary
        self.ones = np.zeros((capacity, 8 if binary else 0), np.int32)
        self.count = np.zeros(capacity, np.int32)
        self.rest = np.zeros((capacity, size - binary), np.float32)

    def put(self, i: int, obs: np.ndarray) -> None:
        bits = obs[:self.binary]
        cols = np.flatnonzero(bits)
        if not np.all(bits[cols] == 1):
            raise ValueError("a binary observation entry is neither 0 nor 1")
        if len(cols) > self.ones.shape[1]:
            grow = max(len(cols), 2 * self.ones.shape[1]) - self.ones.shape[1]
            self.ones = np.pad(self.ones, ((0, 0), (0, grow)))
        self.ones[i, :len(cols)] = cols
        self.count[i] = len(cols)
        self.rest[i] = obs[self.binary:]

    def batch(self, idx: np.ndarray):
        if not self.binary:
            return self.rest[idx]
        counts = self.count[idx]
        tail = self.size - self.binary
        nnz = counts + tail
        indptr = np.zeros(len(idx) + 1, np.int64)
        np.cumsum(nnz, out=indptr[1:])
        indices = np.empty(indptr[-1], np.int32)
        data = np.ones(indptr[-1], np.float32)
        width = self.ones.shape[1]
        keep = np.arange(width)[None, :] < counts[:, None]
        # row r: its ones' columns, then the dense tail's columns (binary .. size-1)
        starts = indptr[:-1]
        pos = starts[:, None] + np.arange(width)[None, :]
        indices[pos[keep]] = self.ones[idx][keep]
        tail_pos = (starts + counts)[:, None] + np.arange(tail)[None, :]
        indices[tail_pos] = np.arange(self.binary, self.size, dtype=np.int32)[None, :]
        data[tail_pos] = self.rest[idx]
        return sparse.csr_array((data, indices, indptr), shape=(len(idx), self.size))


def _adam(p, m, v, g, step, c2, b1, b2, eps) -> None:
    """One in-place Adam update of ``p`` with moments ``m``, ``v`` (``step = lr / c1``)."""
    m *= b1
    m += (1 - b1) * g
    v *= b2
    v += (1 - b2) * g * g
    p -= step * m / (np.sqrt(v / c2) + eps)


def _sparse_or_dense(x):
    """``x`` as a CSR matrix when it is wide and mostly zeros, else unchanged."""
    if sparse.issparse(x):
        return x
    if x.shape[1] >= _SPARSE_MIN_INPUTS and \
            np.count_nonzero(x) < _SPARSE_DENSITY * x.size:
        return sparse.csr_array(x)
    return x


class DDQNAgent:
    """Masked double DQN (see the module docstring); ``act`` / ``observe`` / ``update``."""

    def __init__(self, obs_size: int, num_actions: int, config: DQNConfig = DQNConfig(), *,
                 seed: int = 0, binary_inputs: int = 0):
        """``binary_inputs``: how many leading observation entries are 0/1 (the circuit
        tensor); the replay buffer stores them as the indices of their ones."""
        if not 0 <= binary_inputs <= obs_size:
            raise ValueError(f"binary_inputs {binary_inputs} outside 0..{obs_size}")
        self.config = config
        self.rng = np.random.default_rng(seed)
        sizes = (obs_size, *config.hidden, num_actions)
        self.q = MLP(sizes, self.rng)
        self.q_target = MLP(sizes, self.rng)
        self.q_target.copy_from(self.q)
        self.num_actions = num_actions
        self.eps = config.eps_start
        cap = config.buffer_size
        self._obs = _Observations(cap, obs_size, binary_inputs)
        self._next = _Observations(cap, obs_size, binary_inputs)
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
        self._obs.put(i, obs)
        self._next.put(i, next_obs)
        self._act[i] = action
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
        nxt = self._next.batch(idx)
        q_next_online = np.where(self._mask[idx], self.q.forward(nxt), -np.inf)
        a_star = np.argmax(q_next_online, axis=1)
        q_next = self.q_target.forward(nxt)[np.arange(len(idx)), a_star]
        y = self._ret[idx] + self._disc[idx] * q_next
        q, acts = self.q.forward(self._obs.batch(idx), keep=True)
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
