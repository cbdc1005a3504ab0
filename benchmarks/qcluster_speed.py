"""Speed of Q-Cluster error mitigation (:func:`qtool.mitigation.qcluster_result`).

GHZ-like histograms: 8192 shots split between ``0...0`` and ``1...1``, every bit flipped with
probability ``p = 0.03``, for ``n = 5, 10, 20`` bits; plus a 27-bit case with about 15k unique
strings (``p = 0.15``, 20000 shots).  Times the whole call (counts already packed, so parsing
is not included; the dict -> result time is printed too for 8192 shots) for the Cython kernels
and the numpy twins.  Target: <= 20 ms per 8192-shot histogram of <= 20 bits (Cython).

::

    python benchmarks/qcluster_speed.py                 # ~20 s
    python benchmarks/qcluster_speed.py --out benchmarks/results/qcluster_speed.txt
"""
from __future__ import annotations

import argparse
import platform

import numpy as np
from _timing import best_of

import qtool._kernels as kernels
from qtool._ref import _qcluster as ref_kernel
from qtool.mitigation import qcluster_packed, qcluster_result, unpack_counts


def ghz_like(n: int, shots: int, p: float, seed: int = 0):
    rng = np.random.default_rng(seed)
    true = np.where(np.arange(shots) % 2 == 0, np.uint64(0),
                    np.uint64((1 << n) - 1)).astype(np.uint64)
    flips = rng.random((shots, n)) < p
    mask = (flips.astype(np.uint64) << np.arange(n, dtype=np.uint64)).sum(1, dtype=np.uint64)
    keys, counts = np.unique(true ^ mask, return_counts=True)
    return keys, counts.astype(np.int64)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", help="also write the table to this file")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    cases = [(5, 8192, 0.03), (10, 8192, 0.03), (20, 8192, 0.03), (27, 20000, 0.15)]
    lines = [(f"# qcluster_speed  python {platform.python_version()}  numpy {np.__version__}"
              f"  {platform.machine()}"),
             (f"{'bits':>4} {'shots':>6} {'p':>5} {'unique':>7} {'k':>3} "
              f"{'cython_ms':>10} {'numpy_ms':>9} {'dict_ms':>8}")]
    for n, shots, p in cases:
        keys, counts = ghz_like(n, shots, p)
        kernels._cache.pop("_qcluster", None)
        t_fast, res = best_of(lambda k=keys, c=counts, n=n, p=p: qcluster_packed(k, c, n, p),
                              args.repeats)
        as_dict = unpack_counts(keys, counts, n)
        t_dict, _ = best_of(lambda d=as_dict, p=p: qcluster_result(d, p), args.repeats)
        kernels._cache["_qcluster"] = ref_kernel
        t_slow, res_ref = best_of(lambda k=keys, c=counts, n=n, p=p: qcluster_packed(k, c, n, p),
                                  max(1, args.repeats // 2))
        kernels._cache.pop("_qcluster", None)
        assert res_ref.k == res.k and np.array_equal(res_ref.keys, res.keys)
        lines.append(f"{n:>4} {shots:>6} {p:>5} {len(keys):>7} {res.k:>3} "
                     f"{t_fast * 1e3:>10.2f} {t_slow * 1e3:>9.2f} {t_dict * 1e3:>8.2f}")
    # a long search: every k up to 32 on the 27-bit histogram (tol > 1 never stops early)
    keys, counts = ghz_like(27, 20000, 0.15)
    t_long, res = best_of(lambda: qcluster_packed(keys, counts, 27, 0.15, tol=1.01,
                                                  max_clusters=32), 1)
    lines.append(f"# 27 bits, {len(keys)} unique, all k = 1..{res.k} (tol > 1): "
                 f"{t_long * 1e3:.1f} ms (cython)")
    text = "\n".join(lines)
    print(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")


if __name__ == "__main__":
    main()
