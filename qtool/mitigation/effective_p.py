"""The effective bit-flip rate ``p`` that Q-Cluster needs, learned from calibration data.

Features (papers.md section 4.2, extended): active and measured qubits, 1Q gate counts by
type, the 2Q gate count and 2Q depth, the plain and the T1-modified estimated success
probability of the compiled circuit on its target, the mean readout error of the measured
qubits, and the normalised entropy of the *noisy* output.  The training target is
``p* = argmax_p HF(noisy, ideal (x) BSC(p)^n)`` (:func:`best_fit_p`).

The regressor is an ExtraTrees ensemble trained by ``scripts/train_effective_p.py``; it ships
as plain arrays (``data/effective_p.npz``, no pickle) and runs here in numpy.  Without it, or
without a circuit and target, :func:`fallback_p` uses ``1 - ESP_m^(1/m)``.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

__all__ = ["FEATURES", "circuit_features", "best_fit_p", "fallback_p", "TreeEnsemble",
           "estimate_p", "bsc_model"]

FEATURES = ("qubits", "measured", "rz", "sx", "x", "twoq", "depth_2q", "esp", "esp_m",
            "readout", "entropy")
MODEL_PATH = Path(__file__).with_name("data") / "effective_p.npz"
P_RANGE = (1e-4, 0.45)


def normalised_entropy(probs: np.ndarray, num_bits: int) -> float:
    p = np.asarray(probs, dtype=float)
    p = p[p > 0] / p.sum()
    return float(-(p * np.log2(p)).sum() / max(1, num_bits))


def circuit_features(circ, target, probs=None, num_bits: int | None = None) -> dict:
    """Feature dict of a compiled circuit on its target (and of its noisy output ``probs``,
    an array of probabilities over the observed strings)."""
    from ..gates import MEASURE
    from ..targets.metrics import estimate_success_probability, row_durations, row_errors
    from ..targets.registry import get_target
    t = get_target(target)
    ops = circ.count_ops()
    err = row_errors(circ, t)
    dur = row_durations(circ, t)
    t1 = np.asarray(t.t1, dtype=float)
    t1 = np.where(np.isfinite(t1) & (t1 > 0), t1, np.nanmedian(t1) if np.isfinite(t1).any()
                  else np.inf)
    log_esp_m = 0.0
    readouts = []
    for i in range(len(circ)):
        qs = circ.qubits_of(i)
        if circ.op[i] == MEASURE:
            log_esp_m += math.log1p(-min(err[i], 0.999))
            readouts.append(err[i])
            continue
        if not qs:
            continue
        tau = dur[i]
        T1 = float(np.mean(t1[list(qs)]))
        decay = 1 - math.exp(-tau / T1) if T1 > 0 and np.isfinite(T1) else 0.0
        log_esp_m += math.log(max(1e-12, 1 - err[i] - decay))
    measured = int(ops.get("measure", 0))
    f = {"qubits": len(circ.active_qubits()), "measured": measured,
         "rz": ops.get("rz", 0), "sx": ops.get("sx", 0), "x": ops.get("x", 0),
         "twoq": circ.num_2q(), "depth_2q": circ.depth(two_qubit_only=True),
         "esp": estimate_success_probability(circ, t), "esp_m": math.exp(log_esp_m),
         "readout": float(np.mean(readouts)) if readouts else 0.0,
         "entropy": math.nan}
    if probs is not None:
        f["entropy"] = normalised_entropy(probs, num_bits or max(1, measured))
    return f


def fallback_p(features: dict) -> float:
    """``1 - ESP_m^(1/m)``: the flip rate that spreads the circuit's total error evenly over
    its ``m`` measured bits (papers.md: R^2 0.55 on the authors' table)."""
    m = max(1, int(features.get("measured") or 1))
    esp = features.get("esp_m") or features.get("esp") or 1.0
    return float(np.clip(1 - esp ** (1 / m), *P_RANGE))


def bsc_model(ideal_keys: np.ndarray, ideal_probs: np.ndarray, keys: np.ndarray,
              num_bits: int, p: float) -> np.ndarray:
    """``(ideal (x) BSC(p)^n)(s)`` at the packed strings ``keys``."""
    d = np.bitwise_count(keys[:, None] ^ ideal_keys[None, :]).astype(float)
    return (p ** d * (1 - p) ** (num_bits - d)) @ ideal_probs


def best_fit_p(noisy_keys, noisy_probs, ideal_keys, ideal_probs, num_bits: int) -> float:
    """The flip rate whose BSC applied to the ideal distribution best matches the noisy one
    (Hellinger fidelity, golden-section search on ``P_RANGE``)."""
    noisy_keys = np.asarray(noisy_keys, dtype=np.uint64)
    ideal_keys = np.asarray(ideal_keys, dtype=np.uint64)
    q = np.asarray(noisy_probs, dtype=float)
    q = q / q.sum()
    ip = np.asarray(ideal_probs, dtype=float)

    def neg_hf(p):
        model = bsc_model(ideal_keys, ip, noisy_keys, num_bits, p)
        return -float(np.sqrt(q * model).sum() ** 2)
    from scipy.optimize import minimize_scalar
    r = minimize_scalar(neg_hf, bounds=P_RANGE, method="bounded",
                        options={"xatol": 1e-5})
    return float(r.x)


class TreeEnsemble:
    """A trained tree ensemble as flat arrays; ``predict`` is the mean over trees."""

    def __init__(self, feature, threshold, left, right, value, roots, features):
        self.feature, self.threshold = np.asarray(feature), np.asarray(threshold)
        self.left, self.right = np.asarray(left), np.asarray(right)
        self.value, self.roots = np.asarray(value), np.asarray(roots)
        self.features = tuple(features)

    @classmethod
    def from_sklearn(cls, est, features=FEATURES) -> "TreeEnsemble":
        feat, thr, left, right, val, roots = [], [], [], [], [], []
        off = 0
        for tree in est.estimators_:
            t = tree.tree_
            roots.append(off)
            feat.append(t.feature)
            thr.append(t.threshold)
            left.append(np.where(t.children_left >= 0, t.children_left + off, -1))
            right.append(np.where(t.children_right >= 0, t.children_right + off, -1))
            val.append(t.value.reshape(-1))
            off += t.node_count
        cat = np.concatenate
        return cls(cat(feat).astype(np.int16), cat(thr), cat(left).astype(np.int32),
                   cat(right).astype(np.int32), cat(val), np.array(roots, np.int32), features)

    def save(self, path) -> None:
        np.savez_compressed(path, feature=self.feature, threshold=self.threshold,
                            left=self.left, right=self.right, value=self.value,
                            roots=self.roots, features=np.array(self.features))

    @classmethod
    def load(cls, path) -> "TreeEnsemble":
        with np.load(path, allow_pickle=False) as z:
            return cls(z["feature"], z["threshold"], z["left"], z["right"], z["value"],
                       z["roots"], [str(s) for s in z["features"]])

    def predict(self, X) -> np.ndarray:
        X = np.atleast_2d(np.asarray(X, dtype=float))
        node = np.broadcast_to(self.roots, (X.shape[0], self.roots.size)).copy()
        rows = np.arange(X.shape[0])[:, None]
        while True:
            leaf = self.left[node] < 0
            if leaf.all():
                break
            f = np.where(leaf, 0, self.feature[node])
            go_left = X[rows, f] <= self.threshold[node]
            nxt = np.where(go_left, self.left[node], self.right[node])
            node = np.where(leaf, node, nxt)
        return self.value[node].mean(axis=1)


_MODEL: list = []


def _bundled_model() -> TreeEnsemble | None:
    if not _MODEL:
        _MODEL.append(TreeEnsemble.load(MODEL_PATH) if MODEL_PATH.exists() else None)
    return _MODEL[0]


def estimate_p(features: dict, model: TreeEnsemble | None = None) -> tuple[float, str]:
    """``(p, how)``: the learned estimate when a model and every feature are at hand, else
    :func:`fallback_p`."""
    model = model or _bundled_model()
    if model is not None and all(np.isfinite(float(features.get(k, math.nan)))
                                 for k in model.features):
        x = [float(features[k]) for k in model.features]
        return float(np.clip(model.predict(x)[0], *P_RANGE)), "extra-trees"
    return fallback_p(features), "1 - esp_m^(1/m)"
