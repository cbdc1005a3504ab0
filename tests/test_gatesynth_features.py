"""Network inputs (rotation encoding, Clifford-invariant features) and numpy MLP inference."""
import numpy as np
from scipy.stats import unitary_group

from qtool.gatesynth.cliffordt import clifford_words
from qtool.gatesynth.features import MLP, clifford_invariant, so3
from qtool.gatesynth.su2 import qmul, to_quaternion


def test_so3_is_a_rotation_and_phase_invariant():
    q = to_quaternion(unitary_group.rvs(2, size=20, random_state=1))
    r = so3(q).reshape(-1, 3, 3)
    assert np.allclose(r @ r.transpose(0, 2, 1), np.eye(3), atol=1e-12)
    assert np.allclose(np.linalg.det(r), 1)
    assert np.allclose(so3(-q), so3(q))
    assert np.allclose(so3(qmul(q[0], q[1])).reshape(3, 3), r[0] @ r[1])


def test_clifford_invariant_under_both_sides():
    _, cq = clifford_words()
    q = to_quaternion(unitary_group.rvs(2, size=8, random_state=2))
    base = clifford_invariant(q)
    for a in (1, 7, 23):
        for b in (0, 5, 17):
            moved = qmul(qmul(cq[a][None, :], q), cq[b][None, :])
            assert np.allclose(clifford_invariant(moved), base, atol=1e-7)
    assert not np.allclose(base[0], base[1])


def test_mlp_roundtrip_and_forward(tmp_path):
    rng = np.random.default_rng(0)
    net = MLP([rng.normal(size=(16, 9)), rng.normal(size=(3, 16))],
              [rng.normal(size=16), rng.normal(size=3)], mean=np.full(9, 0.5), scale=np.full(9, 2))
    x = rng.normal(size=(5, 9))
    hidden = np.maximum((x - 0.5) / 2 @ net.weights[0].T + net.biases[0], 0)
    assert np.allclose(net(x), hidden @ net.weights[1].T + net.biases[1], atol=1e-5)
    net.save(tmp_path / "m.npz")
    again = MLP.load(tmp_path / "m.npz")
    assert np.allclose(again(x), net(x))
