"""One call from a constrained problem to a verified answer: encode, shrink, solve, un-shrink,
decode, repair, report.

    res = solve(program, constraints="augmented-lagrangian", ratio=2/3, solver="qaoa",
                target="ibm_heron", shots=2048, seed=7)
    res.solution, res.objective, res.feasible, res.gap, res.to_dict()

The answer always comes from the chosen solver's samples (after un-shrinking, decoding and
repair), never from the classical multiplier search that a Lagrangian encoding runs first;
that search's own best is reported separately.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np

from .program import QUBO, BinaryProgram

__all__ = ["solve", "SolveResult", "CONSTRAINT_METHODS", "SOLVERS", "encode"]

log = logging.getLogger("qtool.qubo")

CONSTRAINT_METHODS = ("slack", "subgradient", "dual-averaging", "cutting-plane", "bundle",
                      "augmented-lagrangian")
SOLVERS = ("exact", "sa", "qaoa", "cvar-vqe")


@dataclass
class SolveResult:
    """The answer and how it was reached (``to_dict`` is the CLI's result JSON)."""

    program: BinaryProgram
    solution: np.ndarray | None
    objective: float | None
    feasible: bool
    qubits: dict
    timings: dict
    samples: dict = field(default_factory=dict)       # raw per-sample statistics
    encoding: dict = field(default_factory=dict)
    shrinking: object = None                          # the ShrinkResult, if any
    solver: dict = field(default_factory=dict)
    seed: int = 0
    curves: dict = field(default_factory=dict)        # name -> values, for plots

    @property
    def gap(self) -> float:
        return self.program.gap(self.objective if self.feasible else None)

    def to_dict(self) -> dict:
        def num(v):
            return None if v is None or not np.isfinite(v) else float(v)
        return {
            "instance": self.program.name, "problem": self.program.kind,
            "sense": self.program.sense,
            "solution": None if self.solution is None else [int(v) for v in self.solution],
            "objective": num(self.objective), "feasible": bool(self.feasible),
            "optimum": self.program.optimum, "gap_percent": num(self.gap),
            "qubits": self.qubits, "encoding": self.encoding, "samples": self.samples,
            "solver": self.solver,
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
            "seed": self.seed,
        }


def encode(program: BinaryProgram, method: str, rng: np.random.Generator, *,
           rounds: int = 15, reads: int = 100, callback=None):
    """The QUBO of ``program`` by ``method`` (one of :data:`CONSTRAINT_METHODS`); returns
    ``(Encoding, info)``.  Lagrangian methods search their multipliers with simulated
    annealing on the full problem (classical, n qubits) and keep those of the round whose
    reads found the best feasible answer."""
    from .builders import mis_qubo, onehot_penalty_qubo, slack_qubo
    if method not in CONSTRAINT_METHODS:
        raise ValueError(f"unknown constraint method {method!r}; choose from "
                         f"{', '.join(CONSTRAINT_METHODS)}")
    if method == "slack":
        if program.kind == "mis":
            return mis_qubo(program), {}
        if program.A_le.shape[0] == 0:
            return onehot_penalty_qubo(program), {}
        return slack_qubo(program), {}
    from .anneal import SASampler
    from .lagrangian import solve_lagrangian
    from .builders import penalty_qubo
    res = solve_lagrangian(program, method, SASampler(sweeps=300), rounds=rounds, reads=reads,
                           rng=rng, callback=callback)
    # hand on the multipliers of the round whose reads found the best feasible answer: the
    # final ones may have stepped past it (subgradient and bundle steps overshoot)
    enc, chosen = res.encoding, len(res.history)
    for k, rnd in enumerate(res.history, 1):
        if res.best_objective is not None and rnd.best_objective == res.best_objective:
            enc = penalty_qubo(program, multipliers=rnd.multipliers, rho=rnd.rho)
            chosen = k
            break
    info = {"multipliers": [float(v) for v in np.ravel(enc.info.get("multipliers",
                                                                   res.multipliers))],
            "multiplier_round": chosen, "search_best_objective": res.best_objective,
            "rounds": len(res.history), "history": [h.to_dict() for h in res.history]}
    return enc, info


def _solver(name: str, *, target, shots: int, reps: int, maxiter: int | None):
    from .quantum import QAOA, CVaRVQE
    cls = {"qaoa": QAOA, "cvar-vqe": CVaRVQE}[name]
    return cls(reps=reps, target=target, shots=shots, maxiter=maxiter)


def solve(program: BinaryProgram, *, constraints: str = "augmented-lagrangian",
          ratio: float | None = None, qubits: int | None = None, correlations: str = "sdp",
          solver: str = "sa", target="ibm_heron", shots: int = 1024, reads: int = 200,
          reps: int = 2, maxiter: int | None = None, seed: int = 0, repair_top: int = 32,
          progress=None) -> SolveResult:
    """Encode, shrink (to ``ratio`` of the variables or to ``qubits``), solve, repair.

    ``reps`` and ``maxiter`` (COBYLA evaluations per restart) tune the quantum solvers;
    ``progress(stage, message)`` is called at each stage (the CLI prints it)."""
    from .repair import improve, repair

    if solver not in SOLVERS:
        raise ValueError(f"unknown solver {solver!r}; choose from {', '.join(SOLVERS)}")
    rng = np.random.default_rng(seed)
    say = progress or (lambda stage, msg: log.info("%s: %s", stage, msg))
    timings: dict = {}
    t0 = time.perf_counter()

    if solver == "exact" and ratio is None and qubits is None:
        from .exact import solve_milp
        say("solve", "exact MILP (HiGHS)")
        x, obj = solve_milp(program)
        timings["solve"] = time.perf_counter() - t0
        return SolveResult(program, x, obj, bool(program.is_feasible(x)),
                           {"program": program.num_vars}, timings,
                           solver={"name": "exact-milp"}, seed=seed)

    say("encode", f"{constraints} encoding of {program.num_vars} variables")
    enc, enc_info = encode(program, constraints, rng)
    curves = {}
    if "history" in enc_info:
        curves["lagrangian"] = enc_info.pop("history")
    timings["encode"] = time.perf_counter() - t0
    qubo: QUBO = enc.qubo
    q_info = {"program": program.num_vars, "qubo": qubo.num_vars}

    shrunk = None
    work = qubo
    if ratio is not None or qubits is not None:
        from .shrink import shrink
        t1 = time.perf_counter()
        target_vars = qubits if qubits is not None else None
        say("shrink", f"{qubo.num_vars} variables -> "
                      f"{target_vars if target_vars else f'{ratio:.3g} of them'} "
                      f"({correlations} correlations)")
        shrunk = shrink(qubo, target_vars=target_vars, ratio=None if qubits else ratio,
                        correlations=correlations, program=program, rng=rng)
        work = shrunk.qubo
        timings["shrink"] = time.perf_counter() - t1
    q_info["solved"] = work.num_vars

    t2 = time.perf_counter()
    solver_info: dict = {"name": solver}
    say("solve", f"{solver} on {work.num_vars} variables")
    if solver == "sa":
        from .anneal import greedy_descent, simulated_annealing
        samples = greedy_descent(work, simulated_annealing(work, reads, rng))
    elif solver == "exact":
        from .exact import brute_force
        x, _ = brute_force(work)
        samples = np.asarray(x, dtype=np.uint8)[None, :]
    else:
        def every_25(k, value):
            if k % 25 == 0:
                say("solve", f"evaluation {k}: CVaR {value:.6g}")
        res = _solver(solver, target=target, shots=shots, reps=reps,
                      maxiter=maxiter).solve(work, rng, callback=every_25)
        samples = res.samples
        solver_info.update(res.metrics)
        solver_info["parameters"] = res.parameters
        solver_info["target"] = getattr(res.compiled.target, "name", str(target))
        curves["solver"] = list(res.history)
    timings["solve"] = time.perf_counter() - t2

    t3 = time.perf_counter()
    full = shrunk.unshrink(samples) if shrunk is not None else samples
    decoded = np.asarray(enc.decode(full), dtype=np.uint8)
    feas = np.asarray(program.is_feasible(decoded), dtype=bool)
    objs = np.asarray(program.objective(decoded), dtype=float)
    stats = {"count": int(len(decoded)), "feasible_fraction": float(feas.mean()),
             "best_raw_objective": None, "best_raw_gap_percent": None}
    if feas.any():
        best_raw = objs[feas].max() if program.sense == "max" else objs[feas].min()
        stats["best_raw_objective"] = float(best_raw)
        stats["best_raw_gap_percent"] = float(program.gap(best_raw))
        if program.optimum is not None:
            stats["optimal_fraction"] = float(np.mean(feas & np.isclose(objs, program.optimum)))
    # repair the lowest-energy distinct samples; keep the best repaired answer
    curves["sample_energies"] = [float(e) for e in work.energy(samples)]
    uniq, idx = np.unique(decoded, axis=0, return_index=True)
    energy = qubo.energy(full[idx])
    order = np.argsort(energy, kind="stable")[:repair_top]
    best_x, best_obj = None, None
    for k in order:
        x = improve(program, repair(program, uniq[k], rng=rng))
        if not program.is_feasible(x):
            continue
        obj = float(program.objective(x))
        if best_obj is None or program.better(obj, best_obj):
            best_x, best_obj = x, obj
    timings["repair"] = time.perf_counter() - t3
    timings["total"] = time.perf_counter() - t0
    say("done", f"objective {best_obj} (gap {program.gap(best_obj):.3g} %)")
    return SolveResult(program, best_x, best_obj, best_x is not None, q_info, timings, stats,
                       {"method": constraints, **enc_info}, shrunk, solver_info, seed, curves)
