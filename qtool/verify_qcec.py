"""Equivalence checking beyond simulation size with ``mqt.qcec`` (optional extra).

The compiled circuit is brought back to logical labels first: qubits are relabelled by
the initial layout (a pure renaming), and swaps appended at the end undo the final
permutation.  What remains must equal the input on qubits ``0..n-1`` times the identity on
the ancillas, which qcec checks with decision diagrams and ZX rewriting.
"""
from __future__ import annotations

from .circuit import Circuit
from .verify import VerifyResult, strip_final_measurements

__all__ = ["run_qcec", "to_logical_frame"]


def to_logical_frame(compiled: Circuit, active: list[int]) -> tuple[Circuit, int]:
    """Relabel ``compiled`` (measurements stripped) so logical qubit ``j`` starts on wire
    ``j`` and ends there too.  Wires ``0..n-1`` are the virtual qubits; the ancillas whose
    physical qubits some gate touches follow."""
    lay = compiled.layout
    n_v = lay.num_virtual
    start_of = {p: i for i, p in enumerate(lay.initial)}
    logicals = list(range(n_v)) + sorted(start_of[p] for p in active if start_of[p] >= n_v)
    label = {lay.initial[i]: j for j, i in enumerate(logicals)}
    k = len(logicals)
    circ = compiled.remap([label.get(p, 0) for p in range(compiled.num_qubits)], k)
    b = circ.derive()
    b.extend(circ)
    # logical j ends on wire where[j]; swap each home, tracking who sits where
    where = [label[lay.final[i]] for i in logicals]
    at = [0] * k
    for j, w in enumerate(where):
        at[w] = j
    for j in range(k):
        w = where[j]
        if w != j:
            other = at[j]                # the logical qubit currently on wire j
            b.swap(j, w)
            where[j], where[other] = j, w
            at[j], at[w] = j, other
    return b.build(), k


def run_qcec(original: Circuit, compiled: Circuit, k: int) -> VerifyResult:
    from mqt import qcec  # type: ignore

    a, _ = strip_final_measurements(original)
    b, _ = strip_final_measurements(compiled)
    b = b.replace(layout=compiled.layout)
    active = sorted(set(b.active_qubits()) | set(compiled.layout.initial[:a.num_qubits])
                    | set(compiled.layout.final[:a.num_qubits]))
    logical, width = to_logical_frame(b, active)
    a_wide = a.remap(list(range(a.num_qubits)), width)
    res = qcec.verify(a_wide.to_qiskit(), logical.to_qiskit(), timeout=60,
                      check_partial_equivalence=False)
    name = str(res.equivalence).rsplit(".", 1)[-1]
    ok = {"equivalent": True, "equivalent_up_to_global_phase": True,
          "equivalent_up_to_phase": True, "not_equivalent": False}.get(name)
    # "probably_equivalent" (simulation found no difference, no proof) stays None
    return VerifyResult(ok, "qcec", k, "" if ok else name)
