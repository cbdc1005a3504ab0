"""Run any ``pytket.passes`` pass by name."""
from __future__ import annotations

from dataclasses import dataclass, field

from qtool.circuit import Circuit
from qtool.passmanager import Pass, PipelineError

__all__ = ["TketPass"]


@dataclass(frozen=True)
class TketPass(Pass):
    """A pytket pass, e.g. ``TketPass("FullPeepholeOptimise")`` or
    ``TketPass("CliffordSimp", {"allow_swaps": False})``.

    ``options`` are keyword arguments of the pytket pass factory (JSON values).
    """

    name: str = ""
    options: dict = field(default_factory=dict)
    stage = "optimization"

    def __post_init__(self):
        from pytket import passes as tpasses
        if not hasattr(tpasses, self.name):
            raise PipelineError(f"pytket has no pass named {self.name!r}")
        object.__setattr__(self, "options", dict(self.options))

    def __hash__(self):
        return hash((self.name, tuple(sorted(self.options))))

    def run(self, circ: Circuit, ctx) -> Circuit:
        from pytket import passes as tpasses
        from qtool.interop.pytket import from_pytket, to_pytket
        tk = to_pytket(circ)
        getattr(tpasses, self.name)(**self.options).apply(tk)
        res = from_pytket(tk)
        if res.num_qubits != circ.num_qubits:
            raise ValueError(f"pytket pass {self.name} changed the qubit count")
        return res.replace(layout=circ.layout, name=circ.name, qregs=circ.qregs)
