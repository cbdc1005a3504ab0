"""Loading of the compiled kernels, with no silent fallback.

``kernel("_dag")`` returns :mod:`qtool._ext._dag`.  If the extension was not built, it
raises an ImportError that says how to build it -- unless ``QTOOL_PURE_PYTHON=1`` is set,
in which case the numpy twin from :mod:`qtool._ref` is returned (slow, for debugging and
for the differential tests) -- or the compiled kernel, for the few without a twin.
"""
from __future__ import annotations

import importlib
import os
from types import ModuleType

_cache: dict[str, ModuleType] = {}


def kernel(topic: str) -> ModuleType:
    mod = _cache.get(topic)
    if mod is not None:
        return mod
    if os.environ.get("QTOOL_PURE_PYTHON") == "1":
        try:
            mod = importlib.import_module(f"qtool._ref.{topic}")
        except ModuleNotFoundError as exc:
            if exc.name != f"qtool._ref.{topic}":
                raise
    if mod is None:
        try:
            mod = importlib.import_module(f"qtool._ext.{topic}")
        except ImportError as exc:
            raise ImportError(
                f"qtool's compiled kernel qtool._ext.{topic} is not built ({exc}). Install qtool "
                "with `pip install .` or `pip install -e .` (needs a C compiler and Cython), or "
                "set QTOOL_PURE_PYTHON=1 to run on the slow numpy reference kernels.") from exc
    _cache[topic] = mod
    return mod
