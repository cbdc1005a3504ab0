"""The preset pipelines behind ``-O0`` .. ``-O3`` (see :mod:`qtool.compiler`).

On a discrete (fault-tolerant) target -- ``target.discrete_basis`` set, e.g.
``ft:clifford_t`` -- every level works in the target's continuous working basis and ends
with :class:`~qtool.passes.SynthesizeDiscrete` (its own ``synthesis`` stage, after every
other pass, so nothing fuses one-qubit gates again once they are words).  The optimisation
loop there leaves out :class:`~qtool.passes.ConsolidateTwoQubitBlocks`: KAK re-synthesis
trades a ``cx`` for generic one-qubit rotations, each of which costs about
``3 log2(1/eps)`` T gates, and turns exact Clifford+T blocks into approximate ones.
"""
from __future__ import annotations

from .passmanager import Pipeline, Repeat

__all__ = ["preset_pipeline"]


def preset_pipeline(level: int, target=None, eps: float | None = None) -> Pipeline:
    """The pipeline of optimisation ``level`` (0..3); ``target`` may tune trial counts.

    ``eps`` is the total error budget of the final discrete synthesis on a discrete target
    (default :data:`qtool.passes.translation.discrete.DEFAULT_EPS`); it is ignored for
    other targets.
    """
    from qtool.passes import (CancelInverses, CommutativeCancellation, ConsolidateTwoQubitBlocks,
                              DecomposeMultiQubit, ElidePermutations, MergeOneQubitRuns,
                              NoiseAwarePostLayout, RemoveNearIdentities, RemoveTrivialGates,
                              SabreLayout, SabreRouting, SynthesizeDiscrete, TranslateToBasis,
                              TrivialLayout)
    from qtool.passes.translation.discrete import DEFAULT_EPS

    def stage(name, passes):
        # stages are checked by the enclosing strict pipeline, with the real properties
        return Pipeline(passes, name=name, strict=False)

    discrete = None if target is None else target.discrete_basis

    def finish(stages, name):
        if discrete:
            stages.append(stage("synthesis", [SynthesizeDiscrete(
                discrete, DEFAULT_EPS if eps is None else eps)]))
        return Pipeline(stages, name=name)

    init = [DecomposeMultiQubit()]
    # levels 1-3 re-place the routed circuit by calibration (NoiseAwarePostLayout), which
    # searches the same embeddings as SabreLayout's swap-free attempt: its first one will do
    if level == 0:
        return finish([
            stage("init", init),
            stage("layout", [TrivialLayout()]),
            stage("routing", [SabreRouting(trials=1)]),
            stage("translation", [TranslateToBasis()]),
        ], "O0")
    if level == 1:
        return finish([
            stage("init", init + [CancelInverses()]),
            stage("layout", [SabreLayout(trials=4, vf2_max_trials=1)]),
            stage("routing", [SabreRouting(trials=4),
                              NoiseAwarePostLayout(max_mappings=64, beam_width=16)]),
            stage("translation", [TranslateToBasis()]),
            stage("optimization", [MergeOneQubitRuns(), CancelInverses()]),
            stage("finalize", [RemoveTrivialGates()]),
        ], "O1")
    body = [CommutativeCancellation(), ConsolidateTwoQubitBlocks(), MergeOneQubitRuns(),
            CancelInverses()]
    if discrete:
        body = [p for p in body if not isinstance(p, ConsolidateTwoQubitBlocks)]
    loop = stage("loop", body)
    if level == 2:
        return finish([
            stage("init", init + [RemoveNearIdentities(), ElidePermutations(),
                                  CancelInverses()]),
            stage("layout", [SabreLayout(trials=8, vf2_max_trials=1)]),
            stage("routing", [SabreRouting(trials=8), NoiseAwarePostLayout()]),
            stage("translation", [TranslateToBasis()]),
            stage("optimization", [Repeat(loop, metric="2q", max_iter=5)]),
            stage("finalize", [RemoveTrivialGates()]),
        ], "O2")
    if level == 3:
        pre = stage("pre", [CommutativeCancellation(), CancelInverses()])
        return finish([
            stage("init", init + [RemoveNearIdentities(), ElidePermutations(),
                                  Repeat(pre, metric="2q", max_iter=3)]),
            stage("layout", [SabreLayout(trials=16, vf2_max_trials=1)]),
            stage("routing", [SabreRouting(trials=16), NoiseAwarePostLayout()]),
            stage("translation", [TranslateToBasis()]),
            stage("optimization", [Repeat(loop, metric="2q", max_iter=10)]),
            stage("finalize", [RemoveTrivialGates()]),
        ], "O3")
    raise ValueError(f"optimization level must be 0..3, got {level}")
