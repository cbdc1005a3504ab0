"""Plots of a QUBO solve: the shrinking (graph before/after, merges) and convergence."""
from __future__ import annotations

from pathlib import Path

__all__ = ["plot_result", "plot_convergence"]


def plot_convergence(result, path) -> Path:
    """The solver's objective per evaluation (quantum solvers; the energies of its samples
    otherwise) and the Lagrangian search's best feasible objective and feasible fraction per
    round, side by side."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curves = result.curves
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    ax = axes[0]
    if curves.get("solver"):
        ax.plot(curves["solver"], lw=1)
        ax.set_xlabel("circuit evaluation")
        ax.set_ylabel("CVaR of the QUBO energy")
        ax.set_title(f"{result.solver.get('name')} optimisation")
    elif curves.get("sample_energies"):
        ax.hist(curves["sample_energies"], bins=40, color="tab:blue", alpha=0.8)
        ax.set_xlabel("QUBO energy of the solved (shrunk) model")
        ax.set_ylabel("samples")
        ax.set_title(f"{result.solver.get('name')} sample energies")
    else:
        ax.text(0.5, 0.5, "no samples", ha="center", va="center")
        ax.set_axis_off()
    ax = axes[1]
    hist = curves.get("lagrangian") or []
    if hist:
        rounds = range(1, len(hist) + 1)
        best = [h.get("best_objective") for h in hist]
        feas = [h.get("feasible_fraction") for h in hist]
        ax.plot(rounds, [b if b is not None else float("nan") for b in best], "o-",
                label="best feasible objective")
        if result.program.optimum is not None:
            ax.axhline(result.program.optimum, color="k", ls="--", lw=0.8, label="optimum")
        ax.set_xlabel("multiplier round")
        ax.set_ylabel("objective")
        ax2 = ax.twinx()
        ax2.plot(rounds, feas, "s:", color="tab:orange", label="feasible fraction")
        ax2.set_ylim(0, 1.05)
        ax2.set_ylabel("feasible fraction of reads")
        ax.legend(loc="lower right", fontsize=8)
        ax.set_title(f"{result.encoding.get('method')} multipliers")
    else:
        ax.text(0.5, 0.5, "no multiplier search", ha="center", va="center")
        ax.set_axis_off()
    fig.suptitle(f"{result.program.name}: gap {result.gap:.3g} %")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def plot_result(result, prefix) -> list[Path]:
    """``PREFIX_convergence.png`` and, when the QUBO was shrunk, ``PREFIX_shrink.png``."""
    out = [plot_convergence(result, f"{prefix}_convergence.png")]
    if result.shrinking is not None:
        from .shrink import plot_shrinking
        p = Path(f"{prefix}_shrink.png")
        plot_shrinking(result.shrinking, p)
        out.append(p)
    return out
