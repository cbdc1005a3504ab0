"""Synthetic devices from a short spec string: ``grid:RxC``, ``line:N``, ``ring:N``,
``heavyhex:D`` and ``all:N``, each with an optional ``,2q=GATE`` suffix.

Every generated target is undirected and carries the same nominal calibration on every
qubit and coupling (see :data:`NOMINAL`), so that noise-aware passes and
:func:`qtool.targets.metrics.estimate_success_probability` have numbers to work with:

=================  ==========  ===========
quantity           value       note
=================  ==========  ===========
1Q error (sx, x)   3e-4        ``rz`` is virtual: error 0, duration 0
2Q error           1e-2        the native 2Q gate, both directions
readout error      2e-2        also the ``measure`` error
T1, T2             100 us
1Q duration        50 ns
2Q duration        300 ns
measure duration   1 us        ``reset`` also 1 us (error unknown)
=================  ==========  ===========

The native one-qubit basis is ``rz, sx, x``; the native 2Q gate defaults to ``cx`` (also for
``all:N``: an ion-like ``rzz`` is one ``,2q=rzz`` away, and a single default keeps the
generators predictable).

Topologies
----------
``grid:RxC``
    ``R`` rows of ``C`` qubits, qubit ``r*C + c``, nearest-neighbour coupling.
``line:N`` / ``ring:N``
    A path / cycle ``0 - 1 - ... - N-1`` (a ring needs ``N >= 3``).
``heavyhex:D``
    IBM's heavy-hex lattice of odd code distance ``D``, exactly the graph (and qubit
    numbering) of Qiskit's ``CouplingMap.from_heavy_hex(D)``: ``(5D^2 - 2D - 1)/2`` qubits,
    built with :func:`rustworkx.generators.heavy_hex_graph`.
``all:N``
    All-to-all coupling (ion-trap-like).

Fault-tolerant (discrete) targets
---------------------------------
``ft:BASIS`` / ``ft:BASIS:N`` (:func:`discrete_target`) is a logical machine: ``N`` (default
:data:`FT_DEFAULT_QUBITS`) all-to-all qubits, ``cx``, and one-qubit gates from the finite
basis ``BASIS`` of :mod:`qtool.gatesynth.bases` -- ``clifford_t`` (``h s sdg t tdg``, plus
``x`` and ``z``, which are the words ``h s s h`` and ``s s``) or ``ht`` (``h t``).  Its
``discrete_basis`` is set, so the preset pipelines end with
:class:`~qtool.passes.SynthesizeDiscrete` (``qtool compile --target ft:clifford_t --eps
1e-3``).  Calibration is the nominal one above.

Examples
--------
>>> t = generate("grid:2x3,2q=cz")
>>> t.num_qubits, len(t.undirected_edges), t.gate_2q
(6, 7, 'cz')
"""
from __future__ import annotations

import math
import re
from typing import Sequence

import numpy as np

from ..errors import TargetError
from .target import NATIVE_2Q, Props, Target

__all__ = ["generate", "is_generator_spec", "GENERATOR_FORMS", "NOMINAL", "lattice_coords",
           "auto_coords", "discrete_target", "is_discrete_spec", "FT_DEFAULT_QUBITS",
           "FT_BASES"]

#: nominal calibration of generated targets (errors are probabilities, times in seconds)
NOMINAL = {
    "error_1q": 3e-4, "error_2q": 1e-2, "readout_error": 2e-2, "t1": 100e-6, "t2": 100e-6,
    "duration_1q": 50e-9, "duration_2q": 300e-9, "duration_measure": 1e-6,
    "duration_reset": 1e-6,
}

#: the generator forms, for help texts
GENERATOR_FORMS = (
    ("grid:RxC", "R x C square grid"),
    ("line:N", "N qubits on a line"),
    ("ring:N", "N qubits on a cycle"),
    ("heavyhex:D", "IBM heavy-hex lattice of odd distance D (Qiskit from_heavy_hex)"),
    ("all:N", "N qubits, all-to-all coupling (ion-trap-like)"),
)

_SPEC = re.compile(r"^(grid|line|ring|heavyhex|all):([^,]*)((?:,[^,]*)*)$")


def is_generator_spec(spec: str) -> bool:
    """Whether ``spec`` looks like a generator spec (``kind:...``); it may still be invalid."""
    return bool(_SPEC.match(spec.strip().lower()))


def generate(spec: str) -> Target:
    """Build the target named by a generator spec such as ``grid:4x5,2q=cz``.

    Raises
    ------
    TargetError
        If the spec is malformed (bad size, unknown option or gate).
    """
    s = spec.strip().lower().replace(" ", "")
    m = _SPEC.match(s)
    if not m:
        raise TargetError(f"not a generator spec: {spec!r} (forms: "
                          f"{', '.join(f for f, _ in GENERATOR_FORMS)})")
    kind, size, opts = m.group(1), m.group(2), m.group(3)
    gate_2q = "cx"
    for opt in filter(None, opts.split(",")):
        key, _, val = opt.partition("=")
        if key != "2q" or not val:
            raise TargetError(f"target {spec!r}: unknown option {opt!r} (only '2q=GATE')")
        if val not in NATIVE_2Q:
            raise TargetError(f"target {spec!r}: unknown 2Q gate {val!r} "
                              f"(one of {', '.join(NATIVE_2Q)})")
        gate_2q = val
    if kind == "grid":
        mm = re.fullmatch(r"(\d+)x(\d+)", size)
        if not mm or int(mm.group(1)) < 1 or int(mm.group(2)) < 1:
            raise TargetError(f"target {spec!r}: grid size must be RxC with R, C >= 1")
        n, edges, coords = _grid(int(mm.group(1)), int(mm.group(2)))
    else:
        if not size.isdigit():
            raise TargetError(f"target {spec!r}: size must be a positive integer")
        k = int(size)
        low = {"line": 1, "ring": 3, "all": 1, "heavyhex": 1}[kind]
        if k < low:
            raise TargetError(f"target {spec!r}: {kind} needs a size of at least {low}")
        if kind == "heavyhex" and k % 2 == 0:
            raise TargetError(f"target {spec!r}: heavy-hex distance must be odd")
        n, edges, coords = {"line": _line, "ring": _ring, "all": _all,
                            "heavyhex": _heavy_hex}[kind](k)
    canonical = f"{kind}:{size}" + (f",2q={gate_2q}" if gate_2q != "cx" else "")
    return nominal_target(canonical, n, edges, gate_2q, coords=coords,
                          description=_describe(kind, size, gate_2q, n))


#: qubits of ``ft:BASIS`` when no count is given
FT_DEFAULT_QUBITS = 64
#: discrete basis -> the one-qubit gates of its ``ft:`` target (every name must be a gate
#: of :data:`qtool.gates.GATES`; ``hrc``'s ``v1 .. v3dg`` are not, so it has no target)
FT_BASES = {"clifford_t": ("h", "s", "sdg", "t", "tdg", "x", "z"), "ht": ("h", "t")}
_FT_SPEC = re.compile(r"^ft:([a-z0-9_]+)(?::([^:,]*))?$")


def is_discrete_spec(spec: str) -> bool:
    """Whether ``spec`` names a fault-tolerant target (``ft:...``); it may still be invalid."""
    return spec.strip().lower().startswith("ft:")


def discrete_target(spec: str) -> Target:
    """The logical target of ``ft:BASIS`` or ``ft:BASIS:N`` (module doc).

    Raises
    ------
    TargetError
        For a malformed spec, an unknown basis or a bad qubit count.
    """
    s = spec.strip().lower().replace(" ", "")
    m = _FT_SPEC.match(s)
    if not m:
        raise TargetError(f"target {spec!r}: expected ft:BASIS or ft:BASIS:N "
                          f"(BASIS one of {', '.join(FT_BASES)})")
    basis, size = m.group(1), m.group(2)
    if basis not in FT_BASES:
        hint = " (its gates v1 .. v3dg are not circuit gates)" if basis == "hrc" else ""
        raise TargetError(f"target {spec!r}: no fault-tolerant target for basis {basis!r}"
                          f"{hint}; one of {', '.join(FT_BASES)}")
    if size is None:
        n = FT_DEFAULT_QUBITS
    elif size.isdigit() and int(size) >= 1:
        n = int(size)
    else:
        raise TargetError(f"target {spec!r}: qubit count must be a positive integer")
    name = f"ft:{basis}" + ("" if n == FT_DEFAULT_QUBITS else f":{n}")
    _, edges, coords = _all(n)
    t = nominal_target(name, n, edges, "cx", basis_1q=FT_BASES[basis], coords=coords,
                       description=f"fault-tolerant {basis} machine ({n} logical qubits, "
                                   f"all-to-all cx), nominal calibration",
                       discrete_basis=basis)
    return t


def _describe(kind: str, size: str, gate_2q: str, n: int) -> str:
    what = dict(GENERATOR_FORMS)[{"grid": "grid:RxC", "line": "line:N", "ring": "ring:N",
                                  "heavyhex": "heavyhex:D", "all": "all:N"}[kind]]
    return f"generated {kind}:{size} ({what}; {n} qubits), native {gate_2q}, nominal calibration"


def nominal_target(name: str, n: int, edges: Sequence[Sequence[int]], gate_2q: str = "cx", *,
                   basis_1q: Sequence[str] = ("rz", "sx", "x"), coords=None,
                   description: str = "", discrete_basis: str | None = None) -> Target:
    """An undirected target with the uniform :data:`NOMINAL` calibration."""
    nom = NOMINAL
    qs = range(n)
    props: dict[str, dict[tuple, Props]] = {}
    for g in basis_1q:
        p = Props(0.0, 0.0) if g == "rz" else Props(nom["error_1q"], nom["duration_1q"])
        props[g] = {(q,): p for q in qs}
    p2 = Props(nom["error_2q"], nom["duration_2q"])
    props[gate_2q] = {}
    for a, b in edges:
        props[gate_2q][(a, b)] = p2
        props[gate_2q][(b, a)] = p2
    props["measure"] = {(q,): Props(nom["readout_error"], nom["duration_measure"]) for q in qs}
    props["reset"] = {(q,): Props(None, nom["duration_reset"]) for q in qs}
    return Target(name, n, edges, basis_1q, gate_2q, directed=False, props=props,
                  readout_error=[nom["readout_error"]] * n, t1=[nom["t1"]] * n,
                  t2=[nom["t2"]] * n, coords=coords, description=description,
                  discrete_basis=discrete_basis)


# ---------------------------------------------------------------------------- topologies
def _grid(r: int, c: int):
    edges = [(i * c + j, i * c + j + 1) for i in range(r) for j in range(c - 1)]
    edges += [(i * c + j, (i + 1) * c + j) for i in range(r - 1) for j in range(c)]
    coords = [(j, -i) for i in range(r) for j in range(c)]
    return r * c, edges, coords


def _line(n: int):
    return n, [(i, i + 1) for i in range(n - 1)], [(i, 0) for i in range(n)]


def _circle(n: int):
    radius = max(1.0, n / (2 * math.pi))
    return [(radius * math.sin(2 * math.pi * i / n), radius * math.cos(2 * math.pi * i / n))
            for i in range(n)]


def _ring(n: int):
    return n, [(i, (i + 1) % n) for i in range(n)], _circle(n)


def _all(n: int):
    return n, [(i, j) for i in range(n) for j in range(i + 1, n)], _circle(n)


def _heavy_hex(d: int):
    import rustworkx as rx
    g = rx.generators.heavy_hex_graph(d)
    n = g.num_nodes()
    edges = sorted(tuple(sorted(e)) for e in g.edge_list())
    return n, edges, _heavy_hex_coords(d, n, edges)


def _heavy_hex_coords(d: int, n: int, edges) -> np.ndarray:
    """Data qubits ``0 .. d*d-1`` (rustworkx's numbering, row-major) sit on a grid with
    spacing 2; every other qubit is placed, round by round, at the mean of its already
    placed neighbours (flag qubits land between data qubits of a row, syndrome qubits
    between rows).  Falls back to :func:`auto_coords` if that leaves a qubit unplaced."""
    xy = np.full((n, 2), np.nan)
    for q in range(min(d * d, n)):
        xy[q] = (2 * (q % d), -2 * (q // d))
    nb: list[list[int]] = [[] for _ in range(n)]
    for a, b in edges:
        nb[a].append(b)
        nb[b].append(a)
    for _ in range(n):
        todo = [q for q in range(n) if np.isnan(xy[q, 0])]
        if not todo:
            break
        placed = [(q, [p for p in nb[q] if not np.isnan(xy[p, 0])]) for q in todo]
        placed = [(q, ps) for q, ps in placed if len(ps) >= 2]
        if not placed:
            break
        for q, ps in placed:
            xy[q] = xy[ps].mean(axis=0)
    if np.isnan(xy).any() or len(np.unique(xy.round(6), axis=0)) < n:
        return auto_coords(n, edges)
    return xy


# ---------------------------------------------------------------------------- coordinates
def lattice_coords(n: int, edges) -> np.ndarray | None:
    """A tidy drawing for IBM-style numbered lattices, or ``None`` if the graph is not one.

    IBM numbers its heavy-hex (Eagle, Heron) and square (Nighthawk) devices row by row:
    a *row* is a maximal run of consecutive indices ``i, i+1, ...`` joined by edges, and
    consecutive rows are joined either directly or through *bridge* qubits (a qubit in no
    row, with one neighbour in each of two consecutive rows).  Rows go at ``y = 0, -2, ...``
    (``-1`` per row without bridges), bridges half-way, and each row is shifted so that
    the qubits it links to sit in the same column as their partners above.  Any edge that
    does not fit that picture, or links that disagree on the shift, give ``None``.
    Dangling qubits (one neighbour, in a row; Heron has four) hang half a step off their
    row.
    """
    und = {(min(a, b), max(a, b)) for a, b in (tuple(map(int, e)) for e in edges)}
    if n < 2 or not und:
        return None
    row_of = np.full(n, -1)
    start: list[int] = []
    rows: list[list[int]] = []
    cur = [0]
    for i in range(1, n + 1):
        if i < n and (i - 1, i) in und:
            cur.append(i)
            continue
        if len(cur) >= 2:
            row_of[cur] = len(rows)
            start.append(cur[0])
            rows.append(cur)
        cur = [i]
    if not rows:
        return None
    nb: list[list[int]] = [[] for _ in range(n)]
    for a, b in sorted(und):
        nb[a].append(b)
        nb[b].append(a)
    links: dict[int, list[tuple[int, int, int]]] = {}   # lower row -> (upper q, lower q, bridge)
    bridged = False
    for a, b in sorted(und):
        ra, rb = row_of[a], row_of[b]
        if ra >= 0 and rb >= 0:
            if ra == rb:
                if b != a + 1:
                    return None
            elif rb == ra + 1:
                links.setdefault(int(rb), []).append((a, b, -1))
            else:
                return None
    pendants = []
    for q in range(n):
        if row_of[q] >= 0:
            continue
        if len(nb[q]) == 1 and row_of[nb[q][0]] >= 0:
            pendants.append((q, nb[q][0]))
            continue
        if len(nb[q]) != 2:
            return None
        u, v = sorted(nb[q], key=lambda p: row_of[p])
        if row_of[u] < 0 or row_of[v] != row_of[u] + 1:
            return None
        links.setdefault(int(row_of[v]), []).append((u, v, q))
        bridged = True
    shift = [0] * len(rows)
    for r in range(1, len(rows)):
        ls = links.get(r)
        if not ls:
            return None
        a, b, _ = ls[0]
        shift[r] = (shift[r - 1] + a - start[r - 1]) - (b - start[r])
        for a, b, _ in ls:
            if shift[r - 1] + a - start[r - 1] != shift[r] + b - start[r]:
                return None
    step = 2.0 if bridged else 1.0
    xy = np.zeros((n, 2))
    for r, row in enumerate(rows):
        for q in row:
            xy[q] = (shift[r] + q - start[r], -step * r)
    for r, ls in links.items():
        for a, _, q in ls:
            if q >= 0:
                xy[q] = (xy[a, 0], -step * r + step / 2)
    for q, u in pendants:            # dangling qubits: above row 0, below any other row
        up = row_of[u] == 0 and len(rows) > 1
        xy[q] = (xy[u, 0], xy[u, 1] + (step / 2 if up else -step / 2))
    if len(np.unique(xy, axis=0)) < n:
        return None
    xy[:, 0] -= xy[:, 0].min()
    return xy + 0.0                  # no negative zeros in the JSON


def auto_coords(n: int, edges) -> np.ndarray:
    """Coordinates for any coupling graph: :func:`lattice_coords` when it applies, else a
    seeded (deterministic) spring layout."""
    xy = lattice_coords(n, edges)
    if xy is not None:
        return xy
    if n == 1:
        return np.zeros((1, 2))
    import networkx as nx
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from((int(a), int(b)) for a, b in edges)
    pos = nx.spring_layout(g, seed=0, iterations=200, scale=math.sqrt(n))
    return np.array([pos[q] for q in range(n)], dtype=float)
