"""Layout basics shared by every layout pass, and :class:`TrivialLayout`.

A layout pass maps the ``n`` virtual qubits of a circuit onto the target's ``N`` physical
qubits.  The output's rows act on physical qubits, its registers are ``(("$", N),)`` and its
:class:`~qtool.Layout` holds full permutations: ``initial[v]`` is the physical qubit of
virtual qubit ``v`` (``v < n``) and the ancillas ``n..N-1`` take the remaining physical
qubits in ascending order.  ``final == initial`` until routing moves qubits.

Circuits that already carry a layout, or whose only register is the physical ``$``
register, are kept where they are (padded to ``N`` qubits if needed).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Sequence

import numpy as np

from qtool.circuit import Circuit, Layout
from qtool.errors import TargetError
from qtool.gates import GATES, MEASURE
from qtool.passmanager import Context, Pass

__all__ = ["TrivialLayout", "apply_layout", "full_permutation", "keep_placed",
           "check_fits", "interaction_graph", "Interaction"]


def check_fits(circ: Circuit, target) -> None:
    """Raise :class:`TargetError` when the circuit has more qubits than the target."""
    if target is None:
        raise TargetError("a layout pass needs a target")
    if circ.num_qubits > target.num_qubits:
        raise TargetError(f"circuit needs {circ.num_qubits} qubits but target {target.name} "
                          f"has {target.num_qubits}")


def _is_physical(circ: Circuit) -> bool:
    return bool(circ.qregs) and all(name == "$" for name, _ in circ.qregs)


def keep_placed(circ: Circuit, target) -> Circuit | None:
    """The output for a circuit that is already placed, or ``None`` if it needs a layout.

    A circuit with a layout keeps it; a circuit on the physical ``$`` register gets the
    trivial layout.  Either is padded with idle qubits up to the target's size.
    """
    n_phys = target.num_qubits
    if not _is_physical(circ):
        return None        # virtual (a layout here is only a permutation of the names)
    if circ.layout is not None and circ.num_qubits == n_phys:
        return circ
    n = circ.num_qubits
    if circ.layout is None:
        lay = Layout.trivial(n, n_phys)
    else:
        pad = tuple(range(n, n_phys))
        lay = Layout(circ.layout.initial + pad, circ.layout.final + pad,
                     circ.layout.num_virtual)
    out = circ.remap(range(n), n_phys) if n != n_phys else circ
    return out.replace(layout=lay, qregs=(("$", n_phys),))


def full_permutation(placed: Sequence[int], num_physical: int) -> tuple[int, ...]:
    """Extend the physical qubits of the virtual qubits with the unused physical qubits in
    ascending order (the ancillas)."""
    placed = [int(p) for p in placed]
    used = np.zeros(num_physical, dtype=bool)
    used[placed] = True
    if used.sum() != len(placed):
        raise ValueError("two virtual qubits placed on the same physical qubit")
    return tuple(placed) + tuple(int(p) for p in np.flatnonzero(~used))


def apply_layout(circ: Circuit, placed: Sequence[int], target) -> Circuit:
    """Remap ``circ`` onto the target's physical qubits, virtual ``v`` -> ``placed[v]``."""
    n_phys = target.num_qubits
    init = full_permutation(placed, n_phys)
    n = circ.num_qubits
    out = circ.remap(init[:n], n_phys)
    final = init
    if circ.layout is not None:
        # a virtual circuit may carry a permutation of its qubit names (swaps elided by
        # ElidePermutations): logical i ends on virtual wire layout.final[i]
        final = tuple(init[circ.layout.final[i]] for i in range(n)) + init[n:]
    return out.replace(layout=Layout(init, final, n), qregs=(("$", n_phys),))


@dataclass(frozen=True)
class Interaction:
    """The two-qubit interaction graph of a circuit.

    ``pairs`` are the 2Q gates' qubits in circuit order, ``edges`` the distinct unordered
    pairs (``min, max``, sorted) with ``weight`` gates each; ``one_q`` and ``measured`` count
    one-qubit gates and measurements per virtual qubit (for calibration-aware scoring).
    """

    num_qubits: int
    pairs: np.ndarray
    edges: np.ndarray
    weight: np.ndarray
    one_q: np.ndarray
    measured: np.ndarray

    @property
    def degree(self) -> np.ndarray:
        deg = np.zeros(self.num_qubits, dtype=np.int64)
        if len(self.edges):
            np.add.at(deg, self.edges.reshape(-1), 1)
        return deg

    @property
    def active(self) -> np.ndarray:
        """Virtual qubits with at least one two-qubit gate, ascending."""
        return np.unique(self.edges.reshape(-1)) if len(self.edges) else np.zeros(0, np.int64)


def interaction_graph(circ: Circuit) -> Interaction:
    """Build (and cache on the circuit) its :class:`Interaction`."""
    got = circ._cache.get("interaction")
    if got is not None:
        return got
    mask = circ.two_qubit_mask()
    pairs = np.ascontiguousarray(circ.qargs[mask, :2], dtype=np.int32)
    if len(pairs):
        und = np.sort(pairs, axis=1)
        edges, weight = np.unique(und, axis=0, return_counts=True)
    else:
        edges, weight = np.zeros((0, 2), np.int32), np.zeros(0, np.int64)
    ar = circ.arity()
    unitary = np.array([g.is_unitary for g in GATES.gates])[circ.op]
    one = (ar == 1) & unitary
    n = circ.num_qubits
    one_q = np.bincount(circ.qargs[one, 0], minlength=n)[:n] if one.any() else np.zeros(n, int)
    meas = circ.op == MEASURE
    measured = (np.bincount(circ.qargs[meas, 0], minlength=n)[:n] if meas.any()
                else np.zeros(n, int))
    out = Interaction(n, pairs, edges.astype(np.int32), weight, one_q, measured)
    circ._cache["interaction"] = out
    return out


def _trivial_placement(n: int, target) -> list[int]:
    from scipy.sparse.csgraph import connected_components
    d = target.distance
    if n <= 1 or np.isfinite(d[:n, :n]).all():
        return list(range(n))
    _, label = connected_components(np.isfinite(d))
    big = np.bincount(label).argmax()
    part = np.flatnonzero(label == big)
    if len(part) < n:
        return list(range(n))      # routing then names the pair it cannot connect
    return [int(q) for q in part[:n]]


@dataclass(frozen=True)
class TrivialLayout(Pass):
    """Virtual qubit ``v`` on physical qubit ``v`` -- or, when qubits ``0..n-1`` are not all
    in one connected part of the usable coupling graph (a broken coupler or qubit splits
    them), on the ``v``-th lowest-numbered qubit of the largest connected part."""

    requires: ClassVar[frozenset] = frozenset({"decomposed"})
    establishes: ClassVar[frozenset] = frozenset({"laid_out"})
    invalidates: ClassVar[frozenset] = frozenset({"routed"})
    stage: ClassVar[str] = "layout"

    def run(self, circ: Circuit, ctx: Context) -> Circuit:
        check_fits(circ, ctx.target)
        kept = keep_placed(circ, ctx.target)
        if kept is not None:
            return kept
        return apply_layout(circ, _trivial_placement(circ.num_qubits, ctx.target), ctx.target)
