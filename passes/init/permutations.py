"""Swap gates in a virtual circuit cost nothing: relabel instead of moving states.

Before layout, qubits are only names, so ``swap a, b`` can be dropped if every later row
uses ``b`` for ``a`` and vice versa.  The permutation that is left over at the end is
recorded in the circuit's layout (``final``), which the layout passes compose with the
placement they choose and the router composes with its own swaps.  QFTs end with a layer
of swaps; adders and generic circuits often contain them too.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from qtool.circuit import Circuit, Layout
from qtool.gates import GATES
from qtool.passmanager import Context, Pass

__all__ = ["ElidePermutations", "elide_permutations"]

_SWAP = GATES.op("swap")


def elide_permutations(circ: Circuit) -> Circuit:
    """Function form of :class:`ElidePermutations`."""
    if circ.layout is not None and all(n == "$" for n, _ in circ.qregs):
        return circ            # already physical: relabelling would break the placement
    swaps = np.flatnonzero((circ.op == _SWAP) & (circ.cond < 0))
    if not len(swaps):
        return circ
    n = circ.num_qubits
    base_final = list(circ.layout.final) if circ.layout is not None else list(range(n))
    m = list(range(n))          # original qubit -> wire it now lives on
    b = circ.derive()
    swap_set = set(swaps.tolist())
    for i in range(len(circ)):
        qs = circ.qubits_of(i)
        if i in swap_set:
            x, y = qs
            m[x], m[y] = m[y], m[x]
            continue
        b.append(int(circ.op[i]), tuple(m[q] for q in qs), circ.params_of(i),
                 clbit=int(circ.cargs[i]), cond=int(circ.cond[i]),
                 cond_val=int(circ.flags[i] & 1), matrix=circ.mats.get(i))
    init = circ.layout.initial if circ.layout is not None else tuple(range(n))
    b.layout = Layout(tuple(init), tuple(m[q] for q in base_final), n)
    return b.build()


@dataclass(frozen=True)
class ElidePermutations(Pass):
    """Drop the unconditioned swaps of a virtual circuit and record the permutation."""

    invalidates: ClassVar[frozenset] = frozenset()
    stage: ClassVar[str] = "init"

    def run(self, circ: Circuit, ctx: Context) -> Circuit:
        return elide_permutations(circ)
