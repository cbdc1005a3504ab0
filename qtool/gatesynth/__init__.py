"""Gate synthesis over finite bases: approximating one- and two-qubit operators by words of
basis gates (Clifford+T, HRC, inverse-free {H, T}, or a user's basis).

* :mod:`qtool.gatesynth.su2` -- one-qubit operators modulo phase as unit quaternions, and the
  ``eps_op`` distance.
* :mod:`qtool.gatesynth.cliffordt` -- Matsumoto-Amano normal-form tables and T-optimal
  meet-in-the-middle search for Clifford+T.
* :mod:`qtool.gatesynth.bases` -- bases as data (built-in and user JSON).
* :mod:`qtool.gatesynth.exact` -- breadth-first word tables and shortest-word
  meet-in-the-middle search for any basis.
* :mod:`qtool.gatesynth.features` -- network inputs and numpy MLP inference.
* :mod:`qtool.gatesynth.api` -- :func:`synthesize` (and ``qtool synth``,
  :mod:`qtool.gatesynth.cli`).
* :mod:`qtool.gatesynth.search` -- batched AQ*-style search guided by a cost-to-go
  heuristic and finished by the exact tables.
"""
