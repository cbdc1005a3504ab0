"""Finite one-qubit gate bases as data.

A :class:`Basis` is a list of named 2x2 unitaries, each with a cost (1 per gate for word
length; for Clifford+T, the T-count weights).  Built-ins (:data:`BASES`):

* ``clifford_t`` -- ``h, s, sdg, t, tdg``; cost = T-count (T-optimal search is
  :mod:`qtool.gatesynth.cliffordt`);
* ``hrc`` -- ``v1, v2, v3`` and inverses, ``V_k = (I + 2 i sigma_k) / sqrt(5)``
  (quant-ph/0111031); they generate a free group;
* ``ht`` -- the inverse-free ``h, t``.

A user basis is a JSON object ``{"name": ..., "gates": {"g": [[re, im], ...] 2x2 as
[[a, b], [c, d]] of [re, im] pairs, ...}, "costs": {"g": 1, ...}}`` read by
:meth:`Basis.from_json`.

Examples
--------
>>> b = get_basis("hrc")
>>> b.names
('v1', 'v2', 'v3', 'v1dg', 'v2dg', 'v3dg')
>>> b.inverse_of("v2")
'v2dg'
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import InputError
from .su2 import qdist, qmul, to_quaternion

__all__ = ["Basis", "BASES", "get_basis"]


@dataclass(frozen=True, eq=False)
class Basis:
    """Named one-qubit gates with costs; ``quats`` are their unit quaternions.  Compared and
    hashed by identity (the built-ins are singletons), so tables can be cached per basis."""

    name: str
    names: tuple[str, ...]
    matrices: np.ndarray                  # (k, 2, 2)
    costs: tuple[float, ...]
    quats: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        m = np.asarray(self.matrices, dtype=complex)
        if m.ndim != 3 or m.shape[1:] != (2, 2) or len(m) != len(self.names):
            raise ValueError(f"basis {self.name}: need one 2x2 matrix per gate name")
        if not np.allclose(m @ m.conj().transpose(0, 2, 1), np.eye(2), atol=1e-9):
            raise ValueError(f"basis {self.name}: every gate must be unitary")
        if len(self.costs) != len(self.names) or min(self.costs, default=0) < 0:
            raise ValueError(f"basis {self.name}: one non-negative cost per gate")
        object.__setattr__(self, "matrices", m)
        object.__setattr__(self, "quats", to_quaternion(m))

    def index(self, name: str) -> int:
        return self.names.index(name)

    def inverse_of(self, name: str) -> str | None:
        """The basis gate that inverts ``name`` (modulo phase), if there is one."""
        q = self.quats[self.index(name)]
        prod = qmul(self.quats, q[None, :])
        hits = np.flatnonzero(qdist(prod, np.array([1.0, 0, 0, 0])) < 1e-9)
        return self.names[int(hits[0])] if len(hits) else None

    @property
    def inverse_closed(self) -> bool:
        return all(self.inverse_of(n) is not None for n in self.names)

    def word_matrix(self, gates) -> np.ndarray:
        """The operator of gate names in circuit order (first applied first)."""
        out = np.eye(2, dtype=complex)
        for g in gates:
            out = self.matrices[self.index(g)] @ out
        return out

    def cost(self, gates) -> float:
        return float(sum(self.costs[self.index(g)] for g in gates))

    @classmethod
    def from_json(cls, path) -> "Basis":
        """Read a user basis (module doc); bad files raise :class:`InputError`."""
        path = Path(path)
        try:
            data = json.loads(path.read_text())
            gates = data["gates"]
            names = tuple(gates)
            mats = np.array([[[complex(*e) for e in row] for row in gates[n]] for n in names])
            costs = tuple(float(data.get("costs", {}).get(n, 1.0)) for n in names)
            return cls(str(data.get("name", path.stem)), names, mats, costs)
        except (OSError, json.JSONDecodeError) as exc:
            raise InputError(f"cannot read basis: {exc}", file=str(path)) from None
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"bad basis: {exc}", file=str(path)) from None


def _builtin() -> dict[str, Basis]:
    s2 = 1 / np.sqrt(2)
    h = np.array([[s2, s2], [s2, -s2]], dtype=complex)
    s = np.diag([1, 1j])
    t = np.diag([1, np.exp(1j * np.pi / 4)])
    paulis = [np.array([[0, 1], [1, 0]]), np.array([[0, -1j], [1j, 0]]), np.diag([1, -1])]
    v = [(np.eye(2) + 2j * p) / np.sqrt(5) for p in paulis]
    return {
        "clifford_t": Basis("clifford_t", ("h", "s", "sdg", "t", "tdg"),
                            np.array([h, s, s.conj().T, t, t.conj().T]),
                            (0.0, 0.0, 0.0, 1.0, 1.0)),
        "hrc": Basis("hrc", ("v1", "v2", "v3", "v1dg", "v2dg", "v3dg"),
                     np.array(v + [m.conj().T for m in v]), (1.0,) * 6),
        "ht": Basis("ht", ("h", "t"), np.array([h, t]), (1.0, 1.0)),
    }


BASES: dict[str, Basis] = _builtin()


def get_basis(spec) -> Basis:
    """A built-in basis by name, a :class:`Basis`, or a user basis JSON file."""
    if isinstance(spec, Basis):
        return spec
    if spec in BASES:
        return BASES[spec]
    if str(spec).endswith(".json"):
        return Basis.from_json(spec)
    raise InputError(f"unknown basis {spec!r}; built-in: {', '.join(BASES)}, or a .json file")
