"""Init-stage passes: bring any input circuit down to one- and two-qubit gates.

:class:`DecomposeMultiQubit` establishes ``"decomposed"`` (no unitary on more than two
qubits), which layout and routing require.
"""
from .decompose import DecomposeMultiQubit, decompose_multi_qubit, decompose_row

__all__ = ["DecomposeMultiQubit", "decompose_multi_qubit", "decompose_row"]
