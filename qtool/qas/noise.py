"""Gate-level noise models for the architecture-search simulators.

A :class:`NoiseModel` describes an ``n``-qubit register (the ansatz qubits).  After every
gate, each qubit the gate touches goes through thermal relaxation (its ``T1``, ``T2`` and
the gate's duration), then the gate's qubits go through a depolarizing channel
``E(rho) = (1 - lam) rho + lam tr(rho) I/d`` (qiskit-aer's convention, ``d = 2`` for
rotations, ``d = 4`` for CX).  Measurement flips each qubit's bit classically with
probabilities ``p(1|0)`` and ``p(0|1)``.  With ``rz_virtual`` RZ is noiseless, as on IBM
hardware where it is a frame change.

Channels are exposed as Pauli transfer matrices (PTMs, ``R_ij = 2^-k tr(P_i E(P_j))`` in
the local Pauli order ``I, X, Y, Z`` and local index ``p_0 + 4 p_1`` for two qubits) for
:mod:`qtool.qas.ptm`, and as a qiskit-aer noise model (:meth:`NoiseModel.to_aer`) for
cross-checks and benchmarks.

:meth:`NoiseModel.from_target` follows the reasoning of a "basic device noise model": a
gate's calibrated error is an average gate infidelity; the thermal relaxation over the
gate's duration explains part of it and a depolarizing channel explains the rest.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from .ansatz import RX, RY, RZ

__all__ = ["NoiseModel", "best_line", "relaxation_ptm", "depolarizing_ptm"]

ROTATIONS = (RX, RY, RZ)
_ROT_NAMES = {RX: "rx", RY: "ry", RZ: "rz"}
#: native 2Q gates a CX costs, and the ``sx`` pulses on the target that go with them
#: (CX = H.CZ.H with each H one ``sx`` between virtual ``rz``; ECR and RZZ likewise need one
#: native gate plus 1Q dressing; a CX from iSWAP needs two of them)
_CX_COST = {"cx": (1, 0), "cz": (1, 2), "ecr": (1, 2), "rzz": (1, 2), "iswap": (2, 2)}
_SPEC_HELP = ("expected 'depolarizing:P' or 'depolarizing:P1,P2[,READOUT]' with "
              "probabilities in [0, 1], e.g. 'depolarizing:1e-3,1e-2'")


# ----------------------------------------------------------------------------- channels
def relaxation_ptm(t1: float, t2: float, duration: float) -> np.ndarray:
    """4x4 PTM of thermal relaxation to ``|0>`` for ``duration`` seconds.

    ``X``, ``Y`` decay by ``exp(-t/T2)``, ``Z`` by ``exp(-t/T1)``, and the population that
    leaves ``|1>`` lands in ``|0>`` (the ``I -> Z`` entry).  ``T2`` is clipped to ``2 T1``
    (the physical bound); infinite times mean no decay of that kind.
    """
    t2 = min(t2, 2.0 * t1)
    g1 = math.exp(-duration / t1) if duration > 0 else 1.0
    g2 = math.exp(-duration / t2) if duration > 0 else 1.0
    out = np.diag([1.0, g2, g2, g1])
    out[3, 0] = 1.0 - g1
    return out


def depolarizing_ptm(lam: float, num_qubits: int) -> np.ndarray:
    """PTM of ``(1 - lam) rho + lam tr(rho) I/d``: every non-identity Pauli scaled."""
    out = np.full(4 ** num_qubits, 1.0 - lam)
    out[0] = 1.0
    return np.diag(out)


def _process_fidelity(ptm: np.ndarray) -> float:
    """Entanglement fidelity of a channel with the identity: ``tr(R) / d^2``."""
    return float(np.trace(ptm)) / ptm.shape[0]


def _average_fidelity(ptm: np.ndarray) -> float:
    """Average gate fidelity ``(d F_pro + 1) / (d + 1)`` of a channel."""
    d = math.isqrt(ptm.shape[0])
    return (d * _process_fidelity(ptm) + 1.0) / (d + 1.0)


def _depolarizing_remainder(error: float | None, relax_ptm: np.ndarray) -> float:
    """The depolarizing ``lam`` such that depolarizing after relaxation has average gate
    infidelity ``error``.

    Depolarizing is ``(1 - lam) id + lam D`` with ``D`` the completely depolarizing channel,
    and ``F(D o T) = F(D) = 1/d`` for any trace-preserving ``T``, so ``F = (1 - lam) F_T +
    lam / d`` and ``lam = d (F_T - F) / (d F_T - 1)``.  Relaxation that already explains
    the error gives 0; ``None`` (unknown) gives 0.
    """
    if error is None or not error > 0:
        return 0.0
    d = math.isqrt(relax_ptm.shape[0])
    fid_t = _average_fidelity(relax_ptm)
    fid = 1.0 - min(error, d / (d + 1.0))
    lam = d * (fid_t - fid) / (d * fid_t - 1.0)
    return float(min(max(lam, 0.0), d * d / (d * d - 1.0)))


def _compose_errors(errors: Sequence[tuple[float, int]], dim: int) -> float:
    """Average gate infidelity on a ``dim``-dimensional gate of a sequence of gates with
    ``(error, own dimension)``, multiplying process fidelities (exact for depolarizing
    channels to first order)."""
    f_pro = 1.0
    for e, d in errors:
        f_pro *= ((d + 1.0) * (1.0 - e) - 1.0) / d
    return 1.0 - (dim * f_pro + 1.0) / (dim + 1.0)


# ----------------------------------------------------------------------------- model
def _per(value, shape: tuple[int, ...], name: str, *, fill: float = 0.0) -> np.ndarray:
    """``value`` broadcast to ``shape`` as a float array (``None``: ``fill``)."""
    arr = np.array(fill if value is None else value, dtype=np.float64)
    try:
        out = np.array(np.broadcast_to(arr, shape), dtype=np.float64)
    except ValueError:
        raise ValueError(f"{name} has shape {arr.shape}, expected a scalar or {shape}") from None
    return out


class NoiseModel:
    """Per-gate noise on ``num_qubits`` ansatz qubits (see the module docstring).

    Parameters
    ----------
    num_qubits:
        Register size.
    depol_1q:
        Depolarizing ``lam`` after RX/RY/RZ: scalar or ``(3, n)`` (rows RX, RY, RZ).
    depol_2q:
        Depolarizing ``lam`` after CX: scalar or ``(n, n)`` indexed ``[control, target]``.
    t1, t2:
        Per-qubit relaxation times in seconds (scalar or ``(n,)``; ``None``/``inf``: none).
    time_1q, time_2q:
        Gate durations in seconds, shaped like ``depol_1q`` / ``depol_2q``.
    readout:
        Scalar or ``(n,)`` symmetric flip probability, or ``(n, 2)`` as
        ``[p(1|0), p(0|1)]`` per qubit.
    rz_virtual:
        RZ is noiseless whatever the tables say.
    """

    def __init__(self, num_qubits: int, *, depol_1q=0.0, depol_2q=0.0, t1=None, t2=None,
                 time_1q=0.0, time_2q=0.0, readout=0.0, rz_virtual: bool = False):
        n = int(num_qubits)
        if n < 1:
            raise ValueError("a noise model needs at least one qubit")
        self.num_qubits = n
        self.depol_1q = _per(depol_1q, (3, n), "depol_1q")
        self.depol_2q = _per(depol_2q, (n, n), "depol_2q")
        self.time_1q = _per(time_1q, (3, n), "time_1q")
        self.time_2q = _per(time_2q, (n, n), "time_2q")
        self.t1 = _per(t1, (n,), "t1", fill=math.inf)
        self.t2 = np.minimum(_per(t2, (n,), "t2", fill=math.inf), 2.0 * self.t1)
        ro = np.array(readout, dtype=np.float64)
        self.readout = _per(ro[..., None] if ro.ndim < 2 else ro, (n, 2), "readout")
        self.rz_virtual = bool(rz_virtual)
        self._validate()

    def _validate(self) -> None:
        for name in ("depol_1q", "depol_2q", "time_1q", "time_2q", "readout"):
            arr = getattr(self, name)
            if not np.isfinite(arr).all() or (arr < 0).any():
                raise ValueError(f"{name} must be finite and >= 0")
        if (self.depol_1q > 4 / 3).any() or (self.depol_2q > 16 / 15).any():
            raise ValueError("depolarizing parameter above its CPTP bound (4/3 for 1Q, "
                             "16/15 for 2Q)")
        if (self.readout > 1).any():
            raise ValueError("readout flip probabilities must be <= 1")
        if np.isnan(self.t1).any() or np.isnan(self.t2).any() or (self.t1 <= 0).any() \
                or (self.t2 <= 0).any():
            raise ValueError("t1 and t2 must be > 0 (inf for none)")

    def __repr__(self) -> str:
        n = self.num_qubits
        return (f"<NoiseModel {n} qubits: 1Q lam max {self.depol_1q.max():.2e}, 2Q lam max "
                f"{self.depol_2q.max():.2e}, readout max {self.readout.max():.2e}, "
                f"T1 min {self.t1.min():.2e} s{', rz virtual' if self.rz_virtual else ''}>")

    # ------------------------------------------------------------------ constructors
    @classmethod
    def depolarizing(cls, n: int, p1: float, p2: float, readout: float = 0.0) -> "NoiseModel":
        """Depolarizing ``p1`` after every rotation, ``p2`` after every CX, symmetric
        readout flips ``readout``; no relaxation."""
        return cls(n, depol_1q=p1, depol_2q=p2, readout=readout)

    @classmethod
    def from_spec(cls, spec: str, n: int) -> "NoiseModel":
        """Parse ``depolarizing:P1,P2[,READOUT]`` or ``depolarizing:P`` (``P`` for both
        rotations and CX) into a model on ``n`` qubits."""
        kind, sep, args = str(spec).strip().partition(":")
        if kind.strip().lower() != "depolarizing" or not sep:
            raise ValueError(f"bad noise spec {spec!r}: {_SPEC_HELP}")
        try:
            values = [float(x) for x in args.split(",")]
        except ValueError:
            raise ValueError(f"bad noise spec {spec!r}: {_SPEC_HELP}") from None
        if not 1 <= len(values) <= 3 or not all(0.0 <= v <= 1.0 for v in values):
            raise ValueError(f"bad noise spec {spec!r}: {_SPEC_HELP}")
        if len(values) == 1:
            values.append(values[0])
        return cls.depolarizing(n, *values)

    @classmethod
    def from_target(cls, target, qubits: Sequence[int]) -> "NoiseModel":
        """A model from a :class:`~qtool.targets.Target`'s calibration; ansatz qubit ``i``
        runs on physical qubit ``qubits[i]``.

        RZ is virtual when the target's basis has ``rz``.  RX/RY cost two ``sx`` pulses
        (or the calibrated ``rx``/``ry`` if the target has them); a CX costs the native 2Q
        gate (two for iSWAP) plus, unless it is ``cx``, two ``sx`` on the target.  Each
        gate's depolarizing part is what its composed error leaves after relaxation over
        its duration.  Missing calibration means no noise of that kind; a CX between
        uncoupled qubits has no calibration.
        """
        phys = _check_qubits(target, qubits)
        n = len(phys)
        t1 = np.array([_time_or_inf(target.t1[p]) for p in phys])
        t2 = np.minimum([_time_or_inf(target.t2[p]) for p in phys], 2.0 * t1)
        virtual = "rz" in target.basis_1q
        depol_1q, time_1q = np.zeros((3, n)), np.zeros((3, n))
        for i, p in enumerate(phys):
            for kind in ROTATIONS:
                if kind == RZ and virtual:
                    continue
                err, dur = _rotation_calibration(target, _ROT_NAMES[kind], p)
                time_1q[kind - 1, i] = dur
                depol_1q[kind - 1, i] = _depolarizing_remainder(
                    err, relaxation_ptm(t1[i], t2[i], dur))
        depol_2q, time_2q = np.zeros((n, n)), np.zeros((n, n))
        for c in range(n):
            for t in range(n):
                if c == t:
                    continue
                err, dur = _cx_calibration(target, phys[c], phys[t])
                time_2q[c, t] = dur
                relax = np.kron(relaxation_ptm(t1[t], t2[t], dur),
                                relaxation_ptm(t1[c], t2[c], dur))
                depol_2q[c, t] = _depolarizing_remainder(err, relax)
        readout = [_readout_error(target, p) for p in phys]
        return cls(n, depol_1q=depol_1q, depol_2q=depol_2q, t1=t1, t2=t2, time_1q=time_1q,
                   time_2q=time_2q, readout=readout, rz_virtual=virtual)

    # ------------------------------------------------------------------ PTMs
    def has_readout_error(self) -> bool:
        return bool((self.readout > 0).any())

    def rotation_channel(self, kind: int, q: int) -> np.ndarray:
        """4x4 PTM of the noise after rotation ``kind`` (RX/RY/RZ) on qubit ``q``."""
        if kind == RZ and self.rz_virtual:
            return np.eye(4)
        relax = relaxation_ptm(self.t1[q], self.t2[q], self.time_1q[kind - 1, q])
        return depolarizing_ptm(self.depol_1q[kind - 1, q], 1) @ relax

    def cx_channel(self, c: int, t: int) -> np.ndarray:
        """16x16 PTM of the noise after ``cx(c, t)``, local index ``p_c + 4 p_t``."""
        dur = self.time_2q[c, t]
        relax = np.kron(relaxation_ptm(self.t1[t], self.t2[t], dur),
                        relaxation_ptm(self.t1[c], self.t2[c], dur))
        return depolarizing_ptm(self.depol_2q[c, t], 2) @ relax

    # ------------------------------------------------------------------ qiskit-aer
    def to_aer(self):
        """The same model as a ``qiskit_aer.noise.NoiseModel`` on instructions ``rx``,
        ``ry``, ``rz``, ``cx`` of qubits ``0..n-1``, plus readout errors."""
        from qiskit_aer.noise import NoiseModel as AerNoiseModel
        from qiskit_aer.noise import ReadoutError

        out = AerNoiseModel(basis_gates=["rx", "ry", "rz", "cx"])
        n = self.num_qubits
        for kind in ROTATIONS:
            for q in range(n):
                if kind == RZ and self.rz_virtual:
                    continue
                err = self._aer_error([q], self.time_1q[kind - 1, q], self.depol_1q[kind - 1, q])
                if err is not None:
                    out.add_quantum_error(err, _ROT_NAMES[kind], [q])
        for c in range(n):
            for t in range(n):
                err = None if c == t else self._aer_error([c, t], self.time_2q[c, t],
                                                          self.depol_2q[c, t])
                if err is not None:
                    out.add_quantum_error(err, "cx", [c, t])
        for q, (p10, p01) in enumerate(self.readout):
            if p10 > 0 or p01 > 0:
                out.add_readout_error(ReadoutError([[1 - p10, p10], [p01, 1 - p01]]), [q])
        return out

    def _aer_error(self, qubits: list[int], duration: float, lam: float):
        """Relaxation on each of ``qubits`` then depolarizing ``lam``; ``None`` if none."""
        from qiskit_aer.noise import depolarizing_error, thermal_relaxation_error

        err = None
        if duration > 0 and any(np.isfinite(self.t2[q]) for q in qubits):
            for q in qubits:    # aer's error qubit k is qubits[k]: expand adds higher ones
                one = thermal_relaxation_error(self.t1[q], self.t2[q], duration)
                err = one if err is None else err.expand(one)
        if lam > 0:
            dep = depolarizing_error(lam, len(qubits))
            err = dep if err is None else err.compose(dep)
        return err


# ----------------------------------------------------------------------------- calibration
def _check_qubits(target, qubits: Sequence[int]) -> list[int]:
    phys = [int(q) for q in qubits]
    if not phys:
        raise ValueError("need at least one physical qubit")
    if len(set(phys)) != len(phys):
        raise ValueError(f"physical qubits {phys} are not distinct")
    bad = [q for q in phys if not 0 <= q < target.num_qubits]
    if bad:
        raise ValueError(f"physical qubits {bad} out of range 0..{target.num_qubits - 1}")
    return phys


def _time_or_inf(x: float) -> float:
    return float(x) if np.isfinite(x) and x > 0 else math.inf


def _props(target, gate: str, qargs: tuple[int, ...]):
    """``(error, duration)`` of ``gate`` on ``qargs`` (either direction for 2Q), each
    ``None`` when unknown."""
    m = target.props.get(gate, {})
    p = m.get(qargs)
    if p is None and len(qargs) == 2:
        p = m.get(qargs[::-1])
    if p is None:
        return None, None
    ok = [v if v is not None and np.isfinite(v) else None for v in (p.error, p.duration)]
    return ok[0], ok[1]


def _rotation_calibration(target, name: str, p: int) -> tuple[float | None, float]:
    """``(error, duration)`` of an RX/RY on physical qubit ``p``: the calibrated gate if
    the target has it, else two ``sx`` pulses."""
    err, dur = _props(target, name, (p,))
    if err is not None or dur is not None:
        return err, dur or 0.0
    err, dur = _props(target, "sx", (p,))
    return (None if err is None else _compose_errors([(err, 2), (err, 2)], 2),
            2.0 * dur if dur else 0.0)


def _cx_calibration(target, c: int, t: int) -> tuple[float | None, float]:
    """``(error, duration)`` of a CX on physical ``(c, t)`` from the native 2Q gate and
    the ``sx`` pulses it needs (see ``_CX_COST``); unknown 2Q calibration: ``(None, 0)``."""
    if not target.has_edge(c, t):
        return None, 0.0
    n2q, nsx = _CX_COST.get(target.gate_2q, (1, 2))
    e2, d2 = _props(target, target.gate_2q, (c, t))
    if e2 is None and d2 is None:
        return None, 0.0
    esx, dsx = _props(target, "sx", (t,)) if nsx else (None, None)
    parts = [(e2, 4)] * n2q if e2 is not None else []
    parts += [(esx, 2)] * nsx if esx is not None else []
    err = _compose_errors(parts, 4) if e2 is not None else None
    return err, n2q * (d2 or 0.0) + nsx * (dsx or 0.0)


def _readout_error(target, p: int) -> float:
    """Symmetric readout flip probability: the ``measure`` calibration if known, else
    ``target.readout_error``, else 0."""
    err, _ = _props(target, "measure", (p,))
    if err is None:
        err = target.readout_error[p]
    return float(min(max(err, 0.0), 1.0)) if np.isfinite(err) else 0.0


# ----------------------------------------------------------------------------- placement
def _edge_error(target, a: int, b: int) -> float:
    """The native 2Q gate's error on ``(a, b)`` (either direction); 1e-2 when unknown."""
    e = target.gate_error(target.gate_2q, (a, b))
    return 1e-2 if e is None or not np.isfinite(e) else float(e)


def best_line(target, n: int) -> list[int]:
    """The path of ``n`` coupled physical qubits with the lowest summed 2Q error plus
    readout error, avoiding broken couplers and qubits.

    Exhaustive depth-first search with branch and bound; among equal costs the first path
    found wins and every path is scored from its lower-numbered end, so the result is
    deterministic.  Raises ValueError if no such path exists.
    """
    n = int(n)
    if not 1 <= n <= target.num_qubits:
        raise ValueError(f"cannot place {n} qubits on {target.num_qubits}")
    dead = target.broken_qubits
    ro = [0.0 if q in dead else _readout_error(target, q) for q in range(target.num_qubits)]
    nbrs: dict[int, list[tuple[float, int]]] = {}
    for a, b in target.undirected_edges.tolist():
        e = _edge_error(target, a, b)
        nbrs.setdefault(a, []).append((e, b))
        nbrs.setdefault(b, []).append((e, a))
    for lst in nbrs.values():
        lst.sort()
    alive = [q for q in range(target.num_qubits) if q not in dead]
    if n == 1:
        return [min(alive, key=lambda q: (ro[q], q))] if alive else _no_line(target, n)
    min_edge = min((lst[0][0] for lst in nbrs.values()), default=0.0)
    min_ro = min(ro[q] for q in nbrs) if nbrs else 0.0
    best: list = [math.inf, None]

    def extend(path: list[int], cost: float) -> None:
        left = n - len(path)
        if cost + left * (min_edge + min_ro) >= best[0]:
            return
        if left == 0:
            if path[0] < path[-1]:
                best[0], best[1] = cost, list(path)
            return
        for e, b in nbrs.get(path[-1], ()):
            if b not in path:
                path.append(b)
                extend(path, cost + e + ro[b])
                path.pop()

    for start in sorted(nbrs):
        extend([start], ro[start])
    return best[1] if best[1] is not None else _no_line(target, n)


def _no_line(target, n: int):
    raise ValueError(f"{target.name} has no path of {n} connected working qubits")
