"""Train the effective bit-flip-rate estimator of Q-Cluster and report how well it
generalises.

Reads the runs of ``scripts/make_mitigation_data.py``, fits an ExtraTrees regressor of the
best-fit flip rate ``p*`` on :data:`qtool.mitigation.effective_p.FEATURES`, and reports R^2
under 5-fold shuffled cross-validation, leave-one-backend-out, leave-one-circuit-out (every
run of a circuit held out together) and leave-one-family-out, next to the naive
``1 - ESP_m^(1/m)``.  The fitted ensemble is exported as plain arrays to
``qtool/mitigation/data/effective_p.npz`` (numpy inference, no pickle) and the table to
``benchmarks/results/effective_p.md``.

Runs whose ideal output is near-uniform (normalised entropy > 0.9) are left out: any flip
rate fits them, so their ``p*`` is noise, and Q-Cluster is not applied to them anyway.

    python scripts/train_effective_p.py [--data benchmarks/data/mitigation_runs.json.gz]
"""
from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
MAX_IDEAL_ENTROPY = 0.9


def load(path: Path):
    with gzip.open(path, "rt") as f:
        rows = json.load(f)
    return [r for r in rows if r["ideal_entropy"] <= MAX_IDEAL_ENTROPY]


def main(argv=None) -> int:
    from sklearn.ensemble import ExtraTreesRegressor
    from sklearn.metrics import r2_score
    from sklearn.model_selection import GroupKFold, KFold, cross_val_predict

    from qtool.mitigation.effective_p import FEATURES, MODEL_PATH, TreeEnsemble, fallback_p

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT / "benchmarks" / "data" /
                                          "mitigation_runs.json.gz"))
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "effective_p.md"))
    ap.add_argument("--trees", type=int, default=100)
    args = ap.parse_args(argv)

    rows = load(Path(args.data))
    X = np.array([[float(r["features"][k]) for k in FEATURES] for r in rows])
    y = np.array([r["p_star"] for r in rows])
    circuits = np.array([r["circuit"] for r in rows])
    families = np.array([r["family"] for r in rows])
    backends = np.array([r["backend"] for r in rows])

    def model():
        return ExtraTreesRegressor(n_estimators=args.trees, random_state=42, n_jobs=1)

    lines = ["# Effective flip-rate estimator (ExtraTrees)", "",
             f"{len(rows)} runs ({len(set(circuits))} circuits x {len(set(backends))} fake "
             f"backends, ideal normalised entropy <= {MAX_IDEAL_ENTROPY}); target: best-fit "
             f"p* of the noisy histogram; features: {', '.join(FEATURES)}.", "",
             "| split | R^2 | RMSE |", "|---|---:|---:|"]

    def report(name, pred):
        r2 = r2_score(y, pred)
        rmse = float(np.sqrt(np.mean((pred - y) ** 2)))
        lines.append(f"| {name} | {r2:.3f} | {rmse:.4f} |")
        print(f"{name:36s} R2 {r2:.3f}  RMSE {rmse:.4f}")
        return r2

    report("5-fold shuffled (seed 42)",
           cross_val_predict(model(), X, y, cv=KFold(5, shuffle=True, random_state=42)))
    for name, groups in (("leave one backend out", backends),
                         ("leave one circuit out (all its runs)", circuits),
                         ("leave one family out", families)):
        k = len(set(groups))
        if k < 2:
            continue
        report(name, cross_val_predict(model(), X, y, cv=GroupKFold(k), groups=groups))
    naive = np.array([fallback_p(dict(zip(FEATURES, x))) for x in X])
    report("naive 1 - esp_m^(1/m)", naive)

    est = model().fit(X, y)
    imp = sorted(zip(FEATURES, est.feature_importances_), key=lambda t: -t[1])
    lines += ["", "Feature importances: " + ", ".join(f"{k} {v:.3f}" for k, v in imp), ""]
    ens = TreeEnsemble.from_sklearn(est, FEATURES)
    assert np.allclose(ens.predict(X), est.predict(X)), "exported trees disagree with sklearn"
    MODEL_PATH.parent.mkdir(exist_ok=True)
    ens.save(MODEL_PATH)
    lines.append(f"Exported {ens.value.size} nodes to `{MODEL_PATH.relative_to(ROOT)}` "
                 f"({MODEL_PATH.stat().st_size / 1024:.0f} KiB); numpy inference matches "
                 f"scikit-learn exactly on the training set.")
    Path(args.out).write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out} and {MODEL_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
