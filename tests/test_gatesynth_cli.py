"""``qtool.gatesynth.synthesize`` and ``qtool synth``: words, JSON, errors."""
import json

import numpy as np
import pytest

from qtool.cli import main
from qtool.gatesynth.api import SynthesisError, synthesize
from qtool.gatesynth.bases import get_basis
from qtool.gatesynth.su2 import eps_op


@pytest.mark.parametrize("basis, eps", [("clifford_t", 1e-2), ("ht", 0.05), ("hrc", 1e-2)])
def test_synthesize_meets_eps_and_reports_honestly(basis, eps):
    from scipy.stats import unitary_group
    u = unitary_group.rvs(2, random_state=21)
    r = synthesize(u, basis, eps)
    b = get_basis(basis)
    assert r.eps_op <= eps and r.length == len(r.gates)
    assert eps_op(b.word_matrix(r.gates), u) == pytest.approx(r.eps_op, abs=1e-12)
    assert r.t_count == sum(g in ("t", "tdg") for g in r.gates)


def test_clifford_t_beyond_exact_reach_falls_back_to_euler_gridsynth():
    from scipy.stats import unitary_group
    u = unitary_group.rvs(2, random_state=4)
    r = synthesize(u, "clifford_t", 1e-5)                          # not a z-rotation
    assert r.method.startswith("Euler") and r.eps_op <= 1e-5
    assert eps_op(get_basis("clifford_t").word_matrix(r.gates), u) <= 1e-5


def test_out_of_reach_and_bad_targets():
    from scipy.stats import unitary_group
    with pytest.raises(SynthesisError, match="length <= 16"):
        synthesize(unitary_group.rvs(2, random_state=4), "hrc", 1e-6)
    with pytest.raises(ValueError, match="2x2 unitary"):
        synthesize(np.ones((2, 2)), "clifford_t", 1e-2)
    with pytest.raises(ValueError, match="eps"):
        synthesize(np.eye(2), "clifford_t", 0)


def test_cli_json_and_text(capsys):
    assert main(["synth", "--rz", str(np.pi / 4), "--eps", "1e-9", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["gates"] == ["t"] and out["t_count"] == 1 and out["eps_op"] < 1e-9
    assert main(["synth", "--u3", "0.4", "0.1", "-0.3", "--basis", "ht", "--eps", "0.1"]) == 0
    text = capsys.readouterr().out.splitlines()
    assert text[1].startswith("length ") and "eps_op" in text[1]


def test_cli_errors_are_one_line_exit_2(tmp_path, capsys):
    bad = tmp_path / "u.npy"
    np.save(bad, np.ones((3, 3)))
    assert main(["synth", "--unitary", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "u.npy" in err and "2x2" in err
    text = tmp_path / "u.txt"
    text.write_text("not numpy")
    assert main(["synth", "--unitary", str(text)]) == 2
    assert "npy" in capsys.readouterr().err
    assert main(["synth", "--u3", "0.3", "0.2", "0.1", "--basis", "hrc", "--eps", "1e-6"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "hrc word of length" in err


def test_rz_portfolio_never_needs_more_t_than_gridsynth():
    from qiskit.synthesis import gridsynth_rz

    from qtool.gatesynth.api import _FROM_QISKIT
    ct = get_basis("clifford_t")
    for theta in np.random.default_rng(5).uniform(0, 2 * np.pi, 6):
        u = np.diag([np.exp(-0.5j * theta), np.exp(0.5j * theta)])
        r = synthesize(u, "clifford_t", 1e-2)
        assert r.eps_op <= 1e-2
        for request in (2e-2, 1e-2):
            qc = gridsynth_rz(float(theta), request)
            gates = [g for i in qc.data for g in _FROM_QISKIT[i.operation.name]]
            if eps_op(ct.word_matrix(gates), u) <= 1e-2:          # same achieved error
                assert r.t_count <= sum(g == "t" for g in gates)
    deep = synthesize(np.diag([np.exp(-0.5j), np.exp(0.5j)]), "clifford_t", 1e-4)
    assert deep.eps_op <= 1e-4 and "gridsynth" in deep.method


def test_search_method_uses_the_shipped_heuristic_without_torch(capsys):
    """``--method search``: AQ* guided by the packaged Q-network, inferred with numpy."""
    assert main(["synth", "--u3", "0.4", "0.1", "-0.3", "--basis", "hrc", "--eps", "0.05",
                 "--method", "search", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["method"].startswith("AQ* search (learned Q* heuristic")
    assert out["eps_op"] <= 0.05
    u = get_basis("hrc").word_matrix(out["gates"])
    from qtool.synthesis import u_matrix
    assert eps_op(u, u_matrix(0.4, 0.1, -0.3)) == pytest.approx(out["eps_op"], abs=1e-12)
    # and with torch unimportable
    import subprocess
    import sys
    code = ("import sys; sys.modules['torch'] = None\n"
            "from qtool.cli import main\n"
            "sys.exit(main(['synth', '--rz', '0.3', '--basis', 'hrc', '--eps', '0.05', "
            "'--method', 'search']))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0 and "learned Q* heuristic" in done.stdout, done.stderr
    with pytest.raises(ValueError, match="method"):
        synthesize(np.eye(2), "hrc", 0.1, method="beam")
