"""Target files: a device described in JSON or TOML (schema in ``docs/targets.md``).

The shape is exactly :meth:`Target.to_dict`, so ``save_target`` / ``load_target`` round-trip.
A minimal file::

    {"num_qubits": 3, "gate_2q": "cz", "coupling": [[0, 1], [1, 2]]}

Every problem is reported as a one-line :class:`~qtool.errors.TargetError` that names the
file (and, for syntax errors, the line and column the decoder reports) and the offending
key, e.g. ``dev.json: coupling[2]: qubit 7 out of range 0..4``.

Examples
--------
>>> t = target_from_dict({"num_qubits": 3, "gate_2q": "cz", "coupling": [[0, 1], [1, 2]]})
>>> t
<Target target: 3 qubits, 2 couplings, cz + rz/sx/x>
"""
from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path
from typing import Any, Mapping

from ..errors import TargetError
from ..gates import GATES
from .target import NATIVE_2Q, Props, Target

__all__ = ["load_target", "save_target", "target_from_dict", "TARGET_KEYS"]

#: every key a target file may contain (the first three are required)
TARGET_KEYS = ("num_qubits", "coupling", "gate_2q", "name", "basis_1q", "directed", "gates",
               "readout_error", "t1", "t2", "coords", "description")
_REQUIRED = TARGET_KEYS[:3]


def load_target(path: str | os.PathLike) -> Target:
    """Read a ``.json`` or ``.toml`` target file.

    Raises
    ------
    TargetError
        If the file is missing, unreadable, not valid JSON/TOML or does not follow the
        schema; the message names the file and the problem.
    """
    p = Path(path)
    where = str(path)
    suffix = p.suffix.lower()
    if suffix not in (".json", ".toml"):
        raise TargetError(f"target files must end in .json or .toml, got {p.name!r}",
                          file=where)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TargetError("target file not found", file=where) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TargetError(f"cannot read target file: {exc}", file=where) from None
    if suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise TargetError(f"invalid JSON: {exc.msg}", file=where, line=exc.lineno,
                              column=exc.colno) from None
    else:
        import tomllib
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            msg, line, col = _toml_location(exc)
            raise TargetError(f"invalid TOML: {msg}", file=where, line=line,
                              column=col) from None
    return target_from_dict(data, source=where, default_name=p.stem)


def save_target(target: Target, path: str | os.PathLike) -> None:
    """Write ``target`` as a JSON target file (:meth:`Target.to_dict`, indented)."""
    Path(path).write_text(json.dumps(target.to_dict(), indent=1) + "\n", encoding="utf-8")


def _toml_location(exc: Exception) -> tuple[str, int | None, int | None]:
    line = getattr(exc, "lineno", None)        # Python >= 3.14
    col = getattr(exc, "colno", None)
    msg = getattr(exc, "msg", None) or str(exc)
    m = re.search(r"\s*\(at line (\d+), column (\d+)\)\s*$", msg)
    if m:
        line, col = int(m.group(1)), int(m.group(2))
        msg = msg[:m.start()]
    elif re.search(r"\(at end of document\)\s*$", msg):
        msg = re.sub(r"\s*\(at end of document\)\s*$", " at end of document", msg)
    return msg, line, col


# ---------------------------------------------------------------------------- validation
class _Checker:
    """Type checks that raise a TargetError naming the file and the key path."""

    def __init__(self, source: str | None):
        self.source = source

    def fail(self, key: str, msg: str):
        raise TargetError(f"{key}: {msg}" if key else msg, file=self.source)

    def int_(self, v, key: str, lo: int | None = None, hi: int | None = None) -> int:
        if isinstance(v, bool) or not isinstance(v, int):
            self.fail(key, f"expected an integer, got {_kind(v)}")
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            rng = f"{lo}..{hi}" if hi is not None else f">= {lo}"
            self.fail(key, f"qubit {v} out of range {rng}" if hi is not None
                      else f"must be {rng}, got {v}")
        return v

    def num(self, v, key: str, *, lo: float = 0.0, hi: float = math.inf) -> float | None:
        """A number (``null``/NaN: unknown) in ``[lo, hi]``."""
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            self.fail(key, f"expected a number or null, got {_kind(v)}")
        v = float(v)
        if math.isnan(v):
            return None
        if not lo <= v <= hi:
            self.fail(key, f"{v!r} outside [{lo:g}, {hi:g}]")
        return v

    def list_(self, v, key: str, length: int | None = None, what: str = "entries") -> list:
        if not isinstance(v, list):
            self.fail(key, f"expected a list, got {_kind(v)}")
        if length is not None and len(v) != length:
            self.fail(key, f"has {len(v)} {what}, expected {length} (one per qubit)")
        return v

    def str_(self, v, key: str) -> str:
        if not isinstance(v, str):
            self.fail(key, f"expected a string, got {_kind(v)}")
        return v


def _kind(v) -> str:
    if v is None:
        return "null"
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
            list: "a list", dict: "an object"}.get(type(v), type(v).__name__)


def target_from_dict(data: Mapping[str, Any], *, source: str | None = None,
                     default_name: str = "target") -> Target:
    """Validate a target description (the :meth:`Target.to_dict` shape) and build it.

    ``source`` names the file in error messages; ``default_name`` is used when the data
    has no ``name``.
    """
    ck = _Checker(source)
    if not isinstance(data, Mapping):
        ck.fail("", f"a target must be an object/table, got {_kind(data)}")
    for k in _REQUIRED:
        if k not in data:
            ck.fail("", f"missing required key {k!r}")
    unknown = sorted(k for k in data if k not in TARGET_KEYS)
    if unknown:
        ck.fail("", f"unknown key {unknown[0]!r} (allowed: {', '.join(TARGET_KEYS)})")

    n = ck.int_(data["num_qubits"], "num_qubits", lo=1)
    hi = n - 1
    gate_2q = ck.str_(data["gate_2q"], "gate_2q")
    if gate_2q not in NATIVE_2Q:
        ck.fail("gate_2q", f"unknown native 2Q gate {gate_2q!r} (one of {', '.join(NATIVE_2Q)})")
    edges = []
    for i, e in enumerate(ck.list_(data["coupling"], "coupling")):
        key = f"coupling[{i}]"
        if not isinstance(e, list) or len(e) != 2:
            ck.fail(key, f"expected a pair [a, b], got {_short(e)}")
        a, b = (ck.int_(q, key, 0, hi) for q in e)
        if a == b:
            ck.fail(key, f"self-loop on qubit {a}")
        edges.append((a, b))

    name = ck.str_(data.get("name", default_name), "name")
    description = ck.str_(data.get("description", ""), "description")
    directed = data.get("directed", False)
    if not isinstance(directed, bool):
        ck.fail("directed", f"expected true or false, got {_kind(directed)}")
    basis_1q = [ck.str_(g, f"basis_1q[{i}]") for i, g in
                enumerate(ck.list_(data.get("basis_1q", ["rz", "sx", "x"]), "basis_1q"))]
    for i, g in enumerate(basis_1q):
        if g not in GATES.by_name:
            ck.fail(f"basis_1q[{i}]", f"unknown gate {g!r}")
        if GATES.by_name[g].num_qubits != 1 or not GATES.by_name[g].is_unitary:
            ck.fail(f"basis_1q[{i}]", f"{g!r} is not a one-qubit gate")

    props = _gates(ck, data.get("gates", {}), hi)
    per_qubit = {}
    for key in ("readout_error", "t1", "t2"):
        if key in data and data[key] is not None:
            v = ck.list_(data[key], key, n, "values")
            top = 1.0 if key == "readout_error" else math.inf
            per_qubit[key] = [ck.num(x, f"{key}[{q}]", hi=top) for q, x in enumerate(v)]
    coords = None
    if data.get("coords") is not None:
        coords = []
        for q, xy in enumerate(ck.list_(data["coords"], "coords", n, "points")):
            key = f"coords[{q}]"
            if not isinstance(xy, list) or len(xy) != 2:
                ck.fail(key, f"expected a point [x, y], got {_short(xy)}")
            coords.append([ck.num(c, key, lo=-math.inf) for c in xy])
            if None in coords[-1]:
                ck.fail(key, "coordinates must be finite numbers")
    try:
        return Target(name, n, edges, basis_1q, gate_2q, directed=directed, props=props,
                      coords=coords, description=description, **per_qubit)
    except ValueError as exc:   # anything the checks above missed
        ck.fail("", str(exc))


def _gates(ck: _Checker, gates, hi: int) -> dict[str, dict[tuple, Props]]:
    if not isinstance(gates, Mapping):
        ck.fail("gates", f"expected an object mapping gate names to lists, got {_kind(gates)}")
    props: dict[str, dict[tuple, Props]] = {}
    for g in sorted(gates):
        if g not in GATES.by_name or g in ("barrier", "unitary"):
            ck.fail(f"gates.{g}", f"unknown gate {g!r}")
        arity = GATES.by_name[g].num_qubits
        m: dict[tuple, Props] = {}
        for i, entry in enumerate(ck.list_(gates[g], f"gates.{g}")):
            key = f"gates.{g}[{i}]"
            if not isinstance(entry, Mapping):
                ck.fail(key, f"expected an object with 'qubits', got {_kind(entry)}")
            extra = sorted(set(entry) - {"qubits", "error", "duration"})
            if extra:
                ck.fail(key, f"unknown key {extra[0]!r} (allowed: qubits, error, duration)")
            if "qubits" not in entry:
                ck.fail(key, "missing key 'qubits'")
            qs = ck.list_(entry["qubits"], f"{key}.qubits")
            if len(qs) != arity:
                ck.fail(f"{key}.qubits", f"{g} acts on {arity} qubit(s), got {len(qs)}")
            qs = tuple(ck.int_(q, f"{key}.qubits", 0, hi) for q in qs)
            m[qs] = Props(ck.num(entry.get("error"), f"{key}.error", hi=1.0),
                          ck.num(entry.get("duration"), f"{key}.duration"))
        props[g] = m
    return props


def _short(v) -> str:
    s = json.dumps(v) if not isinstance(v, float) or math.isfinite(v) else repr(v)
    return s if len(s) <= 40 else s[:37] + "..."

