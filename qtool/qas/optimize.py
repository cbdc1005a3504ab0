"""Inner optimisers: find the angles of a fixed gate program that minimise the energy.

Architecture search re-optimises every angle after each gate it adds, warm-started from
the previous angles (0 for the new gate), so the inner optimiser is the loop's cost.

* ``lbfgs`` -- L-BFGS-B on the exact adjoint gradient (:meth:`energy_and_grad`).  Not in
  the paper, which used COBYLA; it is our default for exact (noiseless or PTM) energies
  because it reaches 1e-9 Ha in a few dozen evaluations where COBYLA needs hundreds and
  stalls near 1e-6 -- and the H2-4 goal is 1e-6.
* ``cobyla`` -- scipy's COBYLA, the paper's noiseless optimiser.
* ``spsa`` / ``adam-spsa`` / ``spsa3`` -- simultaneous-perturbation gradients, for energies
  with shot noise (two evaluations per iteration whatever the angle count).  ``adam-spsa``
  feeds the SPSA estimate to Adam with the paper's decaying ``beta1``; ``spsa3`` runs it in
  three stages at 1 %, 10 % and 100 % of the shot budget (capped evaluations 1191/357/119),
  each warm-starting the next -- the multi-stage variant of the CRLQAS paper.

Shot noise follows the authors' model: each Pauli coefficient's estimate gets Gaussian noise
of standard deviation ``(10 N)^-1/2`` when ``|w| > 0.05`` and ``N^-1/2`` otherwise, i.e. the
energy gets Gaussian noise of standard deviation ``sqrt(sum_i w_i^2 s_i^2)``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

__all__ = ["OptimizerConfig", "optimize_angles", "seed_new_angle", "shot_sigma", "METHODS"]

METHODS = ("lbfgs", "cobyla", "spsa", "adam-spsa", "spsa3")


@dataclass(frozen=True)
class OptimizerConfig:
    """What :func:`optimize_angles` runs.  ``maxiter`` caps iterations (evaluation pairs
    for the SPSA family); ``shots`` (SPSA family only) sets the shot-noise level, ``None``
    for exact energies.  The Adam-SPSA schedule constants are the paper's LiH-4 ones."""

    method: str = "lbfgs"
    maxiter: int = 200
    tol: float = 1e-10
    shots: int | None = None
    a: float = 1.8658
    alpha: float = 0.9451
    c: float = 0.046
    gamma: float = 0.1397
    lam: float = 0.0138
    beta1: float = 0.9658
    beta2: float = 0.8594
    stage_caps: tuple[int, int, int] = (1191, 357, 119)

    def __post_init__(self):
        if self.method not in METHODS:
            raise ValueError(f"unknown optimiser {self.method!r}; choose one of "
                             f"{', '.join(METHODS)}")
        if self.maxiter < 1:
            raise ValueError("maxiter must be at least 1")


def shot_sigma(coeffs: np.ndarray, shots: int) -> float:
    """Standard deviation of an energy estimate from ``shots`` shots per Pauli term."""
    w = np.asarray(coeffs, float)
    s = np.where(np.abs(w) > 0.05, (10.0 * shots) ** -0.5, shots ** -0.5)
    return float(np.sqrt(np.sum((w * s) ** 2)))


def seed_new_angle(sim, program, theta: np.ndarray, index: int) -> tuple[np.ndarray, int]:
    """Set angle ``index`` to its exact minimiser with the other angles fixed.

    With one angle free the energy -- noiseless or through any noise channel -- is
    ``a + b cos(t) + c sin(t)`` (the rotation's transfer matrix is ``(A+B)/2 + cos(t)(A-B)/2
    + sin(t) C/2``), so three evaluations fix it (the Rotosolve step).  A new gate starts
    at 0, where its rotation is the identity and, for Hamiltonians with symmetries, its
    gradient often vanishes: a gradient optimiser would never move it.
    """
    kinds, q0, q1 = program
    t = theta.copy()
    e = []
    for v in (0.0, np.pi, 0.5 * np.pi):
        t[index] = v
        e.append(sim.energy(kinds, q0, q1, t))
    a = 0.5 * (e[0] + e[1])
    b, c = e[0] - a, e[2] - a
    t[index] = float(np.arctan2(-c, -b)) if abs(b) + abs(c) > 1e-14 else 0.0
    return t, 3


def optimize_angles(sim, program, theta0: np.ndarray, config: OptimizerConfig,
                    rng: np.random.Generator, *, new_index: int | None = None
                    ) -> tuple[np.ndarray, float, int]:
    """Minimise ``sim.energy`` over the angles of ``program = (kinds, q0, q1)``.

    ``new_index`` names a just-added angle to seed with :func:`seed_new_angle` first.
    Returns ``(theta, energy, evaluations)``; ``energy`` is the exact (noise-model) energy
    at ``theta`` even when the optimiser only saw shot-noisy estimates.
    """
    kinds, q0, q1 = program
    theta0 = np.asarray(theta0, float)
    if theta0.size == 0:
        return theta0, sim.energy(kinds, q0, q1, theta0), 1
    seeded = 0
    if new_index is not None:
        theta0, seeded = seed_new_angle(sim, program, theta0, new_index)
    theta, energy, nfev = _optimize(sim, program, theta0, config, rng)
    return theta, energy, nfev + seeded


def _optimize(sim, program, theta0, config, rng):
    kinds, q0, q1 = program
    m = config.method
    if m == "lbfgs":
        def fg(t):
            return sim.energy_and_grad(kinds, q0, q1, t)
        res = minimize(fg, theta0, jac=True, method="L-BFGS-B",
                       options={"maxiter": config.maxiter, "ftol": config.tol,
                                "gtol": 1e-9})
        return res.x, float(res.fun), int(res.nfev)
    if m == "cobyla":
        res = minimize(lambda t: sim.energy(kinds, q0, q1, t), theta0, method="COBYLA",
                       options={"maxiter": config.maxiter, "rhobeg": 0.5,
                                "tol": config.tol})
        return res.x, float(res.fun), int(res.nfev)
    coeffs = sim.hamiltonian.coeffs
    stages = [(config.shots, config.maxiter)]
    if m == "spsa3":
        base = config.shots or 10**6
        stages = [(max(base // 100, 1), config.stage_caps[0]),
                  (max(base // 10, 1), config.stage_caps[1]), (base, config.stage_caps[2])]
    theta, nfev = theta0.copy(), 0
    for shots, iters in stages:
        sigma = 0.0 if shots is None else shot_sigma(coeffs, shots)

        def f(t, sigma=sigma):
            e = sim.energy(kinds, q0, q1, t)
            return e + sigma * rng.standard_normal() if sigma else e
        theta, n = _spsa(f, theta, iters, config, rng, adam=m != "spsa")
        nfev += n
    return theta, float(sim.energy(kinds, q0, q1, theta)), nfev + 1


def _spsa(f, theta: np.ndarray, iters: int, cfg: OptimizerConfig, rng: np.random.Generator,
          *, adam: bool) -> tuple[np.ndarray, int]:
    """Plain SPSA or Adam-SPSA from ``theta``; the best point seen by a fresh evaluation
    every 10 iterations is returned (SPSA iterates wander at the noise floor)."""
    theta = theta.copy()
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    best, best_f, nfev = theta.copy(), f(theta), 1
    b1_prod = 1.0
    for k in range(iters):
        ck = cfg.c / (k + 1) ** cfg.gamma
        ak = cfg.a / (k + 1) ** cfg.alpha
        delta = rng.choice((-1.0, 1.0), size=theta.size)
        g = (f(theta + ck * delta) - f(theta - ck * delta)) / (2 * ck) * delta
        nfev += 2
        if adam:
            b1 = cfg.beta1 / (k + 1) ** cfg.lam
            m = b1 * m + (1 - b1) * g
            v = cfg.beta2 * v + (1 - cfg.beta2) * g * g
            b1_prod *= b1
            mhat = m / (1 - b1_prod)
            vhat = v / (1 - cfg.beta2 ** (k + 1))
            theta = theta - ak * mhat / (np.sqrt(vhat) + 1e-8)
        else:
            theta = theta - ak * g
        if (k + 1) % 10 == 0 or k == iters - 1:
            fk = f(theta)
            nfev += 1
            if fk < best_f:
                best, best_f = theta.copy(), fk
    return best, nfev
