"""Numpy twin of :mod:`qtool._ext._statevec` (same functions, same results to rounding)."""
from __future__ import annotations

import numpy as np

__all__ = ["statevector", "energy", "energy_grad"]

_PAULI = {1: np.array([[0, 1], [1, 0]], complex), 2: np.array([[0, -1j], [1j, 0]]),
          3: np.diag([1.0 + 0j, -1.0])}


def _check(n, kinds, q0, q1, thetas, init):
    """The compiled kernel's input checks (same messages)."""
    if not 1 <= n <= 30:
        raise ValueError(f"{n} qubits is outside 1..30")
    if not 0 <= init < (1 << n):
        raise ValueError(f"initial basis state {init} outside {n} qubits")
    if not len(kinds) == len(q0) == len(q1):
        raise ValueError("kinds, q0 and q1 differ in length")
    nrot = 0
    for g, (k, a, b) in enumerate(zip(kinds, q0, q1)):
        if not 0 <= k <= 3:
            raise ValueError(f"gate {g}: unknown kind {k}")
        if not 0 <= a < n or (k == 0 and not (0 <= b < n and b != a)):
            raise ValueError(f"gate {g}: qubit out of range")
        nrot += k != 0
    if len(thetas) != nrot:
        raise ValueError(f"{len(thetas)} angles for {nrot} rotations")


def _apply_1q(psi: np.ndarray, n: int, m: np.ndarray, q: int) -> np.ndarray:
    t = psi.reshape((2,) * n)
    ax = n - 1 - q                     # little-endian: qubit q is the last-but-q axis
    t = np.moveaxis(np.tensordot(m, t, axes=([1], [ax])), 0, ax)
    return t.reshape(-1)


def _rot_matrix(kind: int, theta: float) -> np.ndarray:
    return np.cos(theta / 2) * np.eye(2) - 1j * np.sin(theta / 2) * _PAULI[kind]


def _cx(psi: np.ndarray, c: int, t: int) -> np.ndarray:
    k = np.arange(len(psi))
    src = np.where((k >> c) & 1, k ^ (1 << t), k)
    return psi[src]


def _run(n, kinds, q0, q1, thetas, psi):
    p = 0
    for k, a, b in zip(kinds, q0, q1):
        if k == 0:
            psi = _cx(psi, a, b)
        else:
            psi = _apply_1q(psi, n, _rot_matrix(k, thetas[p]), a)
            p += 1
    return psi


def _apply_h(psi, xs, d):
    out = np.zeros_like(psi)
    k = np.arange(len(psi))
    for x, row in zip(xs, d):
        np.add.at(out, k ^ int(x), row * psi)
    return out


def statevector(n, kinds, q0, q1, thetas, init=0):
    _check(n, kinds, q0, q1, thetas, init)
    psi = np.zeros(1 << n, complex)
    psi[init] = 1
    return _run(n, kinds, q0, q1, np.asarray(thetas, float), psi)


def energy(n, kinds, q0, q1, thetas, xs, d, init=0):
    psi = statevector(n, kinds, q0, q1, thetas, init)
    return float(np.vdot(psi, _apply_h(psi, xs, np.asarray(d))).real)


def energy_grad(n, kinds, q0, q1, thetas, xs, d, grad, init=0):
    """Gradient by central differences of the exact energy at pi/2 shifts (parameter shift)."""
    thetas = np.asarray(thetas, float)
    _check(n, kinds, q0, q1, thetas, init)
    if len(grad) != len(thetas):
        raise ValueError("grad and thetas differ in length")
    for p in range(len(thetas)):
        up, dn = thetas.copy(), thetas.copy()
        up[p] += np.pi / 2
        dn[p] -= np.pi / 2
        grad[p] = 0.5 * (energy(n, kinds, q0, q1, up, xs, d, init)
                         - energy(n, kinds, q0, q1, dn, xs, d, init))
    return energy(n, kinds, q0, q1, thetas, xs, d, init)
