"""Run any ``qiskit.transpiler.passes`` pass by name."""
from __future__ import annotations

from dataclasses import dataclass, field

from qtool.circuit import Circuit
from qtool.passmanager import Pass, PipelineError

__all__ = ["QiskitPass"]


@dataclass(frozen=True)
class QiskitPass(Pass):
    """A Qiskit transpiler pass, e.g. ``QiskitPass("Optimize1qGatesDecomposition",
    {"basis": ["rz", "sx", "x"]})``.

    ``options`` are the keyword arguments of the Qiskit pass's constructor (JSON values).
    """

    name: str = ""
    options: dict = field(default_factory=dict)
    stage = "optimization"

    def __post_init__(self):
        from qiskit.transpiler import passes as qpasses
        if not hasattr(qpasses, self.name):
            raise PipelineError(f"qiskit has no transpiler pass named {self.name!r}")
        object.__setattr__(self, "options", dict(self.options))

    def __hash__(self):
        return hash((self.name, tuple(sorted(self.options))))

    def run(self, circ: Circuit, ctx) -> Circuit:
        from qiskit.transpiler import PassManager
        from qiskit.transpiler import passes as qpasses
        from qtool.interop.qiskit import from_qiskit, to_qiskit
        p = getattr(qpasses, self.name)(**self.options)
        out = PassManager([p]).run(to_qiskit(circ))
        res = from_qiskit(out)
        if res.num_qubits != circ.num_qubits:
            raise ValueError(f"Qiskit pass {self.name} changed the qubit count")
        return res.replace(layout=circ.layout, name=circ.name, qregs=circ.qregs)
