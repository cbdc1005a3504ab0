"""The command line: outputs, sidecar, determinism and one-line errors with exit 2."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from qtool.cli import main

GHZ3 = """OPENQASM 3.0;
include "stdgates.inc";
qubit[3] q;
bit[3] c;
h q[0];
cx q[0], q[1];
cx q[1], q[2];
c = measure q;
"""


def run(argv, capsys):
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def ghz(tmp_path):
    p = tmp_path / "ghz.qasm"
    p.write_text(GHZ3)
    return p


def test_compile_writes_qasm_and_sidecar(ghz, tmp_path, capsys):
    out = tmp_path / "out.qasm"
    code, stdout, _ = run(["compile", str(ghz), "--target", "ibm_heron", "-O3", "-o", str(out),
                           "--verify", "--seed", "4"], capsys)
    assert code == 0
    text = out.read_text()
    assert text.startswith("OPENQASM 3.0;") and "$" in text and "measure $" in text
    side = json.loads(Path(str(out) + ".json").read_text())
    assert side["target"] == "ibm_heron" and side["seed"] == 4
    assert side["verification"]["equivalent"] is True
    assert len(side["initial_layout"]) == 3
    assert "2Q gates" in stdout
    assert ghz.read_text() == GHZ3  # input untouched


def test_same_seed_byte_identical(ghz, tmp_path, capsys):
    outs = []
    for i in range(2):
        o = tmp_path / f"o{i}.qasm"
        assert run(["compile", str(ghz), "-t", "ibm_eagle", "-O3", "--seed", "9", "-o", str(o)],
                   capsys)[0] == 0
        outs.append(o.read_bytes())
    assert outs[0] == outs[1]


def test_stdin_to_stdout():
    r = subprocess.run([sys.executable, "-m", "qtool", "compile", "-", "-t", "line:3",
                        "--report", "none"], input=GHZ3, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    import openqasm3
    openqasm3.parse(r.stdout)


@pytest.mark.parametrize("text,needle", [
    ("OPENQASM 3.0;\nqubit[2] q;\nh q[0]\ncx q[0], q[1];\n", ":3:"),          # syntax error
    ('OPENQASM 3.0;\ninclude "stdgates.inc";\nqubit[2] q;\nfoo q[0];\n', "foo"),  # unknown gate
    ('OPENQASM 3.0;\ninclude "stdgates.inc";\nqubit[2] q;\nh r[0];\n', "r"),      # undeclared
    ('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nh q[5];\n', "q"),         # out of range
])
def test_malformed_inputs_one_line_exit_2(tmp_path, text, needle):
    p = tmp_path / "bad.qasm"
    p.write_text(text)
    r = subprocess.run([sys.executable, "-m", "qtool", "compile", str(p), "-t", "line:3"],
                       capture_output=True, text=True)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "bad.qasm:" in lines[0] and needle in lines[0]
    assert "Traceback" not in r.stderr


def test_target_too_small_and_bad_target_file(ghz, tmp_path, capsys):
    code, _, err = run(["compile", str(ghz), "-t", "line:2"], capsys)
    assert code == 2 and "needs 3 qubits" in err and len(err.strip().splitlines()) == 1
    bad = tmp_path / "dev.json"
    bad.write_text('{"num_qubits": 3, "coupling": [[0, 1], [1, 7]], "gate_2q": "cz"}')
    code, _, err = run(["compile", str(ghz), "-t", str(bad)], capsys)
    assert code == 2 and "dev.json" in err and len(err.strip().splitlines()) == 1
    bad.write_text('{"num_qubits": 3,, }')
    code, _, err = run(["compile", str(ghz), "-t", str(bad)], capsys)
    assert code == 2 and "dev.json:1:" in err


def test_bad_pipeline_file(ghz, tmp_path, capsys):
    p = tmp_path / "p.json"
    p.write_text('{"pass": "Pipeline", "passes": [{"pass": "NoSuchPass"}]}')
    code, _, err = run(["compile", str(ghz), "--pipeline", str(p)], capsys)
    assert code == 2 and "NoSuchPass" in err


def test_custom_pipeline_json(ghz, tmp_path, capsys):
    from qtool.presets import preset_pipeline
    p = tmp_path / "p.json"
    p.write_text(preset_pipeline(1).to_json())
    o = tmp_path / "o.qasm"
    code, _, _ = run(["compile", str(ghz), "-t", "grid:2x2", "--pipeline", str(p), "-o", str(o),
                      "--verify"], capsys)
    assert code == 0 and json.loads(Path(str(o) + ".json").read_text())["verification"][
        "equivalent"] is True


def test_targets_list_show_and_version(capsys):
    code, out, _ = run(["targets", "list"], capsys)
    assert code == 0 and "ibm_heron" in out and "ibm_eagle" in out
    code, out, _ = run(["targets", "show", "ibm_eagle"], capsys)
    assert code == 0 and "127" in out and "ecr" in out
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0 and "qtool" in capsys.readouterr().out


@pytest.mark.parametrize("dialect", ["generic", "ibm", "braket"])
def test_dialects_parse(ghz, tmp_path, capsys, dialect):
    import openqasm3
    o = tmp_path / f"{dialect}.qasm"
    assert run(["compile", str(ghz), "-t", "ibm_eagle", "--dialect", dialect, "-o", str(o)],
               capsys)[0] == 0
    openqasm3.parse(o.read_text())
    if dialect == "ibm":
        from qiskit import qasm3
        qasm3.loads(o.read_text())


def test_plot(ghz, tmp_path, capsys):
    png = tmp_path / "r.png"
    assert run(["compile", str(ghz), "-t", "grid:3x3", "--plot", str(png), "-o",
                str(tmp_path / "o.qasm")], capsys)[0] == 0
    assert png.read_bytes()[:4] == b"\x89PNG"
