"""Exact noiseless energies and gradients of gate programs (the search's fast path).

:class:`StatevectorSimulator` turns a :class:`~qtool.qas.hamiltonian.PauliSum` once into the
X-mask-grouped diagonal tables of :mod:`qtool._ext._statevec`, after which one energy of an
``n``-qubit, ``L``-gate program costs ``O(L 2^n + G 2^n)`` (``G`` distinct X-masks) and the
full gradient about three times that (adjoint method), whatever the number of angles.
"""
from __future__ import annotations

import numpy as np

from .._kernels import kernel
from .hamiltonian import PauliSum

__all__ = ["StatevectorSimulator", "grouped_tables"]


def grouped_tables(ham: PauliSum) -> tuple[np.ndarray, np.ndarray]:
    """``(xs, d)`` with ``H = sum_g X^{xs[g]} diag(d[g])`` (little-endian basis order)."""
    n = ham.num_qubits
    k = np.arange(1 << n, dtype=np.int64)
    groups: dict[int, np.ndarray] = {}
    for c, label in zip(ham.coeffs, ham.labels):
        x = z = ny = 0
        for q, ch in enumerate(label):
            if ch in "XY":
                x |= 1 << q
            if ch in "ZY":
                z |= 1 << q
            ny += ch == "Y"
        parity = (np.bitwise_count(k & z) & 1).astype(np.int64) if z else np.zeros_like(k)
        row = c * (1j ** ny) * (1 - 2 * parity)
        if x in groups:
            groups[x] = groups[x] + row
        else:
            groups[x] = row.astype(complex)
    xs = np.array(sorted(groups), dtype=np.int64)
    d = np.ascontiguousarray(np.array([groups[x] for x in xs], dtype=complex))
    return xs, d


class StatevectorSimulator:
    """Noiseless ``<H>`` of gate programs run on the basis state ``|init>``.

    Programs are the ``(kinds, q0, q1)`` int32 arrays of :class:`~qtool.qas.ansatz.Ansatz`
    with one angle per rotation.  ``init`` (an integer, bit ``q`` = qubit ``q``) lets a
    search start from a reference state such as Hartree-Fock instead of ``|0...0>``.
    """

    noisy = False

    def __init__(self, hamiltonian: PauliSum, *, init: int = 0):
        self.hamiltonian = hamiltonian
        self.num_qubits = hamiltonian.num_qubits
        if not 0 <= init < 1 << self.num_qubits:
            raise ValueError(f"initial basis state {init} outside {self.num_qubits} qubits")
        self.init = int(init)
        self._xs, self._d = grouped_tables(hamiltonian)
        self._k = kernel("_statevec")

    def energy(self, kinds, q0, q1, thetas) -> float:
        return self._k.energy(self.num_qubits, kinds, q0, q1, np.ascontiguousarray(thetas, float),
                              self._xs, self._d, self.init)

    def energy_and_grad(self, kinds, q0, q1, thetas) -> tuple[float, np.ndarray]:
        thetas = np.ascontiguousarray(thetas, float)
        grad = np.empty_like(thetas)
        e = self._k.energy_grad(self.num_qubits, kinds, q0, q1, thetas, self._xs, self._d,
                                grad, self.init)
        return e, grad

    def statevector(self, kinds, q0, q1, thetas) -> np.ndarray:
        return self._k.statevector(self.num_qubits, kinds, q0, q1,
                                   np.ascontiguousarray(thetas, float), self.init)
