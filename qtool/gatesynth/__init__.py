"""Gate synthesis over finite bases: approximating one- and two-qubit operators by words of
basis gates (Clifford+T, HRC, inverse-free {H, T}, or a user's basis).

* :mod:`qtool.gatesynth.su2` -- one-qubit operators modulo phase as unit quaternions, and the
  ``eps_op`` distance.
* :mod:`qtool.gatesynth.cliffordt` -- Matsumoto-Amano normal-form tables and T-optimal
  meet-in-the-middle search for Clifford+T.
"""
