"""Equivalence checking of a compiled circuit against its input, layout-aware.

The compiled circuit acts on physical qubits and carries a :class:`~qtool.Layout`;
its unitary must equal ``P_final . (U_in (x) I) . P_initial^-1`` up to global phase.  Only
physical qubits that some gate touches (or that the layout moves) are simulated:

* up to ``max_unitary_qubits`` (10) active qubits: exact dense unitaries;
* up to ``max_state_qubits`` (24): three Haar-random input states, which differ with
  probability 1 for inequivalent circuits;
* beyond (and already above ``prefer_qcec_above`` = 16 qubits when it is installed, since
  decision diagrams are much faster there): Clifford tableaux when both circuits are
  Clifford, else ``mqt.qcec`` (``pip install qtool[verify]``), else "unchecked".

:func:`verify_compiled` splits a compile at the routing stage: the input against the routed
circuit, then the routed circuit against the output on the same wires, which
:mod:`qtool.verify_local` proves by local peeling at any width.

Terminal measurements are stripped and checked separately: input ``measure v -> c`` must
become ``measure final[v] -> c``.  Mid-circuit measurements, resets and conditions cannot be
compared as unitaries and make the result "unchecked".
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .circuit import Circuit, Layout
from .gates import BARRIER, MEASURE
from .simulate import apply_rows

__all__ = ["VerifyResult", "verify_equivalent", "verify_compiled", "verify_same_wires",
           "strip_final_measurements"]


@dataclass(frozen=True)
class VerifyResult:
    equivalent: bool | None   # None: could not be checked
    method: str
    qubits: int
    detail: str = ""

    def __bool__(self) -> bool:
        return bool(self.equivalent)


def strip_final_measurements(circ: Circuit) -> tuple[Circuit, dict[int, int]]:
    """Remove measurements (and barriers) after which a qubit sees no further gate.

    Returns the unitary part and ``{qubit: clbit}`` of the removed measurements.  Raises
    ``ValueError`` for anything non-unitary left (mid-circuit measure, reset, condition).
    """
    n = len(circ)
    keep = np.ones(n, dtype=bool)
    done: set[int] = set()          # qubits whose terminal measurement was found
    meas: dict[int, int] = {}
    blocked: set[int] = set()
    for i in range(n - 1, -1, -1):
        op = int(circ.op[i])
        qs = circ.qubits_of(i)
        if op == MEASURE and qs[0] not in blocked and qs[0] not in done:
            keep[i] = False
            meas[qs[0]] = int(circ.cargs[i])
            done.add(qs[0])
            continue
        if op == BARRIER and all(q not in blocked for q in qs):
            keep[i] = False
            continue
        blocked.update(qs)
    body = circ.select(keep)
    for i in range(len(body)):
        if not body.gate(i).is_unitary or body.cond[i] >= 0:
            raise ValueError(f"non-unitary operation {body.name_of(i)} inside the circuit")
    return body, meas


def _embed_states(states: np.ndarray, k: int, positions: list[int], n_local: int) -> np.ndarray:
    """Tensor virtual states (k qubits, batch last) with |0> ancillas into local positions."""
    batch = states.shape[-1]
    full = np.zeros((2,) * n_local + (batch,), dtype=complex)
    # place virtual qubit v at local axis positions[v]; ancillas at |0>
    anc = [a for a in range(n_local) if a not in positions]
    idx = [slice(None)] * n_local + [slice(None)]
    for a in anc:
        idx[a] = 0
    src = states.reshape((2,) * k + (batch,))
    # order: axes of src are virtual 0..k-1; target axes positions[v]
    order = np.argsort(positions)
    full[tuple(idx)] = np.transpose(src, list(order) + [k])
    return full


def verify_equivalent(original: Circuit, compiled: Circuit, *, max_unitary_qubits: int = 10,
                      max_state_qubits: int = 24, prefer_qcec_above: int = 16,
                      qcec_timeout: float = 120.0, seed: int = 1234,
                      atol: float = 1e-6) -> VerifyResult:
    """Check that ``compiled`` implements ``original`` (see the module docstring)."""
    try:
        a, meas_a = strip_final_measurements(original)
        b, meas_b = strip_final_measurements(compiled)
    except ValueError as exc:
        return VerifyResult(None, "unchecked", 0, str(exc))
    if a.parameters or b.parameters:
        return VerifyResult(None, "unchecked", 0, "unbound parameters: bind before verifying")
    n_v = a.num_qubits
    layout = compiled.layout or Layout.trivial(n_v, b.num_qubits)
    if b.num_qubits != len(layout.initial):
        return VerifyResult(False, "layout", 0, "layout size differs from the circuit's")
    # measurements: virtual v -> clbit c must become final[v] -> c
    want = {layout.final[v]: c for v, c in meas_a.items()}
    if want != meas_b:
        return VerifyResult(False, "measurements", 0,
                            f"measurement map differs: expected {want}, got {meas_b}")
    phys_virtual = [layout.initial[v] for v in range(n_v)]
    moved = {p for p, q in zip(layout.initial, layout.final) if p != q}
    active = sorted(set(b.active_qubits()) | set(phys_virtual) | moved
                    | {layout.final[v] for v in range(n_v)})
    # the permutation must map active qubits into active qubits
    k = len(active)
    local = {p: i for i, p in enumerate(active)}
    b_loc = b.remap([local.get(p, 0) for p in range(b.num_qubits)], k)
    # logical index of each physical start position; for ancillas we follow initial->final
    pos_in = [local[layout.initial[v]] for v in range(n_v)]
    perm = layout.permutation()           # p_start -> p_end
    for p in active:
        if perm[p] not in local:
            return VerifyResult(False, "layout", k, "final permutation leaves the active set")
    out_of = [local[perm[p]] for p in active]   # local start -> local end
    a_loc = a.remap(pos_in, k)
    if k <= max_unitary_qubits:
        ok, err = _same_up_to_phase(b_loc.unitary(), _perm_matrix(out_of, k) @ a_loc.unitary(),
                                    atol)
        return VerifyResult(ok, "unitary", k, "" if ok else f"max deviation {err:.2e}")
    if k > prefer_qcec_above or k > max_state_qubits:
        res = _verify_large(original, compiled, k, qcec_timeout)
        if res.equivalent is not None or k > max_state_qubits:
            return res
    method = "statevector"
    rng = np.random.default_rng(seed)
    states = rng.normal(size=(1 << n_v, 3)) + 1j * rng.normal(size=(1 << n_v, 3))
    states /= np.linalg.norm(states, axis=0)
    # apply a (embedded) then the output permutation; compare with b on the same inputs
    emb = _embed_states(states, n_v, pos_in, k)
    sa = apply_rows(emb, a_loc, k)
    sa = _permute_axes(sa, out_of, k)
    sb = apply_rows(emb, b_loc, k)
    gp = np.exp(1j * (float(a.global_phase)))
    sa = sa * gp
    sb = sb * np.exp(1j * float(b.global_phase))
    ok, err = _same_up_to_phase(sb.reshape(-1, states.shape[-1]),
                                sa.reshape(-1, states.shape[-1]), atol)
    return VerifyResult(ok, method, k, "" if ok else f"max deviation {err:.2e}")


def verify_compiled(original: Circuit, compiled: Circuit, routed: Circuit | None = None,
                    **kw) -> VerifyResult:
    """Verify a compile, in two steps when that is cheaper.

    Wide circuits are hard for decision diagrams once translated to native gates, but easy
    in two halves: ``original`` against ``routed`` (the circuit after the routing stage, with
    its layout), then ``routed`` against ``compiled`` on the same physical wires (the later
    stages only rewrite gates locally and keep the layout).  Equivalence is transitive, so
    both halves proven means the whole is.  Small circuits are checked in one go.
    """
    if routed is None:
        return verify_equivalent(original, compiled, **kw)
    if compiled.layout != routed.layout:
        return verify_equivalent(original, compiled, **kw)
    first = verify_equivalent(original, routed, **kw)
    if first.equivalent is False:
        return VerifyResult(False, f"{first.method} (layout+routing)", first.qubits,
                            first.detail)
    second = verify_same_wires(routed, compiled, **kw)
    both = (True if first.equivalent and second.equivalent else
            False if second.equivalent is False else None)
    detail = "; ".join(d for d in (first.detail, second.detail) if d)
    return VerifyResult(both, f"{first.method}+{second.method} (two steps)",
                        max(first.qubits, second.qubits), detail)


def verify_same_wires(a: Circuit, b: Circuit, **kw) -> VerifyResult:
    """Check ``b`` against ``a`` on the same physical wires, layouts ignored: the later
    stages of a compile, which rewrite gates locally.  Beyond dense size this peels the
    two circuits against each other (:mod:`qtool.verify_local`), exact where decision
    diagrams drown in rounding; if that gives no verdict, the general checks run."""
    act = sorted(set(a.active_qubits()) | set(b.active_qubits()))
    pos = {p: i for i, p in enumerate(act)}
    wires = [pos.get(p, 0) for p in range(b.num_qubits)]
    a = a.remap(wires, len(act)).replace(layout=None)
    b = b.remap(wires, len(act)).replace(layout=None)
    if len(act) > kw.get("max_unitary_qubits", 10) and not (a.parameters or b.parameters):
        from .verify_local import local_equivalent
        try:
            ua, meas_a = strip_final_measurements(a)
            ub, meas_b = strip_final_measurements(b)
        except ValueError:
            pass
        else:
            if meas_a != meas_b:
                return VerifyResult(False, "measurements", len(act),
                                    f"measurement map differs: {meas_a} vs {meas_b}")
            ok, why = local_equivalent(ua, ub)
            if ok is not None:
                return VerifyResult(ok, "local", len(act), why)
    return verify_equivalent(a, b, **kw)


def _permute_axes(state: np.ndarray, out_of: list[int], k: int) -> np.ndarray:
    """Move the content of local qubit ``s`` to ``out_of[s]`` (batch axis last)."""
    return np.moveaxis(state, list(range(k)), out_of)


def _perm_matrix(out_of: list[int], k: int) -> np.ndarray:
    dim = 1 << k
    eye = np.eye(dim, dtype=complex).reshape((2,) * k + (dim,))
    return _permute_axes(eye, out_of, k).reshape(dim, dim)


def _same_up_to_phase(x: np.ndarray, y: np.ndarray, atol: float) -> tuple[bool, float]:
    flat = np.argmax(np.abs(y))
    yv = y.reshape(-1)[flat]
    if abs(yv) < 1e-12:
        return False, float("inf")
    phase = x.reshape(-1)[flat] / yv
    if abs(abs(phase) - 1) > 1e-6:
        return False, abs(abs(phase) - 1)
    err = float(np.max(np.abs(x - phase * y)))
    return bool(err < atol * max(1, np.sqrt(x.shape[0]) / 8) + 1e-9), err


def _verify_large(original: Circuit, compiled: Circuit, k: int,
                  qcec_timeout: float) -> VerifyResult:
    """Clifford tableaux when both circuits are Clifford (exact at any size), else qcec."""
    from .verify_qcec import logical_pair
    a, b = logical_pair(original, compiled)
    from .clifford import clifford_equivalent
    cl = clifford_equivalent(a, b)
    if cl is not None:
        return VerifyResult(cl, "clifford", k, "" if cl else "stabilizer tableaux differ")
    if not _have_qcec():
        return VerifyResult(None, "unchecked", k,
                            f"{k} active qubits: install qtool[verify] (mqt.qcec) to check")
    from .verify_qcec import run_qcec
    return run_qcec(a, b, k, timeout=qcec_timeout)


def _have_qcec() -> bool:
    import importlib.util
    return importlib.util.find_spec("mqt.qcec") is not None
