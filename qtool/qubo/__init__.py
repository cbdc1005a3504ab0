"""QUBO pipelines: constrained binary programs, their QUBO encodings (slack penalty and
slack-free Lagrangian), graph shrinking, repair, and classical and quantum solvers.

    from qtool.qubo import load_instance, solve
    res = solve(load_instance("hp1.dat"), constraints="augmented-lagrangian", ratio=2/3,
                solver="qaoa", target="ibm_heron", seed=7)

Modules: :mod:`.program` (``BinaryProgram``, ``QUBO``), :mod:`.models`, :mod:`.loaders`,
:mod:`.builders` (slack / penalty encodings), :mod:`.lagrangian` (multiplier searches),
:mod:`.shrink` (graph shrinking), :mod:`.repair`, :mod:`.anneal` and :mod:`.exact`
(classical solvers), :mod:`.quantum` (QAOA, CVaR-VQE), :mod:`.pipeline`, :mod:`.cli`.
"""
from .errors import InstanceError
from .loaders import bundled_instances, load_instance
from .pipeline import SolveResult, solve
from .program import QUBO, BinaryProgram, gap_percent

__all__ = ["BinaryProgram", "QUBO", "InstanceError", "gap_percent", "load_instance",
           "bundled_instances", "solve", "SolveResult"]
