"""Ablation of the learned heuristic in the gate-synthesis search (issue 5, acceptance 6).

The same batched AQ* search (:func:`qtool.gatesynth.search.aqstar`) with the same suffix
tables and the same node budget, guided by

* ``learned``    -- the shipped Q-network (``qtool/gatesynth/data/<basis>.npz``, trained by
  ``python -m qtool.rl.train_gatesynth``);
* ``best-first`` -- no heuristic (uniform-cost search on ``g``);

against ``tables`` -- the exact meet in the middle over the *same* tables (exact to twice
their depth, no search) -- and the exact optimum (full tables) for the gap.  The settings
put the optimum beyond what the small suffix tables reach alone, so the prefix must be
searched: that is where a heuristic could help.

Targets: Haar SU(2) from ``default_rng(12345)``.

::

    python benchmarks/gatesynth_ablation.py [--n 20] \
        [--out benchmarks/results/gatesynth_ablation.md]
"""
from __future__ import annotations

import argparse
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.stats import unitary_group

log = logging.getLogger("ablation")
DATA = Path(__file__).resolve().parents[1] / "qtool" / "gatesynth" / "data"


@dataclass(frozen=True)
class Setting:
    basis: str
    eps: float
    tables: int                      # suffix table depth (T-count levels for clifford_t)
    budgets: tuple[int, ...]


SETTINGS = (Setting("hrc", 1e-2, 4, (250, 1000, 4000)),
            Setting("clifford_t", 1e-2, 6, (50, 200, 800)))


def _targets(n: int) -> list[np.ndarray]:
    rng = np.random.default_rng(12345)
    return [unitary_group.rvs(2, random_state=rng) for _ in range(n)]


def _setup(s: Setting):
    """Moves over small tables, the small tables' own exact search, the optimum."""
    from qtool.gatesynth.api import synthesize
    from qtool.gatesynth.cliffordt import CliffordTTables
    from qtool.gatesynth.exact import WordTables
    from qtool.gatesynth.search import basis_moves, clifford_t_moves
    if s.basis == "clifford_t":
        small = CliffordTTables(b_max=s.tables)
        moves = clifford_t_moves(small)

        def tables_only(u):
            r = small.optimal(u, s.eps, max_t=2 * s.tables)
            return None if r is None else r.t_count
    else:
        small = WordTables(s.basis, max_level=s.tables)
        moves = basis_moves(small)

        def tables_only(u):
            r = small.shortest(u, s.eps)
            return None if r is None else r.cost

    def optimum(u):
        return synthesize(u, s.basis, s.eps).cost
    return moves, tables_only, optimum


def run(n: int) -> list[dict]:
    from qtool.gatesynth.search import aqstar, learned_heuristic
    rows = []
    us = _targets(n)
    for s in SETTINGS:
        moves, tables_only, optimum = _setup(s)
        opt = [optimum(u) for u in us]
        t0 = time.perf_counter()
        tab = [tables_only(u) for u in us]
        rows.append(_row(s, "tables only (exact MITM, same tables)", "-", tab, opt, None,
                         (time.perf_counter() - t0) / n))
        weights = DATA / f"{s.basis}.npz"
        guides = [("best-first (no heuristic)", None)]
        if weights.exists():
            guides.append(("learned Q* heuristic", learned_heuristic(weights)))
        else:
            log.warning("no trained weights at %s: learned rows skipped", weights)
        for budget in s.budgets:
            for name, h in guides:
                costs, nodes, secs = [], [], []
                for u in us:
                    r = aqstar(u, moves, s.eps, heuristic=h, max_nodes=budget,
                               time_limit=60.0)
                    costs.append(r.cost if r.found else None)
                    nodes.append(r.nodes)
                    secs.append(r.seconds)
                rows.append(_row(s, name, budget, costs, opt, float(np.mean(nodes)),
                                 float(np.median(secs))))
                log.info("%s eps %g budget %d %s: %s", s.basis, s.eps, budget, name,
                         rows[-1]["success"])
    return rows


def _row(s: Setting, method, budget, costs, opt, nodes, seconds) -> dict:
    ok = [i for i, c in enumerate(costs) if c is not None]
    gap = [costs[i] - opt[i] for i in ok]
    return {"basis": s.basis, "eps": s.eps, "tables": s.tables, "method": method,
            "budget": budget, "success": f"{len(ok)}/{len(costs)}",
            "mean_cost": float(np.mean([costs[i] for i in ok])) if ok else float("nan"),
            "mean_gap": float(np.mean(gap)) if ok else float("nan"),
            "optimum": float(np.mean(opt)), "nodes": nodes, "seconds": seconds}


def _nodes(n) -> str:
    return "-" if n is None else f"{n:.0f}"


def table(rows: list[dict]) -> str:
    cost = {"hrc": "length", "clifford_t": "T-count"}
    out = ["| basis | eps_op | suffix tables | method | node budget | solved | mean cost "
           "(solved) | gap to optimum | mean nodes | median s |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        out.append(f"| {r['basis']} ({cost[r['basis']]}) | {r['eps']:g} | {r['tables']} | "
                   f"{r['method']} | {r['budget']} | {r['success']} | {r['mean_cost']:.2f} | "
                   f"{r['mean_gap']:+.2f} | "
                   f"{_nodes(r['nodes'])} | "
                   f"{r['seconds']:.3f} |")
    opt = {(r["basis"], r["eps"]): r["optimum"] for r in rows}
    out.append("")
    out.append("Exact optimum (full tables), mean over the same targets: " + "; ".join(
        f"{b} eps {e:g}: {v:.2f}" for (b, e), v in opt.items()))
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    text = f"# Learned-heuristic ablation ({args.n} Haar targets, default_rng(12345))\n\n" + \
        table(run(args.n)) + "\n"
    print(text)
    if args.out:
        tmp = Path(args.out).with_suffix(".tmp")
        tmp.write_text(text)
        tmp.replace(args.out)


if __name__ == "__main__":
    main()
