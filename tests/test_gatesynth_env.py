"""The gymnasium environment qtool/GateSynth-v0: scrambles, moves, masks, success."""
import gymnasium as gym
import numpy as np
import pytest

from qtool.gatesynth.cliffordt import CliffordTTables
from qtool.gatesynth.exact import WordTables
from qtool.gatesynth.search import basis_moves, clifford_t_moves
from qtool.gatesynth.su2 import qdist, to_quaternion
from qtool.rl.gatesynth_env import ENV_ID, GateSynthEnv, register, scramble


@pytest.fixture(scope="module")
def hrc_moves():
    return basis_moves(WordTables("hrc", max_level=2))


def test_undoing_the_scramble_succeeds_with_its_cost(hrc_moves):
    env = GateSynthEnv(hrc_moves, eps=1e-9, scramble_length=6)
    obs, info = env.reset(seed=4)
    assert obs.shape == (9,) and info["eps_op"] > 0.1 and len(env.scramble_moves) == 6
    total = 0.0
    for a in list(env.scramble_moves):
        _, r, done, _, info = env.step(a)
        total += r
    assert done and total == -6.0 and info["eps_op"] < 1e-9
    q, cost, taken = scramble(hrc_moves, 5, np.random.default_rng(0))
    assert cost == 5.0 and len(taken) == 5 and abs(np.linalg.norm(q) - 1) < 1e-12


def test_step_masks_and_success(hrc_moves):
    basis = hrc_moves
    env = GateSynthEnv(basis, eps=1e-9)
    names = [n[0] for n in basis.names]
    target = WordTables("hrc", 1).basis.word_matrix(["v2", "v1"])   # v1 applied last
    obs, info = env.reset(options={"target": target})
    assert info["action_mask"].all()
    _, r, done, trunc, info = env.step(names.index("v1"))   # peel the leftmost letter
    assert r == -1.0 and not done
    assert not info["action_mask"][names.index("v1dg")]     # no immediate undo
    with pytest.raises(ValueError, match="not allowed"):
        env.step(names.index("v1dg"))
    _, r, done, trunc, info = env.step(names.index("v2"))
    assert done and not trunc and info["eps_op"] < 1e-9


def test_truncation_and_registration():
    moves = clifford_t_moves(CliffordTTables(b_max=1))
    env = GateSynthEnv(moves, eps=1e-6, max_steps=2)
    env.reset(options={"target": np.array([[1, 0], [0, np.exp(0.1j)]])})
    env.step(0)
    _, r, done, trunc, _ = env.step(1)
    assert trunc and not done and r == -1.0
    register()
    made = gym.make(ENV_ID, moves=moves, eps=0.1)
    obs, _ = made.reset(seed=1)
    assert made.observation_space.contains(obs)
    assert qdist(to_quaternion(np.eye(2)), np.array([1.0, 0, 0, 0])) == 0
