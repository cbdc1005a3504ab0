"""Drop gates that are the identity to within a fidelity bound.

A controlled phase of angle ``pi / 2**30`` changes nothing a device could ever measure,
but it still costs two native 2Q gates and routing.  This pass removes every numeric row
whose average gate infidelity against the identity (up to global phase),
``1 - (|tr U|^2 / d + 1) / (d + 1)``, is at most ``max_infidelity``.  The default
``1e-12`` keeps the result equal to the input to about ``1e-6`` in operator norm per
dropped gate -- far below any hardware error -- and matches what Qiskit's
``RemoveIdentityEquivalent`` removes at its default (e.g. 435 of the 1225 controlled phases
of a 50-qubit QFT).  Symbolic rows are never dropped (papers.md section 6.8).
"""
from __future__ import annotations

import cmath
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from qtool.circuit import Circuit
from qtool.gates import GATES
from qtool.passmanager import Context, Pass, PipelineError

__all__ = ["RemoveNearIdentities", "remove_near_identities", "identity_infidelity"]


def identity_infidelity(m: np.ndarray) -> tuple[float, float]:
    """``(average gate infidelity vs the identity up to phase, the best phase)``."""
    d = m.shape[0]
    tr = complex(np.trace(m))
    return 1.0 - (abs(tr) ** 2 / d + 1.0) / (d + 1.0), cmath.phase(tr) if tr else 0.0


def remove_near_identities(circ: Circuit, max_infidelity: float = 1e-12) -> Circuit:
    """Function form of :class:`RemoveNearIdentities`."""
    keep = np.ones(len(circ), dtype=bool)
    phase = 0.0
    param_ops = np.array([g.is_unitary and g.num_params > 0 for g in GATES.gates])
    for i in np.flatnonzero(param_ops[circ.op]).tolist():
        if circ.is_parametric(i):
            continue
        inf, ph = identity_infidelity(circ.gate(i).matrix(*circ.params_of(i)))
        if inf <= max_infidelity:
            keep[i] = False
            if circ.cond[i] < 0:
                phase += ph
    if keep.all():
        return circ
    out = circ.select(keep)
    return out.replace(global_phase=circ.global_phase + phase)


@dataclass(frozen=True)
class RemoveNearIdentities(Pass):
    """Drop numeric gates within ``max_infidelity`` of the identity (see module doc)."""

    max_infidelity: float = 1e-12
    invalidates: ClassVar[frozenset] = frozenset()
    stage: ClassVar[str] = "init"

    def __post_init__(self):
        if not 0 <= self.max_infidelity < 1e-3:
            raise PipelineError("max_infidelity must be in [0, 1e-3)")

    def run(self, circ: Circuit, ctx: Context) -> Circuit:
        return remove_near_identities(circ, self.max_infidelity)
