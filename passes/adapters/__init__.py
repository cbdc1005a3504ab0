"""Adapters that run a Qiskit or pytket pass inside a qtool pipeline.

They convert the circuit out and back (:mod:`qtool.interop`), so they cost a conversion
each way; use them to try a peer's optimisation inside our pipeline or to compare passes
one for one.  Both are configured by name so they serialise to JSON like every pass.

The layout of the input is kept: the adapters refuse passes that change the number of
qubits, and they declare that they invalidate every property (the foreign pass may emit
any gate on any pair).
"""
from .qiskit import QiskitPass
from .tket import TketPass

__all__ = ["QiskitPass", "TketPass"]
