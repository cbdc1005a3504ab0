"""Routing: make every two-qubit gate act on coupled physical qubits.

A routing pass takes a laid-out circuit (``laid_out``: its qubits are the target's physical
qubits and it carries a :class:`~qtool.Layout`), inserts ``swap`` rows and updates
``layout.final`` so that the output's unitary is the input's followed by the routing
permutation.  Swaps are not native gates, so routing invalidates ``in_basis``; translation
turns each into three native two-qubit gates (and optimisation may merge them with their
neighbours).

* :class:`SabreRouting` -- SABRE with the LightSABRE refinements (relative scoring,
  layered lookahead, decay, release valve, seeded trials), plus merge-aware and
  commutation-aware swap selection; the search runs in the Cython kernel
  :mod:`qtool._ext._sabre`.  :class:`SabreRoutingHint` is the analysis by which
  :class:`~qtool.passes.layout.SabreLayout` hands its best routing seed over.
"""
from .sabre import SabreHeuristic, SabreRouting, SabreRoutingHint

__all__ = ["SabreRouting", "SabreHeuristic", "SabreRoutingHint"]
