"""The preset pipelines behind ``-O0`` .. ``-O3`` (see :mod:`qtool.compiler`)."""
from __future__ import annotations

from .passmanager import Pipeline, Repeat

__all__ = ["preset_pipeline"]


def preset_pipeline(level: int, target=None) -> Pipeline:
    """The pipeline of optimisation ``level`` (0..3); ``target`` may tune trial counts."""
    from qtool.passes import (CancelInverses, CommutativeCancellation, ConsolidateTwoQubitBlocks,
                              DecomposeMultiQubit, ElidePermutations, MergeOneQubitRuns,
                              NoiseAwarePostLayout, RemoveNearIdentities, RemoveTrivialGates,
                              SabreLayout, SabreRouting, TranslateToBasis, TrivialLayout)

    def stage(name, passes):
        # stages are checked by the enclosing strict pipeline, with the real properties
        return Pipeline(passes, name=name, strict=False)

    init = [DecomposeMultiQubit()]
    # levels 1-3 re-place the routed circuit by calibration (NoiseAwarePostLayout), which
    # searches the same embeddings as SabreLayout's swap-free attempt: its first one will do
    if level == 0:
        return Pipeline([
            stage("init", init),
            stage("layout", [TrivialLayout()]),
            stage("routing", [SabreRouting(trials=1)]),
            stage("translation", [TranslateToBasis()]),
        ], name="O0")
    if level == 1:
        return Pipeline([
            stage("init", init + [CancelInverses()]),
            stage("layout", [SabreLayout(trials=4, vf2_max_trials=1)]),
            stage("routing", [SabreRouting(trials=4),
                              NoiseAwarePostLayout(max_mappings=64, beam_width=16)]),
            stage("translation", [TranslateToBasis()]),
            stage("optimization", [MergeOneQubitRuns(), CancelInverses()]),
            stage("finalize", [RemoveTrivialGates()]),
        ], name="O1")
    loop = stage("loop", [CommutativeCancellation(), ConsolidateTwoQubitBlocks(),
                          MergeOneQubitRuns(), CancelInverses()])
    if level == 2:
        return Pipeline([
            stage("init", init + [RemoveNearIdentities(), ElidePermutations(),
                                  CancelInverses()]),
            stage("layout", [SabreLayout(trials=8, vf2_max_trials=1)]),
            stage("routing", [SabreRouting(trials=8), NoiseAwarePostLayout()]),
            stage("translation", [TranslateToBasis()]),
            stage("optimization", [Repeat(loop, metric="2q", max_iter=5)]),
            stage("finalize", [RemoveTrivialGates()]),
        ], name="O2")
    if level == 3:
        pre = stage("pre", [CommutativeCancellation(), CancelInverses()])
        return Pipeline([
            stage("init", init + [RemoveNearIdentities(), ElidePermutations(),
                                  Repeat(pre, metric="2q", max_iter=3)]),
            stage("layout", [SabreLayout(trials=16, vf2_max_trials=1)]),
            stage("routing", [SabreRouting(trials=16), NoiseAwarePostLayout()]),
            stage("translation", [TranslateToBasis()]),
            stage("optimization", [Repeat(loop, metric="2q", max_iter=10)]),
            stage("finalize", [RemoveTrivialGates()]),
        ], name="O3")
    raise ValueError(f"optimization level must be 0..3, got {level}")
