"""Numpy twins of :mod:`qtool._ext._unfold` (same names, same results up to rounding)."""
from __future__ import annotations

import numpy as np


def convolve(flips, flip_probs, ptr, stay, prune):
    masks = np.zeros(1, dtype=np.uint64)
    probs = np.ones(1)
    for j in range(len(stay)):
        lo, hi = int(ptr[j]), int(ptr[j + 1])
        if hi == lo:
            continue
        f = np.asarray(flips[lo:hi], dtype=np.uint64)
        cand = np.concatenate([masks, (masks[:, None] ^ f[None, :]).ravel()])
        weight = np.concatenate([probs * stay[j],
                                 (probs[:, None] * np.asarray(flip_probs[lo:hi])[None, :])
                                 .ravel()])
        masks, inverse = np.unique(cand, return_inverse=True)
        probs = np.bincount(inverse.ravel(), weights=weight, minlength=len(masks))
        keep = probs > prune
        masks, probs = masks[keep], probs[keep]
    return masks, probs


def pairs(keys, masks):
    keys = np.asarray(keys, dtype=np.uint64)
    masks = np.asarray(masks, dtype=np.uint64)
    order = np.argsort(keys, kind="stable")
    sk = keys[order]
    want = keys[:, None] ^ masks[None, :]
    pos = np.minimum(np.searchsorted(sk, want), max(0, len(sk) - 1))
    hit = sk[pos] == want if len(sk) else np.zeros(want.shape, bool)
    rows, cols = np.nonzero(hit)
    return rows.astype(np.int64), order[pos[rows, cols]].astype(np.int64), cols.astype(np.int64)


def em(q, rows, src, w, level, max_iter):
    q = np.asarray(q, dtype=np.float64)
    pi = q.copy()
    it = 0
    while it < max_iter:
        a = np.bincount(rows, weights=w * pi[src], minlength=len(q))
        fit = a / a.sum() if a.sum() > 0 else a
        if 1.0 - np.sqrt(fit * q).sum() ** 2 <= level:
            break
        ratio = np.divide(q, a, out=np.zeros_like(q), where=a > 0)
        pi = pi * np.bincount(src, weights=w * ratio[rows], minlength=len(q))
        pi /= pi.sum()
        it += 1
    return pi, it
