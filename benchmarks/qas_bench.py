"""Architecture-search benchmark: CRLQAS in qtool on the paper's molecules, noiseless and
noisy, plus the PTM simulator against qiskit-aer's density-matrix simulator.

Sections (``--sections``, default all):

* ``noiseless`` -- per molecule (H2-2/3/4 at 0.7414 A, LiH-4 and LiH-6 at 2.2 A): best
  energy error against the Hamiltonian's exact ground energy, and the gates / CNOTs /
  parameters / depth of the circuit reported (the smallest within chemical accuracy, else
  the lowest-energy one), episodes to first success (chemical accuracy), wall time.  For
  H2-4 also the smallest circuit within 1e-6 Ha (acceptance: <= 10 parameters).
* ``noisy`` -- H2-4 under depolarizing noise (1q 1e-3, 2q 1e-2) and under the
  ``ibm_heron`` calibration on its best-calibrated 4-qubit line: the found circuit's noisy
  energy, its noiseless error (same angles, and re-optimised), against a hardware-efficient
  ansatz (RY+RZ layers and a CX ladder on the same line) of the same depth, optimised under
  the same noise from 5 random starts.
* ``speed`` -- one energy evaluation, PTM vs aer density matrix (``ptm_vs_aer.py``), at 4,
  6 and 8 qubits.

Every search starts from ``|0...0>`` (``--init hf``: the Hartree-Fock state).  ``--seeds 1 2 3`` runs
each search once per seed, and a summary table counts the seeds that succeed;
``--jobs N`` runs N searches at once (each is single-threaded).  Everything is seeded;
``--quick`` shrinks the budgets for a smoke run.  Writes ``benchmarks/results/qas_bench.md``
/ ``.csv`` and one learning-curve PNG per search.
"""
from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import numpy as np

from qtool.qas.ansatz import CX, RY, RZ, Ansatz
from qtool.qas.api import architecture_search, make_simulator
from qtool.qas.hamiltonian import load_hamiltonian
from qtool.qas.noise import NoiseModel, best_line
from qtool.qas.optimize import OptimizerConfig, optimize_angles
from qtool.qas.plot import plot_learning_curve
from qtool.targets import get_target

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ptm_vs_aer import time_energy_eval  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
CHEM = 1.6e-3

#: (molecule, episodes, quick episodes)
NOISELESS = [("h2-2", 300, 100), ("h2-3", 500, 100), ("h2-4", 1000, 200),
             ("lih-4", 2000, 200), ("lih-6", 3000, 100)]


def _row(name, noise, report, seed) -> dict:
    d = report.to_dict()
    s = d["search"]
    return {"molecule": name, "noise": noise, "seed": seed, "episodes": s["episodes"],
            "error": d["error"], "noiseless_error": d["noiseless_error"],
            "gates": d["gates"], "cnots": d["cnots"], "parameters": d["parameters"],
            "depth": d["depth"], "first_success": s["first_success_episode"],
            "wall_s": s["wall_time_s"], "energy": d["energy"]}


def noiseless_task(name: str, episodes: int, seed: int, args) -> tuple[list, list]:
    """One noiseless search: its table row and notes (and its learning-curve PNG)."""
    ham = load_hamiltonian(name)
    rep = architecture_search(ham, episodes=episodes, seed=seed, log_every=0,
                              time_limit=args.time_limit, init=args.init)
    row = _row(name, "none", rep, seed)
    plot_learning_curve(rep.result, RESULTS / f"qas_{name}_s{seed}.png",
                        title=f"{name}, noiseless, seed {seed}")
    best = rep.result.best
    notes = [f"{name} seed {seed}: lowest error {best.error:.2e} with {best.gates} gates / "
             f"{best.ansatz.num_params} parameters / {best.ansatz.num_cx} CNOTs "
             f"(episode {best.episode}); {rep.result.evaluations} energy evaluations"]
    if name == "h2-4":
        tight = rep.result.smallest_within(1e-6)
        row["within_1e-6_params"] = None if tight is None else tight.ansatz.num_params
        notes.append("h2-4 seed %d: smallest circuit within 1e-6 Ha: %s" % (
            seed, "none" if tight is None else
            f"error {tight.error:.1e}, {tight.gates} gates, "
            f"{tight.ansatz.num_params} parameters, {tight.ansatz.num_cx} CNOTs"))
    return [row], notes


def hardware_efficient(n: int, depth: int, pairs, init: int = 0) -> Ansatz:
    """RY+RZ on every qubit, then a CX ladder along ``pairs``, repeated until the next
    layer would exceed ``depth``; a final rotation layer if depth allows.  It starts from
    the same basis state ``init`` as the circuit it is compared with."""
    a = Ansatz(n, init=init)
    while True:
        trial = a.copy()
        for q in range(n):
            trial.append(RY, q)
            trial.append(RZ, q)
        for c, t in pairs:
            trial.append(CX, c, t)
        if trial.depth() > depth:
            break
        a = trial
    for q in range(n):
        trial = a.copy()
        trial.append(RY, q)
        if trial.depth() <= depth:
            a = trial
    return a


def _noisy_settings(n: int):
    """``(label, noise, cnot_pairs, physical_qubits)`` of the two noisy settings."""
    heron = get_target("ibm_heron")
    line = best_line(heron, n)
    return [("depolarizing:1e-3,1e-2", NoiseModel.from_spec("depolarizing:1e-3,1e-2", n),
             None, None),
            (f"ibm_heron {line}", NoiseModel.from_target(heron, line),
             [(i, j) for i in range(n) for j in range(n)
              if i != j and heron.allows(line[i], line[j])], line)]


def noisy_task(setting: int, seed: int, args) -> tuple[list, list]:
    """One noisy H2-4 search plus its same-depth hardware-efficient baseline."""
    ham = load_hamiltonian("h2-4")
    n = ham.num_qubits
    label, noise, pairs, phys = _noisy_settings(n)[setting]
    eps = 100 if args.quick else args.noisy_episodes
    rep = architecture_search(ham, noise=noise, cnot_pairs=pairs, episodes=eps, seed=seed,
                              log_every=0, physical_qubits=phys, time_limit=args.time_limit,
                              init=args.init)
    row = _row("h2-4", label, rep, seed)
    slug = label.split()[0].split(":")[0]
    plot_learning_curve(rep.result, RESULTS / f"qas_h2-4_noisy_{slug}_s{seed}.png",
                        title=f"h2-4, {label}, seed {seed}")
    ladder = [(i, i + 1) for i in range(n - 1)]
    hea = hardware_efficient(n, rep.ansatz.depth(), ladder, rep.ansatz.init)
    sim = make_simulator(ham, noise, init=rep.ansatz.init)
    rng = np.random.default_rng(seed)
    best = np.inf
    for _ in range(5):
        t0 = rng.uniform(-np.pi, np.pi, hea.num_params)
        _, e, _ = optimize_angles(sim, hea.arrays(), t0, OptimizerConfig("lbfgs", maxiter=500),
                                  rng)
        best = min(best, e)
    row.update({"hea_gates": hea.num_gates, "hea_depth": hea.depth(), "hea_energy": best,
                "noiseless_reopt_error": rep.to_dict()["noiseless_reoptimized_error"]})
    notes = [f"h2-4 {label} seed {seed}: found noisy E {row['energy']:.6f} (depth "
             f"{row['depth']}) vs HEA noisy E {best:.6f} (depth {hea.depth()}, "
             f"{hea.num_gates} gates); noiseless error of the found circuit "
             f"{row['noiseless_error']:.2e} (re-optimised {row['noiseless_reopt_error']:.2e})"]
    return [row], notes


def run_searches(args, sections: set[str]) -> tuple[list, list]:
    """Every search of the noiseless and noisy sections, ``--jobs`` at a time (each search
    is single-threaded); rows and notes come back in task order whatever the schedule."""
    tasks = []
    if "noiseless" in sections:
        for name, episodes, quick in NOISELESS:
            if args.molecules and name not in args.molecules:
                continue
            for seed in args.seeds:
                tasks.append((noiseless_task, (name, quick if args.quick else episodes, seed)))
    if "noisy" in sections:
        for setting in range(2):
            for seed in args.seeds:
                tasks.append((noisy_task, (setting, seed)))
    rows, notes = [], []
    if args.jobs <= 1:
        results = (fn(*a, args) for fn, a in tasks)
    else:
        from concurrent.futures import ProcessPoolExecutor
        pool = ProcessPoolExecutor(args.jobs)
        futures = [pool.submit(fn, *a, args) for fn, a in tasks]
        results = (f.result() for f in futures)
    for r, n in results:
        rows += r
        notes += n
        print(r[0], flush=True)
    return rows, notes


def summarize(rows: list[dict]) -> list[str]:
    """Per molecule and noise setting, over seeds: how many seeds reached chemical accuracy
    (noiseless error; for noisy runs also: beat the HEA), the best and median error, and
    medians of size, first success and wall time."""
    groups: dict = {}
    for r in rows:
        groups.setdefault((r["molecule"], r["noise"]), []).append(r)
    out = ["| molecule | noise | seeds | chem. accurate | best error | median error | "
           "median gates / CNOTs / params / depth | median 1st success | median wall (s) |",
           "|---|---|---|---|---|---|---|---|---|"]
    for (mol, noise), rs in groups.items():
        ok = [r for r in rs if r["noiseless_error"] <= CHEM]
        if noise != "none":
            ok = [r for r in ok if r["energy"] < r["hea_energy"]]
        errs = [r["noiseless_error"] for r in rs]
        first = [r["first_success"] for r in rs if r["first_success"] is not None]
        med = {k: int(np.median([r[k] for r in rs]))
               for k in ("gates", "cnots", "parameters", "depth")}
        out.append(f"| {mol} | {noise} | {len(rs)} | {len(ok)}/{len(rs)}"
                   f"{' (and beat HEA)' if noise != 'none' else ''} | {min(errs):.2e} | "
                   f"{np.median(errs):.2e} | {med['gates']} / {med['cnots']} / "
                   f"{med['parameters']} / {med['depth']} | "
                   f"{int(np.median(first)) if first else '-'} | "
                   f"{np.median([r['wall_s'] for r in rs]):.0f} |")
    return out


def run_speed(args) -> list[dict]:
    out = []
    for noise in ("depolarizing:1e-3,1e-2", "ibm_heron"):
        for n in (4, 6, 8):
            r = time_energy_eval(n, 10 * n, noise, repeats=5 if args.quick else 20)
            r["noise"] = noise
            out.append(r)
            print(r, flush=True)
    return out


def _fmt_t(s: float) -> str:
    return f"{s * 1e6:.1f} us" if s < 1e-3 else f"{s * 1e3:.2f} ms"


def write_report(rows, notes, speed, path: Path, argv) -> None:
    lines = ["# Architecture search (CRLQAS) benchmark", "",
             f"`python benchmarks/qas_bench.py {' '.join(argv)}`; errors against each "
             "Hamiltonian's exact ground energy (active-space FCI); chemical accuracy "
             f"{CHEM} Ha.", ""]
    if rows:
        lines += ["## Summary over seeds", ""] + summarize(rows) + ["", "## Every search", ""]
        lines += ["| molecule | noise | seed | episodes | error (Ha) | noiseless error | gates | "
                  "CNOTs | params | depth | 1st success | wall (s) | HEA same depth: noisy E |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in rows:
            hea = f"{r['hea_energy']:.6f} (found {r['energy']:.6f})" if "hea_energy" in r else ""
            lines.append(f"| {r['molecule']} | {r['noise']} | {r['seed']} | {r['episodes']} | "
                         f"{r['error']:.2e} | {r['noiseless_error']:.2e} | {r['gates']} | "
                         f"{r['cnots']} | {r['parameters']} | {r['depth']} | "
                         f"{r['first_success']} | {r['wall_s']:.0f} | {hea} |")
        lines.append("")
    if notes:
        lines += ["## Notes", ""] + [f"- {x}" for x in notes] + [""]
    if speed:
        lines += ["## PTM simulator vs qiskit-aer density matrix, one energy evaluation", "",
                  "Random program of 10n gates (a third CX), 30-term random Hamiltonian; aer "
                  "time is bind + run of a prebuilt circuit with save_expectation_value.", "",
                  "| noise | n | gates (cx) | PTM median | aer median | ratio | abs(dE) |",
                  "|---|---|---|---|---|---|---|"]
        for r in speed:
            lines.append(f"| {r['noise']} | {r['n']} | {r['gates']} ({r['cx']}) | "
                         f"{_fmt_t(r['ptm_median'])} | {_fmt_t(r['aer_median'])} | "
                         f"{r['speedup_median']:.0f}x | {r['max_abs_diff']:.1e} |")
        lines.append("")
    from qtool.cli import write_atomic
    write_atomic(path, "\n".join(lines))
    if rows:
        keys = sorted({k for r in rows for k in r})
        import io
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=keys)
        w.writeheader()
        w.writerows(rows)
        write_atomic(path.with_suffix(".csv"), buf.getvalue())


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sections", default="noiseless,noisy,speed")
    ap.add_argument("--molecules", nargs="*", default=None)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1])
    ap.add_argument("--noisy-episodes", type=int, default=1000)
    ap.add_argument("--time-limit", type=float, default=None,
                    help="seconds per search (the search stops between episodes)")
    ap.add_argument("--init", default="zero", help="initial state of every search (zero, hf)")
    ap.add_argument("--jobs", type=int, default=1,
                    help="searches run at once (processes; wall times then share the cores)")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", default=str(RESULTS / "qas_bench.md"))
    args = ap.parse_args(argv)
    RESULTS.mkdir(exist_ok=True)
    sections = set(args.sections.split(","))
    speed = []
    t0 = time.perf_counter()
    rows, notes = run_searches(args, sections)
    if "speed" in sections:
        speed = run_speed(args)
    notes.append(f"total wall time {time.perf_counter() - t0:.0f} s")
    write_report(rows, notes, speed, Path(args.out), argv)


if __name__ == "__main__":
    main()
