"""QUBO pipelines: constrained binary programs, their QUBO encodings (slack penalty and
slack-free Lagrangian), graph shrinking, repair, and classical and quantum solvers."""
from .errors import InstanceError
from .program import QUBO, BinaryProgram, gap_percent

__all__ = ["BinaryProgram", "QUBO", "InstanceError", "gap_percent"]
