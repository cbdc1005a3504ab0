"""The preset pipelines behind ``-O0`` .. ``-O3`` (see :mod:`qtool.compiler`)."""
from __future__ import annotations

from .passmanager import Pipeline, Repeat

__all__ = ["preset_pipeline"]


def preset_pipeline(level: int, target=None) -> Pipeline:
    """The pipeline of optimisation ``level`` (0..3); ``target`` may tune trial counts."""
    from qtool.passes import (CancelInverses, CommutativeCancellation, ConsolidateTwoQubitBlocks,
                              DecomposeMultiQubit, MergeOneQubitRuns, RemoveTrivialGates,
                              SabreLayout, SabreRouting, TranslateToBasis, TrivialLayout)

    init = [DecomposeMultiQubit()]
    if level == 0:
        return Pipeline([
            Pipeline(init, name="init"),
            Pipeline([TrivialLayout()], name="layout"),
            Pipeline([SabreRouting(trials=1)], name="routing"),
            Pipeline([TranslateToBasis()], name="translation"),
        ], name="O0")
    if level == 1:
        return Pipeline([
            Pipeline(init + [CancelInverses()], name="init"),
            Pipeline([SabreLayout(trials=4)], name="layout"),
            Pipeline([SabreRouting(trials=4)], name="routing"),
            Pipeline([TranslateToBasis()], name="translation"),
            Pipeline([MergeOneQubitRuns(), CancelInverses()], name="optimization"),
            Pipeline([RemoveTrivialGates()], name="finalize"),
        ], name="O1")
    loop = Pipeline([CommutativeCancellation(), ConsolidateTwoQubitBlocks(), MergeOneQubitRuns(),
                     CancelInverses()], name="loop")
    if level == 2:
        return Pipeline([
            Pipeline(init + [CancelInverses()], name="init"),
            Pipeline([SabreLayout(trials=8)], name="layout"),
            Pipeline([SabreRouting(trials=8)], name="routing"),
            Pipeline([TranslateToBasis()], name="translation"),
            Pipeline([Repeat(loop, metric="2q", max_iter=5)], name="optimization"),
            Pipeline([RemoveTrivialGates()], name="finalize"),
        ], name="O2")
    if level == 3:
        pre = Pipeline([CommutativeCancellation(), CancelInverses()], name="pre")
        return Pipeline([
            Pipeline(init + [Repeat(pre, metric="2q", max_iter=3)], name="init"),
            Pipeline([SabreLayout(trials=16)], name="layout"),
            Pipeline([SabreRouting(trials=16)], name="routing"),
            Pipeline([TranslateToBasis()], name="translation"),
            Pipeline([Repeat(loop, metric="2q", max_iter=10)], name="optimization"),
            Pipeline([RemoveTrivialGates()], name="finalize"),
        ], name="O3")
    raise ValueError(f"optimization level must be 0..3, got {level}")
