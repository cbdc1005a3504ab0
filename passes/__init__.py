"""qtool's built-in passes, by stage.

=============  ==============================================================================
stage          passes
=============  ==============================================================================
init           :class:`DecomposeMultiQubit`, :class:`ElidePermutations`,
               :class:`RemoveNearIdentities`
layout         :class:`TrivialLayout`, :class:`DenseLayout`, :class:`VF2Layout`,
               :class:`SabreLayout`
routing        :class:`SabreRouting`, :class:`NoiseAwarePostLayout`
translation    :class:`TranslateToBasis`, :class:`SynthesizeDiscrete` (one-qubit words over a
               finite basis such as Clifford+T within an error budget; last on ``ft:``
               targets)
optimization   :class:`MergeOneQubitRuns`, :class:`ConsolidateTwoQubitBlocks`,
               :class:`CancelInverses`, :class:`CommutativeCancellation`
finalize       :class:`RemoveTrivialGates`, :class:`PauliTwirl` (random Pauli frames,
               :mod:`qtool.passes.mitigation`)
adapters       :class:`QiskitPass`, :class:`TketPass` (wrap any Qiskit or pytket pass)
=============  ==============================================================================

Each pass declares what it requires, establishes and invalidates; see
:mod:`qtool.passmanager`.  ``qtool.passes.catalog()`` lists them from that metadata.
"""
from .adapters import QiskitPass, TketPass
from .init import DecomposeMultiQubit, ElidePermutations, RemoveNearIdentities
from .layout import (DenseLayout, LayoutNotFound, NoiseAwarePostLayout, SabreLayout,
                     TrivialLayout, VF2Layout)
from .mitigation import PauliTwirl
from .optimization import (CancelInverses, CommutativeCancellation, ConsolidateTwoQubitBlocks,
                           MergeOneQubitRuns, RemoveTrivialGates)
from .routing import SabreRouting
from .translation import SynthesizeDiscrete, TranslateToBasis

__all__ = ["DecomposeMultiQubit", "ElidePermutations", "RemoveNearIdentities", "TrivialLayout",
           "DenseLayout", "VF2Layout", "SabreLayout", "LayoutNotFound", "SabreRouting",
           "NoiseAwarePostLayout", "TranslateToBasis", "SynthesizeDiscrete", "MergeOneQubitRuns",
           "ConsolidateTwoQubitBlocks", "CancelInverses", "CommutativeCancellation",
           "RemoveTrivialGates", "PauliTwirl", "QiskitPass", "TketPass", "catalog"]


def catalog() -> list[dict]:
    """Every registered pass with its stage and declared properties (generated, not
    hand-written, so it cannot drift from the code)."""
    from qtool.passmanager import registered_passes
    out = []
    for name, cls in sorted(registered_passes().items()):
        if name.startswith("_") or cls.__module__.startswith("tests"):
            continue
        inv = cls.__dict__.get("invalidates", getattr(cls, "invalidates", None))
        out.append({"pass": name, "stage": getattr(cls, "stage", "?"),
                    "requires": sorted(getattr(cls, "requires", ()) or ())
                    if isinstance(getattr(cls, "requires", ()), frozenset) else [],
                    "establishes": sorted(getattr(cls, "establishes", ()) or ())
                    if isinstance(getattr(cls, "establishes", ()), frozenset) else [],
                    "invalidates": "all" if inv is None else sorted(inv)
                    if isinstance(inv, frozenset) else "?",
                    "doc": (cls.__doc__ or "").strip().split("\n")[0]})
    return out
