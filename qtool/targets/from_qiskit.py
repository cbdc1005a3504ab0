"""Convert a Qiskit ``BackendV2`` or ``qiskit.transpiler.Target`` into a qtool :class:`Target`.

What is taken over:

* **native 2Q gate** -- the two-qubit operation of the Qiskit target that qtool supports
  (:data:`~qtool.targets.target.NATIVE_2Q`).  If there are several, the first present in
  the preference order ``cz > ecr > cx > rzz > iswap`` wins (so a Heron offering both
  ``cz`` and fractional ``rzz`` gets ``cz``).
* **one-qubit basis** -- every one-qubit unitary of the Qiskit target that qtool knows,
  except ``id`` (a timing no-op), ordered ``rz, sx, x`` first then alphabetically.
* **coupling** -- the qubit pairs on which the native 2Q gate is defined; the target is
  *directed* iff some pair is calibrated in one direction only, and then only the
  calibrated directions are kept (IBM Eagle's ECR).
* **calibration** -- error and duration of every native gate and of ``measure``/``reset``
  on every qubit tuple, the readout error (the ``measure`` error) and T1/T2 from the
  qubit properties.
* **coordinates** -- :func:`~qtool.targets.generators.lattice_coords` when the numbering is
  IBM's row-by-row lattice, else none (plots compute a layout on demand).

Qiskit is imported only by callers who pass Qiskit objects; this module never imports
``qiskit_ibm_runtime``.
"""
from __future__ import annotations

import numpy as np

from ..errors import TargetError
from ..gates import GATES
from .generators import lattice_coords
from .target import NATIVE_2Q, Props, Target

__all__ = ["target_from_qiskit", "is_qiskit_object", "PREFERENCE_2Q"]

#: which native 2Q gate to pick when a Qiskit target offers several
PREFERENCE_2Q = ("cz", "ecr", "cx", "rzz", "iswap")
_FIRST_1Q = ("rz", "sx", "x")
_SKIP_1Q = ("id", "delay")


def is_qiskit_object(obj) -> bool:
    """Whether ``obj`` is (duck-typed) a Qiskit ``BackendV2`` or ``Target``, without
    importing Qiskit."""
    return ((type(obj).__module__ or "").startswith("qiskit")
            or hasattr(obj, "operation_names") or hasattr(obj, "target"))


def target_from_qiskit(obj, *, name: str | None = None, description: str | None = None,
                       coords=None) -> Target:
    """Build a qtool :class:`Target` from a Qiskit ``BackendV2`` or ``transpiler.Target``.

    Parameters
    ----------
    obj:
        ``FakeTorino()``, ``FakeNighthawk()``, any ``BackendV2``, or its ``.target``.
    name, description, coords:
        Override the name (default: the backend's name), the description and the
        plotting coordinates.

    Raises
    ------
    TargetError
        If ``obj`` is not a Qiskit backend/target or has no supported 2Q gate.
    """
    qt, backend_name = _qiskit_target(obj)
    n = int(qt.num_qubits or 0)
    if n < 1:
        raise TargetError(f"Qiskit target {backend_name!r} has no qubits")
    ops = {op: qt.operation_from_name(op) for op in qt.operation_names}

    def arity(op: str) -> int | None:
        nq = getattr(ops[op], "num_qubits", None)
        return None if isinstance(ops[op], type) else nq

    candidates = [g for g in PREFERENCE_2Q if g in ops and arity(g) == 2]
    if not candidates:
        twoq = sorted(op for op in ops if arity(op) == 2)
        raise TargetError(f"Qiskit target {backend_name!r} has no supported two-qubit gate "
                          f"(found {', '.join(twoq) or 'none'}; supported: "
                          f"{', '.join(NATIVE_2Q)})")
    gate_2q = candidates[0]
    basis_1q = sorted((op for op in ops if op in GATES.by_name and op not in _SKIP_1Q
                       and arity(op) == 1 and GATES.by_name[op].is_unitary),
                      key=lambda g: (_FIRST_1Q.index(g) if g in _FIRST_1Q else 99, g))

    cal2 = _calibration(qt, gate_2q, n)
    if None in cal2:                 # defined on every pair: all-to-all, ideal
        pairs = [(a, b) for a in range(n) for b in range(n) if a != b]
        cal2 = {p: cal2[None] for p in pairs}
    pairs = sorted(cal2)
    pair_set = set(pairs)
    directed = any((b, a) not in pair_set for a, b in pairs)

    props: dict[str, dict[tuple, Props]] = {}
    for g in (*basis_1q, gate_2q, "measure", "reset"):
        if g not in ops:
            continue
        cal = cal2 if g == gate_2q else _calibration(qt, g, n)
        if None in cal:
            cal = {(q,): cal[None] for q in range(n)}
        props[g] = cal
    if not directed:                 # keep one direction where both carry the same numbers
        m = props[gate_2q]
        props[gate_2q] = {(a, b): p for (a, b), p in m.items()
                          if a < b or m.get((b, a)) != p}

    meas = props.get("measure", {})
    readout = [meas[(q,)].error if (q,) in meas else None for q in range(n)]
    t1, t2 = [None] * n, [None] * n
    qprops = getattr(qt, "qubit_properties", None) or []
    for q, qp in enumerate(qprops[:n]):
        if qp is not None:
            t1[q] = getattr(qp, "t1", None)
            t2[q] = getattr(qp, "t2", None)

    coupling = pairs if directed else sorted({(min(a, b), max(a, b)) for a, b in pairs})
    if coords is None:
        coords = lattice_coords(n, coupling)
    if description is None:
        description = f"converted from Qiskit {backend_name}"
    return Target(name or backend_name, n, coupling, basis_1q, gate_2q, directed=directed,
                  props=props, readout_error=readout, t1=t1, t2=t2, coords=coords,
                  description=description)


def _qiskit_target(obj):
    """``(qiskit.transpiler.Target, name)`` for a backend or target, else TargetError."""
    try:
        from qiskit.transpiler import Target as QiskitTarget
    except ImportError as exc:   # pragma: no cover - qiskit is a dependency
        raise TargetError(f"cannot convert {type(obj).__name__}: qiskit is not installed") \
            from exc
    if isinstance(obj, QiskitTarget):
        return obj, obj.description or "qiskit_target"
    qt = getattr(obj, "target", None)
    if isinstance(qt, QiskitTarget):
        name = getattr(obj, "name", None)
        name = name() if callable(name) else name
        return qt, str(name or type(obj).__name__)
    raise TargetError(f"cannot make a target from a {type(obj).__module__}."
                      f"{type(obj).__name__} (expected a Qiskit BackendV2 or Target)")


def _calibration(qt, gate: str, n: int) -> dict:
    """``{qargs: Props}`` for one Qiskit operation (``{None: Props()}`` if global)."""
    out: dict = {}
    qargs_map = qt[gate]
    if qargs_map is None:
        return {None: Props()}
    for qargs, ip in qargs_map.items():
        p = Props() if ip is None else Props(_num(ip.error), _num(ip.duration))
        if qargs is None:
            out[None] = p
        elif all(0 <= q < n for q in qargs):
            out[tuple(int(q) for q in qargs)] = p
    return out


def _num(x):
    if x is None:
        return None
    x = float(x)
    return None if np.isnan(x) else x
