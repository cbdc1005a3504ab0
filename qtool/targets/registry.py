"""Resolve what a user calls a device into a :class:`Target`, list and describe targets.

:func:`get_target` accepts, in this order:

1. a :class:`Target` -- returned as is;
2. a built-in name -- ``ibm_eagle``, ``ibm_heron`` (:mod:`qtool.targets.builtin`);
3. a generator spec -- ``grid:RxC``, ``line:N``, ``ring:N``, ``heavyhex:D``, ``all:N``, with
   an optional ``,2q=cz|cx|ecr|rzz|iswap`` (:mod:`qtool.targets.generators`);
4. a fault-tolerant spec -- ``ft:clifford_t``, ``ft:ht``, optionally ``ft:BASIS:N``
   (a discrete one-qubit basis, all-to-all ``cx``; :func:`~.generators.discrete_target`);
5. a path (``str`` or ``os.PathLike``) to a ``.json`` / ``.toml`` target file
   (:mod:`qtool.targets.files`);
6. a Qiskit ``BackendV2`` or ``transpiler.Target`` (:mod:`qtool.targets.from_qiskit`).

Built-in and generated targets are cached, so calling ``get_target("ibm_heron")`` once per
compile costs a dictionary lookup; treat the returned objects as read-only.  Files are read
on every call (they may change between compiles).

Examples
--------
>>> get_target("line:3,2q=cz")
<Target line:3,2q=cz: 3 qubits, 2 couplings, cz + rz/sx/x>
>>> get_target("ibm_heron").num_qubits
133
"""
from __future__ import annotations

import os
from functools import lru_cache

import numpy as np

from ..errors import TargetError
from .builtin import BUILTINS, load_builtin
from .generators import (GENERATOR_FORMS, discrete_target, generate, is_discrete_spec,
                         is_generator_spec)
from .target import Target

__all__ = ["get_target", "list_targets", "describe", "VALID_FORMS"]

#: one-line summary of what :func:`get_target` accepts, used in error messages
VALID_FORMS = (f"a built-in name ({', '.join(BUILTINS)}), a generator spec "
               f"({', '.join(f for f, _ in GENERATOR_FORMS)}; optionally ',2q=cz|cx|ecr|rzz'), "
               f"a fault-tolerant spec (ft:clifford_t, ft:ht, optionally :N qubits), "
               f"a .json/.toml target file, a Qiskit backend or Target, or a qtool Target")


def get_target(spec) -> Target:
    """Resolve ``spec`` (see the module docstring) into a :class:`Target`.

    Raises
    ------
    TargetError
        For an unknown name or a malformed spec/file; the message lists the valid forms.
    """
    if isinstance(spec, Target):
        return spec
    if isinstance(spec, os.PathLike):
        from .files import load_target
        return load_target(spec)
    if isinstance(spec, str):
        s = spec.strip()
        key = s.lower()
        if key in BUILTINS:
            return load_builtin(key)
        if key.endswith((".json", ".toml")):
            from .files import load_target
            return load_target(s)
        if is_generator_spec(key):
            return _generated(key.replace(" ", ""))
        if is_discrete_spec(key):
            return _discrete(key.replace(" ", ""))
        if os.path.isfile(s):
            from .files import load_target
            return load_target(s)
        raise TargetError(f"unknown target {spec!r}: expected {VALID_FORMS}")
    from .from_qiskit import is_qiskit_object, target_from_qiskit
    if is_qiskit_object(spec):
        return target_from_qiskit(spec)
    raise TargetError(f"cannot make a target from {type(spec).__name__}: expected {VALID_FORMS}")


@lru_cache(maxsize=64)
def _generated(spec: str) -> Target:
    return generate(spec)


@lru_cache(maxsize=16)
def _discrete(spec: str) -> Target:
    return discrete_target(spec)


def list_targets() -> list[tuple[str, str]]:
    """``(name, description)`` of every built-in target and generator form."""
    out = [(name, desc) for name, (_, _, desc) in BUILTINS.items()]
    out += [(form, f"{desc}; add ',2q=cz|cx|ecr|rzz' (default cx), nominal calibration")
            for form, desc in GENERATOR_FORMS]
    out.append(("ft:BASIS[:N]", "fault-tolerant logical machine: one-qubit words over a "
                                "finite basis (clifford_t, ht), all-to-all cx, N qubits "
                                "(default 64); compile with --eps"))
    return out


# ---------------------------------------------------------------------------- describe
def describe(target) -> str:
    """A human-readable summary table of a target (for ``qtool targets show NAME``).

    Shows qubits, native gates, couplings and the median / min / max of every calibrated
    error, readout error, T1 and T2 (``-`` where unknown).
    """
    t = get_target(target)
    und = t.all_undirected_edges
    deg = np.bincount(und.ravel(), minlength=t.num_qubits) if len(und) else \
        np.zeros(t.num_qubits, int)
    lines = [f"{t.name}" + (f" -- {t.description}" if t.description else "")]

    def row(label: str, value: str):
        lines.append(f"  {label:<22}{value}")

    row("qubits", str(t.num_qubits))
    row("native 2Q gate", f"{t.gate_2q} ({'directed' if t.directed else 'undirected'})")
    row("native 1Q gates", ", ".join(t.basis_1q))
    if t.discrete_basis:
        row("discrete basis", f"{t.discrete_basis} (one-qubit gates are synthesised words)")
    row("couplings", f"{len(und)} (max degree {int(deg.max()) if len(deg) else 0}, "
                     f"{'connected' if t.is_connected() else 'NOT connected'} without the "
                     f"broken ones)")
    if t.broken_edges or t.broken_qubits:
        row("broken (error >= 0.5)", f"{len(t.broken_edges)} couplers, qubits "
                                     f"{sorted(t.broken_qubits) or '-'}")
    lines.append(f"  {'':<22}{'median':>10}{'min':>10}{'max':>10}")

    def stats(label: str, values, scale: float = 1.0, fmt: str = "{:.2e}"):
        v = np.asarray([x for x in values if x is not None], dtype=float)
        v = v[np.isfinite(v)]
        if not len(v):
            lines.append(f"  {label:<22}{'-':>10}{'-':>10}{'-':>10}")
            return
        cells = (fmt.format(x * scale) for x in (np.median(v), v.min(), v.max()))
        lines.append(f"  {label:<22}" + "".join(f"{c:>10}" for c in cells))

    for g in (*t.basis_1q, t.gate_2q):
        stats(f"{g} error", [p.error for p in t.props.get(g, {}).values()])
    stats("readout error", t.readout_error)
    stats(f"{t.gate_2q} duration (ns)", [p.duration for p in t.props.get(t.gate_2q, {}).values()],
          1e9, "{:.0f}")
    stats("T1 (us)", t.t1, 1e6, "{:.1f}")
    stats("T2 (us)", t.t2, 1e6, "{:.1f}")
    return "\n".join(lines)
