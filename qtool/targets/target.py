"""The :class:`Target`: the one description of a device that every pass reads.

There are no parallel ``basis_gates=`` / ``coupling_map=`` arguments anywhere in qtool: a
pass that needs the coupling graph, the native gates or calibration data reads them here.

Coupling is stored as directed edges ``int32[E, 2]``.  For an undirected device both
directions are listed.  For a directed device (``ecr`` on IBM Eagle) only the calibrated
direction is listed and translation flips the others with one-qubit gates.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Iterable, Mapping, Sequence

import numpy as np

from ..gates import GATES

__all__ = ["Target", "Props", "NATIVE_2Q", "DIRECTIVES"]

#: two-qubit gates a target may name as native
NATIVE_2Q = ("cx", "cz", "ecr", "rzz", "iswap")
#: operations every target accepts besides its gates
DIRECTIVES = ("measure", "reset", "barrier")


@dataclass(frozen=True)
class Props:
    """Calibration of one gate on one qubit tuple (``None``: unknown)."""

    error: float | None = None
    duration: float | None = None   # seconds


class Target:
    """A device: qubits, coupling, native gates and calibration.

    Parameters
    ----------
    name:
        Identifier (``ibm_heron``, ``grid:4x4`` ...).
    num_qubits:
        Number of physical qubits.
    coupling:
        Directed edges ``(a, b)`` on which the native 2Q gate is calibrated.
    basis_1q:
        Native one-qubit gates, e.g. ``("rz", "sx", "x")``.
    gate_2q:
        The native two-qubit gate (one of :data:`NATIVE_2Q`).
    directed:
        Whether ``gate_2q`` is only available in the listed direction.
    props:
        ``{gate: {qargs: Props}}`` calibration; missing entries are unknown.
    readout_error, t1, t2:
        Per-qubit arrays (``nan`` when unknown), T1/T2 in seconds.
    discrete_basis:
        For a fault-tolerant target (``ft:clifford_t``): the finite one-qubit basis
        (:mod:`qtool.gatesynth.bases`) every one-qubit gate must end up as a word of;
        ``None`` (the default) for ordinary, continuously parameterised targets.

    A discrete target has no continuous one-qubit gates, so translation and the
    optimisation passes work in :attr:`working_basis_1q` (``u``), and
    :class:`~qtool.passes.SynthesizeDiscrete` turns what is left into words at the end of
    the pipeline.  Its :attr:`native_gates` (the ``in_basis`` property) accept both; the
    ``discrete`` property is the strict check.
    """

    #: continuous one-qubit basis that passes work in on a discrete target
    DISCRETE_WORKING_BASIS = ("u",)

    def __init__(self, name: str, num_qubits: int, coupling: Iterable[Sequence[int]],
                 basis_1q: Sequence[str] = ("rz", "sx", "x"), gate_2q: str = "cx", *,
                 directed: bool = False, props: Mapping[str, Mapping[tuple, Props]] | None = None,
                 readout_error: Sequence[float] | None = None, t1: Sequence[float] | None = None,
                 t2: Sequence[float] | None = None, coords: Sequence[Sequence[float]] | None = None,
                 description: str = "", discrete_basis: str | None = None):
        self.name = name
        self.num_qubits = int(num_qubits)
        if self.num_qubits < 1:
            raise ValueError("a target needs at least one qubit")
        edges = np.asarray(list(coupling), dtype=np.int32).reshape(-1, 2)
        if edges.size and (edges.min() < 0 or edges.max() >= self.num_qubits):
            raise ValueError(f"coupling edge outside 0..{self.num_qubits - 1}")
        if edges.size and (edges[:, 0] == edges[:, 1]).any():
            raise ValueError("coupling has a self-loop")
        if gate_2q not in NATIVE_2Q:
            raise ValueError(f"unsupported native 2Q gate {gate_2q!r} (one of {NATIVE_2Q})")
        for g in basis_1q:
            if g not in GATES or GATES.by_name[g].num_qubits != 1:
                raise ValueError(f"{g!r} is not a one-qubit gate")
        self.directed = bool(directed)
        if not self.directed and len(edges):
            edges = np.concatenate([edges, edges[:, ::-1]])
        # unique, sorted: a stable order makes every pass deterministic
        self.edges = np.unique(edges, axis=0) if len(edges) else edges
        self.edges.flags.writeable = False
        self.basis_1q = tuple(basis_1q)
        self.gate_2q = gate_2q
        self.discrete_basis = None if discrete_basis is None else str(discrete_basis)
        self.props = {g: dict(m) for g, m in (props or {}).items()}
        n = self.num_qubits
        self.readout_error = _per_qubit(readout_error, n)
        self.t1 = _per_qubit(t1, n)
        self.t2 = _per_qubit(t2, n)
        self.coords = None if coords is None else np.asarray(coords, dtype=float)
        self.description = description

    # ------------------------------------------------------------------ structure
    @property
    def working_basis_1q(self) -> tuple[str, ...]:
        """The one-qubit basis Euler synthesis targets: :attr:`basis_1q`, or ``u`` on a
        discrete target (whose words come last, from ``SynthesizeDiscrete``)."""
        return self.DISCRETE_WORKING_BASIS if self.discrete_basis else self.basis_1q

    @property
    def native_gates(self) -> frozenset[str]:
        """Gates the ``in_basis`` property accepts (on a discrete target also the working
        basis, which only ``SynthesizeDiscrete`` removes)."""
        out = frozenset(self.basis_1q) | {self.gate_2q} | set(DIRECTIVES)
        return out | set(self.working_basis_1q) if self.discrete_basis else out

    #: calibrated error at or above which a coupler or qubit counts as broken
    BROKEN_ERROR = 0.5

    @cached_property
    def all_undirected_edges(self) -> np.ndarray:
        """Each coupled pair once, as ``(min, max)``, sorted -- broken couplers included."""
        if not len(self.edges):
            return np.zeros((0, 2), np.int32)
        out = np.unique(np.sort(self.edges, axis=1), axis=0)
        out.flags.writeable = False
        return out

    @cached_property
    def broken_qubits(self) -> frozenset[int]:
        """Qubits whose readout or a native 1Q gate has error >= ``BROKEN_ERROR``.

        Real calibrations mark dead hardware with error 1; using it makes a circuit's
        success probability 0, so layout and routing never place anything there.
        """
        bad = {int(q) for q in np.flatnonzero(self.readout_error >= self.BROKEN_ERROR)}
        for g in self.basis_1q:
            for qargs, p in self.props.get(g, {}).items():
                if p.error is not None and p.error >= self.BROKEN_ERROR:
                    bad.update(qargs)
        return frozenset(bad)

    @cached_property
    def broken_edges(self) -> frozenset[tuple[int, int]]:
        """Coupled pairs ``(min, max)`` whose native 2Q gate has error >= ``BROKEN_ERROR``
        in every calibrated direction, or that touch a broken qubit."""
        bad = set()
        dead = self.broken_qubits
        for a, b in self.all_undirected_edges.tolist():
            errs = [e for e in (self.gate_error(self.gate_2q, (a, b)) if self.allows(a, b)
                                else None,
                                self.gate_error(self.gate_2q, (b, a)) if self.allows(b, a)
                                else None) if e is not None]
            if a in dead or b in dead or (errs and min(errs) >= self.BROKEN_ERROR):
                bad.add((a, b))
        return frozenset(bad)

    @cached_property
    def undirected_edges(self) -> np.ndarray:
        """Each usable coupled pair once, as ``(min, max)``, sorted.

        Broken couplers (see :attr:`broken_edges`) are left out, so every distance,
        neighbour list, layout and routing decision avoids them; they are still edges of
        the device for :meth:`has_edge`.
        """
        e = self.all_undirected_edges
        if self.broken_edges:
            keep = [tuple(x) not in self.broken_edges for x in e.tolist()]
            e = e[np.array(keep, dtype=bool)]
        out = np.ascontiguousarray(e)
        out.flags.writeable = False
        return out

    @cached_property
    def _edge_set(self) -> frozenset:
        return frozenset(map(tuple, self.edges.tolist()))

    def has_edge(self, a: int, b: int) -> bool:
        """Whether ``a`` and ``b`` are coupled (in either direction)."""
        return (a, b) in self._edge_set or (b, a) in self._edge_set

    def allows(self, a: int, b: int) -> bool:
        """Whether the native 2Q gate runs with ``a`` first and ``b`` second."""
        return (a, b) in self._edge_set

    @cached_property
    def neighbors(self) -> list[list[int]]:
        nb: list[list[int]] = [[] for _ in range(self.num_qubits)]
        for a, b in self.undirected_edges.tolist():
            nb[a].append(b)
            nb[b].append(a)
        return nb

    @cached_property
    def distance(self) -> np.ndarray:
        """Hop distance between physical qubits (``inf`` if disconnected)."""
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import shortest_path
        n = self.num_qubits
        e = self.undirected_edges
        g = csr_matrix((np.ones(len(e)), (e[:, 0], e[:, 1])), shape=(n, n))
        d = shortest_path(g, directed=False, unweighted=True)
        d.flags.writeable = False
        return d

    @cached_property
    def error_distance(self) -> np.ndarray:
        """Shortest paths weighted by ``-log(1 - e)`` of the native 2Q gate error, for
        noise-aware layout (falls back to hops where calibration is missing)."""
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import shortest_path
        n = self.num_qubits
        e = self.undirected_edges
        w = np.array([self.edge_cost(a, b) for a, b in e.tolist()])
        g = csr_matrix((w, (e[:, 0], e[:, 1])), shape=(n, n))
        d = shortest_path(g, directed=False)
        d.flags.writeable = False
        return d

    def is_connected(self) -> bool:
        return bool(np.isfinite(self.distance).all())

    # ------------------------------------------------------------------ calibration
    def gate_error(self, gate: str, qargs: Sequence[int]) -> float | None:
        m = self.props.get(gate)
        if not m:
            return None
        p = m.get(tuple(qargs))
        if p is None and len(qargs) == 2:
            p = m.get((qargs[1], qargs[0]))
        return None if p is None else p.error

    def edge_cost(self, a: int, b: int) -> float:
        """``-log(1 - error)`` of the native 2Q gate on ``(a, b)``; 1e-2 when unknown, and
        broken couplers (error 1) are clamped to 0.999 so paths avoid them."""
        e = self.gate_error(self.gate_2q, (a, b))
        e = 1e-2 if e is None or not e >= 0 else min(e, 0.999)
        return -math.log1p(-e) if e > 0 else 1e-6

    def __repr__(self) -> str:
        return (f"<Target {self.name}: {self.num_qubits} qubits, {len(self.undirected_edges)} "
                f"couplings, {self.gate_2q} + {'/'.join(self.basis_1q)}"
                f"{f' (discrete {self.discrete_basis})' if self.discrete_basis else ''}>")

    # ------------------------------------------------------------------ (de)serialisation
    @classmethod
    def from_dict(cls, data: Mapping, *, source: str | None = None) -> "Target":
        """Inverse of :meth:`to_dict`, validated (errors are :class:`~qtool.errors.TargetError`
        naming ``source``); see :func:`qtool.targets.files.target_from_dict`."""
        from .files import target_from_dict
        return target_from_dict(data, source=source)

    def to_dict(self) -> dict:
        """The JSON form documented in :mod:`qtool.targets.files`."""
        def f(x):
            return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)
        out = {
            "name": self.name, "num_qubits": self.num_qubits,
            "gate_2q": self.gate_2q, "basis_1q": list(self.basis_1q),
            "directed": self.directed,
            "coupling": (self.edges if self.directed else self.all_undirected_edges).tolist(),
            "readout_error": [f(x) for x in self.readout_error],
            "t1": [f(x) for x in self.t1], "t2": [f(x) for x in self.t2],
            "gates": {g: [{"qubits": list(q), "error": f(p.error), "duration": f(p.duration)}
                          for q, p in sorted(m.items())] for g, m in sorted(self.props.items())},
        }
        if self.coords is not None:
            out["coords"] = self.coords.tolist()
        if self.description:
            out["description"] = self.description
        return out


def _per_qubit(v, n: int) -> np.ndarray:
    if v is None:
        out = np.full(n, np.nan)
    else:
        out = np.array([np.nan if x is None else float(x) for x in v], dtype=float)
        if out.shape != (n,):
            raise ValueError(f"per-qubit data has {out.shape[0]} entries, expected {n}")
    out.flags.writeable = False
    return out
