"""Learning-curve plot of an architecture search (matplotlib, written to a file)."""
from __future__ import annotations

import numpy as np

__all__ = ["plot_learning_curve"]


def plot_learning_curve(result, path, *, title: str = "", chemical_accuracy: float = 1.6e-3
                        ) -> None:
    """Per-episode best error, running best, episode length and return, saved to ``path``."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..cli import write_atomic

    curve = result.curve
    ep = np.array([c["episode"] for c in curve]) + 1
    err = np.maximum([c["error"] for c in curve], 1e-12)
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(7, 6), sharex=True)
    ax1.semilogy(ep, err, ".", ms=2, alpha=0.4, label="episode's lowest error")
    ax1.semilogy(ep, np.minimum.accumulate(err), "-", lw=1.5, label="best so far")
    ax1.axhline(chemical_accuracy, color="k", ls="--", lw=0.8, label="chemical accuracy")
    ax1.set_ylabel("energy error (Ha)")
    ax1.legend(loc="upper right", fontsize=8)
    ax1.set_title(title or "architecture search")
    k = max(1, len(curve) // 50)
    gates = np.convolve([c["gates"] for c in curve], np.ones(k) / k, mode="valid")
    ret = np.convolve([c["return"] for c in curve], np.ones(k) / k, mode="valid")
    ax2.plot(ep[k - 1:], gates, label=f"gates per episode (mean of {k})")
    ax2.set_xlabel("episode")
    ax2.set_ylabel("gates")
    ax3 = ax2.twinx()
    ax3.plot(ep[k - 1:], ret, color="C3", lw=0.8, label="return")
    ax3.set_ylabel("return", color="C3")
    ax2.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    import io
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    write_atomic(path, buf.getvalue())
