"""``qtool qas``: the QASM 3 / JSON sidecar / learning-curve outputs, determinism, device
restriction, the noisy path and one-line errors with exit status 2."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from qtool.cli import main
from qtool.qas.ansatz import Ansatz
from qtool.qas.hamiltonian import load_hamiltonian
from qtool.qas.noise import NoiseModel
from qtool.qas.ptm import PTMSimulator
from qtool.qas.statevector import StatevectorSimulator

SIDECAR_KEYS = {"parameter_values", "energy", "error", "gates", "cnots", "parameters", "depth",
                "search", "reference_energy", "noiseless_energy", "noiseless_error",
                "ansatz", "settings", "noisy", "physical_qubits"}


def run(argv, capsys):
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def qas(tmp_path, capsys, *args, name="out.qasm"):
    """Run ``qtool qas ARGS -o tmp/NAME``; returns (code, stdout, stderr, sidecar or None)."""
    out = tmp_path / name
    code, stdout, stderr = run(["qas", *args, "-o", str(out)], capsys)
    side = Path(str(out) + ".json")
    return code, stdout, stderr, json.loads(side.read_text()) if side.exists() else None


def energy_of_qasm(path: Path, values: dict, ham) -> float:
    """<H> of the written QASM with the sidecar's angles bound, through qiskit."""
    from qiskit.quantum_info import Statevector

    from qtool.io import load_circuit
    qc = load_circuit(str(path)).bind(values).to_qiskit()
    psi = Statevector.from_int(0, 2 ** ham.num_qubits).evolve(qc).data
    return float(np.vdot(psi, ham.to_matrix() @ psi).real)


# ----------------------------------------------------------------------------- outputs
def test_writes_qasm3_sidecar_and_curve(tmp_path, capsys):
    """``-o out.qasm`` writes OpenQASM 3 with one ``input float[64] theta_i`` per angle, the
    sidecar ``out.qasm.json`` whose numbers describe that circuit (its energy recomputed
    from the QASM and the parameter values), and the PNG ``out.curve.png``."""
    code, stdout, stderr, side = qas(tmp_path, capsys, "-H", "h2-2", "--episodes", "20",
                                     "--seed", "1")
    assert code == 0 and stdout == ""
    text = (tmp_path / "out.qasm").read_text()
    assert text.startswith("OPENQASM 3.0;")
    assert SIDECAR_KEYS <= set(side)
    p = side["parameters"]
    inputs = [ln for ln in text.splitlines() if ln.startswith("input ")]
    assert inputs == [f"input float[64] theta_{i};" for i in range(p)]
    assert list(side["parameter_values"]) == [f"theta_{i}" for i in range(p)]
    ham = load_hamiltonian("h2-2")
    assert side["reference_energy"] == ham.reference_energy
    assert side["error"] == pytest.approx(side["energy"] - ham.reference_energy, abs=1e-15)
    assert side["noisy"] is False and side["noiseless_energy"] == side["energy"]
    assert side["physical_qubits"] is None
    a = Ansatz.from_dict(side["ansatz"])
    assert a.init == 0 and side["initial_state"] == "00" == side["settings"]["init"]
    assert (side["gates"], side["cnots"], side["parameters"], side["depth"]) == (
        len(a) + bin(a.init).count("1"), a.num_cx, a.num_params, a.depth())
    theta = np.array([side["parameter_values"][f"theta_{i}"] for i in range(p)])
    assert StatevectorSimulator(ham, init=a.init).energy(*a.arrays(), theta) == pytest.approx(
        side["energy"], abs=1e-12)
    assert energy_of_qasm(tmp_path / "out.qasm", side["parameter_values"], ham) == \
        pytest.approx(side["energy"], abs=1e-10)
    s = side["search"]
    assert s["episodes"] == 20 and s["steps"] >= 20 and s["interrupted"] is False
    assert s["pareto"] and s["pareto"][-1]["energy"] <= side["energy"] + 1e-12
    assert side["settings"]["seed"] == 1 and side["settings"]["noise"] == "none"
    assert side["settings"]["max_gates"] == 10 and side["settings"]["hamiltonian"] == "h2-2"
    assert (tmp_path / "out.curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "[qas] h2-2: error" in stderr and "20 episodes" in stderr


def test_same_seed_is_byte_identical(tmp_path, capsys):
    """Two runs with one seed write the same QASM and PNG bytes and the same sidecar up to
    the wall time."""
    outs = []
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        code, _, _, side = qas(tmp_path / d, capsys, "-H", "h2-2", "--episodes", "20",
                               "--seed", "1")
        assert code == 0
        side["search"].pop("wall_time_s")
        outs.append(((tmp_path / d / "out.qasm").read_bytes(),
                     (tmp_path / d / "out.curve.png").read_bytes(), side))
    assert outs[0] == outs[1]


def test_output_compiles_for_ibm_heron(tmp_path, capsys):
    """The written ansatz is input to ``qtool compile --target ibm_heron`` (exit 0), its
    angles still free ``input`` parameters."""
    code, *_ = qas(tmp_path, capsys, "-H", "h2-2", "--episodes", "20", "--seed", "1")
    assert code == 0
    compiled = tmp_path / "compiled.qasm"
    code, _, err = run(["compile", str(tmp_path / "out.qasm"), "--target", "ibm_heron",
                        "-o", str(compiled)], capsys)
    assert code == 0, err
    assert "input float[64] theta_0;" in compiled.read_text()


def test_stdout_and_json_modes(tmp_path, capsys, monkeypatch):
    """Without ``-o`` the QASM goes to stdout and no file is written; ``--json`` prints the
    sidecar on stdout."""
    monkeypatch.chdir(tmp_path)
    code, stdout, _ = run(["qas", "-H", "h2-2", "--episodes", "3"], capsys)
    assert code == 0 and stdout.startswith("OPENQASM 3.0;") and list(tmp_path.iterdir()) == []
    code, stdout, _, side = qas(tmp_path, capsys, "-H", "h2-2", "--episodes", "3", "--json")
    assert code == 0 and json.loads(stdout) == side


# ----------------------------------------------------------------------------- device
def test_line_target_restricts_cnots_to_its_edges(tmp_path, capsys, monkeypatch):
    """``--target line:4 -H h2-4 --noise none``: the search gets exactly the line's edges
    (both directions, in ansatz indices) as CNOT pairs, and every CNOT of the reported
    ansatz -- and of every circuit on the search's front -- sits on an edge of the reported
    physical qubits.  Episodes are made to run to their halting step (``accept_err = 0``)
    so the circuits do contain CNOTs."""
    import qtool.qas.api as api
    from qtool.qas.curriculum import CurriculumConfig

    seen = {}
    real = api.architecture_search

    def spy(ham, **kw):
        seen.update(kw)
        seen["report"] = real(ham, **{**kw, "curriculum": CurriculumConfig(accept_err=0.0)})
        return seen["report"]

    monkeypatch.setattr(api, "architecture_search", spy)
    code, _, err, side = qas(tmp_path, capsys, "-H", "h2-4", "--target", "line:4", "--noise",
                             "none", "--episodes", "4", "--max-gates", "8", "--pick", "best",
                             "--seed", "0")
    assert code == 0, err
    phys = side["physical_qubits"]
    assert sorted(phys) == [0, 1, 2, 3]
    edges = {(i, j) for i in range(4) for j in range(4) if abs(phys[i] - phys[j]) == 1}
    assert len(edges) == 6 and set(seen["cnot_pairs"]) == edges
    assert seen["noise"] is None and side["noisy"] is False
    assert side["settings"]["cnot_pairs"] == 6 and side["settings"]["target"] == "line:4"
    assert side["settings"]["noise"] == "none"
    cx = {tuple(g[1:]) for g in side["ansatz"]["gates"] if g[0] == "cx"}
    assert cx <= edges
    met = {(a, b) for c in seen["report"].result.front.values()
           for k, a, b in zip(c.ansatz.kinds, c.ansatz.q0, c.ansatz.q1) if k == 0}
    assert met and met <= edges                 # every circuit the search built


def test_line_target_without_override(tmp_path, capsys):
    """The unpatched command reports the line's 6 directed edges and its physical qubits."""
    code, _, err, side = qas(tmp_path, capsys, "-H", "h2-4", "--target", "line:4", "--noise",
                             "none", "--episodes", "3", "--max-gates", "6")
    assert code == 0, err
    assert side["settings"]["cnot_pairs"] == 6 and sorted(side["physical_qubits"]) == [0, 1, 2, 3]


def test_depolarizing_noise_runs_the_noisy_path(tmp_path, capsys):
    """``--noise depolarizing:1e-3,1e-2``: the reported energy is the PTM simulator's noisy
    energy of the ansatz, ``noiseless_energy`` / ``noiseless_error`` the exact statevector
    ones, and re-optimising without noise never does worse."""
    spec = "depolarizing:1e-3,1e-2"
    code, _, err, side = qas(tmp_path, capsys, "-H", "h2-2", "--noise", spec, "--episodes",
                             "10", "--seed", "2")
    assert code == 0, err
    ham = load_hamiltonian("h2-2")
    a = Ansatz.from_dict(side["ansatz"])
    theta = np.array([side["parameter_values"][f"theta_{i}"] for i in range(a.num_params)])
    noisy = PTMSimulator(ham, NoiseModel.depolarizing(2, 1e-3, 1e-2), init=a.init)
    assert side["noisy"] is True and side["settings"]["noise"] == spec
    assert side["energy"] == pytest.approx(noisy.energy(*a.arrays(), theta), abs=1e-10)
    clean = StatevectorSimulator(ham, init=a.init).energy(*a.arrays(), theta)
    assert side["noiseless_energy"] == pytest.approx(clean, abs=1e-12)
    assert side["noiseless_error"] == pytest.approx(clean - ham.reference_energy, abs=1e-12)
    assert side["energy"] != pytest.approx(clean, abs=1e-9)
    assert side["noiseless_reoptimized_error"] <= side["noiseless_error"] + 1e-12
    assert "(noiseless" in err


# ----------------------------------------------------------------------------- errors
BAD_TEXT = "0.5 X0 Z1\n+ 0.25 Q1\n"
BAD_JSON = '{\n  "format": "qtool.pauli_sum/1",\n  "terms": [\n    ["XX", 1.0],\n' \
           '    ["XQ", 2.0]\n  ]\n}\n'

ERRORS = [
    (["-H", "nosuch"], ["unknown Hamiltonian 'nosuch'", "h2-2"]),
    (["-H", "{dir}/bad.txt"], ["bad.txt:2:", "Pauli operator"]),
    (["-H", "{dir}/bad.json"], ["bad.json:5:", "XQ"]),
    (["-H", "{dir}/missing.json"], ["missing.json", "no such Hamiltonian file"]),
    (["-H", "h2-2", "--noise", "depol:0.1"], ["--noise", "bad noise spec 'depol:0.1'"]),
    (["-H", "h2-2", "--noise", "depolarizing:1.5,0.1"], ["bad noise spec"]),
    (["-H", "h2-2", "--target", "line:4", "--noise", "gaussian"], ["bad noise spec"]),
    (["-H", "h2-2", "--target", "line:4", "--qubits", "0,1,2"],
     ["--qubits lists 3 qubits", "has 2"]),
    (["-H", "h2-2", "--qubits", "0,1"], ["--qubits needs --target"]),
    (["-H", "h2-2", "--target", "line:4", "--qubits", "a,b"], ["comma-separated integers"]),
    (["-H", "h2-2", "--target", "line:4", "--qubits", "0,2"], ["no coupling"]),
    (["-H", "h2-2", "--target", "nosuch"], ["unknown target 'nosuch'"]),
    (["-H", "h2-2", "--episodes", "0"], ["--episodes must be at least 1"]),
    (["-H", "h2-2", "--init", "01x"], ["--init", "'01x'", "expected 'hf', 'zero'"]),
    (["-H", "h2-2", "--init", "011"], ["--init", "3 bits", "2 qubits"]),
]


@pytest.fixture
def bad_files(tmp_path):
    (tmp_path / "bad.txt").write_text(BAD_TEXT)
    (tmp_path / "bad.json").write_text(BAD_JSON)
    return tmp_path


@pytest.mark.parametrize("argv, needles", ERRORS, ids=[" ".join(a) for a, _ in ERRORS])
def test_errors_exit_2_with_one_line(argv, needles, bad_files, capsys):
    """Every bad input exits 2 with a single ``qtool: error:`` line naming the problem (the
    file and line for a malformed Hamiltonian), no traceback and no output files."""
    out = bad_files / "out"
    out.mkdir()
    argv = [a.replace("{dir}", str(bad_files)) for a in argv]
    if "--episodes" not in argv:
        argv += ["--episodes", "2"]
    code, stdout, err = run(["qas", *argv, "-o", str(out / "x.qasm")], capsys)
    assert code == 2
    err = err.strip()
    assert "\n" not in err and err.startswith("qtool: error: ") and "Traceback" not in err
    for needle in needles:
        assert needle in err
    assert list(out.iterdir()) == [] and stdout == ""


@pytest.mark.parametrize("qubits, noise", [("0,1,99", "none"),
                                           ("0,1,1", "depolarizing:1e-3")])
def test_bad_physical_qubits_rejected_with_any_noise(qubits, noise, tmp_path, capsys):
    """Out-of-range or repeated ``--qubits`` are errors whatever ``--noise`` says."""
    code, _, err, _ = qas(tmp_path, capsys, "-H", "h2-3", "--target", "line:4", "--qubits",
                          qubits, "--noise", noise, "--episodes", "2", "--max-gates", "3")
    assert code == 2 and err.startswith("qtool: error:")


def test_hartree_fock_start_is_prepared_in_the_qasm(tmp_path, capsys):
    """``--init hf``: the circuit starts with X on the Hartree-Fock qubits (counted in the
    sidecar's gates and depth), and the QASM's energy is the sidecar's."""
    code, _, err, side = qas(tmp_path, capsys, "-H", "h2-4", "--init", "hf", "--episodes",
                             "3", "--seed", "1")
    assert code == 0, err
    ham = load_hamiltonian("h2-4")
    a = Ansatz.from_dict(side["ansatz"])
    assert a.init == ham.lowest_basis_state() == 0b0011
    assert side["initial_state"] == "0011" == side["settings"]["init"]
    assert (side["gates"], side["depth"]) == (len(a) + 2, a.depth())
    body = (tmp_path / "out.qasm").read_text().split(";\n")
    assert sum(1 for ln in body if ln.strip().startswith("x ")) == 2
    assert energy_of_qasm(tmp_path / "out.qasm", side["parameter_values"], ham) == \
        pytest.approx(side["energy"], abs=1e-10)


def test_h2_2_is_solved_by_default(tmp_path, capsys):
    """100 episodes of the default search find the 2-gate h2-2 ground state."""
    code, _, _, side = qas(tmp_path, capsys, "-H", "h2-2", "--episodes", "100", "--seed", "1")
    assert code == 0 and side["error"] < 1e-6 and side["cnots"] >= 1


def test_save_agent_writes_the_trained_network(tmp_path, capsys):
    """``--save-agent F.npz`` writes the DDQN's weights: one matrix per layer, the first
    taking the observation (L (n+3) n + 1 inputs), the last giving one Q per action."""
    npz = tmp_path / "agent.npz"
    code, _, _, side = qas(tmp_path, capsys, "-H", "h2-2", "--episodes", "10", "--seed", "1",
                           "--save-agent", str(npz))
    assert code == 0
    with np.load(npz, allow_pickle=False) as w:
        n, L = 2, side["settings"]["max_gates"]
        assert w["W0"].shape[0] == L * (n + 3) * n + 1
        assert w["W3"].shape[1] == n * (n - 1) + 3 * n
        assert json.loads(str(w["config"]))["gamma"] == side["settings"]["gamma"]
