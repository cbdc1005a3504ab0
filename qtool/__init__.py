"""qtool: a quantum circuit compiler and optimisation toolchain.

The core objects are :class:`Circuit` (a flat instruction table over numpy arrays),
:class:`Target` (the one description of a device) and the pass manager in
:mod:`qtool.passmanager`; :func:`compile` runs a preset pipeline end to end.
"""
from ._version import __version__
from .circuit import Circuit, CircuitBuilder, Instruction, Layout
from .compiler import CompileResult, compile
from .params import Expr, Parameter, ParameterVector

__all__ = ["__version__", "compile", "CompileResult", "Circuit", "CircuitBuilder", "Instruction", "Layout", "Expr",
           "Parameter", "ParameterVector"]
