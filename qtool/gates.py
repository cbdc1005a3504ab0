"""The gate table: what every op id in a :class:`~qtool.Circuit` means.

Kernels only ever see the integer op ids; everything they never touch (names, matrices,
inverses, commutation classes) lives here, in one table indexed by op id.

Matrix convention
-----------------
A gate's matrix is written *big-endian in argument order*: for ``cx a, b`` the first
argument ``a`` is the most significant bit, so ``cx`` is the textbook
``|0><0| (x) I + |1><1| (x) X``.  (Qiskit's ``Operator`` is little-endian; the interop
layer converts.)  Angles follow OpenQASM 3 ``stdgates.inc`` exactly, so ``rz(t)`` is
``diag(e^{-it/2}, e^{it/2})`` and ``p(t)`` is ``diag(1, e^{it})``.

Examples
--------
>>> from qtool.gates import GATES
>>> g = GATES.by_name["cx"]
>>> (g.num_qubits, g.num_params, g.self_inverse)
(2, 0, True)
"""
from __future__ import annotations

import cmath
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

__all__ = ["Gate", "GateTable", "GATES", "op_id", "gate_matrix"]

# Commutation classes: gates of the same class on the same single qubit commute.
DIAG = 1        # diagonal in Z on every qubit it touches
XAXIS = 2       # rotation about X (x, sx, rx, ...)

# Gate kinds
UNITARY = 0
DIRECTIVE = 1   # barrier: no effect on state, blocks reordering
NONUNITARY = 2  # measure, reset


def _c(x: float) -> complex:
    return cmath.exp(1j * x)


def _rx(t):
    c, s = math.cos(t / 2), math.sin(t / 2)
    return np.array([[c, -1j * s], [-1j * s, c]])


def _ry(t):
    c, s = math.cos(t / 2), math.sin(t / 2)
    return np.array([[c, -s], [s, c]], dtype=complex)


def _rz(t):
    return np.array([[_c(-t / 2), 0], [0, _c(t / 2)]])


def _p(t):
    return np.array([[1, 0], [0, _c(t)]])


def _u(t, p, l):
    c, s = math.cos(t / 2), math.sin(t / 2)
    return np.array([[c, -_c(l) * s], [_c(p) * s, _c(p + l) * c]])


def _controlled(u: np.ndarray, n_ctrl: int = 1) -> np.ndarray:
    d = u.shape[0]
    m = np.eye(d << n_ctrl, dtype=complex)
    m[-d:, -d:] = u
    return m


def _pauli_rot(pa: np.ndarray, pb: np.ndarray):
    """``exp(-i t/2 P(x)Q)`` as a function of ``t``."""
    pp = np.kron(pa, pb)

    def f(t):
        return math.cos(t / 2) * np.eye(4) - 1j * math.sin(t / 2) * pp
    return f


_I = np.eye(2, dtype=complex)
_X = np.array([[0, 1], [1, 0]], dtype=complex)
_Y = np.array([[0, -1j], [1j, 0]], dtype=complex)
_Z = np.array([[1, 0], [0, -1]], dtype=complex)
_H = np.array([[1, 1], [1, -1]], dtype=complex) / math.sqrt(2)
_SX = np.array([[1 + 1j, 1 - 1j], [1 - 1j, 1 + 1j]]) / 2
_SWAP = np.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]], dtype=complex)
_ISWAP = np.array([[1, 0, 0, 0], [0, 0, 1j, 0], [0, 1j, 0, 0], [0, 0, 0, 1]])
# ecr a, b = (X(x)I - Y(x)X)/sqrt(2) and dcx a, b = cx a, b; cx b, a, as in Qiskit and Braket
_ECR = np.array([[0, 0, 1, 1j], [0, 0, 1j, 1], [1, -1j, 0, 0], [-1j, 1, 0, 0]]) / math.sqrt(2)
_DCX = np.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0, 1, 0, 0]], dtype=complex)


@dataclass(frozen=True)
class Gate:
    """Metadata of one gate kind.

    ``inverse`` names the gate implementing the adjoint and ``inverse_params`` maps the
    parameters (as a function usable on floats *and* symbolic expressions).  ``None`` means
    the adjoint has no closed form in the table.
    """

    name: str
    num_qubits: int
    num_params: int
    matrix_fn: Callable[..., np.ndarray] | None
    kind: int = UNITARY
    inverse: str | None = None
    inverse_params: Callable[..., tuple] | None = None
    self_inverse: bool = False
    comm: int = 0            # commutation class (DIAG / XAXIS / 0)
    symmetric: bool = False  # invariant under any permutation of its qubits
    op: int = -1             # filled in by GateTable

    @property
    def is_unitary(self) -> bool:
        return self.kind == UNITARY

    def matrix(self, *params: float) -> np.ndarray:
        if self.matrix_fn is None:
            raise ValueError(f"gate {self.name!r} has no matrix")
        if self.num_params == 0:
            return self.matrix_fn()
        return np.asarray(self.matrix_fn(*params), dtype=complex)


def _neg(*ps):
    return tuple(-p for p in ps)


def _fixed(m):
    m = np.asarray(m, dtype=complex)
    return lambda: m


_GATE_LIST: list[Gate] = [
    # directives and non-unitary operations first, so their ids are stable and small
    Gate("barrier", 0, 0, None, kind=DIRECTIVE),
    Gate("measure", 1, 0, None, kind=NONUNITARY),
    Gate("reset", 1, 0, None, kind=NONUNITARY),
    Gate("unitary", 0, 0, None),   # opaque matrix held in Circuit.mats
    # one qubit, fixed
    Gate("id", 1, 0, _fixed(_I), inverse="id", self_inverse=True, comm=DIAG),
    Gate("x", 1, 0, _fixed(_X), inverse="x", self_inverse=True, comm=XAXIS),
    Gate("y", 1, 0, _fixed(_Y), inverse="y", self_inverse=True),
    Gate("z", 1, 0, _fixed(_Z), inverse="z", self_inverse=True, comm=DIAG),
    Gate("h", 1, 0, _fixed(_H), inverse="h", self_inverse=True),
    Gate("s", 1, 0, _fixed(np.diag([1, 1j])), inverse="sdg", comm=DIAG),
    Gate("sdg", 1, 0, _fixed(np.diag([1, -1j])), inverse="s", comm=DIAG),
    Gate("t", 1, 0, _fixed(np.diag([1, _c(math.pi / 4)])), inverse="tdg", comm=DIAG),
    Gate("tdg", 1, 0, _fixed(np.diag([1, _c(-math.pi / 4)])), inverse="t", comm=DIAG),
    Gate("sx", 1, 0, _fixed(_SX), inverse="sxdg", comm=XAXIS),
    Gate("sxdg", 1, 0, _fixed(_SX.conj().T), inverse="sx", comm=XAXIS),
    # one qubit, parameterised
    Gate("rx", 1, 1, _rx, inverse="rx", inverse_params=_neg, comm=XAXIS),
    Gate("ry", 1, 1, _ry, inverse="ry", inverse_params=_neg),
    Gate("rz", 1, 1, _rz, inverse="rz", inverse_params=_neg, comm=DIAG),
    Gate("p", 1, 1, _p, inverse="p", inverse_params=_neg, comm=DIAG),
    Gate("u1", 1, 1, _p, inverse="u1", inverse_params=_neg, comm=DIAG),
    Gate("u2", 1, 2, lambda p, l: _u(math.pi / 2, p, l), inverse="u",
         inverse_params=lambda p, l: (-math.pi / 2, -l, -p)),
    Gate("u", 1, 3, _u, inverse="u", inverse_params=lambda t, p, l: (-t, -l, -p)),
    Gate("u3", 1, 3, _u, inverse="u3", inverse_params=lambda t, p, l: (-t, -l, -p)),
    Gate("r", 1, 2, lambda t, p: _u(t, p - math.pi / 2, math.pi / 2 - p), inverse="r",
         inverse_params=lambda t, p: (-t, p)),
    # two qubits
    Gate("cx", 2, 0, _fixed(_controlled(_X)), inverse="cx", self_inverse=True),
    Gate("cy", 2, 0, _fixed(_controlled(_Y)), inverse="cy", self_inverse=True),
    Gate("cz", 2, 0, _fixed(_controlled(_Z)), inverse="cz", self_inverse=True, comm=DIAG,
         symmetric=True),
    Gate("ch", 2, 0, _fixed(_controlled(_H)), inverse="ch", self_inverse=True),
    Gate("swap", 2, 0, _fixed(_SWAP), inverse="swap", self_inverse=True, symmetric=True),
    Gate("iswap", 2, 0, _fixed(_ISWAP), symmetric=True),
    Gate("ecr", 2, 0, _fixed(_ECR), inverse="ecr", self_inverse=True),
    Gate("dcx", 2, 0, _fixed(_DCX)),
    Gate("cs", 2, 0, _fixed(np.diag([1, 1, 1, 1j])), inverse="csdg", comm=DIAG, symmetric=True),
    Gate("csdg", 2, 0, _fixed(np.diag([1, 1, 1, -1j])), inverse="cs", comm=DIAG,
         symmetric=True),
    Gate("csx", 2, 0, _fixed(_controlled(_SX))),
    Gate("rzz", 2, 1, _pauli_rot(_Z, _Z), inverse="rzz", inverse_params=_neg, comm=DIAG,
         symmetric=True),
    Gate("rxx", 2, 1, _pauli_rot(_X, _X), inverse="rxx", inverse_params=_neg, symmetric=True),
    Gate("ryy", 2, 1, _pauli_rot(_Y, _Y), inverse="ryy", inverse_params=_neg, symmetric=True),
    Gate("rzx", 2, 1, _pauli_rot(_Z, _X), inverse="rzx", inverse_params=_neg),
    Gate("cp", 2, 1, lambda t: _controlled(_p(t)), inverse="cp", inverse_params=_neg, comm=DIAG,
         symmetric=True),
    Gate("cu1", 2, 1, lambda t: _controlled(_p(t)), inverse="cu1", inverse_params=_neg,
         comm=DIAG, symmetric=True),
    Gate("crx", 2, 1, lambda t: _controlled(_rx(t)), inverse="crx", inverse_params=_neg),
    Gate("cry", 2, 1, lambda t: _controlled(_ry(t)), inverse="cry", inverse_params=_neg),
    Gate("crz", 2, 1, lambda t: _controlled(_rz(t)), inverse="crz", inverse_params=_neg,
         comm=DIAG),
    Gate("cu3", 2, 3, lambda t, p, l: _controlled(_u(t, p, l)), inverse="cu3",
         inverse_params=lambda t, p, l: (-t, -l, -p)),
    Gate("cu", 2, 4, lambda t, p, l, g: _controlled(_c(g) * _u(t, p, l)), inverse="cu",
         inverse_params=lambda t, p, l, g: (-t, -l, -p, -g)),
    # three qubits
    Gate("ccx", 3, 0, _fixed(_controlled(_X, 2)), inverse="ccx", self_inverse=True),
    Gate("ccz", 3, 0, _fixed(_controlled(_Z, 2)), inverse="ccz", self_inverse=True, comm=DIAG,
         symmetric=True),
    Gate("cswap", 3, 0, _fixed(_controlled(_SWAP)), inverse="cswap", self_inverse=True),
]


class GateTable:
    """All gate kinds known to qtool, indexed by op id (``uint16``)."""

    def __init__(self, gates: list[Gate]):
        self.gates: list[Gate] = []
        self.by_name: dict[str, Gate] = {}
        for g in gates:
            g = Gate(**{**g.__dict__, "op": len(self.gates)})
            self.gates.append(g)
            self.by_name[g.name] = g
        n = len(self.gates)
        self.arity = np.array([g.num_qubits for g in self.gates], dtype=np.int32)
        self.nparams = np.array([g.num_params for g in self.gates], dtype=np.int32)
        self.self_inverse = np.array([g.self_inverse for g in self.gates], dtype=np.uint8)
        self.comm = np.array([g.comm for g in self.gates], dtype=np.uint8)
        inv = np.full(n, -1, dtype=np.int32)
        for g in self.gates:
            if g.inverse is not None and g.inverse_params is None:
                inv[g.op] = self.by_name[g.inverse].op
        self.inverse_op = inv  # fixed (parameter-free) inverse op ids, -1 otherwise

    def __getitem__(self, op: int) -> Gate:
        return self.gates[op]

    def __len__(self) -> int:
        return len(self.gates)

    def __contains__(self, name: str) -> bool:
        return name in self.by_name

    def op(self, name: str) -> int:
        return self.by_name[name].op


GATES = GateTable(_GATE_LIST)

BARRIER = GATES.op("barrier")
MEASURE = GATES.op("measure")
RESET = GATES.op("reset")
UNITARY_OP = GATES.op("unitary")


def op_id(name: str) -> int:
    """The op id of a gate name; raises ``KeyError`` for unknown names."""
    return GATES.by_name[name].op


def gate_matrix(name: str, *params: float) -> np.ndarray:
    """Matrix of a named gate (big-endian in argument order)."""
    return GATES.by_name[name].matrix(*params)


#: OpenQASM 3 ``stdgates.inc`` names (plus the built-in ``U``/``gphase``), for I/O.
STDGATES = frozenset({
    "p", "x", "y", "z", "h", "s", "sdg", "t", "tdg", "sx", "rx", "ry", "rz", "cx", "cy", "cz",
    "cp", "crx", "cry", "crz", "ch", "swap", "ccx", "cswap", "cu", "CX", "phase", "cphase",
    "id", "u1", "u2", "u3",
})
