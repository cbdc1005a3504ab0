"""Instance files: SAC-94 MDKP, DIMACS MIS, QAPLIB, TSPLIB, JSON and CPLEX LP.

Each loader returns a :class:`~qtool.qubo.program.BinaryProgram` built by
:mod:`qtool.qubo.models`.  Every malformed input -- a missing file, a wrong token count, a
non-integer, a node out of range, a missing section -- raises
:class:`~qtool.qubo.errors.InstanceError` naming the file and the 1-based line of the offending
token, so the CLI prints one line such as ``pb1.dat:12: expected an integer weight, got '3x'``.

The benchmark files shipped with qtool (see ``data/README.md``) are listed by
:func:`bundled_instances`; :func:`known_optimum` knows their optima.

Examples
--------
>>> p = load_instance(bundled_instances("mis")[-1])      # 1tc.8.txt
>>> p.kind, p.num_vars, p.optimum
('mis', 8, 4.0)
"""
from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path
from typing import IO

import numpy as np

from . import models
from .errors import InstanceError
from .program import BinaryProgram

__all__ = ["load_mdkp", "load_mis", "load_qap", "load_tsplib", "load_program_json",
           "load_lp", "write_lp", "load_instance", "known_optimum", "bundled_instances",
           "DATA_DIR", "PROBLEMS"]

#: where the bundled instance files live
DATA_DIR = Path(__file__).resolve().with_name("data")

#: the ``problem`` names :func:`load_instance` accepts
PROBLEMS = ("mdkp", "mis", "qap", "tsp", "generic")

#: known optima of the bundled files that do not carry one, by file stem: ``(optimum, size)``
#: with size = nodes (MIS) or n (QAP, TSP).  MIS and QAP values are the published ones, all
#: re-proven (``data/README.md``); the toy TSP optima were found by enumerating every tour.
_OPTIMA: dict[str, tuple[float, int]] = {
    # MIS (maximise): Sloane's coding-theory graphs
    "1tc.8": (4, 8), "1tc.16": (8, 16), "1tc.32": (12, 32), "1tc.64": (20, 64),
    "1et.64": (18, 64), "1dc.64": (10, 64), "1dc.128": (16, 128),
    # QAP (minimise): QAPLIB
    "chr12a": (9552, 12), "chr12b": (9742, 12), "chr12c": (11156, 12), "had12": (1652, 12),
    "nug12": (578, 12), "rou12": (235528, 12), "scr12": (31410, 12), "tai10a": (135028, 10),
    "tai10b": (1183760, 10), "tai12a": (224416, 12), "tai12b": (39464925, 12),
    # TSP (minimise): qtool's own toy files
    "toy5": (245, 5), "toy6": (292, 6), "toy6m": (76, 6),
}

PathLike = str | os.PathLike


# --------------------------------------------------------------------------- shared helpers

def _read(path: PathLike) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InstanceError("file not found", path) from None
    except IsADirectoryError:
        raise InstanceError("is a directory, not an instance file", path) from None
    except UnicodeDecodeError as exc:
        raise InstanceError(f"not a text file ({exc.reason} at byte {exc.start})", path) from None
    except OSError as exc:
        raise InstanceError(f"cannot read file: {exc.strerror}", path) from None


def _lines(text: str) -> list[str]:
    """Physical lines (``\\n``, ``\\r\\n`` or ``\\r``), so numbers match what editors show."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _tokens(text: str) -> tuple[list[str], list[int]]:
    """Whitespace-separated tokens and the 1-based line of each."""
    toks: list[str] = []
    lines: list[int] = []
    for ln, line in enumerate(_lines(text), 1):
        parts = line.split()
        toks += parts
        lines += [ln] * len(parts)
    return toks, lines


def _last_line(text: str) -> int:
    """The last line holding anything (1 for an empty file): where 'truncated' points."""
    ls = _lines(text)
    for i in range(len(ls) - 1, -1, -1):
        if ls[i].strip():
            return i + 1
    return 1


def _check_count(toks, expected: int, formula: str, last_part: str, text: str, lines,
                 path) -> None:
    """A token stream must hold exactly ``expected`` integers (``formula`` says why)."""
    if len(toks) == expected:
        return
    short = len(toks) < expected
    where = _last_line(text) if short else lines[expected]
    what = "truncated file" if short else f"extra data after {last_part}"
    raise InstanceError(f"{what}: {formula} = {expected} integers, found {len(toks)}",
                        path, where)


def _int_array(toks: list[str], lines: list[int], path, describe) -> np.ndarray:
    """``toks`` as int64; the first non-integer raises, naming it via ``describe(index)``."""
    try:
        return np.array([int(t) for t in toks], dtype=np.int64)
    except (ValueError, OverflowError):
        for k, t in enumerate(toks):
            try:
                int(t)
            except ValueError:
                raise InstanceError(f"expected an integer {describe(k)}, got {t!r}",
                                    path, lines[k]) from None
        raise InstanceError("integer too large", path, lines[-1]) from None


def _table_optimum(stem: str, size: int) -> float | None:
    hit = _OPTIMA.get(stem)
    return float(hit[0]) if hit and hit[1] == size else None


# --------------------------------------------------------------------------- MDKP

def load_mdkp(path: PathLike) -> BinaryProgram:
    """A SAC-94 ("Drake" format) MDKP file: ``n m opt``, ``n`` profits, the ``m x n`` weights
    row by row, ``m`` capacities -- a token stream of exactly ``3 + n + m n + m`` integers.
    ``opt`` (0 = unknown) becomes ``program.optimum``."""
    text = _read(path)
    toks, lines = _tokens(text)
    if len(toks) < 3:
        raise InstanceError(f"truncated header: expected 'n m optimum', found {len(toks)} "
                            "integer(s)", path, _last_line(text))
    head = _int_array(toks[:3], lines, path, lambda k: ("n", "m", "optimum")[k])
    n, m, opt = (int(v) for v in head)
    for k, (val, lo, what) in enumerate(((n, 1, "n (items)"), (m, 1, "m (constraints)"),
                                         (opt, 0, "optimum"))):
        if val < lo:
            raise InstanceError(f"{what} must be >= {lo}, got {val}", path, lines[k])
    _check_count(toks, 3 + n + m * n + m, f"n={n}, m={m} needs 3 + n + m*n + m",
                 "the capacities", text, lines, path)

    def describe(k: int) -> str:
        k += 3
        if k < 3 + n:
            return f"profit (item {k - 2})"
        if k < 3 + n + m * n:
            r, j = divmod(k - 3 - n, n)
            return f"weight (constraint {r + 1}, item {j + 1})"
        return f"capacity (constraint {k - 2 - n - m * n})"

    vals = _int_array(toks[3:], lines[3:], path, describe)
    p, W, b = vals[:n], vals[n:n + m * n].reshape(m, n), vals[n + m * n:]
    for arr, offset in ((W.reshape(-1), n), (b, n + m * n)):
        bad = np.flatnonzero(arr < 0)
        if bad.size:
            k = int(bad[0])
            raise InstanceError(f"{describe(offset + k)} must be >= 0, got {arr[k]}", path,
                                lines[3 + offset + k])
    return models.mdkp(p, W, b, optimum=float(opt) if opt else None, name=Path(path).stem)


# --------------------------------------------------------------------------- MIS

def load_mis(path: PathLike, optimum: float | None = None) -> BinaryProgram:
    """A DIMACS graph (``p edge N M``, then ``M`` lines ``e u v`` with 1-based nodes; ``c``
    lines are comments).  Nodes that no edge mentions still count.  ``optimum`` defaults to
    the known independence number of a bundled graph."""
    text = _read(path)
    header: tuple[int, int] | None = None
    header_line = 0
    edges: list[tuple[int, int]] = []
    seen: dict[tuple[int, int], int] = {}
    for ln, raw in enumerate(_lines(text), 1):
        parts = raw.split()
        if not parts or parts[0] == "c":
            continue
        tag = parts[0]
        if tag == "p":
            if header is not None:
                raise InstanceError(f"second problem line (the first is on line {header_line})",
                                    path, ln)
            if len(parts) != 4 or parts[1] not in ("edge", "col"):
                raise InstanceError(f"expected 'p edge N M', got {raw.strip()!r}", path, ln)
            N, M = _int_array(parts[2:], [ln, ln], path, lambda k: ("N", "M")[k]).tolist()
            if N < 1 or M < 0:
                raise InstanceError(f"need N >= 1 nodes and M >= 0 edges, got N={N}, M={M}",
                                    path, ln)
            header, header_line = (N, M), ln
        elif tag == "e":
            if header is None:
                raise InstanceError("edge before the 'p edge N M' line", path, ln)
            if len(parts) != 3:
                raise InstanceError(f"expected 'e u v', got {raw.strip()!r}", path, ln)
            u, v = _int_array(parts[1:], [ln, ln], path, lambda k: "node number").tolist()
            N, M = header
            for w in (u, v):
                if not 1 <= w <= N:
                    raise InstanceError(f"node {w} out of range 1..{N}", path, ln)
            if u == v:
                raise InstanceError(f"self loop on node {u}", path, ln)
            key = (min(u, v), max(u, v))
            if key in seen:
                raise InstanceError(f"duplicate edge {u}-{v} (first on line {seen[key]})",
                                    path, ln)
            if len(edges) == M:
                raise InstanceError(f"more edges than the {M} the header announces", path, ln)
            seen[key] = ln
            edges.append((u - 1, v - 1))
        else:
            raise InstanceError(f"unknown line type {tag!r} (expected 'c', 'p' or 'e')", path, ln)
    if header is None:
        raise InstanceError("missing 'p edge N M' line", path, _last_line(text))
    N, M = header
    if len(edges) != M:
        raise InstanceError(f"the header announces {M} edges but the file has {len(edges)}",
                            path, _last_line(text))
    stem = Path(path).stem
    if optimum is None:
        optimum = _table_optimum(stem, N)
    return models.mis(N, np.array(edges, dtype=np.int64).reshape(-1, 2), optimum=optimum,
                      name=stem)


# --------------------------------------------------------------------------- QAP

def load_qap(path: PathLike, optimum: float | None = None) -> BinaryProgram:
    """A QAPLIB file: ``n`` then the ``n x n`` matrices ``A`` and ``B`` as one token stream.
    The objective is QAPLIB's ``sum_ij A[i][j] B[pi(i)][pi(j)]`` (``flow = A``,
    ``dist = B``); ``optimum`` defaults to the published optimum of a bundled file."""
    text = _read(path)
    toks, lines = _tokens(text)
    if not toks:
        raise InstanceError("empty file: expected n and two n x n matrices", path, 1)
    n = int(_int_array(toks[:1], lines, path, lambda k: "n")[0])
    if n < 1:
        raise InstanceError(f"n must be >= 1, got {n}", path, lines[0])
    _check_count(toks, 1 + 2 * n * n, f"n={n} needs 1 + 2*n*n", "matrix B", text, lines,
                 path)

    def describe(k: int) -> str:
        which, rest = divmod(k, n * n)
        r, c = divmod(rest, n)
        return f"entry {'AB'[which]}[{r + 1}][{c + 1}]"

    vals = _int_array(toks[1:], lines[1:], path, describe)
    A, B = vals[:n * n].reshape(n, n), vals[n * n:].reshape(n, n)
    stem = Path(path).stem
    if optimum is None:
        optimum = _table_optimum(stem, n)
    return models.qap(A, B, optimum=optimum, name=stem)


# --------------------------------------------------------------------------- TSPLIB

_TSP_KEYS = {"NAME", "TYPE", "COMMENT", "DIMENSION", "CAPACITY", "EDGE_WEIGHT_TYPE",
             "EDGE_WEIGHT_FORMAT", "EDGE_DATA_FORMAT", "NODE_COORD_TYPE", "DISPLAY_DATA_TYPE"}
_TSP_SECTIONS = {"NODE_COORD_SECTION", "EDGE_WEIGHT_SECTION", "DISPLAY_DATA_SECTION"}
_TSP_UNSUPPORTED = {"DEPOT_SECTION", "DEMAND_SECTION", "EDGE_DATA_SECTION",
                    "FIXED_EDGES_SECTION", "TOUR_SECTION"}
_COORD_TYPES = ("EUC_2D", "CEIL_2D", "ATT", "GEO", "MAN_2D", "MAX_2D")
# triangle layouts: (upper?, with diagonal?) -- a column layout is the other row layout
_TRIANGLES = {"UPPER_ROW": (True, False), "LOWER_ROW": (False, False),
              "UPPER_DIAG_ROW": (True, True), "LOWER_DIAG_ROW": (False, True),
              "UPPER_COL": (False, False), "LOWER_COL": (True, False),
              "UPPER_DIAG_COL": (False, True), "LOWER_DIAG_COL": (True, True)}


def _nint(x: np.ndarray) -> np.ndarray:
    """TSPLIB's ``nint``: ``(int)(x + 0.5)``."""
    return np.floor(x + 0.5)


def _coord_distances(kind: str, xy: np.ndarray) -> np.ndarray:
    """The integer distance matrix TSPLIB defines for ``EDGE_WEIGHT_TYPE = kind``."""
    d = xy[:, None, :] - xy[None, :, :]
    if kind == "EUC_2D":
        D = _nint(np.hypot(d[..., 0], d[..., 1]))
    elif kind == "CEIL_2D":
        D = np.ceil(np.hypot(d[..., 0], d[..., 1]))
    elif kind == "MAN_2D":
        D = _nint(np.abs(d).sum(axis=-1))
    elif kind == "MAX_2D":
        D = np.maximum(_nint(np.abs(d[..., 0])), _nint(np.abs(d[..., 1])))
    elif kind == "ATT":                                    # pseudo-Euclidean
        r = np.sqrt((d[..., 0] ** 2 + d[..., 1] ** 2) / 10.0)
        t = _nint(r)
        D = np.where(t < r, t + 1, t)
    else:                                                  # GEO: DDD.MM degrees.minutes
        deg = np.trunc(xy)
        rad = 3.141592 * (deg + 5.0 * (xy - deg) / 3.0) / 180.0
        lat, lon = rad[:, 0], rad[:, 1]
        q1 = np.cos(lon[:, None] - lon[None, :])
        q2 = np.cos(lat[:, None] - lat[None, :])
        q3 = np.cos(lat[:, None] + lat[None, :])
        arg = np.clip(0.5 * ((1.0 + q1) * q2 - (1.0 - q1) * q3), -1.0, 1.0)
        D = np.floor(6378.388 * np.arccos(arg) + 1.0)
    np.fill_diagonal(D, 0.0)
    return D


def _numbers(toks: list[str], lines: list[int], path, what: str) -> np.ndarray:
    out = np.empty(len(toks))
    for k, t in enumerate(toks):
        try:
            out[k] = float(t)
        except ValueError:
            raise InstanceError(f"expected a number in {what}, got {t!r}", path,
                                lines[k]) from None
        if not math.isfinite(out[k]):
            raise InstanceError(f"{what} values must be finite, got {t!r}", path, lines[k])
    return out


def load_tsplib(path: PathLike, optimum: float | None = None, *,
                fix_start: bool = True) -> BinaryProgram:
    """A TSPLIB ``TSP``/``ATSP`` file: ``NAME``, ``DIMENSION``, ``EDGE_WEIGHT_TYPE`` one of
    ``EUC_2D`` (rounded with TSPLIB's ``nint``), ``CEIL_2D``, ``ATT``, ``GEO``, ``MAN_2D``,
    ``MAX_2D`` with a ``NODE_COORD_SECTION``, or ``EXPLICIT`` with an ``EDGE_WEIGHT_FORMAT``
    (``FULL_MATRIX`` or a triangle) and an ``EDGE_WEIGHT_SECTION``; ``EOF`` is optional.
    Meant for the small instances a QUBO can hold."""
    text = _read(path)
    lines = _lines(text)
    spec: dict[str, tuple[str, int]] = {}
    sections: dict[str, tuple[list[str], list[int], int]] = {}
    i = 0
    while i < len(lines):
        ln, raw = i + 1, lines[i].strip()
        i += 1
        if not raw:
            continue
        key, sep, value = raw.partition(":")
        key = key.strip().upper()
        if not sep and " " in key:                      # "KEY VALUE" without a colon
            key, _, value = key.partition(" ")
            value = raw.split(None, 1)[1]
        if key == "EOF":
            break
        if key in _TSP_SECTIONS:
            if key in sections:
                raise InstanceError(f"second {key}", path, ln)
            toks: list[str] = []
            tok_lines: list[int] = []
            while i < len(lines) and not re.match(r"\s*[A-Za-z]", lines[i]):
                parts = lines[i].split()
                toks += parts
                tok_lines += [i + 1] * len(parts)
                i += 1
            sections[key] = (toks, tok_lines, ln)
        elif key in _TSP_UNSUPPORTED:
            raise InstanceError(f"{key} is not supported (only plain TSP/ATSP files)", path, ln)
        elif key in _TSP_KEYS:
            if key in spec:
                raise InstanceError(f"{key} given twice (first on line {spec[key][1]})", path, ln)
            spec[key] = (value.strip(), ln)
        else:
            raise InstanceError(f"unknown TSPLIB keyword {key!r}", path, ln)
    end = _last_line(text)

    def need(key: str) -> tuple[str, int]:
        if key not in spec:
            raise InstanceError(f"missing {key}", path, end)
        return spec[key]

    typ, ln = spec.get("TYPE", ("TSP", 0))
    if typ.upper() not in ("TSP", "ATSP"):
        raise InstanceError(f"TYPE {typ!r} is not supported (TSP or ATSP)", path, ln)
    dim, ln = need("DIMENSION")
    try:
        n = int(dim)
    except ValueError:
        raise InstanceError(f"DIMENSION must be an integer, got {dim!r}", path, ln) from None
    if n < 2:
        raise InstanceError(f"DIMENSION must be >= 2, got {n}", path, ln)
    wtype, ln = need("EDGE_WEIGHT_TYPE")
    wtype = wtype.upper()
    if wtype in _COORD_TYPES:
        if "NODE_COORD_SECTION" not in sections:
            raise InstanceError(f"missing NODE_COORD_SECTION (needed by {wtype})", path, end)
        toks, tok_lines, sec_line = sections["NODE_COORD_SECTION"]
        xy = np.full((n, 2), np.nan)
        by_line: dict[int, list[str]] = {}
        for t, tl in zip(toks, tok_lines):
            by_line.setdefault(tl, []).append(t)
        for tl, parts in by_line.items():
            if len(parts) != 3:
                raise InstanceError(f"expected 'node x y', got {' '.join(parts)!r}", path, tl)
            node = _int_array(parts[:1], [tl], path, lambda k: "node number")[0]
            if not 1 <= node <= n:
                raise InstanceError(f"node {node} out of range 1..{n}", path, tl)
            if not np.isnan(xy[node - 1, 0]):
                raise InstanceError(f"node {node} given twice", path, tl)
            xy[node - 1] = _numbers(parts[1:], [tl, tl], path, "NODE_COORD_SECTION")
        missing = np.flatnonzero(np.isnan(xy[:, 0]))
        if missing.size:
            raise InstanceError(f"NODE_COORD_SECTION has no coordinates for node "
                                f"{missing[0] + 1} (DIMENSION is {n})", path,
                                tok_lines[-1] if tok_lines else sec_line)
        D = _coord_distances(wtype, xy)
    elif wtype == "EXPLICIT":
        fmt, fln = need("EDGE_WEIGHT_FORMAT")
        fmt = fmt.upper()
        if fmt != "FULL_MATRIX" and fmt not in _TRIANGLES:
            raise InstanceError(f"EDGE_WEIGHT_FORMAT {fmt!r} is not supported", path, fln)
        if "EDGE_WEIGHT_SECTION" not in sections:
            raise InstanceError("missing EDGE_WEIGHT_SECTION", path, end)
        toks, tok_lines, sec_line = sections["EDGE_WEIGHT_SECTION"]
        if fmt == "FULL_MATRIX":
            expected = n * n
        else:
            upper, diag = _TRIANGLES[fmt]
            expected = n * (n + 1) // 2 if diag else n * (n - 1) // 2
        if len(toks) != expected:
            where = (tok_lines[-1] if tok_lines else sec_line) if len(toks) < expected \
                else tok_lines[expected]
            raise InstanceError(f"EDGE_WEIGHT_SECTION ({fmt}, DIMENSION {n}) needs {expected} "
                                f"numbers, found {len(toks)}", path, where)
        vals = _numbers(toks, tok_lines, path, "EDGE_WEIGHT_SECTION")
        if fmt == "FULL_MATRIX":
            D = vals.reshape(n, n)
        else:
            # row-major upper triangle == column-major lower triangle and vice versa
            r, c = np.triu_indices(n, 0 if diag else 1) if upper \
                else np.tril_indices(n, 0 if diag else -1)
            D = np.zeros((n, n))
            D[r, c] = vals
            D[c, r] = vals
    else:
        raise InstanceError(f"EDGE_WEIGHT_TYPE {wtype!r} is not supported (one of "
                            f"{', '.join(_COORD_TYPES)}, EXPLICIT)", path, ln)
    name = spec.get("NAME", (Path(path).stem, 0))[0] or Path(path).stem
    if optimum is None:
        optimum = _table_optimum(Path(path).stem, n)
    return models.tsp(D, optimum=optimum, name=name, fix_start=fix_start)


# --------------------------------------------------------------------------- JSON

def load_program_json(path: PathLike) -> BinaryProgram:
    """A program as JSON (the :func:`qtool.qubo.models.to_dict` form; the name defaults to
    the file stem).  Syntax errors carry the decoder's line; schema errors name the field."""
    text = _read(path)
    try:
        d = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InstanceError(f"invalid JSON: {exc.msg}", path, exc.lineno) from None
    if isinstance(d, dict) and "name" not in d:
        d = {**d, "name": Path(path).stem}
    try:
        return models.from_dict(d)
    except InstanceError as exc:
        raise exc.located(file=str(path)) from None


# --------------------------------------------------------------------------- CPLEX LP

_LP_SECTION = re.compile(
    r"\s*(maximi[sz]e|maximum|max|minimi[sz]e|minimum|min|subject\s+to|such\s+that|s\.t\.|st"
    r"|bounds?|binar(?:y|ies)|bin|generals?|gen|integers?|semi-continuous|semis?|semi|sos"
    r"|end)(?=\s|$)(?!\s*:)", re.IGNORECASE)
_LP_TOKEN = re.compile(
    r"\s*(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<op><=|>=|=<|=>|[<>=+\-*^\[\]/:])"
    r"|(?P<name>[A-Za-z_#$%&!?@'~|{}\"][A-Za-z0-9_#$%&!?@'~|{}\".]*))")
_LP_NAME = re.compile(r"[A-Za-z_#$%&!?@'~|{}\"][A-Za-z0-9_#$%&!?@'~|{}\".]*\Z")
_LP_KEYWORDS = {"inf", "infinity", "free"}


class _LPStream:
    """Tokens of one LP section with their lines; errors carry the current token's line
    (``end_line``, the section's last line with a token, once the tokens run out)."""

    def __init__(self, toks: list[tuple[str, str, int]], path, end_line: int):
        self.toks, self.path, self.pos, self.end_line = toks, path, 0, end_line

    def peek(self, k: int = 0) -> tuple[str, str, int] | None:
        j = self.pos + k
        return self.toks[j] if j < len(self.toks) else None

    def next(self) -> tuple[str, str, int]:
        t = self.peek()
        if t is None:
            raise self.error("unexpected end of section")
        self.pos += 1
        return t

    def error(self, message: str) -> InstanceError:
        t = self.peek()
        return InstanceError(message, self.path, t[2] if t else self.end_line)

    def label(self) -> None:
        """Skip an optional ``name:`` label."""
        a, b = self.peek(), self.peek(1)
        if a and b and a[0] == "name" and b[1] == ":":
            self.pos += 2

    def number(self) -> float:
        sign = 1.0
        while (t := self.peek()) and t[1] in "+-" and t[0] == "op":
            sign = -sign if t[1] == "-" else sign
            self.pos += 1
        if self.peek() is None:
            raise self.error("expected a number, got the end of the section")
        t = self.next()
        if t[0] == "num":
            return sign * float(t[1])
        if t[0] == "name" and t[1].lower() in ("inf", "infinity"):
            return sign * math.inf
        self.pos -= 1
        raise self.error(f"expected a number, got {t[1]!r}")


def _lp_expression(s: _LPStream, uses: dict[str, int], *, quadratic: bool):
    """``[+-] [coef] name ...`` with constants and, if allowed, ``[ ... ] [/ 2]`` blocks.
    Stops at a comparison operator or the end of the section.  Returns (linear, quad, const)."""
    lin: dict[str, float] = {}
    quad: dict[tuple[str, str], float] = {}
    const = 0.0
    first = True
    while (t := s.peek()) is not None and t[1] not in ("<=", ">=", "=<", "=>", "<", ">", "="):
        sign = 1.0
        if t[0] == "op" and t[1] in "+-":
            while (t := s.peek()) and t[0] == "op" and t[1] in "+-":
                sign = -sign if t[1] == "-" else sign
                s.pos += 1
            t = s.peek()
            if t is None:
                raise s.error("expression ends with a sign")
        elif not first:
            break                                  # a new statement starts here
        first = False
        if t[1] == "[":
            if not quadratic:
                raise s.error("quadratic terms are only supported in the objective")
            s.pos += 1
            block: dict[tuple[str, str], float] = {}
            bfirst = True
            while (t := s.peek()) is not None and t[1] != "]":
                bsign = 1.0
                while (t := s.peek()) and t[0] == "op" and t[1] in "+-":
                    bsign = -bsign if t[1] == "-" else bsign
                    s.pos += 1
                    bfirst = False
                if not bfirst and bsign == 1.0 and s.toks[s.pos - 1][1] not in "+-":
                    raise s.error("expected '+' or '-' between quadratic terms")
                bfirst = False
                coef = bsign * (float(s.next()[1]) if s.peek() and s.peek()[0] == "num" else 1.0)
                a = s.next()
                if a[0] != "name":
                    s.pos -= 1
                    raise s.error(f"expected a variable, got {a[1]!r}")
                uses.setdefault(a[1], a[2])
                op = s.next()
                if op[1] == "^":
                    two = s.next()
                    if two[1] != "2":
                        s.pos -= 1
                        raise s.error(f"only squares are supported, got ^{two[1]}")
                    b = a
                elif op[1] == "*":
                    b = s.next()
                    if b[0] != "name":
                        s.pos -= 1
                        raise s.error(f"expected a variable, got {b[1]!r}")
                    uses.setdefault(b[1], b[2])
                else:
                    s.pos -= 1
                    raise s.error(f"expected '*' or '^' in a quadratic term, got {op[1]!r}")
                block[(a[1], b[1])] = block.get((a[1], b[1]), 0.0) + coef
            if s.peek() is None:
                raise s.error("missing ']'")
            s.pos += 1
            scale = 1.0
            if (t := s.peek()) and t[1] == "/":
                s.pos += 1
                scale = 1.0 / s.number()
            for key, v in block.items():
                quad[key] = quad.get(key, 0.0) + sign * scale * v
            continue
        if t[0] == "num":
            s.pos += 1
            coef = sign * float(t[1])
            nxt = s.peek()
            if nxt is None or nxt[0] != "name" or nxt[1].lower() in _LP_KEYWORDS:
                const += coef
                continue
            t = nxt
        else:
            coef = sign
        if t[0] != "name":
            raise s.error(f"expected a term, got {t[1]!r}")
        nxt = s.peek(1)
        if nxt is not None and nxt[1] == ":":
            break                                  # the label of the next statement
        s.pos += 1
        if (u := s.peek()) and u[1] in ("*", "^"):
            raise s.error("quadratic terms must be inside [ ... ]")
        uses.setdefault(t[1], t[2])
        lin[t[1]] = lin.get(t[1], 0.0) + coef
    return lin, quad, const


def load_lp(path: PathLike) -> BinaryProgram:
    """A binary program in a subset of CPLEX LP format.

    Supported: ``\\`` comments; ``Maximize``/``Minimize`` with an optional ``name:`` label,
    linear terms, constants and ``[ ... ] / 2`` quadratic blocks (``a x * y``, ``a x ^ 2``);
    ``Subject To`` with labelled or unlabelled linear rows ``<=``, ``>=``, ``=``; a ``Bounds``
    section only with bounds every binary meets anyway (like ``0 <= x <= 1``);
    ``Binary``/``Binaries``; ``End``.  Every variable must be declared binary, and the
    ``Binary`` section fixes the variable order.
    """
    text = _read(path)
    name = Path(path).stem
    optimum = None
    sections: list[tuple[str, int, list[tuple[str, str, int]]]] = []
    for ln, raw in enumerate(_lines(text), 1):
        line, _, comment = raw.partition("\\")
        if m := re.match(r"\s*Problem name:\s*(\S+)", comment):
            name = m.group(1)
        if m := re.match(r"\s*Optimum:\s*(\S+)", comment):
            try:
                optimum = float(m.group(1))
            except ValueError:
                raise InstanceError(f"bad optimum {m.group(1)!r}", path, ln) from None
        if m := _LP_SECTION.match(line):
            word = m.group(1).lower()
            key = ("max" if word.startswith("max") else "min" if word.startswith("min")
                   else "st" if word[0] == "s" and word not in ("sos",) and not
                   word.startswith("semi") else "bounds" if word.startswith("bound")
                   else "binary" if word.startswith("bin") else "end" if word == "end"
                   else "unsupported")
            if key == "unsupported":
                raise InstanceError(f"section {m.group(1)!r} is not supported (only binary "
                                    "variables)", path, ln)
            if key in ("max", "min") and any(k in ("max", "min") for k, _, _ in sections):
                raise InstanceError("second objective section", path, ln)
            if key == "end":
                break
            sections.append((key, ln, []))
            line = line[m.end():]
        toks = sections[-1][2] if sections else None
        pos = 0
        while pos < len(line) and line[pos:].strip():
            m = _LP_TOKEN.match(line, pos)
            if m is None:
                bad = line[pos:].split()[0]
                raise InstanceError(f"unexpected {bad!r}", path, ln)
            if toks is None:
                raise InstanceError("expected 'Maximize' or 'Minimize' first", path, ln)
            kind = m.lastgroup
            toks.append((kind, m.group(kind), ln))
            pos = m.end()
    end = _last_line(text)
    if not sections or sections[0][0] not in ("max", "min"):
        raise InstanceError("missing Maximize/Minimize section", path,
                            sections[0][1] if sections else end)
    if sections[0][0] not in ("max", "min"):
        raise InstanceError("the objective section must come first", path, sections[0][1])
    uses: dict[str, int] = {}
    binaries: list[str] = []
    lin = quad = None
    const = 0.0
    rows: list[tuple[dict[str, float], str, float]] = []
    for key, ln, toks in sections:
        s = _LPStream(toks, path, toks[-1][2] if toks else ln)
        if key in ("max", "min"):
            s.label()
            lin, quad, const = _lp_expression(s, uses, quadratic=True)
            if s.peek() is not None:
                raise s.error(f"unexpected {s.peek()[1]!r} in the objective")
        elif key == "st":
            while s.peek() is not None:
                s.label()
                row, _, c = _lp_expression(s, uses, quadratic=False)
                op = s.next()
                if op[1] not in ("<=", ">=", "=<", "=>", "<", ">", "="):
                    s.pos -= 1
                    raise s.error(f"expected '<=', '>=' or '=', got {op[1]!r}")
                t = s.peek()
                if t is not None and t[0] == "name" and t[1].lower() not in _LP_KEYWORDS:
                    raise s.error("variables on the right-hand side are not supported")
                rhs = s.number()
                if not math.isfinite(rhs):
                    s.pos -= 1
                    raise s.error("the right-hand side must be finite")
                rows.append((row, {"<": "<=", "=<": "<=", ">": ">=", "=>": ">="}.get(op[1], op[1]),
                             rhs - c))
        elif key == "bounds":
            _lp_bounds(toks, path)
        else:
            for kind, tok, tl in toks:
                if kind != "name":
                    raise InstanceError(f"expected a variable name, got {tok!r}", path, tl)
                if tok not in binaries:
                    binaries.append(tok)
    declared = set(binaries)
    for v, vl in uses.items():
        if v not in declared:
            raise InstanceError(f"variable {v!r} is not declared in the Binary section "
                                "(only binary variables are supported)", path, vl)
    index = {v: i for i, v in enumerate(binaries)}
    n = len(binaries)
    c = np.zeros(n)
    for v, a in lin.items():
        c[index[v]] += a
    Q = None
    if quad:
        Q = np.zeros((n, n))
        for (a, b), v in quad.items():
            i, j = sorted((index[a], index[b]))
            Q[i, j] += v
    A_le, b_le, A_eq, b_eq = [], [], [], []
    for row, op, rhs in rows:
        a = np.zeros(n)
        for v, coef in row.items():
            a[index[v]] += coef
        if op == "=":
            A_eq.append(a), b_eq.append(rhs)
        elif op == "<=":
            A_le.append(a), b_le.append(rhs)
        else:
            A_le.append(-a), b_le.append(-rhs)
    sense = sections[0][0]
    return BinaryProgram(name, sense, c, quadratic=Q, constant=const,
                         A_le=np.array(A_le).reshape(-1, n), b_le=np.array(b_le),
                         A_eq=np.array(A_eq).reshape(-1, n), b_eq=np.array(b_eq),
                         var_names=tuple(binaries), optimum=optimum)


def _lp_bounds(toks: list[tuple[str, str, int]], path) -> None:
    """Accept only bounds that every binary already meets (lower <= 0, upper >= 1)."""
    by_line: dict[int, list[tuple[str, str, int]]] = {}
    for t in toks:
        by_line.setdefault(t[2], []).append(t)
    for ln, ts in by_line.items():
        words = " ".join(t[1] for t in ts)
        m = re.fullmatch(r"(?:(?P<lo>[-+]?\s*(?:[\d.eE+-]+|inf(?:inity)?))\s*(?:<=|=<|<)\s*)?"
                         r"(?P<var>\S+)"
                         r"(?:\s*(?:<=|=<|<)\s*(?P<hi>[-+]?\s*(?:[\d.eE+-]+|inf(?:inity)?)))?"
                         r"|(?P<var2>\S+)\s*(?:>=|=>|>)\s*(?P<lo2>[-+]?\s*[\d.eE+-]+)"
                         r"|(?P<var3>\S+) free", words, re.IGNORECASE)
        ok = False
        if m:
            try:
                lo = float((m.group("lo") or m.group("lo2") or "-inf").replace(" ", ""))
                hi = float((m.group("hi") or "inf").replace(" ", ""))
                ok = m.group("var3") is not None or (lo <= 0 and hi >= 1)
            except ValueError:
                ok = False
        if not ok:
            raise InstanceError(f"bound {words!r} is not supported (variables are binary; only "
                                "bounds like '0 <= x <= 1' are accepted)", path, ln)


def _lp_num(v: float) -> str:
    f = float(v)
    return str(int(f)) if f.is_integer() and abs(f) < 1e15 else repr(f)


def _lp_terms(terms: list[tuple[float, str]], first: bool = True) -> list[str]:
    out = []
    for coef, text in terms:
        sign = "-" if coef < 0 else "+"
        mag = abs(coef)
        body = text if mag == 1 and text else f"{_lp_num(mag)} {text}".strip()
        out.append(("- " if sign == "-" else "") + body if first else f"{sign} {body}")
        first = False
    return out


def _lp_wrap(parts: list[str], indent: str = "    ", width: int = 90) -> str:
    """Join ``parts`` with spaces, breaking lines near ``width`` characters (LP statements
    may span lines)."""
    lines, cur = [], ""
    for part in parts:
        if cur and len(cur) + 1 + len(part) > width:
            lines.append(cur)
            cur = part
        else:
            cur = f"{cur} {part}" if cur else part
    lines.append(cur)
    return ("\n" + indent).join(lines)


def write_lp(program: BinaryProgram, path_or_file: PathLike | IO[str]) -> None:
    """Write ``program`` in the CPLEX LP subset :func:`load_lp` reads back (same variables in
    the same order, same objective function and rows; the quadratic matrix comes back folded
    into upper-triangular form).  Variable names must be LP names (``x_1``, not ``x[1]``)."""
    names = list(program.var_names)
    for v in names:
        if not _LP_NAME.match(v) or v.lower() in _LP_KEYWORDS or _LP_SECTION.fullmatch(v):
            raise ValueError(f"variable name {v!r} cannot be written in LP format")
    if program.num_vars == 0:
        raise ValueError("cannot write a program with no variables")
    title = re.sub(r"\s+", "_", program.name) or "program"
    lines = [f"\\ Problem name: {title}"]
    if program.optimum is not None:
        lines.append(f"\\ Optimum: {_lp_num(program.optimum)}")
    lines.append("Maximize" if program.sense == "max" else "Minimize")
    parts = _lp_terms([(a, names[i]) for i, a in enumerate(program.linear) if a != 0])
    if program.quadratic is not None and np.any(program.quadratic):
        Q = program.quadratic
        U = np.triu(Q) + np.triu(Q.T, 1)
        ii, jj = np.nonzero(U)
        quad = _lp_terms([(2 * U[i, j], f"{names[i]} ^ 2" if i == j else
                           f"{names[i]} * {names[j]}") for i, j in zip(ii, jj)])
        parts += [("+ [" if parts else "[")] + quad + ["] / 2"]
    if program.constant:
        parts += _lp_terms([(program.constant, "")], first=not parts)
    lines.append(" obj: " + _lp_wrap(parts or ["0", names[0]]))
    rows = [(a, "<=", b) for a, b in zip(program.A_le, program.b_le)]
    rows += [(a, "=", b) for a, b in zip(program.A_eq, program.b_eq)]
    if rows:
        lines.append("Subject To")
        for k, (a, op, b) in enumerate(rows):
            lhs = _lp_terms([(a[j], names[j]) for j in np.flatnonzero(a)]) or ["0", names[0]]
            lines.append(f" c{k}: " + _lp_wrap(lhs + [op, _lp_num(b)]))
    lines.append("Binaries")
    lines += [" " + " ".join(names[k:k + 10]) for k in range(0, len(names), 10)]
    lines.append("End")
    text = "\n".join(lines) + "\n"
    if hasattr(path_or_file, "write"):
        path_or_file.write(text)
    else:
        Path(path_or_file).write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------- dispatch

_TSP_HEAD = re.compile(r"\s*(NAME|TYPE|COMMENT|DIMENSION|EDGE_WEIGHT_TYPE)\s*:", re.IGNORECASE)


def _sniff(path: Path, text: str) -> str | None:
    """Guess the format from the extension, the folder name, then the contents."""
    suffix = path.suffix.lower()
    by_ext = {".json": "json", ".lp": "lp", ".tsp": "tsp", ".atsp": "tsp", ".col": "mis",
              ".clq": "mis", ".dimacs": "mis"}
    if suffix in by_ext:
        return by_ext[suffix]
    if path.parent.name in ("mdkp", "mis", "qap", "tsp"):
        return path.parent.name
    first = next((ln.strip() for ln in _lines(text) if ln.strip()), "")
    if first.startswith(("{", "[")):
        return "json"
    if re.match(r"[pce]\s", first):
        return "mis"
    if _TSP_HEAD.match(first):
        return "tsp"
    if first.startswith("\\") or _LP_SECTION.match(first):
        return "lp"
    toks = text.split()
    try:
        head = [int(t) for t in toks[:2]]
    except ValueError:
        return None
    if len(head) == 2:
        n, m = head
        if n >= 1 and m >= 1 and len(toks) == 3 + n + m * n + m:
            return "mdkp"
        if n >= 1 and len(toks) == 1 + 2 * n * n:
            return "qap"
    return None


def load_instance(path: PathLike, problem: str | None = None) -> BinaryProgram:
    """Load any supported instance file.  ``problem`` (``"mdkp"``, ``"mis"``, ``"qap"``,
    ``"tsp"`` or ``"generic"`` for JSON/LP) picks the reader; without it the extension, the
    folder name (``mdkp/``, ``mis/``, ...) and finally the contents decide."""
    p = Path(path)
    if problem is not None and problem not in PROBLEMS:
        raise InstanceError(f"unknown problem {problem!r} (one of {', '.join(PROBLEMS)})", path)
    text = _read(path)
    fmt = problem
    if problem in (None, "generic"):
        fmt = _sniff(p, text)
        if problem == "generic" and fmt not in ("json", "lp"):
            fmt = "lp" if p.suffix.lower() == ".lp" else "json"
    readers = {"mdkp": load_mdkp, "mis": load_mis, "qap": load_qap, "tsp": load_tsplib,
               "json": load_program_json, "lp": load_lp}
    if fmt not in readers:
        raise InstanceError("cannot tell what kind of instance this is; pass problem= one of "
                            + ", ".join(PROBLEMS), path)
    return readers[fmt](path)


def known_optimum(path: PathLike) -> float | None:
    """The known optimum of an instance file: the header value of an MDKP file, else the table
    of bundled MIS/QAP/TSP optima by file stem (``1tc.8``, ``nug12``, ``toy5``); ``None`` if
    unknown."""
    p = Path(path)
    stem = p.stem
    if stem in _OPTIMA:
        return float(_OPTIMA[stem][0])
    try:
        text = _read(p)
    except InstanceError:
        return None
    if _sniff(p, text) == "mdkp":
        try:
            return load_mdkp(p).optimum
        except InstanceError:
            return None
    return None


def bundled_instances(kind: str | None = None) -> list[Path]:
    """Paths of the instance files shipped with qtool (``kind``: ``"mdkp"``, ``"mis"``,
    ``"qap"``, ``"tsp"`` or ``None`` for all), sorted by kind then name."""
    kinds = ("mdkp", "mis", "qap", "tsp") if kind is None else (kind,)
    if any(k not in ("mdkp", "mis", "qap", "tsp") for k in kinds):
        raise ValueError(f"unknown kind {kind!r}")
    return [f for k in kinds for f in sorted((DATA_DIR / k).iterdir()) if f.is_file()]

