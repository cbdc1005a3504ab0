"""QUBO pipeline benchmark: encodings, constraint methods, shrinking and quantum solvers on
the bundled SAC-94 MDKP, DIMACS MIS and QAPLIB instances.

Sections (each a markdown table in ``benchmarks/results/qubo_bench.md`` and a CSV):

* ``qubits``   slack vs slack-free qubits per MDKP instance (and qiskit-optimization's count
  when it is installed);
* ``methods``  every constraint method + simulated annealing + repair on MDKP: per-read
  feasibility, best raw and repaired gap, time;
* ``mis``      every MIS graph with simulated annealing (and repair);
* ``shrink``   MDKP shrunk to 2/3 and 1/2 with SDP and LP correlations, SA + repair;
* ``quantum``  MDKP shrunk to <= 20 qubits, QAOA compiled for ibm_heron, shots, repair;
               QAP n = 10 and a 5-city TSP end to end;
* ``qap``      the 11 QAPLIB instances with SA + repair.

    python benchmarks/qubo_bench.py [--sections ...] [--instances ...] [--seed S]
"""
from __future__ import annotations

import argparse
import csv
import logging
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
log = logging.getLogger("qubo_bench")

MDKP12 = ["hp1", "hp2", "pb1", "pb2", "pb4", "pb5", "pet2", "pet3", "pet4", "pet5", "pet6",
          "pet7"]
SECTIONS = ("qubits", "methods", "mis", "shrink", "quantum", "qap")


def _instances(kind, names=None):
    from qtool.qubo.loaders import bundled_instances
    paths = bundled_instances(kind)
    if kind == "mdkp":
        paths = [p for p in paths if p.stem in MDKP12]
    if names:
        paths = [p for p in paths if p.stem in names]
    return paths


def _load(path, kind):
    from qtool.qubo.loaders import load_instance
    return load_instance(path, problem=kind)


def _fmt(v, digits=2):
    if v is None:
        return "-"
    if isinstance(v, float):
        if not np.isfinite(v):
            return "inf"
        return f"{v:.{digits}f}"
    return str(v)


def _table(rows, cols) -> str:
    head = "| " + " | ".join(cols) + " |\n|" + "|".join("---" for _ in cols) + "|\n"
    return head + "".join("| " + " | ".join(_fmt(r.get(c)) for c in cols) + " |\n"
                          for r in rows)


def _save(name, rows, cols, summary=""):
    RESULTS.mkdir(exist_ok=True)
    with open(RESULTS / f"qubo_{name}.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    return f"## {name}\n\n{_table(rows, cols)}\n{summary}\n"


def _run(program, **kw):
    from qtool.qubo.pipeline import solve
    t0 = time.perf_counter()
    res = solve(program, progress=lambda s, m: log.debug("%s %s: %s", program.name, s, m), **kw)
    return res, time.perf_counter() - t0


def _greedy_baseline(prog) -> float:
    """Gap of repair + local search from the all-zero assignment: what the pipeline's
    repair achieves with no solver at all (the control every solver must beat)."""
    from qtool.qubo.repair import improve, repair
    x = improve(prog, repair(prog, np.zeros(prog.num_vars, dtype=np.uint8)))
    return float(prog.gap(prog.objective(x)))


# ----------------------------------------------------------------------------- sections
def section_qubits(args):
    from qtool.qubo.builders import penalty_qubo, slack_qubo
    rows = []
    try:
        from qtool.qubo.builders import to_qiskit_quadratic_program
        from qiskit_optimization.converters import QuadraticProgramToQubo
    except ImportError:
        QuadraticProgramToQubo = None
    for path in _instances("mdkp", args.instances):
        prog = _load(path, "mdkp")
        slack = slack_qubo(prog).qubo.num_vars
        free = penalty_qubo(prog).qubo.num_vars
        row = {"instance": path.stem, "n": prog.num_vars, "m": prog.A_le.shape[0],
               "slack": slack, "slack_free": free,
               "saving_percent": 100.0 * (slack - free) / slack}
        if QuadraticProgramToQubo is not None:
            row["qiskit_slack"] = QuadraticProgramToQubo().convert(
                to_qiskit_quadratic_program(prog)).get_num_vars()
        rows.append(row)
        log.info("qubits %s: %s", path.stem, row)
    sav = [r["saving_percent"] for r in rows]
    summary = (f"Slack-free saving {min(sav):.0f}-{max(sav):.0f} % "
               f"(median {statistics.median(sav):.0f} %).\n") if rows else ""
    return _save("qubits", rows, ["instance", "n", "m", "slack", "qiskit_slack", "slack_free",
                                  "saving_percent"], summary)


def section_methods(args):
    from qtool.qubo.pipeline import CONSTRAINT_METHODS
    rows = []
    for path in _instances("mdkp", args.instances):
        prog = _load(path, "mdkp")
        base = _greedy_baseline(prog)
        rows.append({"instance": path.stem, "method": "no solver (repair of 0)",
                     "qubits": 0, "repaired_gap": base, "feasible": True, "seconds": 0.0})
        for method in CONSTRAINT_METHODS:
            res, dt = _run(prog, constraints=method, solver="sa", reads=args.reads,
                           seed=args.seed)
            rows.append({"instance": path.stem, "method": method,
                         "qubits": res.qubits["qubo"],
                         "feasible_reads": res.samples.get("feasible_fraction"),
                         "raw_gap": res.samples.get("best_raw_gap_percent"),
                         "repaired_gap": res.gap, "feasible": res.feasible, "seconds": dt})
            log.info("methods %s %s: gap %.3f (raw %s) %.1fs", path.stem, method, res.gap,
                     res.samples.get("best_raw_gap_percent"), dt)
    summary = []
    from qtool.qubo.pipeline import CONSTRAINT_METHODS as M
    for method in ("no solver (repair of 0)",) + tuple(M):
        g = [r["repaired_gap"] for r in rows if r["method"] == method]
        f = [r["feasible"] for r in rows if r["method"] == method]
        if g:
            summary.append(f"- {method}: {sum(f)}/{len(f)} feasible, median repaired gap "
                           f"{statistics.median(g):.2f} %, max {max(g):.2f} %")
    return _save("methods", rows, ["instance", "method", "qubits", "feasible_reads", "raw_gap",
                                   "repaired_gap", "feasible", "seconds"], "\n".join(summary))


def section_mis(args):
    rows = []
    for path in _instances("mis", args.instances):
        prog = _load(path, "mis")
        for method in ("slack", "augmented-lagrangian"):
            res, dt = _run(prog, constraints=method, solver="sa", reads=args.reads,
                           seed=args.seed)
            rows.append({"instance": path.stem, "method": method, "n": prog.num_vars,
                         "qubits": res.qubits["qubo"], "optimum": prog.optimum,
                         "found": res.objective,
                         "feasible_reads": res.samples.get("feasible_fraction"),
                         "optimal_reads": res.samples.get("optimal_fraction"),
                         "gap": res.gap, "seconds": dt})
    solved = sum(1 for r in rows if r["gap"] == 0 and r["method"] == "slack")
    return _save("mis", rows, ["instance", "method", "n", "qubits", "optimum", "found",
                               "feasible_reads", "optimal_reads", "gap", "seconds"],
                 f"Solved to optimality (slack = P x_u x_v penalty): {solved} of "
                 f"{sum(1 for r in rows if r['method'] == 'slack')}.\n")


def section_shrink(args):
    rows = []
    for path in _instances("mdkp", args.instances):
        prog = _load(path, "mdkp")
        for ratio in (2 / 3, 1 / 2):
            for corr in ("sdp", "lp"):
                res, dt = _run(prog, constraints="augmented-lagrangian", solver="sa",
                               ratio=ratio, correlations=corr, reads=args.reads,
                               seed=args.seed)
                rows.append({"instance": path.stem, "ratio": f"{ratio:.2f}",
                             "correlations": corr, "qubits": res.qubits["qubo"],
                             "after": res.qubits["solved"],
                             "feasible_reads": res.samples.get("feasible_fraction"),
                             "raw_gap": res.samples.get("best_raw_gap_percent"),
                             "repaired_gap": res.gap, "seconds": dt})
                log.info("shrink %s %.2f %s: gap %.3f", path.stem, ratio, corr, res.gap)
    summary = []
    for ratio in ("0.67", "0.50"):
        for corr in ("sdp", "lp"):
            g = [r["repaired_gap"] for r in rows
                 if r["ratio"] == ratio and r["correlations"] == corr]
            if g:
                summary.append(f"- to {ratio} with {corr}: median repaired gap "
                               f"{statistics.median(g):.2f} %, max {max(g):.2f} %")
    return _save("shrink", rows, ["instance", "ratio", "correlations", "qubits", "after",
                                  "feasible_reads", "raw_gap", "repaired_gap", "seconds"],
                 "\n".join(summary))


def section_quantum(args):
    rows = []
    for path in _instances("mdkp", args.instances):
        prog = _load(path, "mdkp")
        qubits = min(args.quantum_qubits, prog.num_vars)
        res, dt = _run(prog, constraints="augmented-lagrangian", solver=args.quantum_solver,
                       qubits=qubits, target="ibm_heron", shots=args.shots,
                       maxiter=args.maxiter, seed=args.seed)
        rows.append({"instance": path.stem, "n": prog.num_vars, "qubits": res.qubits["solved"],
                     "solver": args.quantum_solver, "baseline_gap": _greedy_baseline(prog),
                     "compiled_2q": res.solver.get("compiled_num_2q"),
                     "compiled_depth": res.solver.get("compiled_depth"),
                     "evaluations": res.solver.get("evaluations"),
                     "feasible_shots": res.samples.get("feasible_fraction"),
                     "raw_gap": res.samples.get("best_raw_gap_percent"),
                     "repaired_gap": res.gap, "feasible": res.feasible, "seconds": dt})
        log.info("quantum %s: %s", path.stem, rows[-1])
    extra = []
    from qtool.qubo.loaders import bundled_instances
    for path in [p for p in bundled_instances("qap") if p.stem.startswith("tai10")]:
        prog = _load(path, "qap")
        res, dt = _run(prog, constraints="augmented-lagrangian", solver=args.quantum_solver,
                       qubits=args.quantum_qubits, shots=args.shots, maxiter=args.maxiter,
                       seed=args.seed)
        extra.append({"instance": path.stem, "n": prog.num_vars, "qubits": res.qubits["solved"],
                      "solver": args.quantum_solver, "compiled_2q": res.solver.get("compiled_num_2q"),
                      "feasible_shots": res.samples.get("feasible_fraction"),
                      "repaired_gap": res.gap, "feasible": res.feasible, "seconds": dt})
    for path in bundled_instances("tsp"):
        prog = _load(path, "tsp")
        res, dt = _run(prog, constraints="augmented-lagrangian", solver=args.quantum_solver,
                       qubits=min(args.quantum_qubits, prog.num_vars), shots=args.shots,
                       maxiter=args.maxiter, seed=args.seed)
        extra.append({"instance": path.stem, "n": prog.num_vars, "qubits": res.qubits["solved"],
                      "solver": args.quantum_solver, "compiled_2q": res.solver.get("compiled_num_2q"),
                      "feasible_shots": res.samples.get("feasible_fraction"),
                      "repaired_gap": res.gap, "feasible": res.feasible, "seconds": dt})
    g = [r["repaired_gap"] for r in rows]
    summary = (f"MDKP: {sum(r['feasible'] for r in rows)}/{len(rows)} feasible after repair, "
               f"mean gap {statistics.mean(g):.2f} %, median {statistics.median(g):.2f} %, "
               f"max {max(g):.2f} %.\n") if rows else ""
    cols = ["instance", "n", "qubits", "solver", "compiled_2q", "compiled_depth", "evaluations",
            "feasible_shots", "raw_gap", "repaired_gap", "baseline_gap", "feasible", "seconds"]
    out = _save("quantum", rows, cols, summary)
    if extra:
        out += _save("quantum_qap_tsp", extra, ["instance", "n", "qubits", "solver",
                                                "compiled_2q", "feasible_shots", "repaired_gap",
                                                "feasible", "seconds"])
    return out


def section_qap(args):
    rows = []
    from qtool.qubo.loaders import bundled_instances
    for path in bundled_instances("qap"):
        if args.instances and path.stem not in args.instances:
            continue
        prog = _load(path, "qap")
        for method in ("slack", "augmented-lagrangian"):
            res, dt = _run(prog, constraints=method, solver="sa", reads=args.reads,
                           seed=args.seed)
            rows.append({"instance": path.stem, "method": method, "qubits": res.qubits["qubo"],
                         "optimum": prog.optimum, "found": res.objective,
                         "feasible_reads": res.samples.get("feasible_fraction"),
                         "gap": res.gap, "seconds": dt})
    return _save("qap", rows, ["instance", "method", "qubits", "optimum", "found",
                               "feasible_reads", "gap", "seconds"])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sections", nargs="+", default=list(SECTIONS), choices=SECTIONS)
    ap.add_argument("--instances", nargs="+", default=None)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--reads", type=int, default=200)
    ap.add_argument("--shots", type=int, default=2048)
    ap.add_argument("--quantum-qubits", type=int, default=20)
    ap.add_argument("--maxiter", type=int, default=100, help="COBYLA evaluations per restart")
    ap.add_argument("--quantum-solver", default="qaoa", choices=("qaoa", "cvar-vqe"))
    ap.add_argument("--out", default=str(RESULTS / "qubo_bench.md"))
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(message)s")
    parts = ["# QUBO pipeline benchmark\n",
             f"seed {args.seed}; simulated annealing {args.reads} reads; quantum: "
             f"{args.quantum_solver}, {args.shots} shots, <= {args.quantum_qubits} qubits, "
             f"compiled for ibm_heron at -O3 and simulated without noise.\n"]
    out = Path(args.out)
    for name in args.sections:
        t0 = time.perf_counter()
        parts.append(globals()[f"section_{name}"](args))
        log.info("section %s done in %.0f s", name, time.perf_counter() - t0)
        out.write_text("\n".join(parts))          # as it goes
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
