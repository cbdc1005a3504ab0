"""Slack-free Lagrangian multiplier search (papers.md §3.4).

The program is relaxed to ``L(x, lambda) = f(x) - lambda.g(x)`` in the scaled maximisation form
of :func:`~qtool.qubo.builders.relaxation` (``lambda >= 0`` on ``<=`` rows, free on equalities).
Its dual function ``d(lambda) = max_x L(x, lambda)`` bounds the optimum, and ``-g(x*(lambda))``
is a subgradient of ``d``.  Each round builds the ``n``-qubit QUBO
:func:`~qtool.qubo.builders.penalty_qubo` for the current ``lambda`` (its ``rho/2 g^2`` term
gives the QUBO real structure: the plain Lagrangian of MDKP is linear), samples it, and moves
``lambda`` by one of five textbook rules, chosen by name:

``"subgradient"``
    ``lambda <- [lambda + alpha_k g]^+`` with ``alpha_k = eta/sqrt(k)``, or Polyak's
    ``theta (d(lambda_k) - LB)/||g||^2`` (``options={"step": "polyak"}``, ``LB`` = best feasible).
``"dual-averaging"``
    Nesterov: ``lambda_{k+1} = [lambda_0 + sum_{i<=k} g_i / beta_k]^+``, ``beta_k = gamma sqrt(k)``.
``"cutting-plane"``
    Kelley: ``min theta`` s.t. ``theta >= f(x_i) - lambda.g(x_i)`` for every sampled ``x_i``,
    ``0 <= lambda <= U``: an LP solved with HiGHS.
``"bundle"``
    Proximal bundle: ``min_lambda max_i (f(x_i) - lambda.g(x_i)) + mu/2 ||lambda - center||^2``
    as a small QP; serious step (move the center) when the new point achieves at least
    ``m = 0.1`` of the decrease the model predicted, else a null step (only the cut is kept).
``"augmented-lagrangian"``
    ``lambda <- [lambda + step g(x*)]^+`` (``step = rho``, or ``eta`` when given: the form of
    §3.4's measurements), then ``rho <- min(1.1 rho, 1000)`` while ``x*`` violates a row.

Here ``g`` is the constraint vector of the lowest-energy read (or the mean over the
``options["top"]`` lowest), and ``d(lambda)`` is estimated by the best Lagrangian value among
the reads.  All rounds are run (``callback`` may stop early); the best feasible read of any
round is kept.  Slack encodings are not here: see :func:`~qtool.qubo.builders.slack_qubo`.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog, minimize

from .builders import Encoding, Relaxation, penalty_qubo, relaxation
from .program import BinaryProgram

__all__ = ["METHODS", "LagrangianRound", "LagrangianResult", "solve_lagrangian",
           "lp_multipliers"]

Sampler = Callable[..., np.ndarray]


@dataclass(frozen=True, eq=False)
class LagrangianRound:
    """What one round saw.  ``multipliers``/``rho``: those the round's QUBO was built with;
    ``dual``: the estimate of ``d(lambda)`` in objective units (an upper bound on a ``max``
    optimum when the sampler is exact and ``rho = 0``); ``best_objective``: best feasible value
    so far (``None`` if none yet); ``feasible_fraction``: of this round's reads;
    ``max_violation``: largest scaled violation (``g_r`` units) of the lowest-energy read."""

    multipliers: np.ndarray
    rho: float
    dual: float
    best_objective: float | None
    feasible_fraction: float
    max_violation: float

    def to_dict(self) -> dict:
        """Plain JSON-ready values (lists and floats)."""
        return {"multipliers": [float(v) for v in self.multipliers], "rho": float(self.rho),
                "dual": float(self.dual), "best_objective": self.best_objective,
                "feasible_fraction": float(self.feasible_fraction),
                "max_violation": float(self.max_violation)}


@dataclass(frozen=True, eq=False)
class LagrangianResult:
    """``multipliers``: the final ones, after the last update; ``encoding``: the
    :func:`penalty_qubo` built with them (the QUBO to hand to a quantum solver);
    ``best_x``/``best_objective``: best feasible program assignment among all reads of all
    rounds (``None`` if none was feasible); ``samples``: the last round's decoded reads."""

    method: str
    multipliers: np.ndarray
    encoding: Encoding
    history: list
    best_x: np.ndarray | None
    best_objective: float | None
    samples: np.ndarray

    @property
    def gap(self) -> float:
        return self.encoding.info["relaxation"].program.gap(self.best_objective)


@dataclass(frozen=True, eq=False)
class _Observation:
    """One round's sampled information, in scaled maximisation-form units."""

    k: int                      # round, from 1
    lam: np.ndarray
    rho: float
    g: np.ndarray               # subgradient direction (constraint values of the best read(s))
    dual: float                 # estimate of d(lam)
    lower: float | None         # best feasible f so far
    cuts_f: np.ndarray          # f(x_i) of the round's distinct reads (for the cut models)
    cuts_g: np.ndarray          # g(x_i)
    violated: bool


# --------------------------------------------------------------------------- initial lambda
def lp_multipliers(program: BinaryProgram, rel: Relaxation | None = None) -> np.ndarray:
    """Duals of the LP relaxation (``0 <= x <= 1``, HiGHS), scaled to ``rel``'s rows.

    If ``y`` are the duals of ``max s c.x  s.t.  A x <= b`` in the program's own units, then
    ``L = (s c.x - y.(A x - b)) / S = f - lambda.g`` with ``lambda_r = y_r row_scale_r / S``.
    Zeros for programs with a quadratic objective (no LP relaxation) or when the LP fails.
    """
    rel = relaxation(program) if rel is None else rel
    m = rel.num_rows
    if m == 0 or (program.quadratic is not None and np.any(program.quadratic)):
        return np.zeros(m)
    res = linprog(-rel.sign * program.linear,
                  A_ub=program.A_le if rel.num_le else None,
                  b_ub=program.b_le if rel.num_le else None,
                  A_eq=program.A_eq if m > rel.num_le else None,
                  b_eq=program.b_eq if m > rel.num_le else None,
                  bounds=(0, 1), method="highs")
    if res.status != 0:
        return np.zeros(m)
    y = np.concatenate([-res.ineqlin.marginals if rel.num_le else np.zeros(0),
                        -res.eqlin.marginals if m > rel.num_le else np.zeros(0)])
    return rel.project(y * rel.row_scale / rel.obj_scale)


# ------------------------------------------------------------------------------ the methods
class _Method:
    """A multiplier-update rule; one instance per solve, holding that solve's state."""

    option_names: tuple = ()

    def __init__(self, rel: Relaxation, lam0: np.ndarray, eta: float | None, options: dict):
        self.rel = rel
        self.lam0 = lam0
        self.eta = eta
        self.options = options

    def update(self, obs: _Observation) -> tuple[np.ndarray, float]:
        """Next ``(lambda, rho)``."""
        raise NotImplementedError


class _Subgradient(_Method):
    option_names = ("step", "theta")

    def update(self, obs):
        g = obs.g
        alpha = (1.0 if self.eta is None else self.eta) / math.sqrt(obs.k)
        if self.options.get("step", "sqrt") == "polyak":
            gg = float(g @ g)
            if obs.lower is not None and gg > 0 and obs.dual > obs.lower:
                alpha = self.options.get("theta", 1.0) * (obs.dual - obs.lower) / gg
        return self.rel.project(obs.lam + alpha * g), obs.rho


class _DualAveraging(_Method):
    option_names = ("gamma",)

    def __init__(self, *args):
        super().__init__(*args)
        self.total = np.zeros_like(self.lam0)

    def update(self, obs):
        gamma = self.options.get("gamma", 1.0 / (1.0 if self.eta is None else self.eta))
        self.total = self.total + obs.g
        return self.rel.project(self.lam0 + self.total / (gamma * math.sqrt(obs.k))), obs.rho


class _CutModel(_Method):
    """Shared by Kelley and bundle: the cuts ``d(lambda) >= f_i - lambda.g_i`` seen so far."""

    option_names = ("lam_max", "cuts_per_round")

    def __init__(self, *args):
        super().__init__(*args)
        m = self.rel.num_rows
        self.cut_f = np.zeros(0)
        self.cut_g = np.zeros((0, m))
        prog = self.rel.program
        span = float(np.abs(prog.linear).sum())
        if prog.quadratic is not None:
            span += float(np.abs(prog.quadratic).sum())
        # With b_r > 0, g_r(0) = -1, so d(lambda) >= sum(lambda_le): no dual optimum has a
        # multiplier beyond the objective's range (in scaled units); 1 + that is the box.
        default = 1.0 + span / self.rel.obj_scale
        self.upper = float(self.options.get("lam_max", max(default, 2 * np.abs(self.lam0).max(
            initial=0.0))))
        self.lower = np.where(np.arange(m) < self.rel.num_le, 0.0, -self.upper)

    def add_cuts(self, obs: _Observation) -> None:
        per_round = int(self.options.get("cuts_per_round", 25))
        value = obs.cuts_f - obs.cuts_g @ obs.lam
        keep = np.argsort(-value, kind="stable")[:per_round]
        self.cut_f = np.concatenate([self.cut_f, obs.cuts_f[keep]])
        self.cut_g = np.vstack([self.cut_g, obs.cuts_g[keep]])

    def model(self, lam: np.ndarray) -> float:
        return float(np.max(self.cut_f - self.cut_g @ lam))


class _CuttingPlane(_CutModel):
    def update(self, obs):
        self.add_cuts(obs)
        m = self.rel.num_rows
        # variables (theta, lambda): min theta  s.t.  -theta - g_i.lambda <= -f_i
        A = np.hstack([-np.ones((self.cut_f.size, 1)), -self.cut_g])
        bounds = [(None, None)] + list(zip(self.lower, np.full(m, self.upper)))
        res = linprog(np.eye(1, m + 1).ravel(), A_ub=A, b_ub=-self.cut_f, bounds=bounds,
                      method="highs")
        lam = res.x[1:] if res.status == 0 else obs.lam
        return self.rel.project(np.clip(lam, self.lower, self.upper)), obs.rho


class _Bundle(_CutModel):
    option_names = _CutModel.option_names + ("mu", "m")

    def __init__(self, *args):
        super().__init__(*args)
        self.center: np.ndarray | None = None
        self.center_value = math.inf
        self.predicted = math.nan

    def update(self, obs):
        mu = float(self.options.get("mu", 1.0 / (1.0 if self.eta is None else self.eta)))
        frac = float(self.options.get("m", 0.1))
        if self.center is None:
            self.center, self.center_value = obs.lam.copy(), obs.dual
        elif obs.dual <= self.center_value - frac * (self.center_value - self.predicted):
            self.center, self.center_value = obs.lam.copy(), obs.dual          # serious step
        self.add_cuts(obs)
        lam, self.predicted = self._prox_step(mu)
        return self.rel.project(lam), obs.rho

    def _prox_step(self, mu: float) -> tuple[np.ndarray, float]:
        """``argmin_lambda model(lambda) + mu/2 ||lambda - center||^2`` over the box, as the QP
        in ``(theta, lambda)``: ``min theta + mu/2 ||lambda - c||^2``, ``theta >= f_i - g_i.lambda``
        (SLSQP with exact gradients; the center itself is the fallback)."""
        c, F, G = self.center, self.cut_f, self.cut_g
        m = c.size
        z0 = np.concatenate([[self.model(c)], c])

        def fun(z):
            d = z[1:] - c
            return z[0] + 0.5 * mu * float(d @ d), np.concatenate([[1.0], mu * d])

        jac_cons = np.hstack([np.ones((F.size, 1)), G])
        cons = {"type": "ineq", "fun": lambda z: z[0] - F + G @ z[1:], "jac": lambda z: jac_cons}
        bounds = [(None, None)] + list(zip(self.lower, np.full(m, self.upper)))
        res = minimize(fun, z0, jac=True, bounds=bounds, constraints=[cons], method="SLSQP",
                       options={"maxiter": 200, "ftol": 1e-10})
        lam = np.clip(res.x[1:], self.lower, self.upper) if res.success else c
        return lam, self.model(lam)


class _AugmentedLagrangian(_Method):
    option_names = ("rho_growth", "rho_max")

    def update(self, obs):
        step = obs.rho if self.eta is None else self.eta
        lam = self.rel.project(obs.lam + step * obs.g)
        rho = obs.rho
        if obs.violated:
            rho = min(self.options.get("rho_growth", 1.1) * rho,
                      self.options.get("rho_max", 1000.0))
        return lam, rho


METHODS: dict[str, type[_Method]] = {
    "subgradient": _Subgradient,
    "dual-averaging": _DualAveraging,
    "cutting-plane": _CuttingPlane,
    "bundle": _Bundle,
    "augmented-lagrangian": _AugmentedLagrangian,
}
_COMMON_OPTIONS = ("top", "tol")


# ------------------------------------------------------------------------------- the driver
def solve_lagrangian(program: BinaryProgram, method: str, sampler: Sampler, *,
                     rounds: int = 15, reads: int = 100, rho: float = 1.0,
                     eta: float | None = None, rng=None, lambda0="lp",
                     normalise: bool = True, options: Mapping | None = None,
                     callback: Callable | None = None) -> LagrangianResult:
    """Search multipliers for ``program``'s slack-free QUBO with one of :data:`METHODS`.

    ``sampler(qubo, num_reads, rng) -> (reads, n) uint8``; ``rng`` a ``np.random.Generator``
    or a seed.  ``rho``: the augmented term's weight (fixed except in the augmented
    Lagrangian, which grows it).  ``eta``: step scale -- ``alpha_0`` of the subgradient method
    (default 1), ``1/gamma`` of dual averaging (default 1), ``1/mu`` of the bundle method
    (default 1), the augmented Lagrangian's step (default ``rho``); Kelley ignores it.
    ``lambda0``: ``"lp"`` (LP-relaxation duals, :func:`lp_multipliers`), ``"zero"``, or an
    array.  ``options``: ``top`` (reads averaged for ``g``, default 1), ``tol`` (violation
    tolerance, 1e-3), ``step``/``theta`` (subgradient: ``"sqrt"`` or ``"polyak"``), ``gamma``,
    ``lam_max``/``cuts_per_round`` (cut models), ``mu``/``m`` (bundle),
    ``rho_growth``/``rho_max`` (augmented Lagrangian).  ``callback(k, round, encoding)`` runs
    after each round; returning ``True`` stops the search.
    """
    if method not in METHODS:
        raise ValueError(f"unknown Lagrangian method {method!r}; choose one of {list(METHODS)}")
    options = dict(options or {})
    cls = METHODS[method]
    allowed = set(cls.option_names) | set(_COMMON_OPTIONS)
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise ValueError(f"unknown options {unknown} for {method!r}; allowed: {sorted(allowed)}")
    if rounds < 1 or reads < 1:
        raise ValueError("rounds and reads must be positive")
    rng = np.random.default_rng(rng)
    rel = relaxation(program, normalise)
    lam = _initial_multipliers(program, rel, lambda0)
    updater = cls(rel, lam.copy(), eta, options)
    top = int(options.get("top", 1))
    tol = float(options.get("tol", 1e-3))

    history: list[LagrangianRound] = []
    best_x, best_obj = None, None
    samples = np.zeros((0, program.num_vars), dtype=np.uint8)
    rho = float(rho)
    for k in range(1, rounds + 1):
        enc = penalty_qubo(program, lam, rho, normalise=normalise)
        raw = np.asarray(sampler(enc.qubo, reads, rng), dtype=np.uint8).reshape(-1, enc.num_qubits)
        samples = enc.decode(raw)
        energy = enc.qubo.energy(raw)
        order = np.argsort(energy, kind="stable")
        objective = np.atleast_1d(program.objective(samples))
        feasible = np.atleast_1d(program.is_feasible(samples))
        ok = order[feasible[order]]                  # feasible reads, lowest energy first
        if ok.size:
            i = ok[np.argmax(rel.sign * objective[ok])]
            if best_obj is None or program.better(objective[i], best_obj):
                best_x, best_obj = samples[i].copy(), float(objective[i])
        f = rel.sign * objective / rel.obj_scale
        G = rel.g(samples)
        g = G[order[:top]].mean(axis=0)
        violation = float(rel.violation(G[order[0]]))
        distinct = np.unique(samples, axis=0, return_index=True)[1]
        obs = _Observation(
            k=k, lam=lam, rho=rho, g=g, dual=float(np.max(f - G @ lam)),
            lower=None if best_obj is None else rel.from_program_units(best_obj),
            cuts_f=f[distinct], cuts_g=G[distinct], violated=violation > tol)
        record = LagrangianRound(multipliers=lam.copy(), rho=rho,
                                 dual=rel.to_program_units(obs.dual), best_objective=best_obj,
                                 feasible_fraction=float(feasible.mean()),
                                 max_violation=violation)
        history.append(record)
        if rel.num_rows:
            lam, rho = updater.update(obs)
        if callback is not None and callback(k, record, enc):
            break
    final = penalty_qubo(program, lam, rho, normalise=normalise)
    return LagrangianResult(method, lam, final, history, best_x, best_obj, samples)


def _initial_multipliers(program: BinaryProgram, rel: Relaxation, lambda0) -> np.ndarray:
    if isinstance(lambda0, str):
        if lambda0 == "lp":
            return lp_multipliers(program, rel)
        if lambda0 == "zero":
            return np.zeros(rel.num_rows)
        raise ValueError(f"lambda0 must be 'lp', 'zero' or an array, got {lambda0!r}")
    lam = np.asarray(lambda0, dtype=float).ravel()
    if lam.size != rel.num_rows:
        raise ValueError(f"lambda0 has {lam.size} entries for {rel.num_rows} constraints")
    return rel.project(lam)
