"""Translation-stage passes: rewrite a circuit into a target's native gates.

:class:`TranslateToBasis` establishes ``"in_basis"``; on a discrete (fault-tolerant)
target :class:`SynthesizeDiscrete`, run last, turns the one-qubit gates into words over the
finite basis and establishes ``"discrete"``.  The building blocks are public for
the optimisation passes: :class:`OneQubitBasis` (Euler synthesis, numeric and symbolic) and
:class:`NativeEmitter` (native-gate writing with direction fixes).
"""
from .basis import TranslateToBasis, lower_gate, translate_to_basis
from .emit import NativeEmitter
from .euler import OneQubitBasis
from .discrete import SynthesizeDiscrete, synthesize_discrete

__all__ = ["TranslateToBasis", "translate_to_basis", "lower_gate", "NativeEmitter",
           "OneQubitBasis", "SynthesizeDiscrete", "synthesize_discrete"]
