"""Optimisation passes: fewer gates, same unitary (global phase included).

=============================  =========================================================
pass                           what it does
=============================  =========================================================
:class:`MergeOneQubitRuns`     Euler-fuse maximal one-qubit runs into the target basis
:class:`ConsolidateTwoQubitBlocks`  KAK-resynthesise two-qubit blocks (fewer native 2Q)
:class:`CancelInverses`        remove adjacent inverse pairs (Cython fixed point)
:class:`CommutativeCancellation`  cancel/merge gates that meet after commuting
:class:`RemoveTrivialGates`    drop numeric identities, canonical angles (finalize)
=============================  =========================================================

Every pass keeps ``laid_out``, ``routed``, ``decomposed`` and ``in_basis``; each is also a
plain function taking ``(circ, target)``.  Symbolic parameters are only ever combined with
rewrites exact for every value (papers.md section 6.8).
"""
from .cancel import CancelInverses, cancel_inverses
from .cleanup import RemoveTrivialGates, remove_trivial_gates
from .commutation import CommutativeCancellation, commutative_cancellation
from .one_qubit import MergeOneQubitRuns, merge_one_qubit_runs
from .two_qubit import ConsolidateTwoQubitBlocks, consolidate_two_qubit_blocks

__all__ = ["MergeOneQubitRuns", "merge_one_qubit_runs", "ConsolidateTwoQubitBlocks",
           "consolidate_two_qubit_blocks", "CancelInverses", "cancel_inverses",
           "CommutativeCancellation", "commutative_cancellation", "RemoveTrivialGates",
           "remove_trivial_gates"]
