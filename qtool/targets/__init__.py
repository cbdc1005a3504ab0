"""Devices: the :class:`Target` class, built-in devices and target files.

``get_target(spec)`` accepts a built-in name (``ibm_eagle``, ``ibm_heron``), a generator
spec (``grid:4x5``, ``line:8``, ``ring:6``, ``heavyhex:3``, ``all:12`` with an optional
``,2q=cz``), a path to a JSON/TOML target file, a Qiskit ``BackendV2``/``Target``, or a
:class:`Target` (returned as is).
"""
from .checks import in_basis, respects_coupling
from .target import DIRECTIVES, NATIVE_2Q, Props, Target

__all__ = ["Target", "Props", "NATIVE_2Q", "DIRECTIVES", "in_basis", "respects_coupling",
           "get_target"]


def get_target(spec):
    """Build or look up a target (see the module docstring)."""
    from .registry import get_target as _get
    return _get(spec)
