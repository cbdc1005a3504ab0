"""Quantum architecture search under noise (CRLQAS, Patel et al. ICLR 2024).

Give a Hamiltonian (:func:`load_hamiltonian`), a device or noise model (:class:`NoiseModel`)
and a budget; :func:`architecture_search` trains a masked double DQN that builds circuits of
CNOTs and RX/RY/RZ one gate at a time, re-optimising every angle after each gate, and
reports the circuit it found (:class:`QASReport`).  ``qtool qas`` is the command line.

Modules: ``hamiltonian`` (Pauli sums, shipped molecules), ``ansatz`` (gate programs),
``statevector`` / ``ptm`` (exact noiseless and Pauli-transfer-matrix noisy simulators, both
with adjoint gradients), ``noise``, ``optimize`` (inner optimisers), ``env``, ``curriculum``,
``dqn``, ``search``, ``api``, ``plot``, ``cli``.
"""
from .ansatz import Ansatz
from .api import QASReport, architecture_search
from .hamiltonian import PauliSum, load_hamiltonian
from .noise import NoiseModel

__all__ = ["Ansatz", "NoiseModel", "PauliSum", "QASReport", "architecture_search",
           "load_hamiltonian"]
