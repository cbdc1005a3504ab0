"""Speed of the simulated-annealing kernels (``qtool._ext._anneal``) against their numpy
twins, and of qtool's sampler against dwave-samplers' ``SimulatedAnnealingSampler``.

1. Kernel vs twin: a dense random QUBO (``n = 100``, the dense kernel) and a sparse one
   (``n = 200``, about 6 neighbours per variable, the CSR kernel), the same seeds and start
   states for both; prints both times, the ratio and whether the samples are identical.
2. ``simulated_annealing``: 100 reads x 1000 sweeps on both QUBOs (its default schedule),
   then :func:`greedy_descent` on its samples.
3. If ``dwave-samplers`` is installed: its ``SimulatedAnnealingSampler`` with the same reads
   and sweeps (its own default schedule), and sample quality of all (mean and best energy,
   share of reads within 1e-9 of the best energy any of them found).

::

    python benchmarks/anneal_kernels.py               # ~30 s
    python benchmarks/anneal_kernels.py --quick       # fewer sweeps for the twin
    python benchmarks/anneal_kernels.py >> benchmarks/results/kernels.txt
"""
from __future__ import annotations

import argparse

import numpy as np
from _timing import best_of
import scipy.sparse as sp


def problems() -> dict:
    from qtool.qubo import QUBO
    rng = np.random.default_rng(0)
    dense = QUBO(rng.normal(size=(100, 100)))
    n = 200
    Q = np.zeros((n, n))
    i, j = rng.integers(0, n, (2, 3 * n))
    Q[i, j] = rng.integers(-5, 6, 3 * n)
    Q[np.arange(n), np.arange(n)] = rng.integers(-5, 6, n)
    return {"dense n=100": dense, "sparse n=200": QUBO(Q)}


def kernel_args(qubo, reads: int, sweeps: int, dense: bool):
    from qtool.qubo.anneal import _couplings, beta_schedule, default_beta_range
    rng = np.random.default_rng(1)
    J, h = _couplings(qubo)
    tail = (h, beta_schedule(default_beta_range(qubo), sweeps),
            rng.integers(0, 2**63, reads, dtype=np.uint64),
            rng.integers(0, 2, (reads, qubo.num_vars), dtype=np.uint8))
    if dense:
        return "anneal_dense", (J,) + tail
    csr = sp.csr_array(J)
    csr.sort_indices()
    return "anneal_csr", (csr.indptr.astype(np.int32), csr.indices.astype(np.int32),
                          csr.data) + tail


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="20 sweeps for the twin comparison")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    from qtool._ext import _anneal as fast
    from qtool._ref import _anneal as ref
    from qtool.qubo.anneal import greedy_descent, simulated_annealing

    probs = problems()
    sweeps = 20 if args.quick else 100
    print("simulated annealing kernels (qtool._ext._anneal)")
    print(f"kernel vs numpy twin: 100 reads x {sweeps} sweeps")
    print(f"{'problem':14s} {'kernel':13s} {'cython':>10s} {'numpy ref':>10s} {'ratio':>8s}  same")
    for (name, q), dense in zip(probs.items(), (True, False)):
        kname, kargs = kernel_args(q, 100, sweeps, dense)
        t_fast, got = best_of(lambda: getattr(fast, kname)(*kargs), args.repeats)
        t_ref, want = best_of(lambda: getattr(ref, kname)(*kargs), 1)
        print(f"{name:14s} {kname:13s} {t_fast * 1e3:8.1f}ms {t_ref * 1e3:8.0f}ms "
              f"{t_ref / t_fast:7.0f}x  {np.array_equal(got[0], want[0])}")

    try:
        import dimod
        from dwave.samplers import SimulatedAnnealingSampler
    except ImportError:
        dimod = None
    print("\nsampler: 100 reads x 1000 sweeps (time, mean energy, best energy, "
          "share of reads at the best either found)")
    for name, q in probs.items():
        t_q, x = best_of(lambda: simulated_annealing(q, 100, np.random.default_rng(2),
                                                   sweeps=1000), args.repeats)
        t_g, xg = best_of(lambda: greedy_descent(q, x), args.repeats)
        rows = [("qtool SA", t_q, q.energy(x)), ("qtool SA+greedy", t_q + t_g, q.energy(xg))]
        if dimod is not None:
            bqm = dimod.BQM(q.Q, "BINARY", offset=q.offset)      # variables 0..n-1
            sampler = SimulatedAnnealingSampler()
            t_d, ss = best_of(lambda: sampler.sample(bqm, num_reads=100, num_sweeps=1000,
                                                   seed=2), args.repeats)
            cols = [ss.variables.index(v) for v in range(q.num_vars)]
            full = ss.record.sample[:, cols].astype(np.uint8)
            rows.append(("dwave-samplers", t_d, q.energy(full)))
        best = min(float(e.min()) for _, _, e in rows)
        for label, t, e in rows:
            print(f"{name:14s} {label:15s} {t:7.3f}s  mean {e.mean():10.3f}  best "
                  f"{e.min():10.3f}  at best {np.mean(e <= best + 1e-9):5.2f}")
        if dimod is not None:
            print(f"{name:14s} time ratio dwave-samplers / qtool SA: "
                  f"{rows[-1][1] / rows[0][1]:.2f}")
    if dimod is None:
        print("(dwave-samplers not installed: no comparison)")


if __name__ == "__main__":
    main()
