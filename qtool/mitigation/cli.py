"""``qtool mitigate COUNTS.json [--circuit compiled.qasm] [--target T]
[--method auto|qcluster|m3|m3+qcluster|m3+unfold|m3+unfold+qcluster] [--p RATE]
[-o mitigated.json] [--plot PNG]``."""
from __future__ import annotations

import json

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    from .api import METHODS
    m = sub.add_parser("mitigate", help="mitigate a measured histogram (M3, unfolding, Q-Cluster)")
    m.add_argument("counts", help="counts JSON: {bitstring: count} or a Qiskit result")
    m.add_argument("--circuit", default=None,
                   help="the compiled circuit that produced the counts (OpenQASM)")
    m.add_argument("--target", default=None, help="the target it ran on")
    m.add_argument("--method", choices=METHODS, default="auto")
    m.add_argument("--p", type=float, default=None,
                   help="per-bit flip rate of the raw histogram, for Q-Cluster (else estimated "
                        "from circuit + target)")
    m.add_argument("-o", "--output", default=None, help="mitigated JSON (default: stdout)")
    m.add_argument("--plot", default=None, help="write a before/after PNG")


def run(args) -> int:
    from ..cli import write_output
    from ..errors import InputError
    from .api import mitigate
    from .counts import load_counts
    counts = load_counts(args.counts)
    circuit = None
    if args.circuit:
        from ..io import load_circuit
        circuit = load_circuit(args.circuit)
    if args.p is not None and not 0 <= args.p <= 0.5:
        raise InputError(f"--p must be in [0, 0.5], got {args.p}")
    try:
        res = mitigate(counts, circuit, args.target, method=args.method, p=args.p)
    except ValueError as exc:
        raise InputError(str(exc), file=args.counts) from None
    write_output(args.output, json.dumps(res.to_dict(), indent=1) + "\n")
    if args.plot:
        plot_before_after(counts.probabilities(), res.probabilities, args.plot,
                          title=f"{args.counts}: {res.method}")
    return 0


def plot_before_after(before: dict, after: dict, path, *, top: int = 24, title: str = ""):
    """Bars of the ``top`` most likely strings before and after mitigation."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    keys = sorted(set(before) | set(after),
                  key=lambda k: -max(before.get(k, 0.0), after.get(k, 0.0)))[:top]
    x = np.arange(len(keys))
    fig, ax = plt.subplots(figsize=(max(6, 0.4 * len(keys) + 2), 4))
    ax.bar(x - 0.2, [before.get(k, 0.0) for k in keys], 0.4, label="measured")
    ax.bar(x + 0.2, [after.get(k, 0.0) for k in keys], 0.4, label="mitigated")
    ax.set_xticks(x, keys, rotation=90, fontsize=7)
    ax.set_ylabel("probability")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
