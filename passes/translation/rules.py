"""Two-qubit translation rules: exact identities and cached numeric templates.

Lowering a gate means calling methods of a :class:`~qtool.passes.translation.emit.NativeEmitter`
(``rot``, ``gate_1q``, ``matrix_1q``, ``cx``, ``rzz``, ``native_gate``).  Parameterised
gates use exact identities through ``rzz`` (which the emitter turns into one native ``rzz`` or
``cx rz cx``), so symbolic angles stay symbolic:

* ``cp(t) = e^{i t/4} rz(t/2) (x) rz(t/2) . rzz(-t/2)``; ``crz(t) = (I (x) rz(t/2)) . rzz(-t/2)``
* ``rxx``/``ryy``/``rzx``/``crx``/``cry``: the same, conjugated by fixed Cliffords
* ``cu(theta, phi, lam, gamma)``: the textbook two-CX construction.

Parameter-free gates (``swap``, ``ch``, ``iswap`` ...) use a KAK template computed once per
native gate.  :func:`cx_template` and :func:`flip_template` express ``cx`` in the native gate
and the native gate in its reverse direction with one-qubit Cliffords (found by a search
over the 24x24 Clifford pairs, so the corrections are exact).
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from qtool.gates import GATES
from qtool.synthesis import NATIVE_QISKIT, clifford_group_1q, kak_decompose, local_factors

from .euler import X, Z, rotation_matrix

__all__ = ["RULES", "rule_cost", "cx_template", "flip_template", "fixed_template",
           "native_matrix", "SYMMETRIC_NATIVE"]

PI = math.pi
_H = GATES.by_name["h"].matrix()
_V = rotation_matrix(X, -PI / 2)        # V Z V^dagger = Y
_VD = _V.conj().T
_SWAP = GATES.by_name["swap"].matrix()

SYMMETRIC_NATIVE = frozenset({"cz", "rzz", "iswap"})


def native_matrix(native: str) -> np.ndarray:
    return GATES.by_name[native].matrix(*NATIVE_QISKIT[native][1])


# ----------------------------------------------------------------------------- rules
def _rzz(em, a, b, t):
    em.rzz(a, b, t)


def _cp(em, a, b, t):
    em.add_phase(t / 4)
    em.rot(a, Z, t / 2)
    em.rot(b, Z, t / 2)
    em.rzz(a, b, -t / 2)


def _crz(em, a, b, t):
    em.rot(b, Z, t / 2)
    em.rzz(a, b, -t / 2)


def _conj2(em, a, b, ma, mb, inner):
    """``(ma (x) mb) inner (ma^dagger (x) mb^dagger)``; ``None`` leaves a qubit alone."""
    if ma is not None:
        em.matrix_1q(a, ma.conj().T)
    if mb is not None:
        em.matrix_1q(b, mb.conj().T)
    inner()
    if ma is not None:
        em.matrix_1q(a, ma)
    if mb is not None:
        em.matrix_1q(b, mb)


def _rxx(em, a, b, t):
    _conj2(em, a, b, _H, _H, lambda: em.rzz(a, b, t))


def _ryy(em, a, b, t):
    _conj2(em, a, b, _V, _V, lambda: em.rzz(a, b, t))


def _rzx(em, a, b, t):
    _conj2(em, a, b, None, _H, lambda: em.rzz(a, b, t))


def _crx(em, a, b, t):
    _conj2(em, a, b, None, _H, lambda: _crz(em, a, b, t))


def _cry(em, a, b, t):
    _conj2(em, a, b, None, _V, lambda: _crz(em, a, b, t))


def _cu(em, a, b, theta, phi, lam, gamma=0.0):
    em.gate_1q(a, "p", (gamma + (lam + phi) / 2,))
    em.gate_1q(b, "p", ((lam - phi) / 2,))
    em.cx(a, b)
    em.gate_1q(b, "u", (-theta / 2, 0.0, -(phi + lam) / 2))
    em.cx(a, b)
    em.gate_1q(b, "u", (theta / 2, phi, 0.0))


#: gate name -> lowering ``f(emitter, a, b, *params)``
RULES = {
    "rzz": _rzz, "cp": _cp, "cu1": _cp, "crz": _crz, "rxx": _rxx, "ryy": _ryy, "rzx": _rzx,
    "crx": _crx, "cry": _cry, "cu": _cu, "cu3": _cu,
    "cs": lambda em, a, b: _cp(em, a, b, PI / 2),
    "csdg": lambda em, a, b: _cp(em, a, b, -PI / 2),
    "cz": lambda em, a, b: _cp(em, a, b, PI),
}
#: gate name -> (cx count, rzz count) of its rule
_RULE_USES = {"cu": (2, 0), "cu3": (2, 0)}


def rule_cost(name: str, native: str) -> int:
    """Native 2Q gates the rule for ``name`` emits."""
    n_cx, n_rzz = _RULE_USES.get(name, (0, 1))
    cx = 2 if native == "iswap" else 1
    rzz = 1 if native == "rzz" else 2 * cx
    return n_cx * cx + n_rzz * rzz


# ----------------------------------------------------------------------------- templates
@lru_cache(maxsize=None)
def _zsx_costs() -> tuple:
    """``(pulses, gates)`` of each one-qubit Clifford in the rz/sx/x basis."""
    from .euler import OneQubitBasis
    b = OneQubitBasis(("rz", "sx", "x"))
    return tuple(b.cost(b.synth_matrix(c)[0]) for c in clifford_group_1q())


def _clifford_equiv(target: np.ndarray, gate: np.ndarray, order: tuple[int, int]):
    """``target = e^{i ph} (C (x) D) gate (A (x) B)`` with Clifford A, B, C, D, as template
    ops; among all solutions the one cheapest in rz/sx/x (first found on ties)."""
    from .euler import OneQubitBasis
    zsx = OneQubitBasis(("rz", "sx", "x"))
    cl = clifford_group_1q()
    costs = _zsx_costs()
    best = None
    for ia, a in enumerate(cl):
        for ib, b in enumerate(cl):
            k = target @ (gate @ np.kron(a, b)).conj().T
            f = local_factors(k)
            if f is None:
                continue
            c, d, ph = f
            cost = costs[ia][0] + costs[ib][0], costs[ia][1] + costs[ib][1]
            for m in (c, d):
                pc = zsx.cost(zsx.synth_matrix(m)[0])
                cost = (cost[0] + pc[0], cost[1] + pc[1])
            if best is None or cost < best[0]:
                ops = [("1q", 0, a), ("1q", 1, b), ("2q", order[0], order[1]),
                       ("1q", 0, c), ("1q", 1, d)]
                best = (cost, ops, ph)
    return None if best is None else (best[1], best[2])


def _with_params(ops, native):
    ps = NATIVE_QISKIT[native][1]
    return [op if op[0] == "1q" else ("2q", op[1], op[2], ps) for op in ops]


@lru_cache(maxsize=None)
def cx_template(native: str, reverse: bool = False):
    """``cx(0, 1)`` as template ops in ``native``: on arguments ``(0, 1)``, or with
    ``reverse`` on ``(1, 0)`` (for a directed target that only allows that direction)."""
    cx = GATES.by_name["cx"].matrix()
    n = native_matrix(native)
    if reverse:
        found = _clifford_equiv(cx, _SWAP @ n @ _SWAP, (1, 0))
    else:
        found = _clifford_equiv(cx, n, (0, 1))
    if found is not None:
        return _with_params(found[0], native), found[1]
    if reverse:  # pragma: no cover - only non-Clifford natives (iswap) get here: symmetric
        raise RuntimeError(f"no reversed cx template for {native}")
    return kak_decompose(cx, native)


@lru_cache(maxsize=None)
def flip_template(native: str):
    """``native(0, 1)`` written with ``native(1, 0)``; ``None`` for symmetric gates."""
    if native in SYMMETRIC_NATIVE:
        return None
    n = native_matrix(native)
    found = _clifford_equiv(n, _SWAP @ n @ _SWAP, (1, 0))
    if found is None:  # pragma: no cover - every supported native gate is Clifford
        raise RuntimeError(f"no Clifford flip for {native}")
    return _with_params(found[0], native), found[1]


@lru_cache(maxsize=None)
def fixed_template(name: str, native: str):
    """A parameter-free 2Q gate as a KAK template in ``native``."""
    return kak_decompose(GATES.by_name[name].matrix(), native)
