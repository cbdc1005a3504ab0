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
    """Relabel ``compiled`` (measurements stripped) so logical qubit ``i`` starts on wire
    ``i`` and ends there too; ancillas that some gate touches follow the virtual qubits."""
    lay = compiled.layout
    n_v = lay.num_virtual
    order = list(lay.initial[:n_v]) + [p for p in lay.initial[n_v:] if p in set(active)]
    label = {p: i for i, p in enumerate(order)}
    k = len(order)
    circ = compiled.remap([label.get(p, 0) for p in range(compiled.num_qubits)], k)
    b = circ.derive()
    b.extend(circ)
    # logical i ends on wire label[final[i]]: swap it home, tracking the current positions
    where = {i: label[lay.final[i]] for i in range(k) if lay.final[i] in label}
    at = {w: i for i, w in where.items()}
    for i in range(k):
        w = where[i]
        if w != i:
            j = at[i]              # the logical qubit currently on wire i
            b.swap(i, w)
            where[i], where[j] = i, w
            at[i], at[w] = i, j
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
