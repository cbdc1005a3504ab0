"""The CRLQAS environment: build a circuit one gate at a time, re-optimising every angle.

No gymnasium dependency here (``qtool.rl.qas_env`` wraps this class as a gymnasium ``Env``
with spaces); the interface is gymnasium's: :meth:`reset` returns ``(obs, info)``,
:meth:`step` ``(obs, reward, terminated, truncated, info)``, and :meth:`action_masks` is
what sb3-contrib's MaskablePPO and our masked DDQN read.

**State** -- the 3D one-hot tensor ``T`` of shape ``(L, n + 3, n)``: a CNOT placed at moment
``d`` sets ``T[d, target, control]``, a rotation about axis ``k`` (X, Y, Z) on qubit ``q`` sets
``T[d, n + k, q]``; gates are placed as soon as possible.  The observation is ``flatten(T)``
followed by the current energy (and the curriculum threshold when ``observe_threshold``).

**Actions** -- one CNOT per allowed ordered pair (all pairs, or a target's coupling), then
RX, RY, RZ on each qubit: ``n(n-1) + 3n`` actions on an all-to-all register.  An action is
illegal (masked) when it would repeat the gate last applied to the same qubit(s) with
nothing in between: it would cancel, or merge into the previous angle.

**Episode** -- after each gate all angles are re-optimised, warm-started from the previous
angles and the new angle's exact one-dimensional minimiser.
The episode terminates on success (energy within the curriculum threshold) and is truncated
after ``L`` gates or at a random halting step ``h = clip(NB(L, p), L*25/70, L)`` drawn per
episode (the paper's ``NB(70, 0.573)`` clipped to 25..70 at ``L = 70``), which favours short
successful circuits.

With a noisy simulator, ``info["noiseless_error"]`` is the same circuit's exact noiseless
error, and ``info["solved"]`` (correct in principle) is judged on it.

**Reward** (``incremental_with_fixed_ends``): ``+5`` on success, ``-5`` at step ``L`` without
success, else ``clip((E_{t-1} - E_t) / |E_{t-1} - E_min|, -1, 1)`` with ``E_min`` the true
minimum energy.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .ansatz import CX, RX, RY, RZ, Ansatz
from .curriculum import CurriculumConfig, MovingThreshold
from .optimize import OptimizerConfig, optimize_angles
from .statevector import StatevectorSimulator

__all__ = ["EnvConfig", "ArchitectureEnv", "CHEMICAL_ACCURACY"]

#: 1.6 mHa, the usual target error of a chemistry ground-state energy
CHEMICAL_ACCURACY = 1.6e-3


@dataclass(frozen=True)
class EnvConfig:
    max_gates: int = 40
    halting: bool = True
    halting_p: float = 0.573
    observe_threshold: bool = False
    target_error: float = CHEMICAL_ACCURACY
    optimizer: OptimizerConfig = field(default_factory=OptimizerConfig)
    curriculum: CurriculumConfig = field(default_factory=CurriculumConfig)

    def __post_init__(self):
        if self.max_gates < 1:
            raise ValueError("max_gates must be at least 1")
        if not 0 < self.halting_p < 1:
            raise ValueError("halting_p must lie in (0, 1)")


class ArchitectureEnv:
    """Architecture search over CNOTs and rotations for the ground state of a Hamiltonian.

    Parameters
    ----------
    simulator:
        A :class:`~qtool.qas.statevector.StatevectorSimulator` or
        :class:`~qtool.qas.ptm.PTMSimulator`: it fixes the Hamiltonian, the noise and the
        initial basis state of every circuit.
    min_energy:
        The true minimum energy (``E_min`` of the reward, the reference of errors).
    cnot_pairs:
        Allowed ``(control, target)`` pairs; ``None`` for all ordered pairs.
    """

    def __init__(self, simulator, min_energy: float, config: EnvConfig = EnvConfig(), *,
                 cnot_pairs=None, seed: int = 0):
        self.sim = simulator
        self.n = n = simulator.num_qubits
        self.config = config
        self.min_energy = float(min_energy)
        if cnot_pairs is None:
            cnot_pairs = [(c, t) for c in range(n) for t in range(n) if c != t]
        pairs = sorted({(int(c), int(t)) for c, t in cnot_pairs})
        if any(not (0 <= c < n and 0 <= t < n) or c == t for c, t in pairs):
            raise ValueError(f"a CNOT pair lies outside {n} qubits")
        self.actions: list[tuple[int, int, int]] = [(CX, c, t) for c, t in pairs]
        self.actions += [(k, q, -1) for q in range(n) for k in (RX, RY, RZ)]
        self.num_actions = len(self.actions)
        self.obs_size = config.max_gates * (n + 3) * n + 1 + int(config.observe_threshold)
        self.rng = np.random.default_rng(seed)
        # a noisy search also tracks each circuit's exact noiseless energy (same angles):
        # what it would give on perfect hardware, i.e. whether it is correct in principle
        self.init = int(getattr(simulator, "init", 0))      # the programs' initial state
        self.noiseless_sim = (None if isinstance(simulator, StatevectorSimulator)
                              else StatevectorSimulator(simulator.hamiltonian, init=self.init))
        self.empty_energy = float(simulator.energy(*Ansatz(n).arrays(), np.zeros(0)))
        cc = config.curriculum
        fake = self.min_energy - 2.0 if cc.fake_min_energy is None else cc.fake_min_energy
        xi0 = cc.accept_err
        if xi0 is None:
            xi0 = (self.min_energy - fake) + max(self.empty_energy - self.min_energy, 0.0) / 2
        self.curriculum = MovingThreshold(cc, fake, xi0)
        self.reset()

    # ------------------------------------------------------------------ episode
    def reset(self, *, seed: int | None = None):
        if seed is not None:
            self.rng = np.random.default_rng(seed)
        n, L = self.n, self.config.max_gates
        self.ansatz = Ansatz(n, init=self.init)
        self.theta = np.zeros(0)
        self.energy = self.empty_energy
        self.tensor = np.zeros((L, n + 3, n), dtype=np.float32)
        self._free = np.zeros(n, dtype=np.int64)         # next free moment per qubit
        self._last = [None] * n                          # last gate on each qubit
        self._mask = self._legal()
        self.evaluations = 0
        self.success = False
        self.halt_at = self._draw_halting() if self.config.halting else L
        return self.observation(), {"energy": self.energy, "halt_at": self.halt_at}

    def _draw_halting(self) -> int:
        L = self.config.max_gates
        h = self.rng.negative_binomial(L, self.config.halting_p)
        return int(np.clip(h, max(1, round(L * 25 / 70)), L))

    def observation(self) -> np.ndarray:
        extra = [self.energy] + ([self.curriculum.xi] if self.config.observe_threshold else [])
        return np.concatenate([self.tensor.ravel(), np.asarray(extra, np.float32)])

    def action_masks(self) -> np.ndarray:
        """``True`` for the legal actions (see the module docstring)."""
        return self._mask.copy()

    def _legal(self) -> np.ndarray:
        mask = np.ones(self.num_actions, dtype=bool)
        for i, (k, a, b) in enumerate(self.actions):
            if k == CX:
                mask[i] = not (self._last[a] == (k, a, b) and self._last[b] == (k, a, b))
            else:
                mask[i] = self._last[a] != (k, a, -1)
        return mask

    def step(self, action: int):
        k, a, b = self.actions[int(action)]
        if not self._mask[int(action)]:
            raise ValueError(f"action {action} is masked (it repeats the last gate)")
        self._place(k, a, b)
        self.ansatz.append(k, a, b)
        if k != CX:
            self.theta = np.append(self.theta, 0.0)
        prev = self.energy
        self.theta, self.energy, nfev = optimize_angles(
            self.sim, self.ansatz.arrays(), self.theta, self.config.optimizer, self.rng,
            new_index=None if k == CX else len(self.theta) - 1)
        self.evaluations += nfev
        cur = self.curriculum
        cur.record_energy(self.energy)
        t = len(self.ansatz)
        self.success = cur.is_success(self.energy)
        terminated = self.success
        truncated = not terminated and (t >= self.config.max_gates or t >= self.halt_at)
        if terminated:
            reward = 5.0
        elif t >= self.config.max_gates:
            reward = -5.0
        else:
            denom = abs(prev - self.min_energy) or 1e-12
            reward = float(np.clip((prev - self.energy) / denom, -1.0, 1.0))
        error = self.energy - self.min_energy
        clean = (self.energy if self.noiseless_sim is None else
                 self.noiseless_sim.energy(*self.ansatz.arrays(), self.theta))
        info = {"energy": self.energy, "error": error, "gates": t,
                "noiseless_error": clean - self.min_energy,
                "solved": clean - self.min_energy < self.config.target_error,
                "evaluations": nfev}
        if terminated or truncated:
            cur.end_episode(self.success)
        return self.observation(), reward, terminated, truncated, info

    def _place(self, k: int, a: int, b: int) -> None:
        n = self.n
        if k == CX:
            d = int(max(self._free[a], self._free[b]))
            self.tensor[d, b, a] = 1.0
            self._free[a] = self._free[b] = d + 1
            self._last[a] = self._last[b] = (k, a, b)
        else:
            d = int(self._free[a])
            self.tensor[d, n + k - RX, a] = 1.0
            self._free[a] = d + 1
            self._last[a] = (k, a, -1)
        self._mask = self._legal()
