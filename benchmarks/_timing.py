"""Shared timing helper of the benchmark scripts (run as ``python benchmarks/x.py``)."""
from __future__ import annotations

import time


def best_of(f, repeats: int = 5) -> tuple[float, object]:
    """The fastest of ``repeats`` calls of ``f`` (seconds) and the last call's result."""
    best, out = float("inf"), None
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t0)
    return best, out
