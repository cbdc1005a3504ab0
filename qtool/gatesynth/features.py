"""Network inputs for the learned cost-to-go, and numpy inference of the shipped networks.

* :func:`so3` -- the 3x3 rotation of a quaternion (9 numbers): the phase-invariant encoding
  of a one-qubit operator (``U`` and ``-U`` give the same rotation).
* :func:`clifford_invariant` -- for T-count costs.  Multiplying by a Clifford on either side
  leaves the T-count unchanged, and Cliffords act on the rotation as signed permutation
  matrices; so ``|R|`` brought to a canonical order of rows and columns (the
  lexicographically largest of its 36 row/column permutations) is invariant under both, and
  the network never has to learn that symmetry.
* :class:`MLP` -- a ReLU multilayer perceptron stored as plain arrays (``.npz``, no pickle),
  so inference needs numpy only; training lives in :mod:`qtool.rl` behind the ``rl`` extra.

Examples
--------
>>> import numpy as np
>>> np.allclose(so3(np.array([1.0, 0, 0, 0])).reshape(3, 3), np.eye(3))
True
"""
from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np

__all__ = ["so3", "clifford_invariant", "MLP"]

_PERMS = np.array(list(itertools.permutations(range(3))))


def so3(q) -> np.ndarray:
    """Row-major 3x3 rotation matrices (``(..., 9)``) of unit quaternions ``(..., 4)``."""
    q = np.asarray(q, dtype=float)
    w, x, y, z = (q[..., i] for i in range(4))
    r = np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
                  2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
                  2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], axis=-1)
    return r


def clifford_invariant(q) -> np.ndarray:
    """``|R|`` in canonical row/column order, flattened (``(..., 9)``); see module doc."""
    a = np.abs(so3(q)).reshape(-1, 3, 3)
    # all 36 (row perm, column perm) images, then the lexicographic maximum per operator
    imgs = a[:, _PERMS[:, None, :, None], _PERMS[None, :, None, :]].reshape(len(a), 36, 9)
    keys = np.round(imgs, 9)
    best = np.zeros(len(a), dtype=int)
    for j in range(1, 36):                 # running lexicographic maximum over the images
        cand, cur = keys[:, j], keys[np.arange(len(a)), best]
        diff = cand - cur
        first = np.argmax(diff != 0, axis=1)
        better = diff[np.arange(len(a)), first] > 0
        best[better] = j
    out = imgs[np.arange(len(a)), best]
    return out.reshape(np.shape(q)[:-1] + (9,))


class MLP:
    """``y = W_L relu(... relu(W_1 x + b_1) ...) + b_L`` with input normalisation."""

    def __init__(self, weights: list[np.ndarray], biases: list[np.ndarray],
                 mean: np.ndarray | None = None, scale: np.ndarray | None = None):
        self.weights = [np.asarray(w, dtype=np.float32) for w in weights]
        self.biases = [np.asarray(b, dtype=np.float32) for b in biases]
        n_in = self.weights[0].shape[1]
        self.mean = np.zeros(n_in, np.float32) if mean is None else np.asarray(mean, np.float32)
        self.scale = np.ones(n_in, np.float32) if scale is None else np.asarray(scale,
                                                                              np.float32)

    def __call__(self, x) -> np.ndarray:
        h = (np.asarray(x, dtype=np.float32) - self.mean) / self.scale
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            h = h @ w.T + b
            if i < len(self.weights) - 1:
                np.maximum(h, 0, out=h)
        return h

    def save(self, path) -> None:
        arrays = {"mean": self.mean, "scale": self.scale}
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            arrays[f"w{i}"], arrays[f"b{i}"] = w, b
        np.savez_compressed(path, **arrays)

    @classmethod
    def load(cls, path) -> "MLP":
        with np.load(Path(path), allow_pickle=False) as z:
            n = sum(1 for k in z.files if k.startswith("w"))
            return cls([z[f"w{i}"] for i in range(n)], [z[f"b{i}"] for i in range(n)],
                       z["mean"], z["scale"])
