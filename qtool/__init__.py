"""qtool: a quantum circuit compiler and optimisation toolchain.

The core objects are :class:`Circuit` (a flat instruction table over numpy arrays),
:class:`Target` (the one description of a device) and the pass manager in
:mod:`qtool.passmanager`; :func:`compile` runs a preset pipeline end to end.
"""
from ._version import __version__
from .circuit import Circuit, CircuitBuilder, Instruction, Layout
from .compiler import CompileResult, compile
from .params import Expr, Parameter, ParameterVector


def mitigate(counts, circuit=None, target=None, **kw):
    """Mitigate a measured histogram (:func:`qtool.mitigation.api.mitigate`)."""
    from .mitigation.api import mitigate as _mitigate
    return _mitigate(counts, circuit, target, **kw)

__all__ = ["__version__", "compile", "mitigate", "CompileResult", "Circuit", "CircuitBuilder", "Instruction", "Layout", "Expr",
           "Parameter", "ParameterVector"]
