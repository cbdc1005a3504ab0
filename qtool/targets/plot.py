"""Draw a target's coupling map, optionally with a routed circuit on it.

:func:`plot_coupling` is the "routing on the coupling map" picture: couplings are coloured
and labelled by how many two-qubit gates the circuit runs on them, the physical qubits of
the initial layout carry their virtual index, and gates between uncoupled qubits (a circuit
that is not routed yet) are drawn as red dashed lines.

Matplotlib is used through its object API with the Agg canvas, so nothing here touches the
global ``pyplot`` state or needs a display.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from .target import Target

__all__ = ["plot_coupling", "edge_usage"]

_LAYOUT = "#1f5fa8"      # qubits of the initial layout
_ANCILLA = "#9ecae1"     # other qubits the circuit touches (routing ancillas)
_IDLE_EDGE = "#c8c8c8"
_BAD = "#d62728"


def edge_usage(circ) -> dict[tuple[int, int], int]:
    """``{(a, b): count}`` of two-qubit gates per unordered physical pair (``a < b``),
    sorted by pair."""
    counts: dict[tuple[int, int], int] = {}
    for i in np.flatnonzero(circ.two_qubit_mask()).tolist():
        a, b = circ.qubits_of(i)
        key = (a, b) if a < b else (b, a)
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


def plot_coupling(target, path: str | os.PathLike, *, circuit=None, layout=None,
                  title: str | None = None) -> Path:
    """Draw ``target``'s coupling map to a PNG at ``path`` and return the path.

    Parameters
    ----------
    target:
        A :class:`Target` or anything :func:`~qtool.targets.get_target` accepts.
    circuit:
        A circuit on the target's physical qubits (routed or not).  Couplings are coloured
        by the number of 2Q gates on them.
    layout:
        Where each virtual qubit starts: a :class:`~qtool.Layout`, a sequence
        ``physical = layout[virtual]`` or a ``{virtual: physical}`` mapping.  Defaults to
        ``circuit.layout``.  Those qubits are filled and labelled with their virtual index
        (the physical index is printed small beside every qubit).
    title:
        Figure title (default: target name, size and the 2Q gate count).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    if not isinstance(target, Target):
        from .registry import get_target
        target = get_target(target)
    n = target.num_qubits
    xy = target.coords
    if xy is None or len(xy) != n:
        from .generators import auto_coords
        xy = auto_coords(n, target.all_undirected_edges)
    xy = np.asarray(xy, dtype=float)
    if circuit is not None and circuit.num_qubits > n:
        raise ValueError(f"circuit has {circuit.num_qubits} qubits, target {target.name} "
                         f"only {n}")

    usage = edge_usage(circuit) if circuit is not None else {}
    edges = [tuple(e) for e in target.all_undirected_edges.tolist()]
    on_edge = {e: usage.get(e, 0) for e in edges}
    off_edge = {e: c for e, c in usage.items() if not target.has_edge(*e)}
    placed = _virtual_positions(layout if layout is not None else
                                getattr(circuit, "layout", None), n)
    active = set(circuit.active_qubits()) if circuit is not None else set()

    span = np.ptp(xy, axis=0) if n > 1 else np.ones(2)
    unit = 0.6 if n <= 40 else 0.45
    w = float(np.clip(1.5 + unit * span[0], 4.0, 22.0))
    h = float(np.clip(1.5 + unit * span[1], 3.0, 22.0))
    if circuit is not None:
        w += 1.2
    fig = Figure(figsize=(w, h))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.set_aspect("equal")
    ax.axis("off")

    # couplings
    segs = [xy[list(e)] for e in edges]
    cmax = max(on_edge.values(), default=0)
    if cmax:
        from matplotlib import colormaps
        from matplotlib.colors import Normalize
        from matplotlib.cm import ScalarMappable
        cmap = colormaps["plasma_r"]
        norm = Normalize(vmin=0, vmax=cmax)   # from 0: a single gate is not near-white
        counts = np.array([on_edge[e] for e in edges])
        colors = [cmap(norm(c)) if c else _IDLE_EDGE for c in counts]
        widths = np.where(counts > 0, 2.0 + 3.0 * counts / cmax, 1.2)
        ax.add_collection(LineCollection(segs, colors=colors, linewidths=widths, zorder=1))
        sm = ScalarMappable(norm=norm, cmap=cmap)
        from matplotlib.ticker import MaxNLocator
        cb = fig.colorbar(sm, ax=ax, shrink=0.6, pad=0.02)
        cb.set_label("2Q gates on coupling", fontsize=8)
        cb.ax.tick_params(labelsize=7)
        cb.locator = MaxNLocator(integer=True)
        cb.update_ticks()
        if sum(1 for c in counts if c) <= 250:
            for e, c in zip(edges, counts.tolist()):
                if c:
                    mx, my = xy[list(e)].mean(axis=0)
                    ax.text(mx, my, str(c), fontsize=6, ha="center", va="center", zorder=4,
                            bbox=dict(boxstyle="round,pad=0.12", fc="white", ec="none",
                                      alpha=0.85))
    else:
        ax.add_collection(LineCollection(segs, colors=_IDLE_EDGE, linewidths=1.5, zorder=1))
    if off_edge:
        ax.add_collection(LineCollection([xy[list(e)] for e in off_edge], colors=_BAD,
                                         linewidths=1.2, linestyles="dashed", zorder=2))

    # qubits
    virt_of = {p: v for v, p in placed.items()}
    face = [_LAYOUT if q in virt_of else _ANCILLA if q in active else "white"
            for q in range(n)]
    edge_c = ["#333333" if q in virt_of or q in active else "#999999" for q in range(n)]
    size = 260 if n <= 40 else 150
    ax.scatter(xy[:, 0], xy[:, 1], s=size, c=face, edgecolors=edge_c, linewidths=0.8,
               zorder=3)
    fs = 7 if n <= 40 else 5.5
    for q in range(n):
        x, y = xy[q]
        if q in virt_of:
            ax.text(x, y, str(virt_of[q]), fontsize=fs, ha="center", va="center",
                    color="white", fontweight="bold", zorder=5)
            ax.text(x + 0.18, y - 0.22, str(q), fontsize=fs - 1.5, color="#555555", zorder=5)
        else:
            ax.text(x, y, str(q), fontsize=fs - 1, ha="center", va="center",
                    color="#333333" if q in active else "#777777", zorder=5)

    pad = 0.6
    ax.set_xlim(xy[:, 0].min() - pad, xy[:, 0].max() + pad)
    ax.set_ylim(xy[:, 1].min() - pad, xy[:, 1].max() + pad)
    if title is None:
        title = f"{target.name}: {n} qubits, {len(edges)} couplings, {target.gate_2q}"
        if circuit is not None:
            title += (f" | {sum(usage.values())} 2Q gates on {len(usage)} pairs"
                      + (f", {len(off_edge)} uncoupled" if off_edge else ""))
    ax.set_title(title, fontsize=9)
    if placed or active or off_edge:
        handles = []
        if placed:
            handles.append(Line2D([], [], marker="o", ls="", mfc=_LAYOUT, mec="#333333",
                                  label="initial layout (virtual index)"))
        if active - set(virt_of):
            handles.append(Line2D([], [], marker="o", ls="", mfc=_ANCILLA, mec="#333333",
                                  label="ancilla used"))
        handles.append(Line2D([], [], marker="o", ls="", mfc="white", mec="#999999",
                              label="unused (physical index)"))
        if off_edge:
            handles.append(Line2D([], [], color=_BAD, ls="--", label="2Q gate off coupling"))
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2,
                  fontsize=7, frameon=False)
    fig.tight_layout()
    out = Path(path)
    fig.savefig(out, dpi=150, format="png")
    return out


def _virtual_positions(layout, n: int) -> dict[int, int]:
    """``{virtual: physical}`` from a Layout, a sequence or a mapping."""
    if layout is None:
        return {}
    if hasattr(layout, "initial") and hasattr(layout, "num_virtual"):
        pairs = enumerate(layout.initial[:layout.num_virtual])
    elif isinstance(layout, Mapping):
        pairs = layout.items()
    elif isinstance(layout, Sequence) or isinstance(layout, np.ndarray):
        pairs = enumerate(layout)
    else:
        raise TypeError(f"layout must be a Layout, a sequence or a mapping, not "
                        f"{type(layout).__name__}")
    out = {int(v): int(p) for v, p in pairs}
    bad = [p for p in out.values() if not 0 <= p < n]
    if bad:
        raise ValueError(f"layout puts a qubit on physical {bad[0]}, outside 0..{n - 1}")
    return dict(sorted(out.items()))
