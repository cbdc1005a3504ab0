"""``qtool.mitigate``: one call from a noisy histogram to a mitigated distribution.

Methods (stages applied left to right):

* ``"qcluster"`` -- Q-Cluster with the flip rate ``p`` given, or estimated from the compiled
  circuit and its target (:mod:`.effective_p`);
* ``"m3"`` -- readout correction with M3 (``mthree``, optional), calibrated from the
  target's per-qubit readout errors, projected to the nearest probability distribution;
* ``"m3+qcluster"`` -- M3 first, then Q-Cluster on the corrected distribution;  ``p`` always
  describes the raw histogram, so Q-Cluster after other stages gets ``p`` less what they
  removed (the mean readout error of the measured qubits; the unfolded channel's best-fit
  i.i.d. rate);
* ``"m3+unfold"`` -- M3, then unfolding through the circuit's correlated gate-error flip
  channel (:mod:`.unfold`);
* ``"m3+unfold+qcluster"`` -- all three; Q-Cluster only where the noisy output is low-entropy
  (normalised entropy <= ``ENTROPY_GATE``), since it is not meant for spread-out outputs.
  With the full raw rate it would over-correct outputs that have genuine neighbouring
  answers, such as QAOA's;
* ``"auto"`` (default) -- ``m3+unfold+qcluster`` when the circuit and target are known: the
  benchmark (``benchmarks/results/mitigation_bench.md``) shows it best on low-entropy outputs
  and harmless on high-entropy ones.  Without them, Q-Cluster with the given ``p`` on
  low-entropy outputs and nothing above the gate.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .counts import Counts, load_counts, unpack_counts

__all__ = ["mitigate", "MitigationResult", "METHODS", "ENTROPY_GATE"]

METHODS = ("auto", "qcluster", "m3", "m3+qcluster", "m3+unfold", "m3+unfold+qcluster")
ENTROPY_GATE = 0.6


@dataclass
class MitigationResult:
    """The mitigated distribution (bit-string -> probability) and how it was obtained."""

    probabilities: dict
    method: str
    p: float | None = None
    p_source: str | None = None
    info: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"method": self.method, "p": self.p, "p_source": self.p_source,
                **self.info, "probabilities": self.probabilities}


def _measured_qubits(circuit, num_bits: int) -> list[int]:
    """Physical qubit measured into each classical bit (clbit order)."""
    from ..gates import MEASURE
    qubits = [None] * num_bits
    for i in range(len(circuit)):
        if circuit.op[i] == MEASURE and 0 <= int(circuit.cargs[i]) < num_bits:
            qubits[int(circuit.cargs[i])] = circuit.qubits_of(i)[0]
    if any(q is None for q in qubits):
        raise ValueError("the circuit does not measure every classical bit of the counts")
    return qubits


def _m3(counts: Counts, circuit, target) -> Counts:
    """M3 readout correction from the target's readout errors; returns pseudo-counts."""
    try:
        import mthree
    except ImportError as exc:      # pragma: no cover - depends on the environment
        raise ImportError("method m3 needs mthree: pip install qtool[mitigation]") from exc
    qubits = _measured_qubits(circuit, counts.num_bits)
    mats = [np.array([[1 - e, e], [e, 1 - e]]) for e in _readout_errors(target)]
    mit = mthree.M3Mitigation(None)
    mit.cals_from_matrices(mats)
    quasi = mit.apply_correction(counts.to_dict(), qubits)
    probs = quasi.nearest_probability_distribution()
    keys = np.array([int(k, 2) for k in probs], dtype=np.uint64)
    return _as_counts(keys, np.array(list(probs.values()), dtype=float), counts)


def _readout_errors(target) -> np.ndarray:
    """Per-qubit readout errors of the target (unknown: 0)."""
    from ..targets.registry import get_target
    return np.nan_to_num(np.asarray(get_target(target).readout_error, dtype=float), nan=0.0)


def _mean_readout(circuit, target, num_bits: int) -> float:
    return float(np.mean(_readout_errors(target)[_measured_qubits(circuit, num_bits)]))


def _as_counts(keys: np.ndarray, probs: np.ndarray, like: Counts) -> Counts:
    """Pseudo-counts (probabilities times the shots of ``like``, rounded, zeros dropped) so
    that later stages see a histogram of the original size."""
    vals = np.rint(np.asarray(probs, dtype=float) * like.shots).astype(np.int64)
    keep = vals > 0
    order = np.argsort(keys[keep], kind="stable")
    return Counts(keys[keep][order], vals[keep][order], like.num_bits)


def _entropy(c: Counts) -> float:
    p = np.asarray(c.counts, dtype=float)
    p = p[p > 0] / p.sum()
    return float(-(p * np.log2(p)).sum() / max(1, c.num_bits))


def mitigate(counts, circuit=None, target=None, *, method: str = "auto",
             p: float | None = None, tol: float = 0.95) -> MitigationResult:
    """Mitigate ``counts`` (dict, Qiskit result JSON or path) of ``circuit`` (the compiled
    circuit that produced them, physical qubits) run on ``target`` (module docstring)."""
    from .qcluster import qcluster_packed
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose from {', '.join(METHODS)}")
    c = counts if isinstance(counts, Counts) else load_counts(counts)
    entropy = _entropy(c)
    info = {"num_bits": c.num_bits, "shots": int(c.shots), "noisy_entropy": entropy}
    if method == "auto":
        if circuit is not None and target is not None:
            method = "m3+unfold+qcluster"
        else:
            method = "qcluster" if entropy <= ENTROPY_GATE else "none"
        info["auto"] = method
    if method == "none":
        return MitigationResult(c.probabilities(), "none", info=info)
    stages = method.split("+")
    if ("m3" in stages or "unfold" in stages) and (circuit is None or target is None):
        raise ValueError(f"method {method} needs the compiled circuit and its target")
    work = _m3(c, circuit, target) if "m3" in stages else c
    channel = None
    if "unfold" in stages:
        from .unfold import flip_channel, unfold
        channel = flip_channel(circuit, target, c.num_bits, readout="m3" not in stages)
        keys, probs, iters = unfold(work.keys, work.counts, channel)
        info.update({"channel_masks": len(channel), "unfold_iterations": int(iters)})
        work = _as_counts(keys, probs, c)
    if "qcluster" not in stages or (len(stages) > 2 and entropy > ENTROPY_GATE):
        probs = np.asarray(work.counts, dtype=float)
        return MitigationResult(unpack_counts(work.keys, probs / probs.sum(), c.num_bits),
                                method, info=info)
    source = "given"
    if p is None:
        if circuit is None or target is None:
            raise ValueError("Q-Cluster needs a flip rate: give p, or the compiled circuit "
                             "and its target")
        from .effective_p import circuit_features, estimate_p
        probs = np.asarray(c.counts, dtype=float)
        feats = circuit_features(circuit, target, probs / probs.sum(), c.num_bits)
        p, source = estimate_p(feats)
    if len(stages) > 1:
        # p describes the raw histogram: leave Q-Cluster the part earlier stages did not remove
        from .effective_p import P_RANGE
        removed = _mean_readout(circuit, target, c.num_bits) if "m3" in stages else 0.0
        removed += channel.bsc_rate() if channel is not None else 0.0
        info["p_raw"] = float(p)
        p = max(P_RANGE[0], p - removed)
    res = qcluster_packed(work.keys, work.counts, c.num_bits, p, tol=tol)
    info.update({"k": int(res.k), "threshold": float(res.threshold)})
    return MitigationResult(res.distribution(), method, float(p), source, info)
