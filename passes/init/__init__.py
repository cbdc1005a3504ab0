"""Init-stage passes: bring any input circuit down to one- and two-qubit gates.

:class:`DecomposeMultiQubit` establishes ``"decomposed"`` (no unitary on more than two
qubits), which layout and routing require.  :class:`ElidePermutations` turns swaps into
relabelling and :class:`RemoveNearIdentities` drops gates that do nothing measurable.
"""
from .decompose import DecomposeMultiQubit, decompose_multi_qubit, decompose_row
from .identities import RemoveNearIdentities, remove_near_identities
from .permutations import ElidePermutations, elide_permutations

__all__ = ["DecomposeMultiQubit", "decompose_multi_qubit", "decompose_row",
           "ElidePermutations", "elide_permutations", "RemoveNearIdentities",
           "remove_near_identities"]
