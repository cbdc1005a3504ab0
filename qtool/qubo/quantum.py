"""Quantum QUBO solvers: QAOA and CVaR-VQE, with circuits compiled by qtool.

Both are built as parameter-symbolic qtool circuits and compiled **once** for the target
(``qtool.compile``, which keeps the parameters as ``input float[64]``).  The classical
optimiser (COBYLA) then tunes the parameters against an exact, noiseless simulation of the
*logical* circuit -- the compiled one is equivalent, which ``verify=True`` proves -- and the
best parameters are bound into the compiled circuit, which is run with shots (qiskit-aer when
installed, qtool's statevector simulator otherwise).  Samples come back in the QUBO's
variable order, decoded through the compiled circuit's measurement map.

The optimisation objective is CVaR_alpha of the energy distribution (the mean of its lowest
``alpha`` fraction; ``alpha = 1`` is the plain expectation), computed exactly from the
statevector.  QAOA's cost layer is diagonal, so its simulation is a phase multiply plus one
``RX`` per qubit; the VQE ansatz's CX ladder is a fixed permutation of basis states.  Both stay
fast up to the ~20 qubits a shrunk QUBO has.
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import numpy as np

from ..circuit import Circuit
from ..gates import GATES
from ..params import ParameterVector
from .program import QUBO

__all__ = ["QAOA", "CVaRVQE", "QuantumResult", "qaoa_circuit", "vqe_ansatz", "cvar"]

log = logging.getLogger("qtool.qubo.quantum")

MAX_SIM_QUBITS = 24


@dataclass
class QuantumResult:
    """What a quantum solve produced: ``samples`` (shots, n) in the QUBO's variable order."""

    samples: np.ndarray
    parameters: dict
    history: list = field(default_factory=list)    # objective value per evaluation
    evaluations: int = 0
    compiled: object = None                          # the CompileResult
    metrics: dict = field(default_factory=dict)


def cvar(energies: np.ndarray, probs: np.ndarray, alpha: float) -> float:
    """CVaR_alpha of a discrete distribution: the mean of its lowest ``alpha`` mass."""
    order = np.argsort(energies, kind="stable")
    e, p = energies[order], probs[order]
    cum = np.cumsum(p)
    take = np.minimum(p, np.maximum(0.0, alpha - (cum - p)))
    return float(np.dot(take, e) / alpha)


def _ising_normalised(qubo: QUBO) -> tuple[np.ndarray, np.ndarray, float]:
    """``(h, J)`` of the QUBO's Ising form scaled to max coefficient 1, and the scale."""
    h, J, _ = qubo.to_ising()
    scale = max(float(np.abs(h).max(initial=0)), float(np.abs(J).max(initial=0)), 1e-12)
    return h / scale, J / scale, scale


def qaoa_circuit(qubo: QUBO, reps: int = 1) -> Circuit:
    """QAOA-p for ``qubo``: ``H^n``, then per layer ``RZZ(2 g J_ij)``, ``RZ(2 g h_i)`` and the
    ``RX(2 b)`` mixer, with symbolic ``gamma[l]``, ``beta[l]``; every qubit measured into the
    clbit of its variable.  Coefficients are normalised to max 1 (the optimiser's scale)."""
    n = qubo.num_vars
    h, J, _ = _ising_normalised(qubo)
    gamma, beta = ParameterVector("gamma", reps), ParameterVector("beta", reps)
    b = Circuit.builder(n, n, name="qaoa")
    for q in range(n):
        b.h(q)
    pairs = np.argwhere(np.abs(np.triu(J, 1)) > 1e-12)
    for layer in range(reps):
        for i, j in pairs:
            b.rzz(2 * float(J[i, j]) * gamma[layer], int(i), int(j))
        for q in range(n):
            if abs(h[q]) > 1e-12:
                b.rz(2 * float(h[q]) * gamma[layer], q)
        for q in range(n):
            b.rx(2 * beta[layer], q)
    for q in range(n):
        b.measure(q, q)
    return b.build()


def vqe_ansatz(n: int, reps: int = 2) -> Circuit:
    """Hardware-efficient ansatz: ``RY``/``RZ`` on every qubit, then a CX ladder, ``reps``
    times, and a final rotation layer; parameters ``theta[k]``; every qubit measured."""
    theta = ParameterVector("theta", 2 * n * (reps + 1))
    b = Circuit.builder(n, n, name="vqe")
    k = 0
    for layer in range(reps + 1):
        for q in range(n):
            b.ry(theta[k], q)
            b.rz(theta[k + 1], q)
            k += 2
        if layer < reps:
            for q in range(n - 1):
                b.cx(q, q + 1)
    for q in range(n):
        b.measure(q, q)
    return b.build()


# ----------------------------------------------------------------------------- simulation
def _bit_table(n: int) -> np.ndarray:
    """``X[k, i]``: bit of variable ``i`` in basis state ``k`` (qubit 0 most significant)."""
    k = np.arange(1 << n, dtype=np.int64)
    return ((k[:, None] >> (n - 1 - np.arange(n))) & 1).astype(np.uint8)


def _energies(qubo: QUBO, bits: np.ndarray) -> np.ndarray:
    x = bits.astype(float)
    return np.einsum("ki,ij,kj->k", x, qubo.Q, x, optimize=True) + qubo.offset


def _apply_1q(state: np.ndarray, m: np.ndarray, q: int, n: int) -> np.ndarray:
    """Apply the 2x2 ``m`` to qubit ``q`` of ``state`` in place (views, no temporaries
    beyond one half-size copy: the simulation is bound by memory traffic)."""
    m = m.astype(state.dtype, copy=False)
    v = state.reshape(1 << q, 2, -1)
    a = v[:, 0, :].copy()
    b = v[:, 1, :]
    v[:, 0, :] *= m[0, 0]
    v[:, 0, :] += m[0, 1] * b
    b *= m[1, 1]
    b += m[1, 0] * a
    return state


_rx = GATES.by_name["rx"].matrix
_ry = GATES.by_name["ry"].matrix
_rz = GATES.by_name["rz"].matrix


class _Solver:
    """Shared driver: compile once, optimise on the logical simulation, sample compiled."""

    name = "quantum"
    default_maxiter = 200        # COBYLA evaluations per restart
    default_restarts = 1

    def __init__(self, reps: int = 2, *, alpha: float = 0.25, maxiter: int | None = None,
                 shots: int = 1024, target="ibm_heron", optimization_level: int = 3,
                 restarts: int | None = None, verify: bool = False):
        if not 0 < alpha <= 1:
            raise ValueError(f"alpha must be in (0, 1], got {alpha}")
        self.reps, self.alpha = int(reps), float(alpha)
        self.maxiter = int(self.default_maxiter if maxiter is None else maxiter)
        self.restarts = int(self.default_restarts if restarts is None else restarts)
        self.shots, self.target = int(shots), target
        self.optimization_level, self.verify = optimization_level, verify

    # subclasses: circuit(qubo), _names(n), _prepare(...), _state(params), _initial_points(rng)
    def __call__(self, qubo: QUBO, num_reads: int, rng: np.random.Generator) -> np.ndarray:
        """The sampler interface: ``num_reads`` shots of a full solve."""
        return self.solve(qubo, rng, shots=num_reads).samples

    def solve(self, qubo: QUBO, rng: np.random.Generator, callback=None,
              shots: int | None = None) -> QuantumResult:
        """Compile, optimise, sample ``shots`` (default ``self.shots``); with ``verify`` the
        bound compiled circuit that was sampled is checked against the bound logical one
        (``metrics["verified"]``)."""
        from scipy.optimize import minimize

        import qtool
        n = qubo.num_vars
        if n > MAX_SIM_QUBITS:
            raise ValueError(f"{n} variables: the simulators here take at most "
                             f"{MAX_SIM_QUBITS}; shrink the QUBO first")
        circ = self.circuit(qubo)
        seed = int(rng.integers(2**31))
        compiled = qtool.compile(circ, self.target, self.optimization_level, seed=seed,
                                 verify=False)   # symbolic: checked after binding
        bits = _bit_table(n)
        energies = _energies(qubo, bits)
        self._prepare(qubo, bits, energies)
        names = self._names(n)
        if sorted(names) != sorted(circ.parameters):
            raise AssertionError("solver parameter names do not match its circuit")
        history: list[float] = []

        def objective(v):
            probs = np.abs(self._state(np.asarray(v))).astype(float) ** 2
            val = cvar(energies, probs, self.alpha)
            history.append(val)
            if callback is not None:
                callback(len(history), val)
            return val

        best = None
        for x0 in self._initial_points(rng):
            r = minimize(objective, x0, method="COBYLA",
                         options={"maxiter": self.maxiter, "rhobeg": 0.3})
            if best is None or r.fun < best.fun:
                best = r
        values = dict(zip(names, (float(v) for v in best.x)))
        log.info("%s: %d evaluations, best CVaR %.6g", self.name, len(history), best.fun)
        samples = _sample_compiled(compiled.circuit.bind(values), n,
                                   self.shots if shots is None else int(shots), rng)
        exact_p = np.abs(self._state(best.x)).astype(float) ** 2
        metrics = {"qubits": n, "evaluations": len(history), "cvar": float(best.fun),
                   "expected_energy": float(np.dot(exact_p, energies)),
                   "p_ground": float(exact_p[np.isclose(energies, energies.min())].sum()),
                   **{f"compiled_{k}": v for k, v in compiled.metrics.items()
                      if k in ("num_2q", "depth", "depth_2q", "esp")}}
        if self.verify:
            # symbolic circuits cannot be compared: check the circuit actually sampled
            from ..verify import verify_equivalent
            metrics["verified"] = verify_equivalent(circ.bind(values),
                                                    compiled.circuit.bind(values)).equivalent
        return QuantumResult(samples, values, history, len(history), compiled, metrics)


class QAOA(_Solver):
    """QAOA-p with a CVaR objective (``alpha = 1``: plain expectation)."""

    name = "qaoa"

    default_maxiter = 200
    default_restarts = 3

    def circuit(self, qubo):
        return qaoa_circuit(qubo, self.reps)

    def _prepare(self, qubo, bits, energies):
        h, J, _ = _ising_normalised(qubo)
        z = 1.0 - 2.0 * bits
        # the normalised Ising energy of every basis state: the cost layer's phase
        self._cost = z @ h + np.einsum("ki,ij,kj->k", z, np.triu(J, 1), z, optimize=True)
        self._n = qubo.num_vars

    def _state(self, v):
        n, p = self._n, self.reps
        gam, bet = v[:p], v[p:]
        # single precision: COBYLA needs far less than 1e-7, and it halves memory traffic
        state = np.full(1 << n, (1 / math.sqrt(2)) ** n, dtype=np.complex64)
        for layer in range(p):
            state *= np.exp(-1j * gam[layer] * self._cost).astype(np.complex64)
            m = _rx(2 * bet[layer])
            for q in range(n):
                state = _apply_1q(state, m, q, n)
        return state

    def _names(self, n):
        return [f"gamma[{i}]" for i in range(self.reps)] + [f"beta[{i}]" for i in range(self.reps)]

    def _initial_points(self, rng):
        # linear-ramp starts (gamma rising, beta falling) of a few slopes
        p = self.reps
        pts = []
        for k in range(self.restarts):
            dt = 0.4 + 0.5 * k / max(1, self.restarts - 1)
            ramp = (np.arange(p) + 0.5) / p
            pts.append(np.concatenate([dt * ramp, dt * (1 - ramp)]))
        return pts


class CVaRVQE(_Solver):
    """CVaR-VQE with the RY/RZ + CX-ladder ansatz of :func:`vqe_ansatz`."""

    name = "cvar-vqe"

    default_maxiter = 300

    def circuit(self, qubo):
        return vqe_ansatz(qubo.num_vars, self.reps)

    def _prepare(self, qubo, bits, energies):
        n = self._n = qubo.num_vars
        # the CX ladder cx(0,1) .. cx(n-2,n-1) as a permutation of basis states
        x = bits.copy()
        for q in range(n - 1):
            x[:, q + 1] ^= x[:, q]
        dest = x.astype(np.int64) @ (1 << (n - 1 - np.arange(n)))
        self._ladder = np.argsort(dest)           # new_state = state[self._ladder]

    def _state(self, v):
        n = self._n
        state = np.zeros(1 << n, dtype=np.complex64)
        state[0] = 1
        theta = v
        k = 0
        for layer in range(self.reps + 1):
            for q in range(n):
                state = _apply_1q(state, _rz(theta[k + 1]) @ _ry(theta[k]), q, n)
                k += 2
            if layer < self.reps:
                state = state[self._ladder]
        return state

    def _names(self, n):
        return [f"theta[{k}]" for k in range(2 * n * (self.reps + 1))]

    def _initial_points(self, rng):
        m = 2 * self._n * (self.reps + 1)
        # small RY angles around 0.2 (a biased start breaks the all-zero symmetry)
        base = np.where(np.arange(m) % 2 == 0, 0.2, 0.0)
        return [base + rng.uniform(-0.1, 0.1, size=m) for _ in range(self.restarts)]


def _sample_compiled(circ: Circuit, n: int, shots: int, rng: np.random.Generator) -> np.ndarray:
    """Run the bound, compiled circuit with ``shots``; rows of ``n`` variable bits (clbit
    ``c`` is variable ``c``).  qiskit-aer when installed, else qtool's statevector."""
    from ..verify import strip_final_measurements
    body, meas = strip_final_measurements(circ)
    active = sorted(set(body.active_qubits()) | set(meas))
    local = {p: i for i, p in enumerate(active)}
    k = len(active)
    body = body.remap([local.get(p, 0) for p in range(body.num_qubits)], k)
    try:
        from qiskit_aer import AerSimulator
    except ImportError:
        AerSimulator = None
    if AerSimulator is not None and k > MAX_SIM_QUBITS:
        # routing borrowed ancillas: sample shot by shot with matrix product states
        qc = body.to_qiskit()
        qc.measure_all()
        sim = AerSimulator(method="matrix_product_state",
                           seed_simulator=int(rng.integers(2**31)))
        memory = sim.run(qc, shots=shots, memory=True).result().get_memory()
        # the register measure_all added prints first; its bit j (from the right) is qubit j
        local_bits = np.array([[int(ch) for ch in reversed(m.split()[0])] for m in memory],
                              dtype=np.int64)
    elif AerSimulator is not None:
        qc = body.to_qiskit()
        qc.save_statevector()
        sim = AerSimulator(method="statevector", seed_simulator=int(rng.integers(2**31)))
        vec = np.asarray(sim.run(qc).result().get_statevector())
        probs = np.abs(vec) ** 2
        # qiskit is little-endian: bit j of the index is local qubit j
        outcomes = rng.choice(probs.size, size=shots, p=probs / probs.sum())
        local_bits = (outcomes[:, None] >> np.arange(k)) & 1
    elif k <= MAX_SIM_QUBITS:
        probs = np.abs(body.statevector()) ** 2
        outcomes = rng.choice(probs.size, size=shots, p=probs / probs.sum())
        local_bits = (outcomes[:, None] >> (k - 1 - np.arange(k))) & 1
    else:
        raise ValueError(f"the compiled circuit touches {k} qubits: install qiskit-aer "
                         f"(matrix product states) to sample it")
    out = np.zeros((shots, n), dtype=np.uint8)
    for p, c in meas.items():
        out[:, c] = local_bits[:, local[p]]
    return out
