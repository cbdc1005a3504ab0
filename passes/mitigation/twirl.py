"""Pauli twirling and readout twirling (papers.md section 4.3, "Noise tailoring").

*Gate twirling*: around a two-qubit gate ``G`` draw a random Pauli pair ``P`` and apply
``P`` before the gate and ``P' = G P G^dagger`` after it.  For a Clifford ``G`` (``cx``,
``cz``, ``ecr``, ...) ``P'`` is again a Pauli pair up to a sign, so ``P' G P = +-G`` and the
ideal circuit is unchanged (the sign goes to the global phase, so the unitary is unchanged
*exactly*).  Averaged over randomisations, coherent gate errors become a stochastic Pauli
channel.  The table ``P -> (P', sign)`` of every two-qubit gate is derived numerically from
qtool's gate matrices (:func:`twirl_table`), never written by hand.

Parameterised gates are twirled only with the Pauli pairs that give the *same* ``P'`` for
every angle, i.e. those commuting with the gate up to a fixed Pauli: for ``rzz`` these are
the eight pairs commuting with ``ZZ`` (``II, ZZ, XX, YY, IZ, ZI, XY, YX``, each mapped to
itself), so symbolic angles stay symbolic.  A gate whose table is only the identity is not
twirled.

*Readout twirling*: before each terminal measurement (the qubit sees nothing afterwards
and no later row reads or rewrites its classical bit), insert ``X`` with probability 1/2
and record that the classical bit must be flipped back (:func:`untwirl_counts`).

After dressing, the one-qubit runs are re-fused into the target's one-qubit basis
(:class:`~qtool.passes.MergeOneQubitRuns`), so the output stays native and each twirled
gate costs at most the one-qubit gates of its two neighbouring runs.

Examples
--------
>>> from qtool import Circuit
>>> b = Circuit.builder(2, 2); _ = b.h(0); _ = b.cx(0, 1); _ = b.measure(0, 0); _ = b.measure(1, 1)
>>> tw = twirl_circuits(b.build(), 3, seed=7, target="line:2")
>>> len(tw), tw[0].flip_mask.shape
(3, (2,))
"""
from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from qtool.circuit import Circuit
from qtool.gates import BARRIER, GATES, MEASURE
from qtool.passmanager import Context, Pass

from ..optimization.one_qubit import merge_one_qubit_runs
from ..translation.rows import TableWriter

__all__ = [
    "DEFAULT_TWIRL_GATES",
    "PauliTwirl",
    "TwirledCircuit",
    "combine_counts",
    "insert_readout_flips",
    "pauli_twirl",
    "terminal_measurements",
    "twirl_circuits",
    "twirl_table",
    "untwirl_counts",
]

#: Pauli labels in table order: index ``4 * a + b`` is the pair ``(PAULI[a], PAULI[b])``
PAULI = ("id", "x", "y", "z")
_MATS = np.array([GATES.by_name[p].matrix() for p in PAULI])
#: every two-qubit pair as a 4x4 matrix, shape (16, 4, 4), big-endian like qtool's gates
_PAIRS = np.array([np.kron(_MATS[a], _MATS[b]) for a in range(4) for b in range(4)])

#: gates twirled by default: the native 2Q Cliffords of qtool's targets, plus ``rzz`` with
#: its commuting Paulis
DEFAULT_TWIRL_GATES = ("cx", "cz", "ecr", "rzz")

# angles at which a parameterised gate's table must agree (generic, not multiples of pi/2)
_PROBE_ANGLES = (0.3711, -1.234, 2.875, 0.0917)


@dataclass(frozen=True)
class TwirlTable:
    """The usable Pauli frames of one two-qubit gate.

    Row ``k`` twirls with pair index ``before[k]`` (``4 * a + b``) ahead of the gate and
    ``after[k]`` behind it; ``sign[k]`` is ``+1`` or ``-1``: ``P' G P = sign * G``.
    """

    gate: str
    before: np.ndarray
    after: np.ndarray
    sign: np.ndarray

    def __len__(self) -> int:
        return len(self.before)


def _conjugate(g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each of the 16 pairs ``P``: the pair index of ``G P G^dagger`` and its sign,
    or ``-1`` where the image is not a (signed) Pauli pair."""
    imgs = g @ _PAIRS @ g.conj().T                                   # (16, 4, 4)
    # Pauli coefficients: tr(Q^dagger M) / 4, a 16 x 16 matrix (images x pairs)
    coef = np.einsum("qij,pij->pq", _PAIRS.conj(), imgs) / 4
    idx = np.argmax(np.abs(coef), axis=1)
    c = coef[np.arange(16), idx]
    ok = (np.abs(np.abs(c) - 1) < 1e-9) & (np.abs(c.imag) < 1e-9)
    return np.where(ok, idx, -1), np.where(ok, np.sign(c.real), 0).astype(np.int8)


@functools.cache
def twirl_table(gate: str) -> TwirlTable:
    """The Pauli frames of two-qubit gate ``gate``, computed from its matrix.

    A fixed gate keeps every pair whose image is a Pauli pair (all 16 for a Clifford).
    A parameterised gate keeps the pairs whose image and sign are the same at several
    generic angles, so the frame is valid for every angle (symbolic ones included).
    """
    g = GATES.by_name[gate]
    if g.num_qubits != 2 or not g.is_unitary or g.matrix_fn is None:
        raise ValueError(f"{gate!r} is not a two-qubit gate with a matrix")
    if g.num_params == 0:
        after, sign = _conjugate(g.matrix())
    else:
        res = [_conjugate(g.matrix(*([t] * g.num_params))) for t in _PROBE_ANGLES]
        after, sign = res[0]
        same = np.all([(a == after) & (s == sign) for a, s in res], axis=0)
        after = np.where(same, after, -1)
    keep = np.flatnonzero(after >= 0)
    return TwirlTable(gate, keep.astype(np.int8), after[keep].astype(np.int8), sign[keep])


def _twirlable_ops(gates: Iterable[str]) -> dict[int, TwirlTable]:
    out = {}
    for name in gates:
        t = twirl_table(name)
        if len(t) > 1:
            out[GATES.op(name)] = t
    return out


def terminal_measurements(circ: Circuit) -> np.ndarray:
    """Rows of measurements after which the qubit sees no operation and the classical bit
    is neither read by a condition nor written again (safe to readout-twirl)."""
    qubit_busy: set[int] = set()
    bit_busy: set[int] = set()
    rows = []
    for i in range(len(circ) - 1, -1, -1):
        op = int(circ.op[i])
        qs = circ.qubits_of(i)
        if op == BARRIER:
            continue
        if op == MEASURE and circ.cond[i] < 0:
            q, c = qs[0], int(circ.cargs[i])
            if q not in qubit_busy and c not in bit_busy:
                rows.append(i)
        qubit_busy.update(qs)
        if circ.cargs[i] >= 0:
            bit_busy.add(int(circ.cargs[i]))
        if circ.cond[i] >= 0:
            bit_busy.add(int(circ.cond[i]))
    return np.array(sorted(rows), dtype=np.int64)


def _dress(circ: Circuit, gate_rows: np.ndarray, before: np.ndarray, after: np.ndarray,
           flip_rows: np.ndarray, phase: float) -> Circuit:
    """Insert the Pauli frames around ``gate_rows`` and an ``x`` before ``flip_rows``."""
    events: dict[int, tuple] = {int(i): ("g", int(b), int(a))
                                for i, b, a in zip(gate_rows, before, after)}
    for i in flip_rows.tolist():
        events[int(i)] = ("m",)
    w = TableWriter(circ)
    start = 0
    for i in sorted(events):
        w.extend(circ, np.arange(start, i))
        ev = events[i]
        qs = circ.qubits_of(i)
        if ev[0] == "m":
            w.append("x", qs)
            w.extend(circ, [i])
        else:
            for k, pair in enumerate(ev[1:]):
                if k == 1:
                    w.extend(circ, [i])
                for q, p in zip(qs, (pair >> 2, pair & 3)):
                    if p:
                        w.append(PAULI[p], (q,))
        start = i + 1
    w.extend(circ, np.arange(start, len(circ)))
    if phase:
        w.global_phase = w.global_phase + phase
    return w.build()


def pauli_twirl(circ: Circuit, rng: np.random.Generator, *, target=None,
                gates: Sequence[str] = DEFAULT_TWIRL_GATES, readout: bool = False,
                merge: bool = True) -> tuple[Circuit, np.ndarray]:
    """One randomisation of ``circ``: returns the twirled circuit and the readout flip mask
    (``uint8`` per classical bit; all zero without ``readout``).

    Unconditioned rows of the ``gates`` kinds are twirled.  The result's unitary equals
    ``circ``'s exactly (global phase included) when ``readout`` is off; with ``readout`` it
    equals ``insert_readout_flips(circ, mask)``'s.
    """
    tables = _twirlable_ops(gates)
    sel = np.flatnonzero(np.isin(circ.op, list(tables)) & (circ.cond < 0)) \
        if tables else np.zeros(0, np.int64)
    before = np.empty(len(sel), np.int64)
    after = np.empty(len(sel), np.int64)
    negs = 0
    if len(sel):
        draws = rng.random(len(sel))
        for op, t in tables.items():
            m = circ.op[sel] == op
            k = np.minimum((draws[m] * len(t)).astype(np.int64), len(t) - 1)
            before[m], after[m] = t.before[k], t.after[k]
            negs += int((t.sign[k] < 0).sum())
    mask = np.zeros(circ.num_clbits, dtype=np.uint8)
    flip_rows = np.zeros(0, np.int64)
    if readout:
        term = terminal_measurements(circ)
        flip_rows = term[rng.random(len(term)) < 0.5]
        mask[circ.cargs[flip_rows]] = 1
    out = _dress(circ, sel, before, after, flip_rows, np.pi * (negs % 2))
    if merge:
        from qtool.targets import get_target
        out = merge_one_qubit_runs(out, None if target is None else get_target(target))
    gp = out.global_phase
    if isinstance(gp, float) and not -np.pi < gp <= np.pi:
        out = out.replace(global_phase=float(np.pi - (np.pi - gp) % (2 * np.pi)))
    return out, mask


def insert_readout_flips(circ: Circuit, flip_mask) -> Circuit:
    """``circ`` with an ``x`` before the terminal measurement of every flagged classical bit:
    the ideal circuit a readout-twirled randomisation implements."""
    mask = np.asarray(flip_mask, dtype=bool)
    term = terminal_measurements(circ)
    rows = term[mask[circ.cargs[term]]] if len(term) else term
    if int(mask.sum()) != len(rows):
        raise ValueError("flip mask flags a classical bit with no terminal measurement")
    return _dress(circ, np.zeros(0, np.int64), np.zeros(0), np.zeros(0), rows, 0.0)


@dataclass(frozen=True)
class PauliTwirl(Pass):
    """Dress 2Q gates with random Pauli frames (and optionally readout X flips), re-fused.

    Meant as the last pass on a routed, translated circuit; keeps ``in_basis`` (the frames
    are fused into the target's 1Q basis) and every layout/routing property.  With
    ``readout`` the flip mask is recorded in ``ctx.analyses["readout_flip_mask"]`` (use
    :func:`twirl_circuits` to get it directly).
    """

    gates: tuple = DEFAULT_TWIRL_GATES
    readout: bool = False

    requires: ClassVar[frozenset] = frozenset({"in_basis"})
    invalidates: ClassVar[frozenset] = frozenset()
    stage: ClassVar[str] = "finalize"

    def __post_init__(self):
        object.__setattr__(self, "gates", tuple(self.gates))
        for g in self.gates:
            if g not in GATES or GATES.by_name[g].num_qubits != 2:
                raise ValueError(f"PauliTwirl: {g!r} is not a two-qubit gate")

    def run(self, circ: Circuit, ctx: Context) -> Circuit:
        out, mask = pauli_twirl(circ, ctx.rng, target=ctx.target, gates=self.gates,
                                readout=self.readout)
        if self.readout:
            ctx.analyses["readout_flip_mask"] = mask
        return out


@dataclass(frozen=True)
class TwirledCircuit:
    """One randomisation: the circuit to run and the classical bits to flip back."""

    circuit: Circuit
    flip_mask: np.ndarray      # uint8 per classical bit: 1 = XOR this bit of every outcome
    index: int = 0

    def untwirl(self, counts: Mapping[str, int]) -> dict[str, int]:
        return untwirl_counts(counts, self.flip_mask)


def twirl_circuits(circ: Circuit, n: int, *, seed: int = 0, target=None, readout: bool = True,
                   gates: Sequence[str] = DEFAULT_TWIRL_GATES) -> list[TwirledCircuit]:
    """``n`` independent randomisations of ``circ`` (usually a compiled circuit).

    Randomisation ``k`` draws from ``default_rng([seed, k])`` (the pass context's per-pass
    stream), so the same seed gives the same circuits and each one is reproducible alone.
    """
    if n < 0:
        raise ValueError("number of randomisations must be >= 0")
    from qtool.targets import get_target
    tgt = None if target is None else get_target(target)
    ctx = Context(target=tgt, seed=int(seed))
    out = []
    for k in range(n):
        c, mask = pauli_twirl(circ, ctx.for_pass(k).rng, target=tgt, gates=gates,
                              readout=readout)
        out.append(TwirledCircuit(c, mask, k))
    return out


def _flip_int(flip_mask) -> int:
    return int(sum(1 << c for c, f in enumerate(np.asarray(flip_mask).tolist()) if f))


def untwirl_counts(counts: Mapping[str, int], flip_mask) -> dict[str, int]:
    """XOR the recorded readout flips out of a counts dictionary.

    Keys are bit strings with classical bit 0 rightmost (Qiskit's convention); spaces
    between registers are dropped.  Counts of keys that coincide after flipping are added.
    """
    flips = _flip_int(flip_mask)
    out: dict[str, int] = {}
    for key, v in counts.items():
        bits = key.replace(" ", "")
        width = len(bits)
        if flips >> width:
            raise ValueError(f"outcome {key!r} is shorter than the flip mask")
        new = format(int(bits, 2) ^ flips, f"0{width}b")
        out[new] = out.get(new, 0) + int(v)
    return out


def combine_counts(counts_list: Iterable[Mapping[str, int]]) -> dict[str, int]:
    """Sum counts dictionaries (e.g. the untwirled counts of every randomisation)."""
    out: dict[str, int] = {}
    for counts in counts_list:
        for k, v in counts.items():
            out[k] = out.get(k, 0) + int(v)
    return dict(sorted(out.items()))
