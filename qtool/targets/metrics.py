"""Figures of merit of a compiled circuit on a target: estimated success probability (ESP),
gate counts, depth and an estimated duration.

The ESP model
-------------
The estimated success probability is the probability that no gate and no readout fails,
assuming independent errors::

    ESP = prod over gate rows (1 - e_row)  *  prod over measure rows (1 - r_q)

* ``e_row`` is the calibrated error of that gate on those physical qubits
  (``target.props[gate][qubits]``; a 2Q gate calibrated only in the other direction uses
  that direction's number).  Where that entry is missing or unknown, the median error of
  the same gate over the target is used; for a gate the target does not calibrate at all
  (a circuit not yet translated to the native basis) the median error of the native gates
  of the same size: the non-virtual one-qubit basis gates for 1Q rows, the native 2Q gate
  for rows on two or more qubits (so wide gates are under-counted).  ``rz`` is virtual on
  IBM devices and has error 0 there -- whatever the calibration says is used.
* ``r_q`` is the readout error of the measured qubit (``target.readout_error``, else the
  ``measure`` calibration, else the median readout error).
* ``reset`` counts with its calibrated error when known (IBM does not publish one), barriers
  count nothing, conditioned rows count as if they ran.  Idle decoherence (T1/T2) and
  crosstalk are not modelled.

Qubit ``i`` of the circuit is physical qubit ``i`` of the target: pass a laid-out circuit.

Examples
--------
>>> from qtool import Circuit
>>> from qtool.targets import get_target
>>> b = Circuit.builder(2, 2)
>>> _ = b.sx(0), b.cx(0, 1), b.measure(1, 1)
>>> c = b.build()
>>> round(estimate_success_probability(c, get_target("line:2")), 6)  # (1-3e-4)(1-1e-2)(1-2e-2)
0.969909
"""
from __future__ import annotations

import math

import numpy as np

from ..errors import TargetError
from ..gates import BARRIER, GATES, MEASURE, RESET
from .target import Target

__all__ = ["estimate_success_probability", "circuit_metrics", "row_errors", "row_durations"]


def estimate_success_probability(circ, target) -> float:
    """The estimated success probability of ``circ`` on ``target`` (see the module docstring)."""
    e = row_errors(circ, _target(target))
    if (e >= 1).any():
        return 0.0
    return float(math.exp(np.log1p(-e).sum()))


def circuit_metrics(circ, target) -> dict:
    """Counts and estimates of ``circ`` on ``target``.

    Returns
    -------
    dict
        ``num_1q``, ``num_2q`` (unitary gates by size), ``depth``, ``depth_2q`` (depth
        counting only 2Q gates), ``ops`` (:meth:`Circuit.count_ops`), ``esp``
        (:func:`estimate_success_probability`) and ``duration_estimate`` (seconds; the
        as-soon-as-possible schedule with calibrated durations, see :func:`row_durations`).
    """
    t = _target(target)
    return {
        "num_1q": circ.num_1q(), "num_2q": circ.num_2q(),
        "depth": circ.depth(), "depth_2q": circ.depth(two_qubit_only=True),
        "ops": circ.count_ops(),
        "esp": estimate_success_probability(circ, t),
        "duration_estimate": _asap_duration(circ, row_durations(circ, t)),
    }


def row_errors(circ, target: Target) -> np.ndarray:
    """Error probability of every row of ``circ`` (0 for barriers), per the ESP model."""
    return _per_row(circ, target, "error")


def row_durations(circ, target: Target) -> np.ndarray:
    """Duration (seconds) of every row, looked up like the errors (unknown: 0)."""
    return _per_row(circ, target, "duration")


# ---------------------------------------------------------------------------- internals
def _target(target) -> Target:
    if isinstance(target, Target):
        return target
    from .registry import get_target
    return get_target(target)


def _median(values) -> float:
    v = np.array([x for x in values if x is not None], dtype=float)
    v = v[np.isfinite(v)]
    return float(np.median(v)) if len(v) else math.nan


def _per_row(circ, target: Target, field: str) -> np.ndarray:
    if circ.num_qubits > target.num_qubits:
        raise TargetError(f"circuit has {circ.num_qubits} qubits, target {target.name} "
                          f"only {target.num_qubits}")
    n = len(circ)
    out = np.zeros(n)
    if not n:
        return out
    props = target.props
    med = {g: _median(getattr(p, field) for p in m.values()) for g, m in props.items()}
    virtual = {g for g in target.basis_1q if med.get(g) == 0.0}
    fallback_1q = _median(med.get(g) for g in target.basis_1q if g not in virtual)
    fallback_2q = med.get(target.gate_2q, math.nan)
    readout = np.asarray(target.readout_error, dtype=float)
    if field == "error":
        ro = readout.copy()
        m = props.get("measure", {})
        for q in np.flatnonzero(np.isnan(ro)).tolist():
            p = m.get((q,))
            ro[q] = math.nan if p is None or p.error is None else p.error
        ro[np.isnan(ro)] = _median(ro)
        ro[np.isnan(ro)] = 0.0

    arity = circ.arity()
    for op in np.unique(circ.op).tolist():
        rows = np.flatnonzero(circ.op == op)
        if op == BARRIER:
            continue
        if op == MEASURE and field == "error":
            out[rows] = ro[circ.qargs[rows, 0]]
            continue
        g = GATES[op].name
        cal = props.get(g, {})
        default = med.get(g, math.nan)
        if math.isnan(default) and op not in (MEASURE, RESET):
            default = fallback_1q if GATES[op].num_qubits == 1 else fallback_2q
        default = 0.0 if math.isnan(default) else default
        if GATES[op].num_qubits == 1:
            lut = np.full(target.num_qubits, default)
            for qs, p in cal.items():
                v = getattr(p, field)
                if len(qs) == 1 and v is not None and not math.isnan(v):
                    lut[qs[0]] = v
            out[rows] = lut[circ.qargs[rows, 0]]
            continue
        for i in rows.tolist():
            qs = circ.qubits_of(i) if arity[i] > 3 else tuple(int(q) for q in circ.qargs[i]
                                                               if q >= 0)
            p = cal.get(qs)
            if p is None and len(qs) == 2:
                p = cal.get((qs[1], qs[0]))
            v = None if p is None else getattr(p, field)
            out[i] = default if v is None or math.isnan(v) else v
    return out


def _asap_duration(circ, dur: np.ndarray) -> float:
    """Makespan of the as-soon-as-possible schedule (every row waits for all its wires)."""
    ptr, wires = circ.operands()
    ready = [0.0] * (circ.num_qubits + circ.num_clbits)
    ptr_l, wires_l, dur_l = ptr.tolist(), wires.tolist(), dur.tolist()
    for i in range(len(circ)):
        ws = wires_l[ptr_l[i]:ptr_l[i + 1]]
        if not ws:
            continue
        end = max([ready[w] for w in ws]) + dur_l[i]
        for w in ws:
            ready[w] = end
    return max(ready, default=0.0)
