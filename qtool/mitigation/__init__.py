"""Error mitigation of measured histograms.

* :mod:`qtool.mitigation.counts` -- parsing, validation and packing of counts; Hellinger
  fidelity.
* :mod:`qtool.mitigation.qcluster` -- Q-Cluster (Hamming-space clustering + Bayesian
  reshaping under a bit-flip model).
* :mod:`qtool.mitigation.unfold` -- the compiled circuit's correlated flip channel (Pauli
  frames) and EM unfolding through it.
* :mod:`qtool.mitigation.effective_p` -- the effective flip rate from calibration data,
  circuit features and the output's entropy (ExtraTrees, shipped as arrays).

Pauli and readout twirling are compiler passes: :mod:`qtool.passes.mitigation`.
"""
from __future__ import annotations

from qtool.mitigation.counts import (Counts, hellinger_fidelity, load_counts, pack_counts,
                                     unpack_counts)
from qtool.mitigation.qcluster import (QClusterResult, qcluster, qcluster_packed,
                                       qcluster_result)

__all__ = ["Counts", "hellinger_fidelity", "load_counts", "pack_counts", "unpack_counts",
           "QClusterResult", "qcluster", "qcluster_packed", "qcluster_result"]
