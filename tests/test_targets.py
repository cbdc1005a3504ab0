"""Devices: built-in snapshots, generators, target files, Qiskit conversion, registry,
success-probability metrics and coupling-map plots."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings

from qtool import Circuit, Layout
from qtool.errors import TargetError
from qtool.targets import Props, Target, get_target
from qtool.targets.files import load_target, save_target
from qtool.targets.generators import NOMINAL, lattice_coords
from qtool.targets.metrics import circuit_metrics, estimate_success_probability
from qtool.targets.registry import describe, list_targets
from qtool.testing import targets

ROOT = Path(__file__).resolve().parents[1]


def _fake(name):
    from qiskit_ibm_runtime import fake_provider
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(fake_provider, name)()


def _und(pairs):
    return {(min(a, b), max(a, b)) for a, b in pairs}


# ---------------------------------------------------------------------------- built-ins
def test_builtins_load_without_qiskit_ibm_runtime():
    code = ("import sys\nfrom qtool.targets import get_target\n"
            "a, b = get_target('ibm_eagle'), get_target('ibm_heron')\n"
            "assert (a.num_qubits, b.num_qubits) == (127, 133)\n"
            "bad = sorted(m for m in sys.modules if m.startswith('qiskit_ibm_runtime'))\n"
            "assert not bad, bad\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("name, backend, gate", [("ibm_eagle", "FakeSherbrooke", "ecr"),
                                                 ("ibm_heron", "FakeTorino", "cz")])
def test_builtin_matches_fake_backend(name, backend, gate):
    t = get_target(name)
    qt = _fake(backend).target
    assert t.num_qubits == qt.num_qubits
    assert t.gate_2q == gate and t.basis_1q == ("rz", "sx", "x")
    cal = set(qt[gate])
    if gate == "ecr":   # directed: exactly the calibrated directions
        assert t.directed
        assert set(map(tuple, t.edges.tolist())) == cal
    else:
        assert not t.directed
        assert _und(t.edges.tolist()) == _und(cal)
        assert set(map(tuple, t.edges.tolist())) == cal   # Torino calibrates both ways
    for g in ("rz", "sx", "x", gate, "measure"):
        for qargs, ip in qt[g].items():
            assert t.gate_error(g, qargs) == ip.error
            assert t.props[g].get(qargs, t.props[g].get(qargs[::-1])).duration == ip.duration
    for q, qp in enumerate(qt.qubit_properties):
        assert t.t1[q] == qp.t1 and t.t2[q] == qp.t2
        assert t.readout_error[q] == qt["measure"][(q,)].error
    assert t.coords.shape == (t.num_qubits, 2)
    assert len(np.unique(t.coords, axis=0)) == t.num_qubits


def test_builtins_cached_and_case_insensitive():
    assert get_target("ibm_heron") is get_target("IBM_Heron ")
    t = get_target("ibm_eagle")
    assert get_target(t) is t


def test_snapshot_is_deterministic():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import snapshot_targets
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    a = snapshot_targets.snapshot("ibm_heron")
    assert a == snapshot_targets.snapshot("ibm_heron")
    stored = json.loads((ROOT / "qtool/targets/data/ibm_heron.json").read_text())
    fresh = json.loads(a)
    fresh.pop("description"), stored.pop("description")   # names the runtime version
    assert fresh == stored


# ---------------------------------------------------------------------------- generators
@pytest.mark.parametrize("spec, n, e", [("grid:3x4", 12, 17), ("grid:1x1", 1, 0),
                                        ("line:5", 5, 4), ("ring:6", 6, 6), ("all:5", 5, 10),
                                        ("heavyhex:3", 19, 20), ("heavyhex:5", 57, 64),
                                        ("heavyhex:7", 115, 132)])
def test_generator_sizes(spec, n, e):
    t = get_target(spec)
    assert (t.num_qubits, len(t.undirected_edges)) == (n, e)
    assert not t.directed and t.gate_2q == "cx"
    assert len(t.edges) == 2 * e
    assert t.coords.shape == (n, 2) and len(np.unique(t.coords, axis=0)) == n
    assert t.is_connected()


@pytest.mark.parametrize("d", [3, 5, 7])
def test_heavyhex_is_qiskits(d):
    from qiskit.transpiler import CouplingMap
    ours = _und(get_target(f"heavyhex:{d}").edges.tolist())
    assert ours == _und(CouplingMap.from_heavy_hex(d).get_edges())


@pytest.mark.parametrize("g2", ["cz", "cx", "ecr", "rzz"])
def test_generator_2q_suffix_and_nominal_calibration(g2):
    t = get_target(f"grid:2x3,2q={g2}")
    assert t.gate_2q == g2 and t.name == ("grid:2x3" if g2 == "cx" else f"grid:2x3,2q={g2}")
    assert t.gate_error(g2, (4, 1)) == NOMINAL["error_2q"]
    assert t.gate_error("sx", (5,)) == NOMINAL["error_1q"] and t.gate_error("rz", (0,)) == 0
    assert np.all(t.readout_error == NOMINAL["readout_error"])
    assert np.all(t.t1 == NOMINAL["t1"]) and np.all(t.t2 == NOMINAL["t2"])


@pytest.mark.parametrize("spec", ["grid:0x3", "grid:3", "ring:2", "heavyhex:4", "line:x",
                                  "line:5,2q=foo", "line:5,foo=cz", "all:0", "foo",
                                  "line5"])
def test_bad_specs(spec):
    with pytest.raises(TargetError) as exc:
        get_target(spec)
    assert "\n" not in str(exc.value)


def test_unknown_name_lists_valid_forms():
    with pytest.raises(TargetError, match="ibm_heron.*grid:RxC.*json"):
        get_target("ibm_condor")
    with pytest.raises(TargetError, match="cannot make a target"):
        get_target(3.5)


@settings(max_examples=25, deadline=None)
@given(targets(max_qubits=8))
def test_targets_strategy(t):
    assert 3 <= t.num_qubits <= 8 and t.is_connected()


def test_lattice_coords():
    assert lattice_coords(5, get_target("ring:5").edges) is None
    xy = lattice_coords(6, get_target("grid:2x3").edges)
    assert xy.tolist() == [[0, 0], [1, 0], [2, 0], [0, -1], [1, -1], [2, -1]]


# ---------------------------------------------------------------------------- Qiskit
def test_nighthawk_conversion():
    be = _fake("FakeNighthawk")
    t = get_target(be)
    qt = be.target
    assert (t.num_qubits, t.gate_2q, t.basis_1q, t.directed) == (120, "cz", ("rz", "sx", "x"),
                                                                False)
    assert _und(t.edges.tolist()) == _und(qt["cz"])
    for (a, b), ip in qt["cz"].items():
        assert t.gate_error("cz", (a, b)) == ip.error
    assert [t.readout_error[q] for q in range(120)] == [qt["measure"][(q,)].error
                                                        for q in range(120)]
    assert t.t1[7] == qt.qubit_properties[7].t1
    assert t.coords is not None      # Nighthawk is a 12 x 10 square lattice
    t2 = get_target(qt)
    assert _und(t2.edges.tolist()) == _und(t.edges.tolist())


def _qiskit_target(gates, pairs, n=3):
    from qiskit.circuit import Measure
    from qiskit.circuit.library import CXGate, CZGate, RZGate, SXGate, XGate
    from qiskit.circuit import Parameter
    from qiskit.transpiler import InstructionProperties, Target as QTarget
    qt = QTarget(num_qubits=n)
    lib = {"cx": CXGate(), "cz": CZGate()}
    for i, g in enumerate(gates):
        qt.add_instruction(lib[g], {p: InstructionProperties(error=0.01 * (i + 1), duration=1e-7)
                                    for p in pairs})
    qt.add_instruction(RZGate(Parameter("t")), {(q,): None for q in range(n)})
    qt.add_instruction(SXGate(), {(q,): InstructionProperties(error=1e-4) for q in range(n)})
    qt.add_instruction(XGate(), {(q,): InstructionProperties(error=1e-4) for q in range(n)})
    qt.add_instruction(Measure(), {(q,): InstructionProperties(error=0.05) for q in range(n)})
    return qt


def test_qiskit_preference_and_direction():
    t = get_target(_qiskit_target(["cx", "cz"], [(0, 1), (1, 0), (1, 2), (2, 1)]))
    assert t.gate_2q == "cz" and not t.directed and t.gate_error("cz", (2, 1)) == 0.02
    t = get_target(_qiskit_target(["cx"], [(0, 1), (2, 1)]))
    assert t.directed and set(map(tuple, t.edges.tolist())) == {(0, 1), (2, 1)}
    assert t.allows(2, 1) and not t.allows(1, 2)
    assert list(t.readout_error) == [0.05] * 3 and np.isnan(t.t1).all()


def test_qiskit_without_supported_2q_gate():
    from qiskit.circuit.library import SwapGate
    from qiskit.transpiler import Target as QTarget
    qt = QTarget(num_qubits=2)
    qt.add_instruction(SwapGate(), {(0, 1): None})
    with pytest.raises(TargetError, match="no supported two-qubit gate.*swap"):
        get_target(qt)


# ---------------------------------------------------------------------------- files
def test_json_round_trip(tmp_path):
    for spec in ("ibm_eagle", "ibm_heron", "heavyhex:3,2q=cz"):
        t = get_target(spec)
        p = tmp_path / f"{spec.replace(':', '_').replace(',', '_')}.json"
        save_target(t, p)
        back = get_target(str(p))
        assert back.to_dict() == t.to_dict()
        assert get_target(p).to_dict() == t.to_dict()   # os.PathLike works too
        assert Target.from_dict(t.to_dict()).to_dict() == t.to_dict()


TOML = """
name = "toy3"
num_qubits = 3
gate_2q = "cz"
coupling = [[0, 1], [1, 2]]
readout_error = [0.02, 0.03, nan]
t1 = [1.1e-4, 9.0e-5, 1.0e-4]

[[gates.cz]]
qubits = [0, 1]
error = 0.008
duration = 6.8e-8

[[gates.cz]]
qubits = [1, 2]
error = 0.011

[[gates.sx]]
qubits = [0]
error = 2.5e-4
"""


def test_toml_and_json_agree(tmp_path):
    p = tmp_path / "toy.toml"
    p.write_text(TOML)
    t = get_target(str(p))
    assert (t.name, t.num_qubits, t.gate_2q, t.basis_1q) == ("toy3", 3, "cz", ("rz", "sx", "x"))
    assert t.gate_error("cz", (2, 1)) == 0.011 and t.props["cz"][(1, 2)].duration is None
    assert np.isnan(t.readout_error[2]) and np.isnan(t.t2).all()
    j = tmp_path / "toy.json"
    save_target(t, j)
    assert load_target(j).to_dict() == t.to_dict()
    minimal = tmp_path / "min.json"
    minimal.write_text('{"num_qubits": 2, "gate_2q": "cx", "coupling": [[0, 1]]}')
    m = get_target(str(minimal))
    assert m.name == "min" and m.has_edge(1, 0) and not m.directed


GOOD = {"num_qubits": 3, "gate_2q": "cz", "coupling": [[0, 1], [1, 2]]}


def _with(**kw):
    d = dict(GOOD, **kw)
    return json.dumps({k: v for k, v in d.items() if v is not _DROP})


_DROP = object()

BAD_FILES = [
    ("a.json", '{"num_qubits": 3,\n "coupling": [[0, 1]', r"a\.json:2:\d+: invalid JSON"),
    ("b.toml", 'num_qubits = 3\ngate_2q = \n', r"b\.toml:2:\d+: invalid TOML"),
    ("c.json", _with(gate_2q=_DROP), "missing required key 'gate_2q'"),
    ("d.json", _with(num_qubits="3"), "num_qubits: expected an integer, got a string"),
    ("e.json", _with(num_qubits=0), "num_qubits: must be >= 1"),
    ("f.json", _with(coupling=[[0, 1], [1, 5]]), r"coupling\[1\]: qubit 5 out of range 0\.\.2"),
    ("g.json", _with(coupling=[[0, 1, 2]]), r"coupling\[0\]: expected a pair"),
    ("h.json", _with(coupling=[[1, 1]]), "self-loop"),
    ("i.json", _with(coupling={"0": 1}), "coupling: expected a list, got an object"),
    ("j.json", _with(gates={"foo": []}), "gates.foo: unknown gate 'foo'"),
    ("k.json", _with(basis_1q=["rz", "bar"]), r"basis_1q\[1\]: unknown gate 'bar'"),
    ("l.json", _with(basis_1q=["cx"]), "not a one-qubit gate"),
    ("m.json", _with(gate_2q="swap"), "unknown native 2Q gate 'swap'"),
    ("n.json", _with(readout_error=[0.1, 0.1]), "readout_error: has 2 values, expected 3"),
    ("o.json", _with(t1=[1e-4] * 4), "t1: has 4 values, expected 3"),
    ("p.json", _with(coords=[[0, 0]]), "coords: has 1 points, expected 3"),
    ("q.json", _with(gates={"cz": [{"qubits": [0]}]}), r"gates.cz\[0\].qubits: cz acts on 2"),
    ("r.json", _with(gates={"cz": [{"qubits": [0, 1], "error": 1.5}]}), r"error: 1\.5 outside"),
    ("s.json", _with(gates={"sx": [{"qubits": [9]}]}), "qubit 9 out of range"),
    ("t.json", _with(gates={"sx": [{"qbits": [0]}]}), "unknown key 'qbits'"),
    ("u.json", _with(coupling_map=[[0, 1]]), "unknown key 'coupling_map'"),
    ("v.json", _with(directed="yes"), "directed: expected true or false"),
    ("w.json", "[1, 2]", "a target must be an object"),
    ("x.json", _with(t2=[1e-4, "x", 1e-4]), r"t2\[1\]: expected a number"),
    ("y.toml", 'num_qubits = 2\ngate_2q = "cx"\ncoupling = [[0, 3]]\n', "qubit 3 out of range"),
]


@pytest.mark.parametrize("fname, text, pattern", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_malformed_files(tmp_path, fname, text, pattern):
    p = tmp_path / fname
    p.write_text(text)
    with pytest.raises(TargetError) as exc:
        get_target(str(p))
    msg = str(exc.value)
    assert "\n" not in msg and msg.startswith(str(p))
    assert re.search(pattern, msg), msg


def test_missing_and_wrong_extension(tmp_path):
    with pytest.raises(TargetError, match="not found"):
        get_target(str(tmp_path / "nope.json"))
    p = tmp_path / "dev.yaml"
    p.write_text("x")
    with pytest.raises(TargetError, match=r"\.json or \.toml"):
        get_target(p)


# ---------------------------------------------------------------------------- metrics
def _toy_target():
    props = {
        "sx": {(0,): Props(1e-3, 4e-8), (1,): Props(3e-3, 4e-8)},   # q2: median 2e-3
        "rz": {(q,): Props(0.0, 0.0) for q in range(3)},
        "cz": {(0, 1): Props(0.02, 1e-7), (1, 2): Props(0.04, 2e-7)},
    }
    return Target("toy", 3, [(0, 1), (1, 2)], ("rz", "sx", "x"), "cz", props=props,
                  readout_error=[0.01, 0.02, 0.03])


def test_esp_hand_computed():
    t = _toy_target()
    b = Circuit.builder(3, 3)
    b.sx(0); b.sx(2); b.rz(0.3, 1); b.cz(1, 0); b.cz(1, 2); b.x(1); b.barrier()
    b.measure(0, 0); b.measure(2, 2)
    c = b.build()
    # sx q0, sx q2 (median of sx), rz 0, cz (reversed lookup), cz, x uncalibrated -> median
    # of the non-virtual 1Q basis gates (sx median 2e-3), readout q0 and q2
    want = (1 - 1e-3) * (1 - 2e-3) * 1 * (1 - 0.02) * (1 - 0.04) * (1 - 2e-3) \
        * (1 - 0.01) * (1 - 0.03)
    assert estimate_success_probability(c, t) == pytest.approx(want, rel=1e-12)
    m = circuit_metrics(c, t)
    assert m["esp"] == pytest.approx(want, rel=1e-12)
    assert (m["num_1q"], m["num_2q"], m["depth_2q"]) == (4, 2, 2)
    assert m["ops"] == c.count_ops() and m["depth"] == c.depth()
    # critical path: sx q0 (40ns) -> cz(1,0) 100ns -> cz(1,2) 200ns -> x q1 (median sx 40ns)
    assert m["duration_estimate"] == pytest.approx(4e-8 + 1e-7 + 2e-7 + 4e-8)


def test_esp_on_heron_matches_qiskit_numbers():
    t = get_target("ibm_heron")
    qt = _fake("FakeTorino").target
    b = Circuit.builder(3, 2)
    b.sx(0); b.rz(1.0, 1); b.cz(0, 1); b.cz(2, 1); b.measure(0, 0); b.measure(1, 1)
    # physical 0-1 coupled, 1-2 coupled on Torino
    want = ((1 - qt["sx"][(0,)].error) * (1 - qt["cz"][(0, 1)].error)
            * (1 - qt["cz"][(2, 1)].error) * (1 - qt["measure"][(0,)].error)
            * (1 - qt["measure"][(1,)].error))
    assert estimate_success_probability(b.build(), t) == pytest.approx(want, rel=1e-12)


def test_esp_edge_cases():
    t = _toy_target()
    assert estimate_success_probability(Circuit.builder(2).build(), t) == 1.0
    broken = Target("b", 2, [(0, 1)], gate_2q="cx", props={"cx": {(0, 1): Props(1.0)}})
    b = Circuit.builder(2); b.cx(0, 1)
    assert estimate_success_probability(b.build(), broken) == 0.0
    with pytest.raises(TargetError, match="4 qubits"):
        estimate_success_probability(Circuit.builder(4).build(), t)
    g = Circuit.builder(2); g.h(0)   # not native: median non-virtual 1Q error
    assert estimate_success_probability(g.build(), "line:2") == pytest.approx(1 - 3e-4)


# ---------------------------------------------------------------------------- registry/plot
def test_list_and_describe():
    names = [n for n, _ in list_targets()]
    assert names[:2] == ["ibm_eagle", "ibm_heron"] and "grid:RxC" in names
    text = describe("ibm_heron")
    assert "133" in text and "cz" in text and "T1 (us)" in text and "readout error" in text
    assert "directed" in describe("ibm_eagle")


def test_plot_writes_png(tmp_path):
    from qtool.targets.plot import plot_coupling
    b = Circuit.builder(6)
    b.cx(0, 1); b.cx(1, 2); b.cx(1, 2); b.cx(0, 5)      # 0-5 is not coupled on grid:2x3
    b.layout = Layout((2, 0, 1, 3, 4, 5), (2, 0, 1, 3, 4, 5), 3)
    out = plot_coupling("grid:2x3", tmp_path / "g.png", circuit=b.build(), title="x")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    star = Target("star", 5, [(0, q) for q in range(1, 5)])   # no coords: spring layout
    p = plot_coupling(star, tmp_path / "s.png", layout={0: 0, 1: 3})
    assert p.stat().st_size > 1000
    p = plot_coupling("ibm_eagle", tmp_path / "e.png")
    assert p.stat().st_size > 1000
