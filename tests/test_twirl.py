"""Pauli and readout twirling (qtool.passes.mitigation): twirled circuits are verified
equivalent to the untwirled compiled circuit, stay native and routed, differ from each other,
are reproducible from the seed, and the readout flips are undone by the recorded mask."""
from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from qtool.passes import PauliTwirl, catalog
from qtool.passes.mitigation import (
    combine_counts,
    insert_readout_flips,
    pauli_twirl,
    terminal_measurements,
    twirl_circuits,
    twirl_table,
    untwirl_counts,
)
from qtool.passes.mitigation.twirl import _PAIRS, _dress

from qtool import Circuit, compile
from qtool.cli import main
from qtool.gates import GATES
from qtool.params import Parameter
from qtool.passmanager import Context, Pipeline, pass_from_dict
from qtool.presets import preset_pipeline
from qtool.simulate import statevector, unitary
from qtool.targets import get_target, in_basis, respects_coupling
from qtool.testing import circuits
from qtool.verify import strip_final_measurements, verify_same_wires

TARGETS = ("line:5,2q=cz", "all:4,2q=ecr", "grid:2x3,2q=cx")


def _unitary(c: Circuit) -> np.ndarray:
    return unitary(strip_final_measurements(c)[0])


def _distribution(c: Circuit) -> dict[str, float]:
    """Exact outcome probabilities, classical bit 0 rightmost."""
    body, meas = strip_final_measurements(c)
    probs = np.abs(statevector(body)) ** 2
    n = c.num_qubits
    out: dict[str, float] = {}
    for idx in np.flatnonzero(probs > 1e-12):
        bits = ["0"] * c.num_clbits
        for q, cl in meas.items():
            bits[c.num_clbits - 1 - cl] = str((int(idx) >> (n - 1 - q)) & 1)
        k = "".join(bits)
        out[k] = out.get(k, 0.0) + float(probs[idx])
    return out


def _example(n: int = 3) -> Circuit:
    b = Circuit.builder(n, n)
    b.h(0)
    for q in range(n - 1):
        b.cx(q, q + 1)
    b.rzz(0.7, 0, n - 1)
    b.ry(0.4, 1)
    for q in range(n):
        b.measure(q, q)
    return b.build()


# --------------------------------------------------------------------------- tables
@pytest.mark.parametrize("gate", ["cx", "cz", "ecr", "swap", "cy"])
def test_clifford_tables_have_16_frames_and_are_exact(gate):
    t = twirl_table(gate)
    g = GATES.by_name[gate].matrix()
    assert len(t) == 16 and sorted(t.after.tolist()) == list(range(16))
    for b, a, s in zip(t.before, t.after, t.sign):
        assert np.allclose(_PAIRS[a] @ g @ _PAIRS[b], s * g)


def test_rzz_only_commuting_frames():
    t = twirl_table("rzz")
    zz = _PAIRS[15]
    assert len(t) == 8 and np.array_equal(t.before, t.after)
    for b in t.before:
        assert np.allclose(_PAIRS[b] @ zz, zz @ _PAIRS[b])
    assert len(twirl_table("cp")) == 4   # {II, IZ, ZI, ZZ}


def test_wrong_frame_is_detected():
    """The equivalence check has teeth: X on the target of a cx, not propagated, differs."""
    c = Circuit.from_instructions(2, [("h", (0,)), ("cx", (0, 1))])
    bad = _dress(c, np.array([1]), np.array([4]), np.array([4]), np.zeros(0, np.int64), 0.0)
    assert not verify_same_wires(c, bad).equivalent
    good = _dress(c, np.array([1]), np.array([4]), np.array([5]), np.zeros(0, np.int64), 0.0)
    assert np.allclose(unitary(c), unitary(good))


# --------------------------------------------------------------------------- equivalence
@settings(max_examples=25, deadline=None)
@given(circuits(n_qubits=(2, 4), max_ops=16, measure=True), st.sampled_from(TARGETS),
       st.integers(0, 2**16))
def test_twirled_circuits_equivalent_native_routed(circ, target, seed):
    tgt = get_target(target)
    base = compile(circ, tgt, 1, seed=seed).circuit
    u = _unitary(base)
    for tw in twirl_circuits(base, 3, seed=seed, target=tgt, readout=False):
        c = tw.circuit
        assert not tw.flip_mask.any()
        assert np.allclose(_unitary(c), u, atol=1e-8)        # global phase included
        assert in_basis(c, tgt) and respects_coupling(c, tgt)
        assert c.count_ops().get(tgt.gate_2q, 0) == base.count_ops().get(tgt.gate_2q, 0)
        assert c.layout == base.layout
    for tw in twirl_circuits(base, 2, seed=seed, target=tgt, readout=True):
        ref = insert_readout_flips(base, tw.flip_mask)
        assert verify_same_wires(ref, tw.circuit).equivalent
        assert in_basis(tw.circuit, tgt) and respects_coupling(tw.circuit, tgt)


def test_one_qubit_count_stays_bounded():
    tgt = get_target("line:5,2q=cz")
    base = compile(_example(4), tgt, 2, seed=3).circuit
    for tw in twirl_circuits(base, 5, seed=1, target=tgt):
        # each dressed 2Q gate adds at most one fused run on each side (<= 5 natives each)
        assert tw.circuit.num_1q() <= base.num_1q() + 10 * base.num_2q() + base.num_clbits


def test_symbolic_angles_survive():
    th = Parameter("th")
    b = Circuit.builder(2)
    b.rz(th, 0); b.cx(0, 1); b.rzz(2 * th, 0, 1); b.rz(th, 1)
    c = b.build()
    tw = twirl_circuits(c, 3, seed=2, target="all:2,2q=cx")
    for t in tw:
        assert t.circuit.parameters == ["th"]
        for v in (0.3, -1.1):
            assert np.allclose(unitary(t.circuit.bind({"th": v})), unitary(c.bind({"th": v})))


# --------------------------------------------------------------------------- readout
def test_readout_flips_undone_by_mask():
    tgt = get_target("grid:2x3,2q=cx")
    base = compile(_example(3), tgt, 2, seed=0).circuit
    want = _distribution(base)
    masks = set()
    scaled = []
    for tw in twirl_circuits(base, 8, seed=5, target=tgt):
        got = _distribution(tw.circuit)
        masks.add(tuple(tw.flip_mask.tolist()))
        counts = {k: round(p * 1e6) for k, p in got.items()}
        back = tw.untwirl(counts)
        assert back.keys() == {k for k, p in want.items()}
        for k, p in want.items():
            assert abs(back[k] / 1e6 - p) < 1e-5
        scaled.append(back)
    assert len(masks) > 1                        # the flips really are random
    pooled = combine_counts(scaled)
    total = sum(pooled.values())
    for k, p in want.items():
        assert abs(pooled[k] / total - p) < 1e-5


def test_untwirl_and_combine_counts():
    assert untwirl_counts({"001": 5, "100": 2, "011": 1}, [1, 0, 0]) == \
        {"000": 5, "101": 2, "010": 1}
    assert untwirl_counts({"01 1": 3}, [1, 1, 0]) == {"000": 3}
    assert untwirl_counts({"001": 1, "000": 2}, [1, 0, 0]) == {"000": 1, "001": 2}
    assert combine_counts([{"01": 1}, {"01": 2, "10": 4}]) == {"01": 3, "10": 4}
    with pytest.raises(ValueError):
        untwirl_counts({"1": 1}, [0, 1])


def test_terminal_measurements_skip_mid_circuit_and_read_bits():
    b = Circuit.builder(2, 2)
    b.h(0); b.measure(0, 0); b.x(1, cond=0); b.measure(1, 1); b.h(0)
    c = b.build()
    # qubit 0 is measured mid-circuit (its bit is read later): only qubit 1's measure counts
    assert terminal_measurements(c).tolist() == [3]
    _, mask = pauli_twirl(c, np.random.default_rng(0), readout=True)
    assert mask[0] == 0


# --------------------------------------------------------------------------- randomness
def test_randomisations_differ_and_are_deterministic():
    tgt = get_target("all:4,2q=ecr")
    base = compile(_example(4), tgt, 2, seed=1).circuit
    a = twirl_circuits(base, 6, seed=11, target=tgt)
    b = twirl_circuits(base, 6, seed=11, target=tgt)
    c = twirl_circuits(base, 6, seed=12, target=tgt)
    assert all(x.circuit == y.circuit and np.array_equal(x.flip_mask, y.flip_mask)
               for x, y in zip(a, b))
    distinct = {tuple(map(tuple, x.circuit.params.round(9).reshape(-1, 1))) + tuple(
        x.circuit.op.tolist()) for x in a}
    assert len(distinct) > 1
    assert any(x.circuit != y.circuit for x, y in zip(a, c))


def test_pass_in_pipeline_records_mask_and_serialises():
    tgt = get_target("line:5,2q=cz")
    pipe = Pipeline([preset_pipeline(1, tgt), PauliTwirl(readout=True)])
    assert pass_from_dict(PauliTwirl(readout=True).to_dict()) == PauliTwirl(readout=True)
    assert any(d["pass"] == "PauliTwirl" for d in catalog())
    ctx = Context(target=tgt, seed=3, check=True)
    out = pipe.run(_example(3), ctx.for_pass(0))
    mask = ctx.analyses["readout_flip_mask"]
    assert mask.shape == (3,) and in_basis(out, tgt)
    with pytest.raises(ValueError):
        PauliTwirl(gates=("h",))


# --------------------------------------------------------------------------- CLI
GHZ = ('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[3];\ncreg c[3];\nh q[0];\n'
       'cx q[0],q[1];\ncx q[1],q[2];\nmeasure q -> c;\n')


def test_cli_twirl_writes_n_files_with_sidecars(tmp_path, capsys):
    src = tmp_path / "ghz.qasm"
    src.write_text(GHZ)
    texts = []
    for run in range(2):
        d = tmp_path / f"r{run}"
        d.mkdir()
        code = main(["compile", str(src), "-t", "line:5,2q=cz", "--twirl", "3", "--seed", "4",
                     "--verify", "--report", "none", "-o", str(d / "out.qasm")])
        assert code == 0
        assert sorted(p.name for p in d.iterdir()) == [
            f"out_{k}.qasm{s}" for k in range(3) for s in ("", ".json")]
        texts.append([(d / f"out_{k}.qasm").read_bytes() for k in range(3)])
        for k in range(3):
            side = json.loads((d / f"out_{k}.qasm.json").read_text())
            tw = side["twirl"]
            assert tw["index"] == k and tw["num_randomizations"] == 3
            assert len(tw["readout_flip_mask"]) == 3 and tw["equivalent_to_untwirled"] is True
            assert side["seed"] == 4
    assert texts[0] == texts[1]                  # same seed -> identical files
    assert len(set(texts[0])) > 1                # the randomisations differ
    assert main(["compile", str(src), "--twirl", "2", "--report", "none"]) == 2
    assert "--twirl" in capsys.readouterr().err
