"""One-qubit bases and Euler synthesis, numeric and symbolic.

A :class:`OneQubitBasis` is built from a target's ``basis_1q`` and picks an Euler *family*:

======  =====================  ==================================================
family  needs                  shape of one generic unitary (circuit order)
======  =====================  ==================================================
zsx     rz, sx (x optional)    ``rz sx rz sx rz`` (fewer when theta is 0, pi/2, pi)
psx     p or u1, sx            as zsx with ``p`` for ``rz``
u, u3   u / u3                 one ``u``
zyz     rz, ry                 ``rz ry rz``
zxz     rz, rx                 ``rz rx rz``
xyx     rx, ry                 ``rx ry rx``
======  =====================  ==================================================

:meth:`OneQubitBasis.fuse` turns a sequence of *items* -- numeric 2x2 matrices and
rotations about X, Y or Z whose angle may be a symbolic :class:`~qtool.params.Expr` --
into basis gates.  Numeric stretches are multiplied and Euler-decomposed; symbolic rotations
are never evaluated: a rotation about an axis the basis lacks is conjugated by a fixed
Clifford (``rx(t) = H rz(t) H``), and rotations about the same axis that end up adjacent are
merged by adding their angles (``rz(a) rz(b) = rz(a + b)``), which is exact for every value
(papers.md section 6.8).  The global phase is tracked exactly, as a float or an ``Expr``.

Examples
--------
>>> b = OneQubitBasis(("rz", "sx", "x"))
>>> gates, phase = b.synth_matrix(GATES.by_name["h"].matrix())
>>> [g for g, _ in gates]
['rz', 'sx', 'rz']
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from qtool.gates import GATES
from qtool.params import Expr, ParamLike, is_symbolic
from qtool.synthesis import zyz_angles

__all__ = ["OneQubitBasis", "Z", "X", "Y", "rotation_matrix", "VIRTUAL_1Q"]

Z, X, Y = "z", "x", "y"
AXIS_GATE = {Z: "rz", X: "rx", Y: "ry"}
GATE_AXIS = {"rz": Z, "rx": X, "ry": Y}
#: one-qubit gates that are frame changes on IBM-like hardware (no pulse, no error)
VIRTUAL_1Q = frozenset({"rz", "p", "u1", "id", "z", "s", "sdg", "t", "tdg"})
TOL = 1e-9
PI = math.pi
TWO_PI = 2 * math.pi

_H = GATES.by_name["h"].matrix()
_MATS = {Z: lambda t: GATES.by_name["rz"].matrix(t), X: lambda t: GATES.by_name["rx"].matrix(t),
         Y: lambda t: GATES.by_name["ry"].matrix(t)}


def rotation_matrix(axis: str, t: float) -> np.ndarray:
    return _MATS[axis](t)


#: (missing axis, available axis) -> V with ``r_missing(t) = V r_available(t) V^dagger``
_CONJ = {
    (X, Z): _H, (Z, X): _H,
    (Y, Z): rotation_matrix(X, -PI / 2), (Z, Y): rotation_matrix(X, PI / 2),
    (Y, X): rotation_matrix(Z, PI / 2), (X, Y): rotation_matrix(Z, -PI / 2),
}
_PREFER = {X: (X, Y, Z), Y: (Y, X, Z), Z: (Z, Y, X)}


def _num(x: ParamLike) -> bool:
    return not is_symbolic(x)


def _simp(x: ParamLike) -> ParamLike:
    """Constant expressions become floats."""
    if isinstance(x, Expr):
        return float(x) if x.is_constant() else x
    return float(x)


def _add(a: ParamLike, b: ParamLike) -> ParamLike:
    return _simp(a + b)


def _near(a: float, b: float) -> bool:
    return abs(a - b) < TOL


class OneQubitBasis:
    """A one-qubit gate set with its Euler family (see the module docstring).

    ``names=None`` means "any gate" (no target): numeric synthesis then emits ``u``.
    """

    def __init__(self, names: Sequence[str] | None):
        self.names = None if names is None else frozenset(names)
        s = self.names
        self.z_gate = "rz"
        self.has_x = False
        if s is None or "u" in s:
            fam = "u"
        elif "rz" in s and "sx" in s:
            fam, self.has_x = "zsx", "x" in s
        elif ("p" in s or "u1" in s) and "sx" in s:
            fam, self.has_x = "psx", "x" in s
            self.z_gate = "p" if "p" in s else "u1"
        elif "u3" in s:
            fam = "u3"
        elif "rz" in s and "ry" in s:
            fam = "zyz"
        elif "rz" in s and "rx" in s:
            fam = "zxz"
        elif "rx" in s and "ry" in s:
            fam = "xyx"
        else:
            raise ValueError(f"unsupported one-qubit basis {sorted(s)}: need rz+sx, p+sx, u, "
                             "u3, rz+ry, rz+rx or rx+ry")
        self.family = fam
        # axes a symbolic rotation can be written about directly (no target: all of them)
        self.axes = {"zsx": (Z,), "psx": (Z,), "zyz": (Z, Y), "zxz": (Z, X), "xyx": (X, Y),
                     "u": (), "u3": ()}[fam] if s is not None else (Z, X, Y)

    @classmethod
    def for_target(cls, target) -> "OneQubitBasis":
        """The target's basis; on a discrete (``ft:``) target its continuous working basis
        (``Target.working_basis_1q``), which ``SynthesizeDiscrete`` turns into words."""
        if target is None:
            return cls(None)
        return cls(target.working_basis_1q)

    def __repr__(self) -> str:
        return f"OneQubitBasis({self.family})"

    def allows(self, name: str) -> bool:
        return self.names is None or name in self.names

    # ------------------------------------------------------------------ costs
    @staticmethod
    def cost(gates) -> tuple[int, int]:
        """``(pulses, gates)``: physical (non-virtual) gates first, then length."""
        return (sum(1 for g, _ in gates if g not in VIRTUAL_1Q), len(gates))

    # ------------------------------------------------------------------ numeric synthesis
    def synth_matrix(self, m: np.ndarray):
        """Gates (circuit order) and phase with ``m = exp(i*phase) * product``."""
        if self.family == "xyx":
            theta, phi, lam, alpha = zyz_angles(_H @ m @ _H)
            if _near(theta, 0):
                gates = [("rx", (phi + lam,))]
            else:
                gates = [("rx", (lam,)), ("ry", (-theta,)), ("rx", (phi,))]
            return self._clean(gates, alpha + (phi + lam) / 2)
        theta, phi, lam, alpha = zyz_angles(m)
        gates, ph = self.synth_u(theta, phi, lam)
        return gates, alpha + ph

    def synth_u(self, theta: float, phi: float, lam: float):
        """Numeric ``u(theta, phi, lam)`` as basis gates: ``(gates, phase)``."""
        fam = self.family
        s = (phi + lam) / 2
        if fam in ("u", "u3"):
            if _near(theta, 0) and _near(_wrap(phi + lam, TWO_PI), 0):
                return [], 0.0
            return [(fam, (theta, phi, lam))], 0.0
        if fam == "xyx":
            from qtool.synthesis import u_matrix
            return self.synth_matrix(u_matrix(theta, phi, lam))
        if _near(theta, 0):
            return self._clean([("rz", (phi + lam,))], s)
        if fam in ("zsx", "psx"):
            if _near(theta, PI / 2):
                gates = [("rz", (lam - PI / 2,)), ("sx", ()), ("rz", (phi + PI / 2,))]
                return self._clean(gates, s - PI / 4)
            if _near(theta, PI):
                xs = [("x", ())] if self.has_x else [("sx", ()), ("sx", ())]
                return self._clean(xs + [("rz", (phi - lam + PI,))], s - PI / 2)
            gates = [("rz", (lam,)), ("sx", ()), ("rz", (theta + PI,)), ("sx", ()),
                     ("rz", (phi + PI,))]
            return self._clean(gates, s + PI / 2)
        if fam == "zyz":
            return self._clean([("rz", (lam,)), ("ry", (theta,)), ("rz", (phi,))], s)
        # zxz: ry(t) = rz(pi/2) rx(t) rz(-pi/2)
        return self._clean([("rz", (lam - PI / 2,)), ("rx", (theta,)), ("rz", (phi + PI / 2,))],
                           s)

    def _clean(self, gates, phase):
        """Wrap numeric rotation angles into ``(-pi, pi]`` (tracking the sign flips), drop
        identities, and rename ``rz`` to the family's Z gate."""
        out = []
        for name, ps in gates:
            if name in _ROT and (type(ps[0]) is float or _num(ps[0])):
                a = float(ps[0])
                k = round(a / TWO_PI)
                a -= k * TWO_PI
                if a <= -PI + TOL:            # prefer +pi to -pi
                    a += TWO_PI
                    k -= 1
                if k % 2:
                    phase = phase + PI        # r(a + 2 pi) = -r(a)
                if abs(a) < TOL:
                    continue
                ps = (a,)
            elif name in _PH and (type(ps[0]) is float or _num(ps[0])):
                a = _wrap(float(ps[0]), TWO_PI)
                if abs(a) < TOL:
                    continue
                ps = (a,)
            if name == "rz" and self.z_gate != "rz":
                phase = phase - ps[0] / 2      # rz(a) = exp(-i a/2) p(a)
                name = self.z_gate
            out.append((name, ps))
        return out, (phase if type(phase) is float else _simp(phase))

    # ------------------------------------------------------------------ items
    def items_of(self, name: str, params: Sequence[ParamLike]):
        """A named one-qubit gate as fuse items: ``(items, phase)``.

        Items are ``("m", matrix)``, ``("rot", axis, angle)`` or, for the u families,
        ``("g", name, params)`` (a final gate that is never merged).
        """
        params = tuple(_simp(p) for p in params)
        if all(_num(p) for p in params):
            return [("m", GATES.by_name[name].matrix(*params))], 0.0
        if name in GATE_AXIS:
            return [("rot", GATE_AXIS[name], params[0])], 0.0
        if name in ("p", "u1"):
            return [("rot", Z, params[0])], params[0] / 2
        if self.family in ("u", "u3"):
            if self.names is None:      # no target: keep a symbolic u-like gate whole
                return [("g", name, params)], 0.0
            return self._u_item(name, params)
        theta, phi, lam = _u_params(name, params)
        return ([("rot", Z, lam), ("rot", Y, theta), ("rot", Z, phi)],
                _simp((phi + lam) / 2))

    def _u_item(self, name, params):
        fam = self.family
        if name == "rz":
            return [("g", fam, (0.0, 0.0, params[0]))], -params[0] / 2
        if name in ("p", "u1"):
            return [("g", fam, (0.0, 0.0, params[0]))], 0.0
        if name == "rx":
            return [("g", fam, (params[0], -PI / 2, PI / 2))], 0.0
        if name == "ry":
            return [("g", fam, (params[0], 0.0, 0.0))], 0.0
        return [("g", fam, _u_params(name, params))], 0.0

    def fuse(self, items):
        """Basis gates for a sequence of items (circuit order): ``(gates, phase)``."""
        if not items:
            return [], 0.0
        if all(it[0] == "m" for it in items):        # numeric only: one Euler synthesis
            acc = items[0][1]
            for it in items[1:]:
                acc = it[1] @ acc
            return self.synth_matrix(acc)
        phase: ParamLike = 0.0
        items = self._map_axes(_premerge(items))
        gates = None
        for _ in range(4):
            gates, ph = self._fuse_once(items)
            phase = phase + ph
            gates, changed = _merge_rotations(gates)
            gates, ph = self._clean(gates, 0.0)
            phase = phase + ph
            if not changed:
                break
            items = [self._as_item(n, p) for n, p in gates]
        return gates, _simp(phase)

    def _as_item(self, name, params):
        if all(_num(p) for p in params):
            return ("m", GATES.by_name[name].matrix(*params))
        if name in GATE_AXIS:
            return ("rot", GATE_AXIS[name], params[0])
        return ("g", name, params)

    def _map_axes(self, items):
        out = []
        for it in items:
            if it[0] == "rot":
                ax, t = it[1], _simp(it[2])
                if _num(t):
                    out.append(("m", rotation_matrix(ax, t)))
                    continue
                if ax in self.axes:
                    out.append(("rot", ax, t))
                elif self.family in ("u", "u3"):
                    (item,), ph = self._u_item(AXIS_GATE[ax], (t,))
                    out += [item, ("phase", ph)]
                else:
                    avail = next(a for a in _PREFER[ax] if a in self.axes)
                    v = _CONJ[(ax, avail)]
                    out += [("m", v.conj().T), ("rot", avail, t), ("m", v)]
            else:
                out.append(it)
        return out

    def _fuse_once(self, items):
        gates = []
        phase: ParamLike = 0.0
        acc = None
        for it in items:
            kind = it[0]
            if kind == "m":
                acc = it[1] if acc is None else it[1] @ acc
                continue
            if acc is not None:
                g, ph = self.synth_matrix(acc)
                gates += g
                phase = phase + ph
                acc = None
            if kind == "rot":
                if it[1] == Z and self.z_gate != "rz":
                    gates.append((self.z_gate, (it[2],)))   # rz(t) = exp(-i t/2) p(t)
                    phase = phase - it[2] / 2
                else:
                    gates.append((AXIS_GATE[it[1]], (it[2],)))
            elif kind == "phase":
                phase = phase + it[1]
            else:  # "g"
                gates.append((it[1], tuple(it[2])))
        if acc is not None:
            g, ph = self.synth_matrix(acc)
            gates += g
            phase = phase + ph
        return gates, phase


def _wrap(a: float, period: float) -> float:
    """``a`` modulo ``period`` into ``(-period/2, period/2]``."""
    a = a - period * round(a / period)
    return a + period if a <= -period / 2 + TOL else a


def _u_params(name: str, params):
    """``(theta, phi, lam)`` of a u-like gate (params may be symbolic)."""
    if name in ("u", "u3"):
        return tuple(params)
    if name == "u2":
        return (PI / 2, params[0], params[1])
    if name == "r":
        theta, phi = params
        return (theta, _simp(phi - PI / 2), _simp(PI / 2 - phi))
    if name == "rx":
        return (params[0], -PI / 2, PI / 2)
    if name == "ry":
        return (params[0], 0.0, 0.0)
    raise ValueError(f"{name} is not a u-like gate")


def _premerge(items):
    """Merge consecutive rotation items about the same axis."""
    out = []
    for it in items:
        if it[0] == "rot" and out and out[-1][0] == "rot" and out[-1][1] == it[1]:
            out[-1] = ("rot", it[1], _add(out[-1][2], it[2]))
        else:
            out.append(it)
    return out


_MERGEABLE = frozenset({"rz", "rx", "ry", "p", "u1"})
_ROT = frozenset({"rz", "rx", "ry"})
_PH = frozenset({"p", "u1"})


def _merge_rotations(gates):
    """Merge adjacent rotations of the same name by adding angles; report whether any
    merge happened."""
    out = []
    changed = False
    for name, ps in gates:
        if out and name in _MERGEABLE and out[-1][0] == name:
            out[-1] = (name, (_add(out[-1][1][0], ps[0]),))
            changed = True
        else:
            out.append((name, ps))
    return out, changed
