"""Gymnasium environment ``qtool/QAS-v0``: the CRLQAS architecture search as a ``gym.Env``.

A thin wrapper of :class:`qtool.qas.env.ArchitectureEnv` (which has the gymnasium interface
but no gymnasium dependency) that adds what gymnasium and stable-baselines3 expect:

* ``observation_space`` -- a float32 ``Box`` of ``obs_size``: ``[0, 1]`` on the one-hot
  circuit tensor, unbounded on the trailing energy (and curriculum threshold);
* ``action_space`` -- ``Discrete(num_actions)`` (CNOT pairs, then RX, RY, RZ per qubit);
* ``reset(seed=, options=)`` / ``step`` with gymnasium's seeding: one generator,
  ``self.np_random``, drives the core environment (halting draws, optimiser), so a seeded
  reset followed by the same actions gives the same observations;
* ``action_masks()`` -- the legal actions, read by sb3-contrib's ``MaskablePPO``.

Build it from a Hamiltonian (a :func:`~qtool.qas.hamiltonian.load_hamiltonian` spec or a
:class:`~qtool.qas.hamiltonian.PauliSum`) with the defaults of
:func:`qtool.qas.api.architecture_search`, or wrap an ``ArchitectureEnv`` you built yourself.
``gymnasium.make("qtool/QAS-v0", hamiltonian="h2-2")`` works once this module is imported.

Requires the ``rl`` extra (gymnasium).
"""
from __future__ import annotations

import gymnasium as gym
import numpy as np
from gymnasium.utils import seeding

from qtool.qas.api import default_max_gates, initial_state, make_simulator
from qtool.qas.curriculum import CurriculumConfig
from qtool.qas.env import CHEMICAL_ACCURACY, ArchitectureEnv, EnvConfig
from qtool.qas.hamiltonian import PauliSum, load_hamiltonian
from qtool.qas.optimize import OptimizerConfig

__all__ = ["QASEnv", "build_core_env", "register", "ENV_ID"]

ENV_ID = "qtool/QAS-v0"


def _hamiltonian(spec) -> PauliSum:
    """A :class:`PauliSum` as given, or loaded from its spec (name, model or file)."""
    return spec if isinstance(spec, PauliSum) else load_hamiltonian(spec)


def _noise(noise, n: int):
    """``None``, a :class:`~qtool.qas.noise.NoiseModel`, or a spec string
    (``"depolarizing:1e-3,1e-2"``; ``"none"`` for no noise) -> a noise model or ``None``."""
    if noise is None or (isinstance(noise, str) and noise.lower() == "none"):
        return None
    if isinstance(noise, str):
        from qtool.qas.noise import NoiseModel
        return NoiseModel.from_spec(noise, n)
    return noise


def build_core_env(hamiltonian, *, noise=None, cnot_pairs=None, max_gates: int | None = None,
                   optimizer: OptimizerConfig | None = None, halting: bool = True,
                   target_error: float = CHEMICAL_ACCURACY,
                   curriculum: CurriculumConfig | None = None,
                   observe_threshold: bool = False, init: str | int = "zero",
                   seed: int = 0) -> ArchitectureEnv:
    """An :class:`ArchitectureEnv` with :func:`~qtool.qas.api.architecture_search`'s
    defaults: ``L`` by register size, L-BFGS angles, statevector without noise and PTM with
    it, the reference energy (exact ground energy when the Hamiltonian has none), circuits
    starting from ``|0...0>`` (``init``, see :func:`~qtool.qas.api.initial_state`).

    ``curriculum=None`` takes :class:`CurriculumConfig`'s defaults (``shift_time=500``),
    i.e. ``architecture_search``'s choice for runs of 20k episodes or more; shorter shift
    times can lock the curriculum onto the first one-gate success (every reset puts the
    threshold back at the best energy found plus ``ball``).
    """
    ham = _hamiltonian(hamiltonian)
    ref = ham.reference_energy
    if ref is None:
        ref = ham.ground_energy()
    n = ham.num_qubits
    cfg = EnvConfig(max_gates=max_gates or default_max_gates(n), halting=halting,
                    observe_threshold=observe_threshold, target_error=target_error,
                    optimizer=optimizer or OptimizerConfig("lbfgs"),
                    curriculum=curriculum or CurriculumConfig())
    sim = make_simulator(ham, _noise(noise, n), init=initial_state(ham, init))
    return ArchitectureEnv(sim, ref, cfg, cnot_pairs=cnot_pairs, seed=seed)


class QASEnv(gym.Env):
    """See module doc.  ``hamiltonian`` is an :class:`ArchitectureEnv` (used as is; the
    keyword arguments other than ``seed`` must then be left out) or anything
    :func:`build_core_env` accepts."""

    metadata = {"render_modes": []}

    def __init__(self, hamiltonian, *, seed: int | None = 0, **kwargs):
        if isinstance(hamiltonian, ArchitectureEnv):
            if kwargs:
                raise TypeError("options " + ", ".join(sorted(kwargs)) + " cannot be applied "
                                "to an existing ArchitectureEnv")
            core = hamiltonian
        else:
            core = build_core_env(hamiltonian, seed=0 if seed is None else seed, **kwargs)
        self.core = core
        self.action_space = gym.spaces.Discrete(core.num_actions)
        self.observation_space = self._make_observation_space(core)
        self._seed_rng(seed)

    @staticmethod
    def _make_observation_space(core: ArchitectureEnv) -> gym.spaces.Box:
        """``[0, 1]`` for the one-hot tensor, ``(-inf, inf)`` for energy and threshold."""
        n_tensor = core.config.max_gates * (core.n + 3) * core.n
        low = np.full(core.obs_size, -np.inf, dtype=np.float32)
        high = np.full(core.obs_size, np.inf, dtype=np.float32)
        low[:n_tensor], high[:n_tensor] = 0.0, 1.0
        return gym.spaces.Box(low, high, dtype=np.float32)

    def _seed_rng(self, seed: int | None) -> None:
        """Make ``np_random`` the core's generator: seeded from ``seed``, or (``None``) the
        core's own, so that wrapping an existing environment keeps its random stream."""
        if seed is None:
            self._np_random, self._np_random_seed = self.core.rng, -1
        else:
            self._np_random, self._np_random_seed = seeding.np_random(seed)
        self.core.rng = self._np_random
        self.core.reset()            # redraw the halting step from the shared generator

    # ------------------------------------------------------------------ gymnasium API
    @property
    def num_actions(self) -> int:
        return self.core.num_actions

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        """Start an empty circuit; ``seed`` reseeds the shared generator."""
        super().reset(seed=seed)
        self.core.rng = self.np_random
        obs, info = self.core.reset()
        return obs, dict(info)

    def step(self, action):
        """Append the gate ``action`` and re-optimise every angle (masked actions raise
        ``ValueError``, as in the core environment)."""
        obs, reward, terminated, truncated, info = self.core.step(int(action))
        return obs, float(reward), bool(terminated), bool(truncated), info

    def action_masks(self) -> np.ndarray:
        """``True`` for the legal actions (sb3-contrib's ``MaskablePPO`` reads this)."""
        return self.core.action_masks()


def register() -> None:
    """Register ``qtool/QAS-v0`` with gymnasium (a no-op when it already is)."""
    if ENV_ID not in gym.registry:
        gym.register(ENV_ID, entry_point="qtool.rl.qas_env:QASEnv")


register()
