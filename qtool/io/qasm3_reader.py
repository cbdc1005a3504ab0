"""OpenQASM 3 -> :class:`~qtool.Circuit`, through the reference parser ``openqasm3``.

The reference AST is walked statement by statement into rows of a
:class:`~qtool.CircuitBuilder`.  Straight-line programs skip the (slow, ~300 us per
statement) ANTLR parser: a regular-expression tokenizer builds the same AST nodes for them,
and a differential test keeps the two paths in agreement.  What is understood:

* ``include "stdgates.inc"`` (every standard gate, plus the built-ins ``U`` and ``gphase``;
  gates of qtool's table such as ``ecr``/``rzz`` and Amazon Braket's names such as ``cnot``
  are accepted too, because hardware vendors take them without definitions).  Standard
  names mean the matrices of qtool's gate table, which are Qiskit's (``stdgates.inc`` itself
  disagrees on some phases, e.g. the relative phase of ``cu``; Qiskit reads them as we do);
* ``gate`` definitions, inlined recursively with their parameters substituted (symbolic
  expressions allowed).  A definition that reproduces a gate of our table under its own name
  (Qiskit exports define ``ecr``, ``rzz`` ... this way) is read as that native gate, up to a
  global phase;
* ``input float[..]``/``input angle[..]`` parameters (symbols named as declared), ``const``
  and initialised classical variables, arithmetic ``+ - * / **``, unary minus, ``pi/π``,
  ``tau/τ``, ``euler/ℇ`` and ``sin cos tan exp ln log sqrt arcsin arccos arctan``;
* ``qubit[n] q;``/``qubit q;``/``qreg`` (registers flattened in declaration order), physical
  qubits ``$n`` (the circuit then has ``max(n)+1`` qubits and ``qregs == (("$", N),)``,
  the marker for "already physical"), ``bit``/``creg``/``output bit``;
* broadcasting over registers, index ranges and sets, gate modifiers ``inv``, ``pow(k)``,
  ``ctrl(n)``/``negctrl(n)`` (controlled versions of table gates where one exists, otherwise
  opaque ``unitary`` rows for numeric gates);
* ``measure`` in both syntaxes and on whole registers, ``reset``, ``barrier``, ``if``/``else``
  on one classical bit (``c[0]``, ``!c[0]``, ``c[0] == 1``, ``c == 1`` for a one-bit
  register), ``box`` (inlined), ``delay`` and annotations/pragmas (ignored).

Everything else (loops, ``switch``, subroutines, classical assignments, multi-bit
conditions ...) raises :class:`~qtool.errors.InputError` with ``file:line:column`` (1-based
column) naming the construct, as do unknown gates, undeclared or out-of-range operands,
wrong parameter/qubit counts and syntax errors.
"""
from __future__ import annotations

import gc
import math
import re
from bisect import bisect_right
from typing import NamedTuple

import numpy as np
from openqasm3 import ast

from ..circuit import Circuit, CircuitBuilder
from ..errors import InputError
from ..gates import GATES
from ..params import Expr

__all__ = ["read_qasm3", "ALIASES"]

#: gate names read as a gate of our table: stdgates spellings and Amazon Braket names
ALIASES = {
    "U": "u", "CX": "cx", "phase": "p", "cphase": "cp",
    "cnot": "cx", "phaseshift": "p", "cphaseshift": "cp", "i": "id", "si": "sdg",
    "ti": "tdg", "v": "sx", "vi": "sxdg", "ccnot": "ccx", "xx": "rxx", "yy": "ryy",
    "zz": "rzz", "prx": "r", "cv": "csx",
}

_CONSTANTS = {"pi": math.pi, "π": math.pi, "tau": 2 * math.pi, "τ": 2 * math.pi,
              "euler": math.e, "ℇ": math.e}
_FUNCS = {"sin": "sin", "cos": "cos", "tan": "tan", "exp": "exp", "ln": "log", "log": "log",
          "sqrt": "sqrt", "arcsin": "arcsin", "arccos": "arccos", "arctan": "arctan",
          "abs": "abs"}
_MATH = {"sin": math.sin, "cos": math.cos, "tan": math.tan, "exp": math.exp, "log": math.log,
         "sqrt": math.sqrt, "arcsin": math.asin, "arccos": math.acos, "arctan": math.atan,
         "abs": abs}

_UNSUPPORTED = {
    ast.ForInLoop: "for loop", ast.WhileLoop: "while loop",
    ast.SwitchStatement: "switch statement", ast.SubroutineDefinition: "subroutine (def)",
    ast.ExternDeclaration: "extern declaration", ast.ClassicalAssignment: "classical assignment",
    ast.AliasStatement: "alias (let)", ast.ExpressionStatement: "expression statement",
    ast.ReturnStatement: "return statement", ast.BreakStatement: "break statement",
    ast.ContinueStatement: "continue statement", ast.EndStatement: "end statement",
    ast.CalibrationDefinition: "defcal", ast.CalibrationStatement: "cal block",
    ast.CalibrationGrammarDeclaration: "defcalgrammar",
}

# controlled version of a (gate of our table): name -> (name, params function)
_CONTROLLED = {
    "x": ("cx", None), "y": ("cy", None), "z": ("cz", None), "h": ("ch", None),
    "p": ("cp", None), "u1": ("cu1", None), "rz": ("crz", None), "rx": ("crx", None),
    "ry": ("cry", None), "swap": ("cswap", None), "sx": ("csx", None), "s": ("cs", None),
    "sdg": ("csdg", None), "cx": ("ccx", None), "cz": ("ccz", None),
    "t": ("cp", lambda: (math.pi / 4,)), "tdg": ("cp", lambda: (-math.pi / 4,)),
    "u": ("cu", lambda t, p, l: (t, p, l, 0.0)), "u3": ("cu3", None),
    "u2": ("cu3", lambda p, l: (math.pi / 2, p, l)),
    "r": ("cu3", lambda t, p: (t, p - math.pi / 2, math.pi / 2 - p)),
}
# gates whose pow(k) is the gate with every angle times k
_ROTATIONS = frozenset({"rx", "ry", "rz", "p", "u1", "rzz", "rxx", "ryy", "rzx", "cp", "cu1",
                        "crx", "cry", "crz", "gphase"})


class _Op(NamedTuple):
    """A row in the making; ``gphase`` ops (no qubits) carry a global phase."""

    name: str
    qubits: tuple[int, ...]
    params: tuple
    matrix: np.ndarray | None = None


class _Reg(NamedTuple):
    start: int
    size: int
    scalar: bool   # declared without a size (``qubit q;``, ``bit c;``)


def _short(msg: str) -> str:
    """Trim ANTLR's long 'expecting {...}' sets."""
    m = re.search(r" expecting \{[^}]*\}", msg)
    if m and len(m.group(0)) > 60:
        msg = msg[:m.start()] + msg[m.end():]
    return msg


def _parse(text: str, filename: str) -> ast.Program:
    """``openqasm3.parse`` with syntax errors raised as located :class:`InputError`.

    Same lexer/parser/AST visitor as ``openqasm3.parse``; only the error listener differs,
    because the reference one prints to stderr and raises without a message.
    """
    from antlr4 import CommonTokenStream, InputStream
    from antlr4.error.ErrorListener import ErrorListener
    from openqasm3 import parser as qp

    class _Raise(ErrorListener):
        def syntaxError(self, recognizer, offendingSymbol, line, column, msg, e):
            msg = _short(msg)
            # a missing ';' is reported at the next token, often on the next line: point
            # just after the previous token instead, where the ';' belongs
            stream = getattr(recognizer, "getTokenStream", lambda: None)()
            prev = stream.LT(-1) if stream is not None else None
            if ("';'" in msg and prev is not None and prev.line < line
                    and prev.text is not None):
                line, column = prev.line, prev.column + len(prev.text)
                msg = "missing ';'"
            raise InputError(f"syntax error: {msg}", file=filename, line=line,
                             column=column + 1)

    lexer = qp.qasm3Lexer(InputStream(text))
    lexer.removeErrorListeners()
    lexer.addErrorListener(_Raise())
    parser = qp.qasm3Parser(CommonTokenStream(lexer))
    parser.removeErrorListeners()
    parser.addErrorListener(_Raise())
    tree = parser.program()
    try:
        return qp.QASMNodeVisitor().visitProgram(tree)
    except qp.QASM3ParsingError as exc:
        m = re.match(r"L(\d+):C(\d+): (.*)", str(exc), re.S)
        if m:
            raise InputError(m.group(3), file=filename, line=int(m.group(1)),
                             column=int(m.group(2)) + 1) from None
        raise InputError(f"syntax error: {exc}", file=filename) from None
    except (ValueError, TypeError, AttributeError, IndexError, KeyError) as exc:
        # the reference visitor has a few unguarded paths on odd programs
        raise InputError(f"cannot read the program: {exc}", file=filename) from None


def read_qasm3(text: str, filename: str = "<string>") -> Circuit:
    """Read an OpenQASM 3 program (see the module docstring for what is supported).

    Raises :class:`~qtool.errors.InputError` (one line, ``file:line:column: message``) for
    anything that cannot be read.

    Examples
    --------
    >>> c = read_qasm3('OPENQASM 3.0; include "stdgates.inc"; input float[64] t;'
    ...                'qubit[2] q; h q; rz(2*t) q[1];')
    >>> c.count_ops(), c.parameters
    ({'h': 2, 'rz': 1}, ['t'])
    """
    gc_was_enabled = gc.isenabled()
    gc.disable()      # millions of small acyclic objects: the cyclic GC only slows us down
    try:
        program = _fast_parse(text)
        if program is None:
            program = _parse(text, filename)
        return _Reader(text, filename).read(program)
    finally:
        if gc_was_enabled:
            gc.enable()


# ---------------------------------------------------------------------------- fast path
# The ANTLR runtime in Python costs ~300 us per statement.  Straight-line programs (the
# bulk of large files: declarations, inputs, gate calls with simple arithmetic, measure,
# reset, barrier, gphase, // comments) are tokenised here with regular expressions into the
# *same* reference AST nodes, with the same spans, so the reader behaves identically.
# Anything else (gate definitions, blocks, modifiers, parentheses, **, block comments,
# pragmas, annotations, odd tokens) returns None and the whole program goes to ANTLR, which
# also produces every syntax error message.
_ID = r"(?:[A-Za-z_][A-Za-z0-9_]*|π|τ|ℇ)"
_NUM = r"(?:\d+\.\d*(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+|\.\d+(?:[eE][-+]?\d+)?|\d+)"
_OPERAND = rf"(?:\$\d+|{_ID}(?:\s*\[\s*-?\d+\s*\])?)"
_RESERVED = frozenset("""OPENQASM include defcalgrammar def cal defcal
gate extern box let break continue if else end return for while in switch case default input
output const readonly mutable qreg qubit creg bool bit int uint float angle complex array
void duration stretch gphase inv pow ctrl negctrl dim durationof delay reset measure barrier
true false im sizeof""".split())
_FAST_STMTS = [
    ("version", re.compile(r"OPENQASM\s+(\d+(?:\.\d+)?)")),
    ("include", re.compile(r'include\s+"([^"]*)"')),
    ("qubit", re.compile(rf"qubit\s*\[\s*(\d+)\s*\]\s*({_ID})")),
    ("qubit1", re.compile(rf"qubit\s+({_ID})")),
    ("qreg", re.compile(rf"qreg\s+({_ID})\s*\[\s*(\d+)\s*\]")),
    ("bit", re.compile(rf"bit\s*\[\s*(\d+)\s*\]\s*({_ID})")),
    ("bit1", re.compile(rf"bit\s+({_ID})")),
    ("creg", re.compile(rf"creg\s+({_ID})\s*\[\s*(\d+)\s*\]")),
    ("input", re.compile(rf"input\s+(float|angle)\s*(?:\[\s*(\d+)\s*\])?\s+({_ID})")),
    ("assign", re.compile(rf"({_OPERAND})\s*=\s*(measure)\s+({_OPERAND})")),
    ("arrow", re.compile(rf"measure\s+({_OPERAND})\s*->\s*({_OPERAND})")),
    ("reset", re.compile(rf"reset\s+({_OPERAND})")),
    ("barrier", re.compile(rf"barrier(?:\s+({_OPERAND}(?:\s*,\s*{_OPERAND})*))?")),
    ("gphase", re.compile(r"gphase\s*\(([^()]*)\)")),
    ("gate", re.compile(rf"({_ID})\s*(?:\(([^()]*)\))?\s*({_OPERAND}(?:\s*,\s*{_OPERAND})*)")),
]
_EXPR_TOKEN = re.compile(rf"\s*(?:({_NUM})|({_ID})|(\*\*|[-+*/]))")


def _span(line: int, col: int) -> ast.Span:
    return ast.Span(line, col, line, col)


def _node(node, line: int, col: int):
    node.span = _span(line, col)
    return node


class _FastFail(Exception):
    """The fast path does not handle this program; use ANTLR."""


def _fast_parse(text: str) -> ast.Program | None:
    """The reference AST of a simple straight-line program, or None (see above)."""
    if any(ch in text for ch in "{}@#\"'") and not _only_include_quotes(text):
        return None
    if "/*" in text:
        return None
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    # blank out // comments, keeping every position
    clean = re.sub(r"//[^\n]*", lambda m: " " * len(m.group(0)), text)
    statements = []
    version = None
    pos = 0
    try:
        for m in re.finditer(";", clean):
            chunk = clean[pos:m.start()]
            lead = len(chunk) - len(chunk.lstrip())
            body = chunk.strip()
            begin = pos + lead
            pos = m.end()
            line = bisect_right(starts, begin)
            col = begin - starts[line - 1]
            if not body:
                raise _FastFail
            stmt = _fast_statement(body, begin, starts)
            if stmt == "version":
                if statements or version is not None:
                    raise _FastFail
                version = _FAST_STMTS[0][1].fullmatch(body).group(1)
                continue
            stmt.span = ast.Span(line, col, line, col)
            statements.append(stmt)
        if clean[pos:].strip():
            raise _FastFail
    except _FastFail:
        return None
    return ast.Program(statements=statements, version=version)


def _only_include_quotes(text: str) -> bool:
    """True if the only special characters are the quotes of include statements."""
    rest = re.sub(r'include\s+"[^"\n]*"', "", text)
    return not any(ch in rest for ch in "{}@#\"'")


_FIRST_WORD = re.compile(r"[A-Za-z_]\w*")
_BY_KEYWORD: dict[str, list] = {}
for _kind, _rx in _FAST_STMTS:
    _word = _rx.pattern.split("\\")[0].split("(")[0]
    if _word and _word.isidentifier():
        _BY_KEYWORD.setdefault(_word, []).append((_kind, _rx))
_GENERAL = [(k, rx) for k, rx in _FAST_STMTS if k in ("assign", "gate")]


def _fast_statement(body: str, begin: int, starts: list[int]):
    m0 = _FIRST_WORD.match(body)
    word = m0.group(0) if m0 else ""
    candidates = _BY_KEYWORD.get(word, _GENERAL)
    for kind, rx in candidates:
        m = rx.fullmatch(body)
        if m is None:
            continue
        g = m.groups()

        def at(i: int) -> tuple[int, int]:
            p = begin + m.start(i)
            line = bisect_right(starts, p)
            return line, p - starts[line - 1]

        if kind == "version":
            return "version"
        if kind == "include":
            return ast.Include(g[0])
        if kind in ("qubit", "qubit1", "qreg"):
            if kind == "qubit":
                size, name, ni, si = g[0], g[1], 2, 1
            elif kind == "qreg":
                name, size, ni, si = g[0], g[1], 1, 2
            else:
                name, size, ni, si = g[0], None, 1, None
            _check_id(name)
            return ast.QubitDeclaration(
                _node(ast.Identifier(name), *at(ni)),
                None if size is None else _node(ast.IntegerLiteral(int(size)), *at(si)))
        if kind in ("bit", "bit1", "creg"):
            if kind == "bit":
                size, name, ni, si = g[0], g[1], 2, 1
            elif kind == "creg":
                name, size, ni, si = g[0], g[1], 1, 2
            else:
                name, size, ni, si = g[0], None, 1, None
            _check_id(name)
            t = ast.BitType(None if size is None else _node(ast.IntegerLiteral(int(size)),
                                                            *at(si)))
            return ast.ClassicalDeclaration(t, _node(ast.Identifier(name), *at(ni)), None)
        if kind == "input":
            _check_id(g[2])
            size = None if g[1] is None else _node(ast.IntegerLiteral(int(g[1])), *at(2))
            t = ast.FloatType(size) if g[0] == "float" else ast.AngleType(size)
            return ast.IODeclaration(ast.IOKeyword.input, t,
                                     _node(ast.Identifier(g[2]), *at(3)))
        if kind == "assign":
            target = _operand(g[0], *at(1))
            meas = _node(ast.QuantumMeasurement(_operand(g[2], *at(3))), *at(2))
            return ast.QuantumMeasurementStatement(meas, target)
        if kind == "arrow":
            meas = _node(ast.QuantumMeasurement(_operand(g[0], *at(1))), *at(0))
            return ast.QuantumMeasurementStatement(meas, _operand(g[1], *at(2)))
        if kind == "reset":
            return ast.QuantumReset(_operand(g[0], *at(1)))
        if kind == "barrier":
            ops = [] if g[0] is None else _operand_list(g[0], *at(1), starts)
            return ast.QuantumBarrier(ops)
        if kind == "gphase":
            args = _arguments(g[0], *at(1), starts)
            if len(args) != 1:
                raise _FastFail
            return ast.QuantumPhase([], args[0], [])
        if kind == "gate":
            name = g[0]
            _check_id(name)
            args = [] if g[1] is None else _arguments(g[1], *at(2), starts)
            if g[1] is not None and not args:
                raise _FastFail
            ops = _operand_list(g[2], *at(3), starts)
            return ast.QuantumGate([], _node(ast.Identifier(name), *at(1)), args, ops)
    raise _FastFail


def _check_id(name: str) -> None:
    if name in _RESERVED:
        raise _FastFail


_OPERAND_RX = re.compile(rf"(\$\d+)|({_ID})(?:\s*\[\s*(-?\d+)\s*\])?")


def _operand(text: str, line: int, col: int):
    m = _OPERAND_RX.fullmatch(text)
    if m is None:
        raise _FastFail
    if m.group(1):
        return _node(ast.Identifier(m.group(1)), line, col)
    _check_id(m.group(2))
    ident = _node(ast.Identifier(m.group(2)), line, col)
    if m.group(3) is None:
        return ident
    v = int(m.group(3))
    icol = col + m.start(3)
    if v < 0:   # '-1' parses as a unary minus on a literal
        idx = _node(ast.UnaryExpression(ast.UnaryOperator["-"],
                                        _node(ast.IntegerLiteral(-v), line, icol + 1)),
                    line, icol)
    else:
        idx = _node(ast.IntegerLiteral(v), line, icol)
    return _node(ast.IndexedIdentifier(ident, [[idx]]), line, col)


def _pieces(text: str, line: int, col: int, starts: list[int]):
    """Comma-separated pieces with their positions (single-line only)."""
    if "\n" in text:
        raise _FastFail
    out = []
    p = 0
    for part in text.split(","):
        lead = len(part) - len(part.lstrip())
        out.append((part.strip(), line, col + p + lead))
        p += len(part) + 1
    return out


def _operand_list(text: str, line: int, col: int, starts):
    return [_operand(t, ln, c) for t, ln, c in _pieces(text, line, col, starts)]


def _arguments(text: str, line: int, col: int, starts):
    if not text.strip():
        return []
    return [_expression(t, ln, c) for t, ln, c in _pieces(text, line, col, starts)]


def _expression(text: str, line: int, col: int):
    """sum := prod (('+'|'-') prod)*, prod := unary (('*'|'/') unary)*,
    unary := '-' unary | NUMBER | IDENTIFIER.  No '**', no parentheses."""
    toks = []
    p = 0
    while p < len(text):
        m = _EXPR_TOKEN.match(text, p)
        if m is None or m.end() == p:
            raise _FastFail
        kind = "num" if m.group(1) else "id" if m.group(2) else "op"
        val = m.group(m.lastindex)
        if val == "**":
            raise _FastFail
        toks.append((kind, val, col + m.start(m.lastindex)))
        p = m.end()
    if not toks:
        raise _FastFail
    i = 0

    def peek():
        return toks[i] if i < len(toks) else ("end", "", col + len(text))

    def unary():
        nonlocal i
        kind, val, c = peek()
        i += 1
        if (kind, val) == ("op", "-"):
            return _node(ast.UnaryExpression(ast.UnaryOperator["-"], unary()), line, c)
        if kind == "num":
            if re.fullmatch(r"\d+", val):
                return _node(ast.IntegerLiteral(int(val)), line, c)
            return _node(ast.FloatLiteral(float(val)), line, c)
        if kind == "id":
            _check_id(val)
            return _node(ast.Identifier(val), line, c)
        raise _FastFail

    def binary(sub, ops):
        nonlocal i
        lhs = sub()
        while peek()[0] == "op" and peek()[1] in ops:
            op = peek()[1]
            i += 1
            rhs = sub()
            lhs = _node(ast.BinaryExpression(ast.BinaryOperator[op], lhs, rhs),
                        lhs.span.start_line, lhs.span.start_column)
        return lhs

    def product():
        return binary(unary, ("*", "/"))

    e = binary(product, ("+", "-"))
    if i != len(toks):
        raise _FastFail
    return e


class _Reader:
    def __init__(self, text: str, filename: str):
        self.text = text
        self.file = filename
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.qregs: dict[str, _Reg] = {}
        self.num_virtual = 0
        self.physical: set[int] = set()
        self.cregs: dict[str, _Reg] = {}
        self.num_clbits = 0
        self.values: dict[str, object] = {}      # consts, variables (None: no value), inputs
        self.inputs: set[str] = set()
        self.gates: dict[str, ast.QuantumGateDefinition] = {}
        self.rows: list[tuple] = []   # (name, qubits|None, params, clbit, cond, val, matrix)
        self.phase: object = 0.0

    # ------------------------------------------------------------------ errors
    def _pos(self, node) -> tuple[int | None, int | None]:
        sp = getattr(node, "span", None)
        if sp is None:
            return None, None
        line, col = sp.start_line, sp.start_column
        if isinstance(node, ast.Identifier) and 1 <= line <= len(self.line_starts):
            # terminal spans carry the absolute offset instead of the column
            start = self.line_starts[line - 1]
            if not self.text.startswith(node.name, start + col) and col >= start and \
                    self.text.startswith(node.name, col):
                col -= start
        return line, col + 1

    def error(self, message: str, node=None) -> InputError:
        line, col = self._pos(node) if node is not None else (None, None)
        return InputError(message, file=self.file, line=line, column=col)

    # ------------------------------------------------------------------ driver
    def read(self, program: ast.Program) -> Circuit:
        for stmt in program.statements:
            self.statement(stmt, None)
        if self.physical:
            n = max(self.physical) + 1
            qregs = (("$", n),)
        else:
            n = self.num_virtual
            qregs = tuple((name, r.size) for name, r in self.qregs.items()) or None
        cregs = tuple((name, r.size) for name, r in self.cregs.items())
        b = CircuitBuilder(n, self.num_clbits, qregs=qregs, cregs=cregs,
                           global_phase=self.phase)
        for name, qs, ps, c, cond, val, mat in self.rows:
            if qs is None:          # barrier without operands: every qubit
                if not n:
                    continue
                qs = tuple(range(n))
            b.append(name, qs, ps, clbit=c, cond=cond, cond_val=val, matrix=mat)
        return b.build()

    def statement(self, stmt, cond):
        if isinstance(stmt, ast.Pragma):
            return
        if isinstance(stmt, ast.QuantumGate):
            self.emit(self.call(stmt, None, None, 0), cond, stmt)
        elif isinstance(stmt, ast.QuantumPhase):
            self.emit(self.phase_call(stmt, None, None, 0), cond, stmt)
        elif isinstance(stmt, ast.QuantumMeasurementStatement):
            if stmt.target is None:
                raise self.error("a measurement must store its result in a bit", stmt)
            self.measure(stmt.measure.qubit, stmt.target, cond, stmt)
        elif isinstance(stmt, ast.QuantumReset):
            for q in self.qubit_list(stmt.qubits, None):
                self.rows.append(("reset", (q,), (), -1, *(cond or (-1, 1)), None))
        elif isinstance(stmt, ast.QuantumBarrier):
            if stmt.qubits:
                qs: list[int] = []
                for operand in stmt.qubits:
                    for q in self.qubit_list(operand, None):
                        if q not in qs:
                            qs.append(q)
                self.rows.append(("barrier", tuple(qs), (), -1, -1, 1, None))
            else:
                self.rows.append(("barrier", None, (), -1, -1, 1, None))
        elif isinstance(stmt, ast.BranchingStatement):
            self.branch(stmt, cond)
        elif isinstance(stmt, ast.Box):
            for s in stmt.body:
                self.statement(s, cond)
        elif isinstance(stmt, ast.DelayInstruction):
            for operand in stmt.qubits:
                self.qubit_list(operand, None)   # still check the operands
        elif cond is not None and not isinstance(stmt, ast.Include):
            what = _UNSUPPORTED.get(type(stmt), type(stmt).__name__)
            raise self.error(f"unsupported construct inside an if block: {what}", stmt)
        elif isinstance(stmt, ast.Include):
            if stmt.filename not in ("stdgates.inc", "qelib1.inc"):
                raise self.error(f"cannot include {stmt.filename!r} (only stdgates.inc)",
                                 stmt)
        elif isinstance(stmt, ast.QubitDeclaration):
            self.declare_qubits(stmt)
        elif isinstance(stmt, ast.ClassicalDeclaration):
            self.declare_classical(stmt)
        elif isinstance(stmt, ast.ConstantDeclaration):
            self.declare_name(stmt.identifier, stmt)
            self.values[stmt.identifier.name] = self.expr(stmt.init_expression, None)
        elif isinstance(stmt, ast.IODeclaration):
            self.declare_io(stmt)
        elif isinstance(stmt, ast.QuantumGateDefinition):
            self.define_gate(stmt)
        else:
            what = _UNSUPPORTED.get(type(stmt), type(stmt).__name__)
            raise self.error(f"unsupported construct: {what}", stmt)

    # ------------------------------------------------------------------ declarations
    def declare_name(self, ident: ast.Identifier, node):
        name = ident.name
        if (name in self.qregs or name in self.cregs or name in self.values
                or name in _CONSTANTS):
            raise self.error(f"redeclaration of {name!r}", node)

    def declare_qubits(self, stmt: ast.QubitDeclaration):
        self.declare_name(stmt.qubit, stmt)
        if self.physical:
            raise self.error("cannot declare qubit registers in a program using physical "
                             "qubits", stmt)
        size = 1 if stmt.size is None else self.int_value(stmt.size, None)
        if size < 1:
            raise self.error(f"register size must be positive, got {size}", stmt)
        self.qregs[stmt.qubit.name] = _Reg(self.num_virtual, size, stmt.size is None)
        self.num_virtual += size

    def declare_bits(self, ident: ast.Identifier, size_node, node):
        self.declare_name(ident, node)
        size = 1 if size_node is None else self.int_value(size_node, None)
        if size < 1:
            raise self.error(f"register size must be positive, got {size}", node)
        self.cregs[ident.name] = _Reg(self.num_clbits, size, size_node is None)
        self.num_clbits += size

    def declare_classical(self, stmt: ast.ClassicalDeclaration):
        t = stmt.type
        if isinstance(t, ast.BitType):
            self.declare_bits(stmt.identifier, t.size, stmt)
            init = stmt.init_expression
            if isinstance(init, ast.QuantumMeasurement):
                self.measure(init.qubit, stmt.identifier, None, stmt)
            elif init is not None:
                raise self.error("unsupported construct: bit initialiser other than "
                                 "measure", stmt)
            return
        if isinstance(t, (ast.FloatType, ast.AngleType, ast.IntType, ast.UintType,
                          ast.BoolType)):
            self.declare_name(stmt.identifier, stmt)
            init = stmt.init_expression
            if isinstance(init, ast.QuantumMeasurement):
                raise self.error("unsupported construct: measurement into a non-bit "
                                 "variable", stmt)
            value = None if init is None else self.expr(init, None)
            if value is not None and isinstance(t, (ast.IntType, ast.UintType)):
                value = self._as_int(value, init)
            self.values[stmt.identifier.name] = value
            return
        raise self.error(f"unsupported construct: {type(t).__name__} variable", stmt)

    def declare_io(self, stmt: ast.IODeclaration):
        t = stmt.type
        if stmt.io_identifier == ast.IOKeyword.output:
            if isinstance(t, ast.BitType):
                self.declare_bits(stmt.identifier, t.size, stmt)
                return
            raise self.error("unsupported construct: output of a non-bit type", stmt)
        if isinstance(t, (ast.FloatType, ast.AngleType)):
            self.declare_name(stmt.identifier, stmt)
            name = stmt.identifier.name
            self.values[name] = Expr.symbol(name)
            self.inputs.add(name)
            return
        raise self.error(f"unsupported construct: input of type {type(t).__name__} "
                         "(only float and angle inputs)", stmt)

    def define_gate(self, stmt: ast.QuantumGateDefinition):
        name = stmt.name.name
        if name in self.gates or name in ("gphase",):
            raise self.error(f"redefinition of gate {name!r}", stmt)
        self.gates[name] = stmt
        if self._reproduces_table_gate(stmt):
            del self.gates[name]

    def _reproduces_table_gate(self, stmt) -> bool:
        """True if the definition equals the table gate of the same name (up to phase)."""
        g = GATES.by_name.get(ALIASES.get(stmt.name.name, stmt.name.name))
        if (g is None or not g.is_unitary or g.name == "unitary"
                or len(stmt.arguments) != g.num_params or len(stmt.qubits) != g.num_qubits):
            return False
        rng = np.random.default_rng(7)
        n = g.num_qubits
        for _ in range(2):
            ps = tuple(float(x) for x in rng.uniform(-3, 3, g.num_params))
            try:
                ops = self.inline(stmt, ps, tuple(range(n)), 1)
                got = _ops_matrix(ops, n)
            except (InputError, ValueError, TypeError):
                return False
            if not _same_up_to_phase(got, g.matrix(*ps)):
                return False
        return True

    # ------------------------------------------------------------------ expressions
    def expr(self, node, env):
        """Evaluate a classical expression to a number or a symbolic :class:`Expr`."""
        if isinstance(node, ast.IntegerLiteral):
            return node.value
        if isinstance(node, ast.FloatLiteral):
            return float(node.value)
        if isinstance(node, ast.BooleanLiteral):
            return int(node.value)
        if isinstance(node, ast.Identifier):
            name = node.name
            if env is not None and name in env:
                return env[name]
            if name in self.values:
                v = self.values[name]
                if v is None:
                    raise self.error(f"variable {name!r} has no constant value", node)
                return v
            if name in _CONSTANTS:
                return _CONSTANTS[name]
            if name in self.qregs or name in self.cregs:
                raise self.error(f"register {name!r} used as a number", node)
            raise self.error(f"undeclared identifier {name!r}", node)
        if isinstance(node, ast.UnaryExpression):
            if node.op == ast.UnaryOperator["-"]:
                return -self.expr(node.expression, env)
            raise self.error(f"unsupported operator {node.op.name!r} in an expression", node)
        if isinstance(node, ast.BinaryExpression):
            return self._binary(node, env)
        if isinstance(node, ast.FunctionCall):
            return self._function(node, env)
        if isinstance(node, ast.Cast):
            v = self.expr(node.argument, env)
            if isinstance(node.type, (ast.IntType, ast.UintType)):
                return self._as_int(v, node, truncate=True)
            if isinstance(node.type, (ast.FloatType, ast.AngleType)):
                return v
            raise self.error(f"unsupported cast to {type(node.type).__name__}", node)
        raise self.error(f"unsupported construct: {type(node).__name__} in an expression",
                         node)

    def _binary(self, node: ast.BinaryExpression, env):
        op = node.op.name
        if op not in ("+", "-", "*", "/", "**", "%"):
            raise self.error(f"unsupported operator {op!r} in an expression", node)
        a, b = self.expr(node.lhs, env), self.expr(node.rhs, env)
        try:
            if op == "+":
                return a + b
            if op == "-":
                return a - b
            if op == "*":
                return a * b
            if op == "/":
                return a / b            # float division, also for integers
            if op == "%":
                if isinstance(a, Expr) or isinstance(b, Expr):
                    raise self.error("'%' of symbolic values is not supported", node)
                return a % b
            if isinstance(a, int) and isinstance(b, int) and b >= 0:
                return a ** b
            return a ** b if isinstance(a, Expr) or isinstance(b, Expr) else float(a) ** b
        except ZeroDivisionError:
            raise self.error("division by zero", node) from None
        except (OverflowError, TypeError, ValueError) as exc:
            raise self.error(f"cannot evaluate expression: {exc}", node) from None

    def _function(self, node: ast.FunctionCall, env):
        name = node.name.name
        args = [self.expr(a, env) for a in node.arguments]
        if name in _FUNCS and len(args) == 1:
            f = _FUNCS[name]
            a = args[0]
            if isinstance(a, Expr):
                return a.apply(f)
            try:
                return _MATH[f](a)
            except ValueError:
                raise self.error(f"math domain error in {name}({a})", node) from None
        numeric = not any(isinstance(a, Expr) for a in args)
        if numeric and name == "pow" and len(args) == 2:
            return float(args[0]) ** args[1]
        if numeric and name in ("floor", "ceiling") and len(args) == 1:
            return math.floor(args[0]) if name == "floor" else math.ceil(args[0])
        if numeric and name == "mod" and len(args) == 2:
            return math.fmod(args[0], args[1])
        raise self.error(f"unsupported function call {name}() with {len(args)} argument(s)",
                         node)

    def _as_int(self, v, node, truncate: bool = False) -> int:
        if isinstance(v, Expr):
            if not v.is_constant():
                raise self.error("expected an integer, got a symbolic expression", node)
            v = float(v)
        if truncate:
            return int(v)
        if float(v) != int(v):
            raise self.error(f"expected an integer, got {v}", node)
        return int(v)

    def int_value(self, node, env) -> int:
        return self._as_int(self.expr(node, env), node)

    # ------------------------------------------------------------------ operands
    def qubit_list(self, operand, local: dict | None) -> list[int]:
        """The qubits an operand names (one for ``q[0]``/``$3``, all for a register)."""
        if isinstance(operand, ast.Identifier):
            name = operand.name
            if local is not None:
                if name in local:
                    return [local[name]]
                raise self.error(f"undeclared qubit {name!r} in gate body", operand)
            if name.startswith("$"):
                if self.qregs:
                    raise self.error("cannot mix physical qubits and declared qubit "
                                     "registers", operand)
                p = int(name[1:])
                self.physical.add(p)
                return [p]
            reg = self.qregs.get(name)
            if reg is None:
                raise self._undeclared(name, "qubit", operand)
            return list(range(reg.start, reg.start + reg.size))
        if isinstance(operand, ast.IndexedIdentifier):
            name = operand.name.name
            if local is not None:
                raise self.error(f"cannot index qubit {name!r} inside a gate body", operand)
            reg = self.qregs.get(name)
            if reg is None:
                raise self._undeclared(name, "qubit", operand)
            return [reg.start + i for i in self._indices(operand, reg, name, "qubit")]
        raise self.error(f"unsupported qubit operand {type(operand).__name__}", operand)

    def bit_list(self, operand) -> list[int]:
        if isinstance(operand, ast.Identifier):
            reg = self.cregs.get(operand.name)
            if reg is None:
                raise self._undeclared(operand.name, "bit", operand)
            return list(range(reg.start, reg.start + reg.size))
        if isinstance(operand, ast.IndexedIdentifier):
            name = operand.name.name
            reg = self.cregs.get(name)
            if reg is None:
                raise self._undeclared(name, "bit", operand)
            return [reg.start + i for i in self._indices(operand, reg, name, "bit")]
        if isinstance(operand, ast.IndexExpression) and isinstance(operand.collection,
                                                                   ast.Identifier):
            name = operand.collection.name
            reg = self.cregs.get(name)
            if reg is None:
                raise self._undeclared(name, "bit", operand)
            return [reg.start + i for i in self._index_elem(operand.index, reg, name, "bit",
                                                            operand)]
        raise self.error(f"unsupported bit operand {type(operand).__name__}", operand)

    def _undeclared(self, name: str, kind: str, node) -> InputError:
        other = self.cregs if kind == "qubit" else self.qregs
        if name in other:
            what = "bit" if kind == "qubit" else "qubit"
            return self.error(f"{name!r} is a {what} register, not a {kind} register", node)
        return self.error(f"undeclared {kind} register {name!r}", node)

    def _indices(self, operand: ast.IndexedIdentifier, reg: _Reg, name: str, kind: str):
        if len(operand.indices) != 1:
            raise self.error(f"multi-dimensional index into {kind} register {name!r}",
                             operand)
        return self._index_elem(operand.indices[0], reg, name, kind, operand)

    def _index_elem(self, elem, reg: _Reg, name: str, kind: str, node) -> list[int]:
        if reg.scalar:
            raise self.error(f"{kind} {name!r} is not a register and cannot be indexed", node)
        if isinstance(elem, ast.DiscreteSet):
            items = [self.int_value(v, None) for v in elem.values]
        else:
            items = []
            for e in elem:
                if isinstance(e, ast.RangeDefinition):
                    start = 0 if e.start is None else self.int_value(e.start, None)
                    end = reg.size - 1 if e.end is None else self.int_value(e.end, None)
                    step = 1 if e.step is None else self.int_value(e.step, None)
                    if step == 0:
                        raise self.error("range step must not be zero", node)
                    start, end = (start + reg.size if start < 0 else start,
                                  end + reg.size if end < 0 else end)
                    items.extend(range(start, end + (1 if step > 0 else -1), step))
                else:
                    items.append(self.int_value(e, None))
        out = []
        for i in items:
            j = i + reg.size if i < 0 else i
            if not 0 <= j < reg.size:
                raise self.error(f"index {i} out of range for {kind} register {name!r} of "
                                 f"size {reg.size}", node)
            out.append(j)
        return out

    # ------------------------------------------------------------------ quantum statements
    def emit(self, ops: list[_Op], cond, node):
        cb, cv = cond if cond is not None else (-1, 1)
        for op in ops:
            if op.name == "gphase":
                if cond is None:          # a conditioned global phase is unobservable
                    self.phase = self.phase + op.params[0]
                continue
            self.rows.append((op.name, op.qubits, op.params, -1, cb, cv, op.matrix))

    def measure(self, qubit_node, target_node, cond, stmt):
        qs = self.qubit_list(qubit_node, None)
        cs = self.bit_list(target_node)
        if len(qs) != len(cs):
            raise self.error(f"measure of {len(qs)} qubit(s) into {len(cs)} bit(s)", stmt)
        cb, cv = cond if cond is not None else (-1, 1)
        for q, c in zip(qs, cs):
            self.rows.append(("measure", (q,), (), c, cb, cv, None))

    def branch(self, stmt: ast.BranchingStatement, cond):
        bit, val = self.condition(stmt.condition)
        if cond is not None and cond != (bit, val):
            raise self.error("unsupported construct: nested conditions on different bits",
                             stmt)
        first = len(self.rows)
        for s in stmt.if_block:
            self.statement(s, (bit, val))
        if stmt.else_block:
            if cond is not None:
                raise self.error("unsupported construct: else branch inside an if block",
                                 stmt)
            if any(r[0] == "measure" and r[3] == bit for r in self.rows[first:]):
                raise self.error("unsupported construct: else branch after an if block "
                                 "that overwrites its condition bit", stmt)
            for s in stmt.else_block:
                self.statement(s, (bit, 1 - val))

    def condition(self, node) -> tuple[int, int]:
        """(bit, value) of a single-bit condition."""
        if isinstance(node, ast.UnaryExpression) and node.op.name in ("!", "~"):
            bit, val = self.condition(node.expression)
            return bit, 1 - val
        if isinstance(node, ast.BinaryExpression) and node.op.name in ("==", "!="):
            lhs, rhs = node.lhs, node.rhs
            if isinstance(lhs, (ast.IntegerLiteral, ast.BooleanLiteral, ast.BitstringLiteral)):
                lhs, rhs = rhs, lhs
            if not isinstance(rhs, (ast.IntegerLiteral, ast.BooleanLiteral,
                                    ast.BitstringLiteral)):
                raise self.error("unsupported condition: compare a bit with 0 or 1", node)
            bit, val = self.condition(lhs)
            want = int(rhs.value)
            if want not in (0, 1):
                raise self.error(f"unsupported condition: a single bit compared with {want}",
                                 node)
            v = val if want == 1 else 1 - val
            return bit, v if node.op.name == "==" else 1 - v
        if isinstance(node, (ast.Identifier, ast.IndexExpression)):
            name = node.name if isinstance(node, ast.Identifier) else getattr(
                node.collection, "name", None)
            if name in self.cregs or isinstance(node, ast.IndexExpression):
                bits = self.bit_list(node)
                if len(bits) != 1:
                    raise self.error(f"unsupported construct: condition on {len(bits)} bits "
                                     "(single-bit conditions only)", node)
                return bits[0], 1
            raise self.error(f"unsupported condition on {name!r} (not a bit register)",
                             node)
        raise self.error(f"unsupported condition ({type(node).__name__}); only single-bit "
                         "conditions are supported", node)

    # ------------------------------------------------------------------ gate calls
    def call(self, node: ast.QuantumGate, local, env, depth) -> list[_Op]:
        """Ops of one gate statement (broadcast over registers, modifiers applied)."""
        name = node.name.name
        params = tuple(self.expr(a, env) for a in node.arguments)
        lists = [self.qubit_list(q, local) for q in node.qubits]
        return self._broadcast(name, params, lists, node, depth)

    def phase_call(self, node: ast.QuantumPhase, local, env, depth) -> list[_Op]:
        params = (self.expr(node.argument, env),)
        lists = [self.qubit_list(q, local) for q in node.qubits]
        return self._broadcast("gphase", params, lists, node, depth)

    def _broadcast(self, name, params, lists, node, depth) -> list[_Op]:
        if not lists:
            return self.expand(name, params, (), node.modifiers, node, depth)
        sizes = sorted({len(x) for x in lists if len(x) != 1})
        if len(sizes) > 1:
            raise self.error(f"broadcast over registers of different sizes "
                             f"({', '.join(map(str, sizes))})", node)
        n = sizes[0] if sizes else 1
        ops: list[_Op] = []
        for k in range(n):
            qs = tuple(x[0] if len(x) == 1 else x[k] for x in lists)
            if len(set(qs)) != len(qs):
                raise self.error(f"gate {name!r} applied to repeated qubits", node)
            ops.extend(self.expand(name, params, qs, node.modifiers, node, depth))
        return ops

    def expand(self, name, params, qs, modifiers, node, depth) -> list[_Op]:
        # controls come first in the operand list, outermost modifier first
        slices = []
        k = 0
        for m in modifiers:
            if m.modifier.name in ("ctrl", "negctrl"):
                n = 1 if m.argument is None else self.int_value(m.argument, None)
                if n < 1:
                    raise self.error(f"{m.modifier.name}({n}) needs a positive count", m)
                slices.append((k, k + n))
                k += n
            else:
                slices.append(None)
        if k > len(qs):
            raise self.error(f"gate {name!r} with {k} control(s) needs more than "
                             f"{len(qs)} qubit(s)", node)
        ops = self.base(name, params, qs[k:], node, depth)
        for m, sl in zip(reversed(modifiers), reversed(slices)):
            kind = m.modifier.name
            if kind == "inv":
                ops = self.invert(ops, node)
            elif kind == "pow":
                ops = self.power(ops, self.expr(m.argument, None), node)
            else:
                for c in reversed(qs[sl[0]:sl[1]]):
                    ops = self.control(ops, c, kind == "negctrl", node)
        return ops

    def base(self, name, params, qs, node, depth) -> list[_Op]:
        if name == "gphase":
            if qs:
                raise self.error("gphase takes no qubits (use ctrl @ gphase)", node)
            return [_Op("gphase", (), params)]
        if name in self.gates:
            d = self.gates[name]
            if len(params) != len(d.arguments):
                raise self.error(f"gate {name!r} takes {len(d.arguments)} parameter(s), "
                                 f"got {len(params)}", node)
            if len(qs) != len(d.qubits):
                raise self.error(f"gate {name!r} takes {len(d.qubits)} qubit(s), got "
                                 f"{len(qs)}", node)
            if depth > 64:
                raise self.error(f"gate {name!r}: definitions nested too deeply "
                                 "(recursive definition?)", node)
            return self.inline(d, params, qs, depth + 1)
        g = GATES.by_name.get(ALIASES.get(name, name))
        if g is None or not g.is_unitary or g.name == "unitary":
            raise self.error(f"unknown gate {name!r}", node)
        if len(params) != g.num_params:
            raise self.error(f"gate {name!r} takes {g.num_params} parameter(s), got "
                             f"{len(params)}", node)
        if len(qs) != g.num_qubits:
            raise self.error(f"gate {name!r} takes {g.num_qubits} qubit(s), got {len(qs)}",
                             node)
        return [_Op(g.name, tuple(qs), tuple(params))]

    def inline(self, d: ast.QuantumGateDefinition, params, qs, depth) -> list[_Op]:
        env = {a.name: p for a, p in zip(d.arguments, params)}
        local = {q.name: v for q, v in zip(d.qubits, qs)}
        ops: list[_Op] = []
        for s in d.body:
            if isinstance(s, ast.QuantumGate):
                ops.extend(self.call(s, local, env, depth))
            elif isinstance(s, ast.QuantumPhase):
                ops.extend(self.phase_call(s, local, env, depth))
            elif isinstance(s, ast.QuantumBarrier):
                continue
            else:
                what = _UNSUPPORTED.get(type(s), type(s).__name__)
                raise self.error(f"unsupported construct in a gate body: {what}", s)
        return ops

    # ------------------------------------------------------------------ modifiers
    def invert(self, ops: list[_Op], node) -> list[_Op]:
        out = []
        for op in reversed(ops):
            if op.name == "gphase":
                out.append(_Op("gphase", (), (-op.params[0],)))
                continue
            if op.name == "unitary":
                out.append(op._replace(matrix=op.matrix.conj().T))
                continue
            g = GATES.by_name[op.name]
            if g.self_inverse:
                out.append(op)
            elif g.inverse is not None:
                ps = g.inverse_params(*op.params) if g.inverse_params else ()
                out.append(_Op(g.inverse, op.qubits, tuple(ps)))
            elif _numeric(op.params):
                out.append(_Op("unitary", op.qubits, (), g.matrix(*op.params).conj().T))
            else:
                raise self.error(f"inv @ {op.name} with symbolic parameters is not "
                                 "supported", node)
        return out

    def power(self, ops: list[_Op], k, node) -> list[_Op]:
        if isinstance(k, Expr):
            if not k.is_constant():
                raise self.error("pow(k) @ with a symbolic exponent is not supported", node)
            k = float(k)
        if float(k) == int(k):
            k = int(k)
            base = ops if k >= 0 else self.invert(ops, node)
            return [op for _ in range(abs(k)) for op in base]
        if len(ops) == 1 and ops[0].name in _ROTATIONS:
            op = ops[0]
            return [op._replace(params=tuple(p * k for p in op.params))]
        if not all(op.name in ("gphase", "unitary") or _numeric(op.params) for op in ops):
            raise self.error("pow(k) @ with non-integer k on a symbolic gate is not "
                             "supported", node)
        qubits = sorted({q for op in ops for q in op.qubits})
        if not qubits:
            return [_Op("gphase", (), (sum(float(op.params[0]) for op in ops) * k,))]
        local = {q: i for i, q in enumerate(qubits)}
        m = _ops_matrix([op._replace(qubits=tuple(local[q] for q in op.qubits))
                         for op in ops], len(qubits))
        return [_Op("unitary", tuple(qubits), (), _unitary_power(m, k))]

    def control(self, ops: list[_Op], c: int, negated: bool, node) -> list[_Op]:
        out = [_Op("x", (c,), ())] if negated else []
        for op in ops:
            if c in op.qubits:
                raise self.error("control qubit is also a target", node)
            if op.name == "gphase":
                out.append(_Op("p", (c,), op.params))
                continue
            if op.name == "id":
                out.append(op)
                continue
            if op.name in _CONTROLLED:
                cname, fn = _CONTROLLED[op.name]
                ps = fn(*op.params) if fn else op.params
                out.append(_Op(cname, (c,) + op.qubits, tuple(ps)))
                continue
            if op.name == "unitary" or _numeric(op.params):
                m = op.matrix if op.name == "unitary" else GATES.by_name[op.name].matrix(
                    *op.params)
                cm = np.eye(2 * m.shape[0], dtype=complex)
                cm[m.shape[0]:, m.shape[0]:] = m
                out.append(_Op("unitary", (c,) + op.qubits, (), cm))
                continue
            raise self.error(f"ctrl @ {op.name} with symbolic parameters is not supported",
                             node)
        if negated:
            out.append(_Op("x", (c,), ()))
        return out


def _numeric(params) -> bool:
    return all(not isinstance(p, Expr) or p.is_constant() for p in params)


def _ops_matrix(ops: list[_Op], n: int) -> np.ndarray:
    """Unitary (big-endian) of numeric ops on qubits ``0..n-1``, global phase included."""
    b = CircuitBuilder(n)
    phase = 0.0
    for op in ops:
        if op.name == "gphase":
            phase += float(op.params[0])
        else:
            b.append(op.name, op.qubits, tuple(float(p) for p in op.params), matrix=op.matrix)
    b.global_phase = phase
    return b.build().unitary()


def _same_up_to_phase(a: np.ndarray, b: np.ndarray, atol: float = 1e-9) -> bool:
    i = int(np.argmax(np.abs(b)))
    if abs(b.flat[i]) < 1e-12:
        return False
    ph = a.flat[i] / b.flat[i]
    return abs(abs(ph) - 1) < 1e-9 and np.allclose(a, ph * b, atol=atol)


def _unitary_power(m: np.ndarray, k: float) -> np.ndarray:
    """Principal ``k``-th power of a unitary (eigenphases in (-pi, pi])."""
    from scipy.linalg import schur

    t, z = schur(m, output="complex")
    d = np.diag(t)
    phases = np.angle(d)
    return (z * np.exp(1j * k * phases)) @ z.conj().T

