"""qtool's circuit IR: one flat, ordered instruction table in numpy arrays.

Row ``i`` of a :class:`Circuit` is one instruction:

=========  ==============  ==========================================================
array      dtype / shape   meaning
=========  ==============  ==========================================================
``op``     uint16[n]       index into :data:`qtool.gates.GATES`
``qargs``  int32[n, 3]     qubit operands, ``-1`` padded (wider rows: ``wide``)
``cargs``  int32[n]        classical bit written (``measure``), else ``-1``
``cond``   int32[n]        classical bit the row is conditioned on, else ``-1``
``flags``  uint8[n]        bit 0: condition value (``if (c)`` is 1, ``if (!c)`` 0);
                           bit 1: row is wider than 3 qubits (see ``wide``)
``pidx``   int32[n]        first parameter slot in ``params`` (count from gate table)
``params`` float64[m]      numeric parameter values (``nan`` for symbolic slots)
=========  ==============  ==========================================================

Side tables hold what kernels never touch: ``exprs`` (slot -> symbolic :class:`Expr`),
``wide`` (row -> all its qubits, for barriers over more than 3 qubits) and ``mats`` (row ->
matrix of an opaque ``unitary`` row).

A circuit is immutable: its arrays are read-only and passes build new circuits through a
:class:`CircuitBuilder`.  Derived indices (the wire index, counts) are cached on the
object, and ``version`` identifies the object for analysis caches.

Layout lives on the circuit (:class:`Layout`): once laid out, qubit ``p`` of the circuit is
physical qubit ``p`` of the target, ``layout.initial[v]`` is where virtual qubit ``v``
starts and ``layout.final[v]`` where its state is at the end.

Examples
--------
>>> from qtool import Circuit
>>> b = Circuit.builder(2, 2)
>>> b.h(0); b.cx(0, 1); b.measure(0, 0); b.measure(1, 1)
>>> c = b.build()
>>> len(c), c.count_ops()
(4, {'cx': 1, 'h': 1, 'measure': 2})
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Iterator, Mapping, NamedTuple, Sequence

import numpy as np

from .gates import BARRIER, GATES, MEASURE, RESET, UNITARY_OP, Gate
from .params import Expr, ParamLike, is_symbolic

__all__ = ["Circuit", "CircuitBuilder", "Instruction", "Layout"]

FLAG_COND_VAL = 1
FLAG_WIDE = 2

_versions = itertools.count(1)


@dataclass(frozen=True)
class Layout:
    """Where each qubit sits on the device, as two permutations of the physical qubits.

    Logical qubit ``i`` (``0 <= i < num_virtual`` are the input circuit's qubits, the rest
    are ancillas) starts on physical qubit ``initial[i]`` and its state ends on physical
    qubit ``final[i]`` (after routing swaps).  Both tuples have one entry per physical
    qubit, so the compiled circuit's unitary is exactly
    ``P_final . (U_input (x) I_ancilla) . P_initial^-1``.
    """

    initial: tuple[int, ...]
    final: tuple[int, ...]
    num_virtual: int

    def __post_init__(self):
        n = len(self.initial)
        if sorted(self.initial) != list(range(n)) or sorted(self.final) != list(range(n)):
            raise ValueError("layout entries must be permutations of the physical qubits")
        if not 0 <= self.num_virtual <= n:
            raise ValueError("num_virtual out of range")

    @staticmethod
    def trivial(num_virtual: int, num_physical: int) -> "Layout":
        t = tuple(range(num_physical))
        return Layout(t, t, num_virtual)

    def permutation(self) -> list[int]:
        """``perm[p_start] = p_end``: where the state on each physical qubit ends up."""
        perm = [0] * len(self.initial)
        for s, e in zip(self.initial, self.final):
            perm[s] = e
        return perm

    def with_final(self, final) -> "Layout":
        return Layout(self.initial, tuple(int(x) for x in final), self.num_virtual)

    def to_dict(self) -> dict:
        return {"initial_layout": list(self.initial[:self.num_virtual]),
                "final_layout": list(self.final[:self.num_virtual]),
                "initial_full": list(self.initial), "final_full": list(self.final)}


class Instruction(NamedTuple):
    """A decoded row (for readable Python code; hot loops use the arrays)."""

    name: str
    qubits: tuple[int, ...]
    params: tuple[ParamLike, ...]
    clbit: int = -1
    cond: int = -1
    cond_val: int = 1
    matrix: np.ndarray | None = None

    @property
    def gate(self) -> Gate:
        return GATES.by_name[self.name]


def _ro(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


class Circuit:
    """A quantum circuit as a flat instruction table (see the module docstring)."""

    __slots__ = ("num_qubits", "num_clbits", "op", "qargs", "cargs", "cond", "flags", "pidx",
                 "params", "exprs", "wide", "mats", "qregs", "cregs", "global_phase", "layout",
                 "name", "version", "_cache")

    def __init__(self, num_qubits: int, num_clbits: int, op, qargs, cargs, cond, flags, pidx,
                 params, *, exprs=None, wide=None, mats=None, qregs=None, cregs=None,
                 global_phase: ParamLike = 0.0, layout: Layout | None = None, name: str = ""):
        self.num_qubits = int(num_qubits)
        self.num_clbits = int(num_clbits)
        self.op = _ro(np.ascontiguousarray(op, dtype=np.uint16))
        self.qargs = _ro(np.ascontiguousarray(qargs, dtype=np.int32).reshape(-1, 3))
        self.cargs = _ro(np.ascontiguousarray(cargs, dtype=np.int32))
        self.cond = _ro(np.ascontiguousarray(cond, dtype=np.int32))
        self.flags = _ro(np.ascontiguousarray(flags, dtype=np.uint8))
        self.pidx = _ro(np.ascontiguousarray(pidx, dtype=np.int32))
        self.params = _ro(np.ascontiguousarray(params, dtype=np.float64))
        self.exprs: dict[int, Expr] = dict(exprs or {})
        self.wide: dict[int, tuple[int, ...]] = dict(wide or {})
        self.mats: dict[int, np.ndarray] = dict(mats or {})
        self.qregs: tuple[tuple[str, int], ...] = tuple(qregs or (("q", self.num_qubits),))
        self.cregs: tuple[tuple[str, int], ...] = tuple(
            cregs if cregs is not None else ((("c", self.num_clbits),) if self.num_clbits else ()))
        gp = global_phase
        self.global_phase = gp if is_symbolic(gp) else float(gp)
        self.layout = layout
        self.name = name
        self.version = next(_versions)
        self._cache: dict = {}

    # ------------------------------------------------------------------ construction
    @staticmethod
    def builder(num_qubits: int, num_clbits: int = 0, **meta) -> "CircuitBuilder":
        return CircuitBuilder(num_qubits, num_clbits, **meta)

    def derive(self, num_qubits: int | None = None) -> "CircuitBuilder":
        """An empty builder carrying this circuit's registers, phase, layout and name."""
        return CircuitBuilder(self.num_qubits if num_qubits is None else num_qubits,
                              self.num_clbits, qregs=self.qregs if num_qubits is None else None,
                              cregs=self.cregs, global_phase=self.global_phase,
                              layout=self.layout, name=self.name)

    @staticmethod
    def from_instructions(num_qubits: int, instructions, num_clbits: int = 0, **meta) -> "Circuit":
        b = CircuitBuilder(num_qubits, num_clbits, **meta)
        for ins in instructions:
            if isinstance(ins, Instruction):
                b.append(ins.name, ins.qubits, ins.params, clbit=ins.clbit, cond=ins.cond,
                         cond_val=ins.cond_val, matrix=ins.matrix)
            else:
                b.append(*ins)
        return b.build()

    def replace(self, **fields) -> "Circuit":
        """A shallow copy with some metadata replaced (arrays are shared: they are read-only)."""
        kw = dict(exprs=self.exprs, wide=self.wide, mats=self.mats, qregs=self.qregs,
                  cregs=self.cregs, global_phase=self.global_phase, layout=self.layout,
                  name=self.name)
        arrays = dict(num_qubits=self.num_qubits, num_clbits=self.num_clbits, op=self.op,
                      qargs=self.qargs, cargs=self.cargs, cond=self.cond, flags=self.flags,
                      pidx=self.pidx, params=self.params)
        for k, v in fields.items():
            (arrays if k in arrays else kw)[k] = v
        return Circuit(**arrays, **kw)

    # ------------------------------------------------------------------ decoding
    def __len__(self) -> int:
        return len(self.op)

    def gate(self, i: int) -> Gate:
        return GATES[int(self.op[i])]

    def name_of(self, i: int) -> str:
        return GATES[int(self.op[i])].name

    def qubits_of(self, i: int) -> tuple[int, ...]:
        if self.flags[i] & FLAG_WIDE:
            return self.wide[i]
        q = self.qargs[i]
        return tuple(int(x) for x in q if x >= 0)

    def params_of(self, i: int) -> tuple[ParamLike, ...]:
        k = GATES.nparams[self.op[i]]
        if not k:
            return ()
        s = int(self.pidx[i])
        ex = self.exprs
        return tuple(ex[j] if j in ex else float(self.params[j]) for j in range(s, s + k))

    def is_parametric(self, i: int) -> bool:
        """True if row ``i`` has a symbolic parameter."""
        k = GATES.nparams[self.op[i]]
        s = int(self.pidx[i])
        return bool(k) and any(j in self.exprs for j in range(s, s + k))

    def instruction(self, i: int) -> Instruction:
        return Instruction(self.name_of(i), self.qubits_of(i), self.params_of(i),
                           int(self.cargs[i]), int(self.cond[i]),
                           int(self.flags[i] & FLAG_COND_VAL), self.mats.get(i))

    def __iter__(self) -> Iterator[Instruction]:
        return (self.instruction(i) for i in range(len(self)))

    def __repr__(self) -> str:
        return (f"<Circuit {self.name or ''} qubits={self.num_qubits} clbits={self.num_clbits} "
                f"ops={len(self)}>")

    def __eq__(self, other) -> bool:
        """Structural equality: the same rows, parameters and metadata."""
        if not isinstance(other, Circuit):
            return NotImplemented
        if (self.num_qubits, self.num_clbits, len(self)) != (other.num_qubits, other.num_clbits,
                                                             len(other)):
            return False
        if not (np.array_equal(self.op, other.op) and np.array_equal(self.qargs, other.qargs)
                and np.array_equal(self.cargs, other.cargs)
                and np.array_equal(self.cond, other.cond)
                and np.array_equal(self.flags, other.flags)):
            return False
        return (all(self.params_of(i) == other.params_of(i) for i in range(len(self)))
                and self.wide == other.wide and self.layout == other.layout
                and self.global_phase == other.global_phase
                and all(np.array_equal(m, other.mats.get(i)) for i, m in self.mats.items()))

    __hash__ = None  # mutable-looking API, identity by version

    # ------------------------------------------------------------------ analysis
    @property
    def parameters(self) -> list[str]:
        """Names of the free symbols, sorted (vector elements by index)."""
        names = set()
        for e in self.exprs.values():
            names |= e.free_symbols
        if is_symbolic(self.global_phase):
            names |= self.global_phase.free_symbols
        return sorted(names, key=_param_sort_key)

    def count_ops(self) -> dict[str, int]:
        """Op name -> count, sorted by name."""
        ids, counts = np.unique(self.op, return_counts=True)
        return {GATES[int(i)].name: int(c) for i, c in sorted(
            zip(ids, counts), key=lambda t: GATES[int(t[0])].name)}

    def arity(self) -> np.ndarray:
        """Number of qubits of every row (wide rows included)."""
        if "arity" not in self._cache:
            a = (self.qargs >= 0).sum(axis=1).astype(np.int32)
            for i, qs in self.wide.items():
                a[i] = len(qs)
            self._cache["arity"] = _ro(a)
        return self._cache["arity"]

    def two_qubit_mask(self) -> np.ndarray:
        """Rows that are unitary gates on exactly two qubits."""
        return (self.arity() == 2) & (self.op != BARRIER)

    def num_2q(self) -> int:
        return int(self.two_qubit_mask().sum())

    def num_1q(self) -> int:
        unitary = np.array([g.is_unitary for g in GATES.gates])[self.op]
        return int(((self.arity() == 1) & unitary).sum())

    def operands(self) -> tuple[np.ndarray, np.ndarray]:
        """Wire operands of every row in CSR form ``(ptr, wires)``.

        Wires ``0..num_qubits-1`` are qubits and ``num_qubits + c`` is classical bit ``c``
        (written by a measure or read by a condition).  Cached.
        """
        if "operands" in self._cache:
            return self._cache["operands"]
        n = len(self)
        nq = self.num_qubits
        q = self.qargs
        cl = np.stack([np.where(self.cargs >= 0, self.cargs + nq, -1),
                       np.where((self.cond >= 0) & (self.cond != self.cargs), self.cond + nq, -1)],
                      axis=1)
        full = np.concatenate([q, cl], axis=1)
        if self.wide:
            rows = []
            for i in range(n):
                if i in self.wide:
                    rows.append(np.array(list(self.wide[i]) + [x for x in full[i, 3:] if x >= 0],
                                         dtype=np.int32))
                else:
                    rows.append(full[i][full[i] >= 0])
            counts = np.array([len(r) for r in rows], dtype=np.int64)
            wires = np.concatenate(rows) if rows else np.zeros(0, np.int32)
        else:
            mask = full >= 0
            counts = mask.sum(axis=1)
            wires = full[mask]
        ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=ptr[1:])
        out = (_ro(ptr.astype(np.int32)), _ro(wires.astype(np.int32)))
        self._cache["operands"] = out
        return out

    def wires(self):
        """The cached wire index (predecessor/successor of every operand), see
        :func:`qtool.dag.wire_index`."""
        if "wires" not in self._cache:
            from .dag import wire_index
            self._cache["wires"] = wire_index(self)
        return self._cache["wires"]

    def depth(self, two_qubit_only: bool = False) -> int:
        """Circuit depth (barriers excluded; with ``two_qubit_only`` only 2Q gates count)."""
        key = ("depth", two_qubit_only)
        if key not in self._cache:
            from .dag import depth
            self._cache[key] = depth(self, two_qubit_only)
        return self._cache[key]

    def active_qubits(self) -> list[int]:
        """Qubits touched by some non-barrier row, sorted."""
        mask = self.op != BARRIER
        qs = set(int(x) for x in np.unique(self.qargs[mask]) if x >= 0)
        for i, w in self.wide.items():
            if self.op[i] != BARRIER:
                qs.update(w)
        return sorted(qs)

    # ------------------------------------------------------------------ transforms
    def select(self, keep: np.ndarray) -> "Circuit":
        """The rows where the boolean mask ``keep`` is True (parameters compacted)."""
        keep = np.asarray(keep, dtype=bool)
        idx = np.flatnonzero(keep)
        b = self.derive()
        b.extend(self, idx)
        return b.build()

    def bind(self, values: Mapping[str, float], *, strict: bool = True) -> "Circuit":
        """Substitute parameter values; ``strict`` rejects symbols left unbound."""
        values = {str(k): v for k, v in values.items()}
        if strict:
            missing = [p for p in self.parameters if p not in values]
            if missing:
                raise KeyError(f"unbound parameter(s): {', '.join(missing)}")
        params = np.array(self.params)
        exprs = {}
        for slot, e in self.exprs.items():
            v = e.bind(values)
            if isinstance(v, Expr):
                exprs[slot] = v
            else:
                params[slot] = v
        gp = self.global_phase
        if isinstance(gp, Expr):
            gp = gp.bind(values)
        return self.replace(params=params, exprs=exprs, global_phase=gp)

    def inverse(self) -> "Circuit":
        """The adjoint circuit (symbolic parameters kept).  Only unitary rows allowed."""
        b = self.derive()
        for i in range(len(self) - 1, -1, -1):
            g = self.gate(i)
            qs = self.qubits_of(i)
            if g.op == BARRIER:
                b.append(g.op, qs)
                continue
            if not g.is_unitary or self.cond[i] >= 0:
                raise ValueError(f"cannot invert non-unitary row {i} ({g.name})")
            if g.op == UNITARY_OP:
                b.append(g.op, qs, matrix=self.mats[i].conj().T)
            elif g.self_inverse:
                b.append(g.op, qs, self.params_of(i))
            elif g.inverse is not None:
                ps = self.params_of(i)
                ps = g.inverse_params(*ps) if g.inverse_params else ()
                b.append(g.inverse, qs, ps)
            else:
                b.append(UNITARY_OP, qs, matrix=g.matrix().conj().T)
        b.global_phase = -self.global_phase
        return b.build()

    def remap(self, mapping: Sequence[int], num_qubits: int | None = None) -> "Circuit":
        """Relabel qubit ``q`` as ``mapping[q]`` (on ``num_qubits`` qubits)."""
        m = np.asarray(list(mapping) + [-1], dtype=np.int32)  # m[-1] = -1 keeps padding
        q = np.where(self.qargs >= 0, m[self.qargs], -1)
        wide = {i: tuple(int(m[x]) for x in w) for i, w in self.wide.items()}
        nq = self.num_qubits if num_qubits is None else num_qubits
        return self.replace(num_qubits=nq, qargs=q, wide=wide,
                            qregs=(("q", nq),) if nq != self.num_qubits else self.qregs)

    # ------------------------------------------------------------------ interop
    def to_qiskit(self):
        from .interop.qiskit import to_qiskit
        return to_qiskit(self)

    @staticmethod
    def from_qiskit(qc) -> "Circuit":
        from .interop.qiskit import from_qiskit
        return from_qiskit(qc)

    def to_pytket(self):
        from .interop.pytket import to_pytket
        return to_pytket(self)

    @staticmethod
    def from_pytket(circ) -> "Circuit":
        from .interop.pytket import from_pytket
        return from_pytket(circ)

    def unitary(self) -> np.ndarray:
        """Dense unitary (big-endian: qubit 0 is the most significant bit)."""
        from .simulate import unitary
        return unitary(self)

    def statevector(self) -> np.ndarray:
        from .simulate import statevector
        return statevector(self)


def _param_sort_key(name: str):
    if name.endswith("]") and "[" in name:
        base, idx = name[:-1].split("[", 1)
        return (base, int(idx))
    return (name, -1)


def push_params(values, params: list, exprs: dict) -> None:
    """Append parameter ``values`` to a flat slot list: numbers as floats, symbolic
    expressions as ``nan`` with the expression kept in ``exprs[slot]``."""
    for p in values:
        if type(p) is float:
            params.append(p)
        elif isinstance(p, Expr):
            if p.is_constant():
                params.append(float(p))
            else:
                exprs[len(params)] = p
                params.append(np.nan)
        else:
            params.append(float(p))


class CircuitBuilder:
    """Append-only construction of a :class:`Circuit`.

    Methods named after gates (``b.h(0)``, ``b.cx(0, 1)``, ``b.rz(theta, 2)``) are
    shortcuts for :meth:`append`.  Parameters are given before qubits, as in OpenQASM.
    """

    def __init__(self, num_qubits: int, num_clbits: int = 0, *, qregs=None, cregs=None,
                 global_phase: ParamLike = 0.0, layout: Layout | None = None, name: str = ""):
        self.num_qubits = int(num_qubits)
        self.num_clbits = int(num_clbits)
        self.qregs = qregs
        self.cregs = cregs
        self.global_phase = global_phase
        self.layout = layout
        self.name = name
        self._op: list[int] = []
        self._q: list[tuple[int, int, int]] = []
        self._c: list[int] = []
        self._cond: list[int] = []
        self._flags: list[int] = []
        self._pidx: list[int] = []
        self._params: list[float] = []
        self._exprs: dict[int, Expr] = {}
        self._wide: dict[int, tuple[int, ...]] = {}
        self._mats: dict[int, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self._op)

    def append(self, gate, qubits: Sequence[int], params: Sequence[ParamLike] = (), *,
               clbit: int = -1, cond: int = -1, cond_val: int = 1,
               matrix: np.ndarray | None = None) -> int:
        """Append one row; returns its index.  ``gate`` is a name or an op id."""
        g = GATES.by_name[gate] if isinstance(gate, str) else GATES[int(gate)]
        qubits = tuple(int(q) for q in qubits)
        nq = len(qubits)
        if g.num_qubits and nq != g.num_qubits:
            raise ValueError(f"gate {g.name} takes {g.num_qubits} qubit(s), got {nq}")
        if len(params) != g.num_params:
            raise ValueError(f"gate {g.name} takes {g.num_params} parameter(s), got "
                             f"{len(params)}")
        for q in qubits:
            if not 0 <= q < self.num_qubits:
                raise ValueError(f"qubit index {q} out of range for {self.num_qubits} qubits")
        if len(set(qubits)) != nq:
            raise ValueError(f"gate {g.name} applied to repeated qubits {qubits}")
        for c in (clbit, cond):
            if c >= self.num_clbits or c < -1:
                raise ValueError(f"classical bit {c} out of range for {self.num_clbits} bits")
        i = len(self._op)
        flags = FLAG_COND_VAL if cond_val else 0
        if nq > 3:
            if g.op not in (BARRIER, UNITARY_OP):
                raise ValueError(f"{g.name}: only barriers and unitaries may be wider than 3")
            self._wide[i] = qubits
            flags |= FLAG_WIDE
        if g.op == UNITARY_OP:
            if matrix is None or matrix.shape != (1 << nq, 1 << nq):
                raise ValueError(f"unitary on {nq} qubits needs a {1 << nq}x{1 << nq} matrix")
            self._mats[i] = np.asarray(matrix, dtype=complex)
        self._op.append(g.op)
        self._q.append((qubits + (-1, -1, -1))[:3])
        self._c.append(int(clbit))
        self._cond.append(int(cond))
        self._flags.append(flags)
        self._pidx.append(len(self._params))
        push_params(params, self._params, self._exprs)
        return i

    def extend(self, circ: Circuit, rows=None, *, qubit_map: Sequence[int] | None = None,
               clbit_map: Sequence[int] | None = None) -> None:
        """Copy rows (all, or the indices ``rows``) of ``circ``, optionally relabelling."""
        rows = range(len(circ)) if rows is None else rows
        qm = None if qubit_map is None else list(qubit_map)
        cm = None if clbit_map is None else list(clbit_map)
        for i in rows:
            i = int(i)
            qs = circ.qubits_of(i)
            if qm is not None:
                qs = tuple(qm[q] for q in qs)
            c, cd = int(circ.cargs[i]), int(circ.cond[i])
            if cm is not None:
                c = cm[c] if c >= 0 else -1
                cd = cm[cd] if cd >= 0 else -1
            self.append(int(circ.op[i]), qs, circ.params_of(i), clbit=c, cond=cd,
                        cond_val=int(circ.flags[i] & FLAG_COND_VAL), matrix=circ.mats.get(i))

    def build(self) -> Circuit:
        n = len(self._op)
        q = np.array(self._q, dtype=np.int32).reshape(n, 3)
        return Circuit(self.num_qubits, self.num_clbits, np.array(self._op, np.uint16), q,
                       np.array(self._c, np.int32), np.array(self._cond, np.int32),
                       np.array(self._flags, np.uint8), np.array(self._pidx, np.int32),
                       np.array(self._params, np.float64), exprs=self._exprs, wide=self._wide,
                       mats=self._mats, qregs=self.qregs, cregs=self.cregs,
                       global_phase=self.global_phase, layout=self.layout, name=self.name)

    # gate-named shortcuts -------------------------------------------------------
    def measure(self, qubit: int, clbit: int) -> int:
        return self.append(MEASURE, (qubit,), clbit=clbit)

    def reset(self, qubit: int) -> int:
        return self.append(RESET, (qubit,))

    def barrier(self, *qubits: int) -> int:
        return self.append(BARRIER, qubits or tuple(range(self.num_qubits)))

    def __getattr__(self, name: str):
        g = GATES.by_name.get(name)
        if g is None or not g.is_unitary or name == "unitary":
            raise AttributeError(name)

        def add(*args, cond: int = -1, cond_val: int = 1):
            ps, qs = args[:g.num_params], args[g.num_params:]
            return self.append(g.op, qs, ps, cond=cond, cond_val=cond_val)
        return add
