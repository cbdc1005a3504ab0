"""Layout: choose the physical qubit of every virtual qubit.

A layout pass maps a circuit's ``n`` virtual qubits onto the target's ``N`` physical qubits:
the output's rows act on physical qubits, its only register is ``$`` and its
:class:`~qtool.Layout` records full permutations (virtual ``v`` starts on
``layout.initial[v]``; the ancillas ``n..N-1`` take the other physical qubits).  Layout
only relabels qubits, so it keeps ``in_basis`` and invalidates ``routed``.

* :class:`TrivialLayout` -- virtual ``v`` on physical ``v``.
* :class:`DenseLayout` -- the densest, lowest-error region, greedy placement inside.
* :class:`VF2Layout` -- a swap-free embedding (subgraph monomorphism) with the lowest
  calibrated error; raises :class:`LayoutNotFound` when there is none.
* :class:`SabreLayout` -- VF2 first, else SABRE forward/backward refinement of several
  seeded starts.
* :class:`NoiseAwarePostLayout` -- after routing, relabel the routed circuit onto the
  placement of its interaction graph with the lowest calibrated error (stage "routing").

A circuit that already has a layout (or is on the ``$`` register) is kept where it is.
"""
from .dense import DenseLayout
from .post_layout import NoiseAwarePostLayout
from .sabre_layout import SabreLayout
from .trivial import TrivialLayout
from .vf2 import LayoutNotFound, VF2Layout

__all__ = ["TrivialLayout", "DenseLayout", "VF2Layout", "SabreLayout", "LayoutNotFound",
           "NoiseAwarePostLayout"]
