""":class:`~qtool.Circuit` -> OpenQASM 3 text, in three dialects.

``write_qasm3(circ, dialect=..., physical=...)`` returns ``(text, names)`` where ``names``
maps every ``input`` identifier of the program to the circuit's parameter name (``x[0]``
is written ``x_0``).  The output is a pure function of the circuit: equal circuits give
byte-identical text.

Layout of a program: header, ``include`` (not for Braket), ``gate`` definitions, one
``input float[64]`` per free parameter (sorted), qubit and bit declarations, body.

* **Qubits** are physical ``$n`` when the circuit has a layout, carries the physical marker
  register ``("$", N)`` or ``physical=True``; otherwise registers named as in ``qregs``
  (``qubit[n] q;`` when those are unusable).
* **Gate definitions**: a gate outside the dialect's native set (``stdgates.inc`` plus the
  built-in ``U`` for ``generic``/``ibm``; Braket's gate names for ``braket``) is defined once
  at the top, in terms of native gates (recursively), so every file is self-contained.
  Definitions are exact up to a global phase.  Opaque ``unitary`` rows must be decomposed
  before writing (``ValueError`` otherwise).
* **Classical control**: ``c[i] = measure $k;``; rows conditioned on one bit become
  ``if (c[0]) { ... }`` / ``if (!c[0]) { ... }`` (consecutive rows on the same condition
  share a block).  Braket has no classical control: ``ValueError``.
* **Global phase**: written as ``gphase(...)`` in the ``generic`` dialect only; ``ibm`` and
  ``braket`` drop it (hardware ignores it and IBM's parser rejects ``gphase``).
* **Dialects**: ``generic`` is plain spec OpenQASM 3.  ``ibm`` is the same minus
  ``gphase``; it loads with ``qiskit.qasm3.loads`` and suits IBM hardware when the circuit is
  in the device's basis.  ``braket`` uses Amazon Braket's gate names (``cnot``,
  ``phaseshift``, ``si``, ``v``, ``xx``, ``prx`` ...), no ``include``, drops barriers, and
  wraps the gates of a physical circuit in ``#pragma braket verbatim`` / ``box { ... }``
  (measurements follow the box).

Numbers are printed with :func:`qtool.params.format_float`.
"""
from __future__ import annotations

import math
import re
from typing import Callable

from ..circuit import FLAG_COND_VAL, Circuit
from ..gates import BARRIER, GATES, MEASURE, RESET, STDGATES, UNITARY_OP
from ..params import Expr, format_float

__all__ = ["write_qasm3", "DIALECTS"]

DIALECTS = ("generic", "ibm", "braket")
PI = math.pi

# our name -> spelling in each dialect, for natively available gates
_STD_NAMES = {name: name for name in STDGATES if name in GATES.by_name}
_STD_NAMES["u"] = "U"
_BRAKET_NAMES = {
    "h": "h", "x": "x", "y": "y", "z": "z", "s": "s", "sdg": "si", "t": "t", "tdg": "ti",
    "sx": "v", "sxdg": "vi", "id": "i", "rx": "rx", "ry": "ry", "rz": "rz",
    "p": "phaseshift", "u1": "phaseshift", "cx": "cnot", "cy": "cy", "cz": "cz",
    "swap": "swap", "iswap": "iswap", "ecr": "ecr", "cp": "cphaseshift",
    "cu1": "cphaseshift", "rxx": "xx", "ryy": "yy", "rzz": "zz", "ccx": "ccnot",
    "cswap": "cswap", "r": "prx", "csx": "cv",
}

# Definitions in terms of other gates of our table, exact up to global phase.  Each takes
# the parameters and returns (name, qubit positions, params) triples.
Body = list[tuple[str, tuple[int, ...], tuple]]
_DEFS: dict[str, Callable[..., Body]] = {
    "sxdg": lambda: [("s", (0,), ()), ("h", (0,), ()), ("s", (0,), ())],
    "r": lambda t, p: [("u", (0,), (t, p - PI / 2, PI / 2 - p))],
    "u": lambda t, p, l: [("rz", (0,), (l,)), ("ry", (0,), (t,)), ("rz", (0,), (p,))],
    "u2": lambda p, l: [("u", (0,), (PI / 2, p, l))],
    "u3": lambda t, p, l: [("u", (0,), (t, p, l))],
    "iswap": lambda: [("s", (0,), ()), ("s", (1,), ()), ("h", (0,), ()), ("cx", (0, 1), ()),
                      ("cx", (1, 0), ()), ("h", (1,), ())],
    "ecr": lambda: [("rzx", (0, 1), (PI / 4,)), ("x", (0,), ()), ("rzx", (0, 1), (-PI / 4,))],
    "rzx": lambda t: [("h", (1,), ()), ("cx", (0, 1), ()), ("rz", (1,), (t,)),
                      ("cx", (0, 1), ()), ("h", (1,), ())],
    "rzz": lambda t: [("cx", (0, 1), ()), ("rz", (1,), (t,)), ("cx", (0, 1), ())],
    "rxx": lambda t: [("h", (0,), ()), ("h", (1,), ()), ("cx", (0, 1), ()),
                      ("rz", (1,), (t,)), ("cx", (0, 1), ()), ("h", (0,), ()),
                      ("h", (1,), ())],
    "ryy": lambda t: [("rx", (0,), (PI / 2,)), ("rx", (1,), (PI / 2,)), ("cx", (0, 1), ()),
                      ("rz", (1,), (t,)), ("cx", (0, 1), ()), ("rx", (0,), (-PI / 2,)),
                      ("rx", (1,), (-PI / 2,))],
    "dcx": lambda: [("cx", (0, 1), ()), ("cx", (1, 0), ())],
    "cs": lambda: [("cp", (0, 1), (PI / 2,))],
    "csdg": lambda: [("cp", (0, 1), (-PI / 2,))],
    "csx": lambda: [("h", (1,), ()), ("cp", (0, 1), (PI / 2,)), ("h", (1,), ())],
    "cu1": lambda t: [("cp", (0, 1), (t,))],
    "cu3": lambda t, p, l: [("cu", (0, 1), (t, p, l, 0.0))],
    "ccz": lambda: [("h", (2,), ()), ("ccx", (0, 1, 2), ()), ("h", (2,), ())],
    # used by the Braket dialect, where these stdgates are not native
    "ch": lambda: [("s", (1,), ()), ("h", (1,), ()), ("t", (1,), ()), ("cx", (0, 1), ()),
                   ("tdg", (1,), ()), ("h", (1,), ()), ("sdg", (1,), ())],
    "crz": lambda t: [("rz", (1,), (t / 2,)), ("cx", (0, 1), ()), ("rz", (1,), (-t / 2,)),
                      ("cx", (0, 1), ())],
    "crx": lambda t: [("h", (1,), ()), ("crz", (0, 1), (t,)), ("h", (1,), ())],
    "cry": lambda t: [("ry", (1,), (t / 2,)), ("cx", (0, 1), ()), ("ry", (1,), (-t / 2,)),
                      ("cx", (0, 1), ())],
    "cu": lambda t, p, l, g: [("p", (0,), (g + (l + p) / 2,)), ("p", (1,), ((l - p) / 2,)),
                              ("cx", (0, 1), ()), ("u", (1,), (-t / 2, 0.0, -(p + l) / 2)),
                              ("cx", (0, 1), ()), ("u", (1,), (t / 2, p, 0.0))],
}

_KEYWORDS = frozenset("""
OPENQASM include defcalgrammar def cal defcal gate extern box let break continue if else end
return for while in switch case default input output const readonly mutable qreg qubit creg
bool bit int uint float angle complex array void duration stretch gphase inv pow ctrl
negctrl dim durationof delay reset measure barrier true false im pi tau euler sin cos tan
exp ln sqrt arcsin arccos arctan floor ceiling log mod popcount rotl rotr sizeof U CX
""".split()) | {"π", "τ", "ℇ"}


def _native(dialect: str) -> dict[str, str]:
    return _BRAKET_NAMES if dialect == "braket" else _STD_NAMES


def _fmt(x, rename: dict[str, str]) -> str:
    if isinstance(x, Expr) and not x.is_constant():
        return x.to_str(rename)
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"cannot write the non-finite parameter value {x}")
    return format_float(x)


def _identifier(name: str, taken: set[str]) -> str:
    """A valid, unused OpenQASM identifier for a parameter name (``x[0]`` -> ``x_0``)."""
    s = re.sub(r"\[(\d+)\]", r"_\1", name)
    s = re.sub(r"\W", "_", s)
    if not s or s[0].isdigit():
        s = "_" + s
    out, k = s, 1
    while out in taken or out in _KEYWORDS:
        out = f"{s}_{k}"
        k += 1
    taken.add(out)
    return out


def _registers(regs, total: int, default: str, taken: set[str]):
    names = [n for n, _ in regs]
    ok = (bool(regs) and sum(s for _, s in regs) == total and len(set(names)) == len(names)
          and all(re.fullmatch(r"[A-Za-z_]\w*", n) and n not in _KEYWORDS and n not in taken
                  for n in names))
    regs = tuple(regs) if ok else ((default if default not in taken
                                    else _identifier(default, set(taken)), total),)
    regs = tuple((n, s) for n, s in regs if s > 0)
    refs = [f"{n}[{i}]" for n, s in regs for i in range(s)]
    taken.update(n for n, _ in regs)
    return regs, refs


def _definitions(used: list[str], native: dict[str, str]) -> list[str]:
    """Names to define, dependencies first (in first-use order, depth first)."""
    order: list[str] = []

    def visit(name: str):
        if name in native or name in order:
            return
        if name not in _DEFS:
            raise ValueError(f"gate {name!r} cannot be written in this dialect")
        g = GATES.by_name[name]
        probe = _DEFS[name](*[Expr.symbol(f"_p{i}") for i in range(g.num_params)])
        for sub, _, _ in probe:
            visit(sub)
        order.append(name)

    for name in used:
        visit(name)
    return order


def _definition_text(name: str, native: dict[str, str]) -> str:
    g = GATES.by_name[name]
    pnames = [f"_p{i}" for i in range(g.num_params)]
    qnames = [f"_q{i}" for i in range(g.num_qubits)]
    body = _DEFS[name](*[Expr.symbol(p) for p in pnames])
    lines = []
    for sub, qs, ps in body:
        args = f"({', '.join(_fmt(p, {}) for p in ps)})" if ps else ""
        gate = native.get(sub, sub)
        lines.append(f"  {gate}{args} {', '.join(qnames[q] for q in qs)};")
    head = f"gate {name}({', '.join(pnames)})" if pnames else f"gate {name}"
    return f"{head} {', '.join(qnames)} {{\n" + "\n".join(lines) + "\n}"


def write_qasm3(circ: Circuit, *, dialect: str = "generic",
                physical: bool | None = None) -> tuple[str, dict[str, str]]:
    """Write ``circ`` as OpenQASM 3 (see the module docstring).

    Returns ``(text, names)``: the program and ``{identifier: parameter name}`` for every
    ``input`` it declares.

    Examples
    --------
    >>> from qtool import Circuit, ParameterVector
    >>> x = ParameterVector("x", 1)
    >>> b = Circuit.builder(1, 1)
    >>> _ = b.rz(2 * x[0], 0), b.measure(0, 0)
    >>> text, names = write_qasm3(b.build())
    >>> print(text)
    OPENQASM 3.0;
    include "stdgates.inc";
    input float[64] x_0;
    qubit[1] q;
    bit[1] c;
    rz(2*x_0) q[0];
    c[0] = measure q[0];
    <BLANKLINE>
    >>> names
    {'x_0': 'x[0]'}
    """
    if dialect not in DIALECTS:
        raise ValueError(f"unknown dialect {dialect!r}; choose one of {', '.join(DIALECTS)}")
    if physical is None:
        physical = circ.layout is not None or circ.qregs == (("$", circ.num_qubits),)
    native = _native(dialect)
    braket = dialect == "braket"

    # names: gate definition locals, registers, then parameters
    taken: set[str] = (set(_STD_NAMES.values()) | set(_BRAKET_NAMES.values())
                       | set(GATES.by_name) | {f"_p{k}" for k in range(4)}
                       | {f"_q{k}" for k in range(3)})
    if physical:
        qrefs = [f"${i}" for i in range(circ.num_qubits)]
        qregs = ()
    else:
        qregs, qrefs = _registers(circ.qregs, circ.num_qubits, "q", taken)
    cregs, crefs = _registers(circ.cregs, circ.num_clbits, "c", taken) if circ.num_clbits \
        else ((), [])
    # parameters whose names are valid identifiers keep them; the others get free names
    params = circ.parameters
    keep = {p for p in params if re.fullmatch(r"[^\W\d]\w*", p) and p not in taken
            and p not in _KEYWORDS}
    taken |= keep
    rename = {p: p if p in keep else _identifier(p, taken) for p in params}
    names = {rename[p]: p for p in params}

    # body
    used: list[str] = []
    body: list[str] = []
    box: list[str] | None = [] if (braket and physical) else None

    def statement(i: int) -> str | None:
        op = int(circ.op[i])
        qs = [qrefs[q] for q in circ.qubits_of(i)]
        if op == BARRIER:
            return None if braket else f"barrier {', '.join(qs)};"
        if op == MEASURE:
            c = int(circ.cargs[i])
            return f"{crefs[c]} = measure {qs[0]};" if c >= 0 else f"measure {qs[0]};"
        if op == RESET:
            return f"reset {qs[0]};"
        if op == UNITARY_OP:
            raise ValueError(f"row {i} is an opaque unitary: decompose it before writing "
                             "OpenQASM")
        name = circ.name_of(i)
        if name not in native and name not in used:
            used.append(name)
        ps = circ.params_of(i)
        args = f"({', '.join(_fmt(p, rename) for p in ps)})" if ps else ""
        return f"{native.get(name, name)}{args} {', '.join(qs)};"

    n = len(circ)
    i = 0
    in_box = box is not None
    while i < n:
        cb = int(circ.cond[i])
        if cb >= 0:
            if braket:
                raise ValueError("the braket dialect has no classical control: row "
                                 f"{i} ({circ.name_of(i)}) is conditioned")
            val = int(circ.flags[i] & FLAG_COND_VAL)
            block = []
            while i < n and int(circ.cond[i]) == cb and int(circ.flags[i] & FLAG_COND_VAL) == val:
                s = statement(i)
                if s:
                    block.append("  " + s)
                i += 1
                if int(circ.cargs[i - 1]) == cb:   # the block overwrote its condition bit
                    break
            test = crefs[cb] if val else f"!{crefs[cb]}"
            body.append(f"if ({test}) {{\n" + "\n".join(block) + "\n}")
            continue
        s = statement(i)
        if s is not None:
            if in_box and int(circ.op[i]) in (MEASURE, RESET):
                in_box = False
            (box if in_box else body).append(s)
        i += 1

    # assemble
    out = ["OPENQASM 3.0;"]
    if not braket:
        out.append('include "stdgates.inc";')
    for name in _definitions(used, native):
        out.append(_definition_text(name, native))
    for ident in names:
        out.append(f"input float[64] {ident};")
    out.extend(f"qubit[{s}] {n_};" for n_, s in qregs)
    out.extend(f"bit[{s}] {n_};" for n_, s in cregs)
    gp = circ.global_phase
    if dialect == "generic" and gp != 0:
        out.append(f"gphase({_fmt(gp, rename)});")
    if box:
        out.append("#pragma braket verbatim")
        out.append("box {\n" + "\n".join("  " + s for s in box) + "\n}")
    out.extend(body)
    return "\n".join(out) + "\n", names
