"""The gymnasium wrapper qtool/QAS-v0 of the CRLQAS environment and its MaskablePPO trainer."""
from __future__ import annotations

import importlib

import numpy as np
import pytest

gym = pytest.importorskip("gymnasium")

from qtool.qas.ansatz import RY  # noqa: E402
from qtool.qas.api import architecture_search  # noqa: E402
from qtool.qas.env import ArchitectureEnv  # noqa: E402
from qtool.qas.hamiltonian import load_hamiltonian  # noqa: E402
from qtool.rl import qas_env  # noqa: E402
from qtool.rl.qas_env import ENV_ID, QASEnv, build_core_env  # noqa: E402


@pytest.fixture(scope="module")
def h2():
    return load_hamiltonian("h2-2")


def _rollout(env: QASEnv, seed: int, actions) -> list[np.ndarray]:
    """Observations of a seeded reset followed by ``actions``."""
    obs, _ = env.reset(seed=seed)
    out = [obs]
    for a in actions:
        obs, *_ = env.step(a)
        out.append(obs)
    return out


@pytest.mark.filterwarnings("ignore:.*Box observation space m:UserWarning")
def test_spaces_and_check_env(h2):
    """The energy is unbounded, so gymnasium's warning about infinite bounds is expected."""
    from gymnasium.utils.env_checker import check_env
    env = QASEnv(h2, seed=0)
    core = env.core
    assert env.action_space.n == core.num_actions == 2 * 1 + 3 * 2
    assert env.observation_space.shape == (core.obs_size,)
    assert env.observation_space.dtype == np.float32
    assert env.observation_space.high[0] == 1.0 and env.observation_space.high[-1] == np.inf
    check_env(env, skip_render_check=True)


def test_registered_and_registration_is_idempotent():
    importlib.reload(qas_env)
    qas_env.register()
    assert ENV_ID in gym.registry
    env = gym.make(ENV_ID, hamiltonian="h2-2", max_gates=6)
    obs, _ = env.reset(seed=1)
    assert obs.shape == env.observation_space.shape
    assert env.unwrapped.action_masks().all()
    env.close()


def test_defaults_match_architecture_search(h2):
    core = build_core_env(h2)
    assert core.config.max_gates == 10 and core.config.optimizer.method == "lbfgs"
    assert core.min_energy == pytest.approx(h2.reference_energy)
    report = architecture_search(h2, episodes=1, agent="random", log_every=0)
    assert report.settings["max_gates"] == core.config.max_gates


def test_masks_are_respected(h2):
    env = QASEnv("h2-2", seed=0)
    env.reset(seed=0)
    ry0 = env.core.actions.index((RY, 0, -1))
    env.step(ry0)
    mask = env.action_masks()
    assert mask.dtype == bool and mask.shape == (env.num_actions,)
    assert not mask[ry0] and mask.sum() == env.num_actions - 1
    with pytest.raises(ValueError, match="masked"):
        env.core.step(ry0)
    with pytest.raises(ValueError, match="masked"):
        env.step(ry0)


def test_wrapping_an_existing_core_env(h2):
    core = build_core_env(h2, max_gates=5, seed=3)
    env = QASEnv(core, seed=None)
    assert env.core is core and env.np_random is core.rng
    assert env.observation_space.shape == (5 * 5 * 2 + 1,)
    with pytest.raises(TypeError):
        QASEnv(core, max_gates=4)
    assert isinstance(QASEnv(core).core, ArchitectureEnv)


def test_seeded_wrapper_is_deterministic(h2):
    actions = [3, 0, 5, 1, 7]
    a = _rollout(QASEnv(h2, seed=0), 11, actions)
    b = _rollout(QASEnv(h2, seed=99), 11, actions)
    env = QASEnv(h2, seed=0)
    c = _rollout(env, 11, actions)
    d = _rollout(env, 11, actions)
    for run in (b, c, d):
        assert all(np.array_equal(x, y) for x, y in zip(a, run))
    assert a[-1][-1] < a[0][-1]              # the energy went down


def test_noise_spec_builds_a_noisy_env():
    env = QASEnv("h2-2", noise="depolarizing:1e-3,1e-2", max_gates=4)
    obs, _ = env.reset(seed=0)
    obs, _, _, _, info = env.step(3)
    assert np.isfinite(obs).all() and np.isfinite(info["energy"])
    assert type(env.core.sim).__name__ == "PTMSimulator"


def test_tiny_maskable_ppo_run(tmp_path):
    """A masked action would raise in the environment, so completing the run also shows that
    MaskablePPO reads ``action_masks`` through the tracker and Monitor wrappers."""
    pytest.importorskip("torch")
    pytest.importorskip("sb3_contrib")
    from qtool.rl.train_qas_ppo import train_ppo
    log_path = tmp_path / "run.json"
    out = train_ppo("h2-2", timesteps=256, seed=0, n_steps=64, batch_size=32,
                    net_arch=(32, 32), log_every=0, log_path=log_path)
    assert out["steps"] >= 256 and out["episodes"] > 0 and not out["interrupted"]
    assert np.isfinite(out["energy"]) and out["error"] >= -1e-9
    assert out["gates"] >= 1 and out["best"]["error"] <= out["error"] + 1e-12
    assert out["pareto"] and log_path.is_file()
