"""The gate programs that architecture search builds: CNOTs and RX/RY/RZ rotations.

An :class:`Ansatz` is the flat form every simulator in :mod:`qtool.qas` takes: three int32
arrays ``kinds``, ``q0``, ``q1`` (one row per gate) plus a float64 angle per rotation, in
gate order.  ``kinds`` holds :data:`CX` (``q0`` control, ``q1`` target) or :data:`RX`,
:data:`RY`, :data:`RZ` (``q0`` the qubit, ``q1 = -1``).  Rotations follow the OpenQASM
convention ``R_P(theta) = exp(-i theta P / 2)``.

A program runs on the basis state ``|init>`` (bit ``q`` = qubit ``q``; ``0`` is
``|0...0>``): a search may start from the Hartree-Fock determinant instead of
``|0...0>``.  The circuit prepares it with one X gate per set bit, and those gates count in
:attr:`Ansatz.num_gates` and :meth:`Ansatz.depth`.

Conventions shared by the simulators: qubit ``q`` is bit ``q`` of a statevector index
(little-endian, as in Qiskit), and a Pauli label's character ``q`` acts on qubit ``q``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["CX", "RX", "RY", "RZ", "GATE_NAMES", "Ansatz"]

CX, RX, RY, RZ = 0, 1, 2, 3
GATE_NAMES = ("cx", "rx", "ry", "rz")


@dataclass
class Ansatz:
    """A growing list of gates on ``num_qubits`` qubits, run on the basis state ``|init>``
    (see the module docstring); ``len`` counts the searched gates, not the X preparation."""

    num_qubits: int
    kinds: list[int] = field(default_factory=list)
    q0: list[int] = field(default_factory=list)
    q1: list[int] = field(default_factory=list)
    init: int = 0

    def __post_init__(self):
        if not 0 <= int(self.init) < 1 << self.num_qubits:
            raise ValueError(f"initial basis state {self.init} outside {self.num_qubits} qubits")
        self.init = int(self.init)

    def __len__(self) -> int:
        return len(self.kinds)

    @property
    def prep_qubits(self) -> list[int]:
        """Qubits flipped by an X gate to prepare ``|init>``."""
        return [q for q in range(self.num_qubits) if self.init >> q & 1]

    @classmethod
    def random(cls, num_qubits: int, num_gates: int, rng: np.random.Generator, *,
               cx_fraction: float = 1 / 3) -> "Ansatz":
        """A random program: each gate a CX on a random ordered pair with probability
        ``cx_fraction`` (never on one qubit), else RX/RY/RZ on a random qubit."""
        a = cls(num_qubits)
        for _ in range(num_gates):
            if num_qubits > 1 and rng.random() < cx_fraction:
                c, t = rng.choice(num_qubits, 2, replace=False)
                a.append(CX, int(c), int(t))
            else:
                a.append(int(rng.integers(RX, RZ + 1)), int(rng.integers(num_qubits)))
        return a

    def copy(self) -> "Ansatz":
        return Ansatz(self.num_qubits, list(self.kinds), list(self.q0), list(self.q1),
                      self.init)

    def append(self, kind: int, a: int, b: int = -1) -> None:
        """Add a gate: ``append(CX, control, target)`` or ``append(RY, qubit)``."""
        n = self.num_qubits
        if kind == CX:
            if not (0 <= a < n and 0 <= b < n) or a == b:
                raise ValueError(f"cx on qubits ({a}, {b}) of {n}")
        elif kind in (RX, RY, RZ):
            if not 0 <= a < n:
                raise ValueError(f"rotation on qubit {a} of {n}")
            b = -1
        else:
            raise ValueError(f"unknown gate kind {kind}")
        self.kinds.append(int(kind))
        self.q0.append(int(a))
        self.q1.append(int(b))

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(kinds, q0, q1)`` as contiguous int32 arrays, the simulators' input."""
        return (np.asarray(self.kinds, dtype=np.int32), np.asarray(self.q0, dtype=np.int32),
                np.asarray(self.q1, dtype=np.int32))

    @property
    def num_params(self) -> int:
        return sum(1 for k in self.kinds if k != CX)

    @property
    def num_cx(self) -> int:
        return sum(1 for k in self.kinds if k == CX)

    @property
    def num_gates(self) -> int:
        """All gates of the circuit: the X preparation of ``|init>`` plus the program."""
        return len(self.prep_qubits) + len(self)

    def depth(self) -> int:
        """Circuit depth with every gate one layer (as-soon-as-possible placement), the X
        preparation of ``|init>`` included."""
        level = [(self.init >> q) & 1 for q in range(self.num_qubits)]
        for k, a, b in zip(self.kinds, self.q0, self.q1):
            qs = (a, b) if k == CX else (a,)
            d = max(level[q] for q in qs) + 1
            for q in qs:
                level[q] = d
        return max(level, default=0)

    def to_circuit(self, values=None, *, name: str = "theta"):
        """A qtool :class:`~qtool.circuit.Circuit`: rotations take the symbolic parameters
        ``name[0..P-1]`` in gate order, or the numbers ``values`` when given."""
        from ..circuit import Circuit
        from ..params import ParameterVector

        params = ParameterVector(name, self.num_params) if values is None else list(values)
        if len(params) != self.num_params:
            raise ValueError(f"{len(params)} values for {self.num_params} parameters")
        b = Circuit.builder(self.num_qubits)
        for q in self.prep_qubits:
            b.x(q)
        p = 0
        for k, a, t in zip(self.kinds, self.q0, self.q1):
            if k == CX:
                b.cx(a, t)
            else:
                b.append(GATE_NAMES[k], (a,), (params[p],))
                p += 1
        return b.build()

    def to_dict(self) -> dict:
        return {"num_qubits": self.num_qubits, "init": self.init,
                "gates": [[GATE_NAMES[k], a] if k != CX else ["cx", a, t]
                          for k, a, t in zip(self.kinds, self.q0, self.q1)]}

    @classmethod
    def from_dict(cls, data: dict) -> "Ansatz":
        out = cls(int(data["num_qubits"]), init=int(data.get("init", 0)))
        for g in data["gates"]:
            out.append(GATE_NAMES.index(g[0]), *g[1:])
        return out
