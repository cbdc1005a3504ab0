"""``qtool.gatesynth.synthesize``: one call from a one-qubit unitary to a word over a basis.

Backends, in order:

* Clifford+T -- the T-optimal normal-form meet in the middle (:mod:`.cliffordt`), exact to
  T-count :data:`EXACT_MAX_T` (tables to T-count 12, prefixes to 18); for a z- or x-rotation
  also Ross-Selinger gridsynth (qiskit's ``gridsynth_rz``, asked for ``2 eps`` -- its
  epsilon is a diamond-style bound, about twice eps_op -- and tightened until the result is
  within ``eps``), keeping whichever word has fewer T gates (the method says which).
  Beyond the exact reach (eps below about 5e-4 for a generic target) the target is split
  into Euler rotations ``rz . H rz H . rz``, each synthesised by gridsynth within
  ``eps / 3`` (about three times the optimal T-count, like qiskit's ``gridsynth_unitary``,
  but always within ``eps``);
* any other basis -- the breadth-first shortest-word meet in the middle (:mod:`.exact`),
  exact to twice the stored table depth.

``method="search"`` runs the batched AQ* search (:mod:`.search`) instead, over the same
tables, guided by the shipped Q-network of the basis (``data/<basis>.npz``, numpy inference;
plain best-first search where none ships).  It is not the default: at every error we measured
the exact meet in the middle is optimal and the search is not (benchmarks/results/
gatesynth_ablation.md).  A target out of every method's reach raises
:class:`SynthesisError`.

Examples
--------
>>> import numpy as np
>>> r = synthesize(np.diag([1, np.exp(1j * np.pi / 4)]), "clifford_t", 1e-9)
>>> r.gates, r.t_count
(['t'], 1)
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np

from ..errors import QtoolError
from .bases import Basis, get_basis

__all__ = ["synthesize", "SynthResult", "SynthesisError", "TABLE_DEPTH", "EXACT_MAX_T",
           "clifford_t_tables", "METHODS"]

# stored table depth per built-in basis: exact reach is twice this
TABLE_DEPTH = {"clifford_t": 12, "hrc": 8, "ht": 20}
#: highest T-count the Clifford+T meet in the middle tries (about a second at worst)
EXACT_MAX_T = 30
_USER_DEPTH_LIMIT = 400_000          # operators stored for a user basis


class SynthesisError(QtoolError):
    """No word within the requested error was found."""


@dataclass(frozen=True)
class SynthResult:
    """A word (``gates``, circuit order, first applied first) and what it costs."""

    gates: list[str]
    basis: str
    eps: float
    eps_op: float
    length: int
    t_count: int
    cost: float
    method: str
    seconds: float

    def to_dict(self) -> dict:
        return asdict(self)


@lru_cache(maxsize=None)
def clifford_t_tables():
    """The Clifford+T normal-form tables (built lazily, shared by every caller)."""
    from .cliffordt import CliffordTTables
    return CliffordTTables(b_max=TABLE_DEPTH["clifford_t"])


@lru_cache(maxsize=8)
def _word_tables(basis: Basis):
    from .exact import WordTables
    depth = TABLE_DEPTH.get(basis.name)
    if depth is not None:
        return WordTables(basis, depth)
    # a user basis: as deep as the size limit allows
    return WordTables(basis, 40, max_size=_USER_DEPTH_LIMIT, strict=False)


METHODS = ("auto", "search")


def synthesize(u, basis="clifford_t", eps: float = 1e-2, *, method: str = "auto",
               max_nodes: int = 20000, time_limit: float = 10.0) -> SynthResult:
    """A cheapest word within ``eps`` (``eps_op``) of the 2x2 unitary ``u`` (module doc);
    ``max_nodes`` and ``time_limit`` bound ``method="search"``."""
    u = np.asarray(u, dtype=complex)
    if u.shape != (2, 2) or not np.allclose(u @ u.conj().T, np.eye(2), atol=1e-8):
        raise ValueError("the target must be a 2x2 unitary")
    if not 0 < eps <= 1:
        raise ValueError(f"eps must lie in (0, 1], got {eps}")
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    b = get_basis(basis)
    t0 = time.perf_counter()
    if method == "search":
        gates, method = _search(u, b, eps, max_nodes, time_limit)
    elif b.name == "clifford_t":
        gates, method = _clifford_t(u, eps)
    else:
        tables = _word_tables(b)
        r = tables.shortest(u, eps)
        if r is None:
            raise SynthesisError(f"no {b.name} word of length <= {2 * tables.max_level} "
                                 f"within eps_op {eps:g}")
        gates, method = r.gates, "exact breadth-first meet in the middle"
    from .su2 import eps_op
    return SynthResult(gates, b.name, float(eps), float(eps_op(b.word_matrix(gates), u)),
                       len(gates), _t_count(gates), b.cost(gates), method,
                       time.perf_counter() - t0)


def _search(u: np.ndarray, b: Basis, eps: float, max_nodes: int, time_limit: float
            ) -> tuple[list[str], str]:
    """AQ* over the basis's tables, guided by its shipped heuristic if there is one."""
    from .search import aqstar, basis_moves, clifford_t_moves, learned_heuristic
    moves = clifford_t_moves(clifford_t_tables()) if b.name == "clifford_t" else \
        basis_moves(_word_tables(b))
    weights = _weights(b.name)
    h = None if weights is None else learned_heuristic(weights)
    r = aqstar(u, moves, eps, heuristic=h, max_nodes=max_nodes, time_limit=time_limit)
    if not r.found:
        raise SynthesisError(f"AQ* search found no {b.name} word within eps_op {eps:g} "
                             f"({r.nodes} nodes)")
    guide = "learned Q* heuristic" if h is not None else "best-first, no trained heuristic"
    return r.gates, f"AQ* search ({guide}, {r.nodes} nodes)"


def _weights(basis: str):
    """The shipped Q-network of a built-in basis (``data/<basis>.npz``), or ``None``."""
    from importlib import resources
    f = resources.files(__package__).joinpath("data", f"{basis}.npz")
    return f if f.is_file() else None


def _clifford_t(u: np.ndarray, eps: float, max_t: int = EXACT_MAX_T) -> tuple[list[str], str]:
    """The Clifford+T portfolio of the module doc: ``(gates, method)``."""
    gates, method = None, ""
    # the counting bound 3 log2(1/eps) - 4.93 says whether the optimum can be in reach
    if 3 * np.log2(1 / eps) - 4.93 <= max_t - 2:
        r = clifford_t_tables().optimal(u, eps, max_t=max_t)
        if r is not None:
            gates, method = r.gates, "exact normal-form meet in the middle"
    grid = _gridsynth_axis(u, eps)
    if grid is not None and (gates is None or _t_count(grid) < _t_count(gates)):
        gates, method = grid, "gridsynth_rz (qiskit, Ross-Selinger)"
    if gates is None:
        gates = _gridsynth_euler(u, eps)
        if gates is None:                      # pragma: no cover - gridsynth always gets there
            raise SynthesisError(f"no Clifford+T word within eps_op {eps:g}")
        method = "Euler rz.H.rz.H.rz, gridsynth_rz per rotation (beyond the exact reach)"
    return gates, method


def _gridsynth_axis(u: np.ndarray, eps: float) -> list[str] | None:
    """Gridsynth's word for a rotation about Z (or X, as ``h rz h``), else ``None``."""
    if abs(u[0, 1]) < 1e-12:
        return _gridsynth_rz(float(np.angle(u[1, 1] / u[0, 0])), eps)
    h = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
    v = h @ u @ h
    if abs(v[0, 1]) < 1e-12:
        word = _gridsynth_rz(float(np.angle(v[1, 1] / v[0, 0])), eps)
        return None if word is None else ["h"] + word + ["h"]
    return None


def _gridsynth_euler(u: np.ndarray, eps: float) -> list[str] | None:
    """``u`` as ``rz(c) h rz(b) h rz(a)`` (circuit order), each rotation by gridsynth within
    ``eps / 3``, so the word is within ``eps`` by subadditivity of the error."""
    from ..synthesis import zyz_angles
    # u ~ rz(phi) ry(theta) rz(lam) and ry(t) = S H rz(t) H S^dag with S ~ rz(pi/2)
    theta, phi, lam, _ = zyz_angles(u)
    out: list[str] = []
    for k, angle in enumerate((lam - np.pi / 2, theta, phi + np.pi / 2)):
        word = _gridsynth_rz(float(angle), eps / 3)
        if word is None:
            return None
        out += word + (["h"] if k < 2 else [])
    return out


def _t_count(gates) -> int:
    return sum(g in ("t", "tdg") for g in gates)


_FROM_QISKIT = {"h": ["h"], "s": ["s"], "sdg": ["sdg"], "t": ["t"], "tdg": ["tdg"],
                "x": ["h", "s", "s", "h"], "z": ["s", "s"], "id": []}


def _gridsynth_rz(theta: float, eps: float) -> list[str] | None:
    """Gridsynth's word for ``Rz(theta)`` within ``eps`` (eps_op), in clifford_t gate names,
    or ``None`` if it does not get there."""
    from qiskit.synthesis import gridsynth_rz

    from .su2 import eps_op
    target = np.diag([np.exp(-0.5j * theta), np.exp(0.5j * theta)])
    basis = get_basis("clifford_t")
    for request in (2 * eps, eps, eps / 2):
        qc = gridsynth_rz(theta, request)
        try:
            gates = [g for inst in qc.data for g in _FROM_QISKIT[inst.operation.name]]
        except KeyError:
            return None
        if eps_op(basis.word_matrix(gates), target) <= eps:
            return gates
    return None
