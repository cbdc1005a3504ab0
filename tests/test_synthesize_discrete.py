"""Compiling for fault-tolerant targets: SynthesizeDiscrete, ft: targets, eps budget, CLI."""
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

import qtool
from qtool import Circuit, Parameter
from qtool.errors import CompileError, TargetError
from qtool.gatesynth.su2 import eps_op, eps_op_matrix
from qtool.io import write_qasm3
from qtool.passes import SynthesizeDiscrete
from qtool.passmanager import Context, pass_from_dict
from qtool.presets import preset_pipeline
from qtool.targets import get_target, in_basis
from qtool.testing import assert_equivalent
from qtool.verify import _perm_matrix

CT = {"h", "s", "sdg", "t", "tdg", "x", "z"}
EPS = 1e-2


def _generic(seed: int = 7) -> Circuit:
    """3 qubits, rz/rx/u/cx/h with generic angles."""
    rng = np.random.default_rng(seed)
    b = Circuit.builder(3)
    for q in range(3):
        b.h(q)
    for _ in range(2):
        b.rz(float(rng.uniform(-3, 3)), 0)
        b.rx(float(rng.uniform(-3, 3)), 1)
        b.u(*(float(x) for x in rng.uniform(-3, 3, 3)), 2)
        b.cx(0, 1)
        b.cx(1, 2)
        b.h(0)
    return b.build()


def _logical_eps(res) -> float:
    """eps_op of the compiled circuit against the input on the active wires, through the
    layout (as qtool.verify does it)."""
    out, n = res.circuit, res.input.num_qubits
    lay = out.layout
    act = sorted(set(out.active_qubits()) | set(lay.initial[:n]) | set(lay.final[:n]))
    assert len(act) == n
    local = {p: i for i, p in enumerate(act)}
    u_out = out.remap([local.get(p, 0) for p in range(out.num_qubits)], n).replace(
        layout=None).unitary()
    u_in = res.input.remap([local[lay.initial[v]] for v in range(n)], n).unitary()
    perm = lay.permutation()
    return eps_op_matrix(u_out, _perm_matrix([local[perm[p]] for p in act], n) @ u_in)


def _t_count(c: Circuit) -> int:
    ops = c.count_ops()
    return ops.get("t", 0) + ops.get("tdg", 0)


@pytest.fixture(scope="module")
def generic_result():
    return qtool.compile(_generic(), "ft:clifford_t", 2, seed=5, eps=EPS)


# ------------------------------------------------------------------------------ targets
def test_ft_target_specs():
    t = get_target("ft:clifford_t")
    assert t.discrete_basis == "clifford_t" and t.num_qubits == 64 and t.gate_2q == "cx"
    assert set(t.basis_1q) == CT and t.working_basis_1q == ("u",)
    assert t.has_edge(0, 63)                                      # all-to-all
    assert get_target("ft:clifford_t:5").num_qubits == 5
    assert get_target("ft:ht:4").basis_1q == ("h", "t")
    assert get_target("all:4").discrete_basis is None
    for bad in ("ft:hrc", "ft:nope", "ft:clifford_t:0", "ft:clifford_t:x"):
        with pytest.raises(TargetError):
            get_target(bad)


def test_preset_ends_with_discrete_synthesis():
    t = get_target("ft:clifford_t:4")
    for level in range(4):
        p = preset_pipeline(level, t, eps=2e-3)
        last = p.passes[-1].passes[-1]
        assert isinstance(last, SynthesizeDiscrete) and last.eps == 2e-3
        text = json.dumps(p.to_dict())
        assert "ConsolidateTwoQubitBlocks" not in text
    assert "SynthesizeDiscrete" not in json.dumps(preset_pipeline(2, get_target("all:4"))
                                                  .to_dict())
    assert "ConsolidateTwoQubitBlocks" in json.dumps(preset_pipeline(2, get_target("all:4"))
                                                     .to_dict())


# ------------------------------------------------------------------------------ (a) (c) (g)
def test_generic_circuit_within_eps_and_in_basis(generic_result):
    res = generic_result
    out = res.circuit
    ops = set(out.count_ops())
    assert ops <= CT | {"cx"}, ops
    assert in_basis(out, res.target)
    syn = res.synthesis
    assert syn["runs"] > 0 and syn["error_bound"] <= EPS
    assert syn["eps_per_run"] == pytest.approx(EPS / syn["runs"])
    assert syn["t_count"] == _t_count(out)
    err = _logical_eps(res)
    assert err <= syn["error_bound"] + 1e-9 <= EPS + 1e-9
    assert err > 1e-6                    # generic angles really were approximated


def test_sidecar_reports_synthesis(generic_result):
    side = json.loads(json.dumps(generic_result.sidecar()))
    syn = side["synthesis"]
    assert {"basis", "eps", "error_bound", "runs", "t_count"} <= set(syn)
    assert syn["basis"] == "clifford_t" and syn["eps"] == EPS
    assert 0 < syn["error_bound"] <= EPS
    assert side["target"] == "ft:clifford_t"
    plain = qtool.compile(Circuit.from_instructions(2, [("h", (0,)), ("cx", (0, 1))]),
                          "all:2", 1)
    assert "synthesis" not in plain.sidecar()


def test_same_seed_byte_identical_qasm(generic_result):
    from qtool.passes.translation import discrete
    discrete._approx_word.cache_clear()        # synthesise again, not from the cache
    discrete._exact_word.cache_clear()
    again = qtool.compile(_generic(), "ft:clifford_t", 2, seed=5, eps=EPS)
    assert write_qasm3(again.circuit)[0] == write_qasm3(generic_result.circuit)[0]


def test_verify_checks_the_synthesis_step():
    c = Circuit.from_instructions(2, [("h", (0,)), ("cx", (0, 1)), ("rz", (1,), (0.3,)),
                                      ("cx", (0, 1))])
    res = qtool.compile(c, "ft:clifford_t:2", 1, eps=0.05, verify=True,
                        check_properties=True)
    v = res.verification
    assert v.equivalent is True and "discrete synthesis" in v.detail


# ------------------------------------------------------------------------------ (b)
def test_clifford_t_circuit_is_exact():
    c = Circuit.from_instructions(3, [
        ("h", (0,)), ("t", (0,)), ("cx", (0, 1)), ("s", (1,)), ("t", (1,)), ("h", (2,)),
        ("tdg", (2,)), ("cx", (1, 2)), ("h", (1,)), ("t", (1,)), ("t", (1,)), ("cx", (0, 2)),
        ("sdg", (0,)), ("x", (2,)), ("z", (1,))])
    for level in (0, 2):
        res = qtool.compile(c, "ft:clifford_t", level, eps=1e-3)
        out = res.circuit
        assert set(out.count_ops()) <= CT | {"cx"}
        assert res.synthesis["runs"] == 0 and res.synthesis["error_bound"] < 1e-9
        assert _t_count(out) <= _t_count(c)
        assert_equivalent(c, out)


# ------------------------------------------------------------------------------ (d)
def test_symbolic_angle_is_a_compile_error():
    a = Parameter("a")
    c = Circuit.from_instructions(2, [("h", (0,)), ("rz", (1,), (2 * a,)), ("cx", (0, 1))])
    msg = r"cannot synthesise symbolic angle .*a.* over a discrete basis.*bind parameters first"
    with pytest.raises(CompileError, match=msg):
        qtool.compile(c, "ft:clifford_t", 2)
    with pytest.raises(CompileError, match=msg):
        SynthesizeDiscrete()(c)
    out = qtool.compile(c.bind({"a": 0.25}), "ft:clifford_t", 2, eps=0.05).circuit
    assert set(out.count_ops()) <= CT | {"cx"}


# ------------------------------------------------------------------------------ (e) and QASM
def test_cli_bad_eps_is_one_line_exit_2(tmp_path, capsys):
    from qtool.cli import main
    src = tmp_path / "c.qasm"
    src.write_text('OPENQASM 3.0;\ninclude "stdgates.inc";\nqubit[1] q;\nh q[0];\n')
    for bad in ("0", "-1e-3", "2", "nan"):
        code = main(["compile", str(src), "--target", "ft:clifford_t", f"--eps={bad}",
                     "-o", str(tmp_path / "o.qasm")])
        err = capsys.readouterr().err
        assert code == 2
        assert err.startswith("qtool: error:") and "eps" in err and err.count("\n") == 1
    assert not (tmp_path / "o.qasm").exists()


def test_cli_symbolic_angle_names_the_file(tmp_path, capsys):
    from qtool.cli import main
    src = tmp_path / "sym.qasm"
    src.write_text('OPENQASM 3.0;\ninclude "stdgates.inc";\ninput float[64] a;\n'
                   'qubit[1] q;\nrz(a) q[0];\n')
    assert main(["compile", str(src), "--target", "ft:clifford_t",
                 "-o", str(tmp_path / "o.qasm")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "sym.qasm:" in err and "bind parameters first" in err
    assert not (tmp_path / "o.qasm").exists()


def test_cli_writes_clifford_t_qasm(tmp_path, capsys):
    from qtool.cli import main
    src = tmp_path / "c.qasm"
    src.write_text('OPENQASM 3.0;\ninclude "stdgates.inc";\nqubit[2] q;\nbit[2] c;\n'
                   "h q[0];\nt q[0];\ncx q[0], q[1];\nrx(0.4) q[1];\ns q[1];\n"
                   "barrier q;\nc = measure q;\n")
    out = tmp_path / "out.qasm"
    code = main(["compile", str(src), "--target", "ft:clifford_t", "--eps", "0.05",
                 "-o", str(out), "--verify"])
    report = capsys.readouterr().out
    assert code == 0 and "discrete synthesis" in report
    gates = set()
    for line in out.read_text().splitlines()[2:]:
        m = re.match(r"\s*(?:\w+(?:\[\d+\])?\s*=\s*)?([a-z_]+)\b", line)
        if m and m.group(1) not in ("qubit", "bit"):
            gates.add(m.group(1))
    assert gates <= CT | {"cx", "measure", "barrier", "gphase"}, gates
    assert {"cx", "measure", "t"} <= gates
    side = json.loads(Path(str(out) + ".json").read_text())
    assert side["synthesis"]["error_bound"] <= 0.05
    assert side["verification"]["equivalent"] is True


def test_eps_ignored_with_warning_for_continuous_target(caplog):
    c = Circuit.from_instructions(1, [("rz", (0,), (0.3,))])
    res = qtool.compile(c, "line:2", 1, eps=1e-2)
    assert "ignored" in caplog.text and res.synthesis is None
    with pytest.raises(CompileError, match="eps"):
        qtool.compile(c, "line:2", 1, eps=0.0)


# ------------------------------------------------------------------------------ (f) the pass
def test_pass_alone_on_rz():
    c = Circuit.from_instructions(1, [("rz", (0,), (0.3,))])
    ctx = Context()
    out = SynthesizeDiscrete("clifford_t", EPS).run(c, ctx)
    assert set(out.count_ops()) <= CT and _t_count(out) > 0
    rz = np.diag([np.exp(-0.15j), np.exp(0.15j)])
    assert eps_op(out.unitary(), rz) <= EPS
    assert abs(out.unitary() - rz).max() <= 2 * EPS      # the global phase is fitted too
    rec = ctx.analyses["synthesis"]
    assert rec["runs"] == 1 and rec["error_bound"] == pytest.approx(eps_op(out.unitary(), rz))


def test_identical_runs_share_one_synthesis_and_the_budget():
    c = Circuit.from_instructions(3, [("rz", (q,), (0.3,)) for q in range(3)]
                                  + [("cx", (0, 1)), ("cx", (1, 2)), ("h", (2,)), ("t", (2,))])
    ctx = Context()
    out = SynthesizeDiscrete("clifford_t", 3e-2).run(c, ctx)
    rec = ctx.analyses["synthesis"]
    assert rec["runs"] == 3 and rec["distinct"] == 1 and rec["exact_runs"] == 1
    assert rec["eps_per_run"] == pytest.approx(1e-2)
    assert rec["error_bound"] <= 3e-2
    assert eps_op_matrix(out.unitary(), c.unitary()) <= rec["error_bound"] + 1e-9


def test_exact_runs_and_conditions():
    b = Circuit.builder(1, 1)
    b.h(0)
    b.rz(math.pi / 4, 0)                                      # h t h: exact, T-count 1
    b.h(0)
    b.measure(0, 0)
    b.append("rz", (0,), (math.pi / 2,), cond=0, cond_val=1)  # conditioned s
    b.u(math.pi, 0.0, math.pi, 0)                             # x
    c = b.build()
    ctx = Context()
    out = SynthesizeDiscrete().run(c, ctx)
    assert [ins.name for ins in out] == ["h", "t", "h", "measure", "s", "x"]
    assert out.instruction(4).cond == 0
    assert ctx.analyses["synthesis"]["runs"] == 0
    assert ctx.analyses["synthesis"]["t_count"] == 1


def test_tidy_never_raises_t_count():
    from qtool.passes.translation.discrete import _word_matrix, tidy_clifford_t
    rng = np.random.default_rng(3)
    names = ["h", "s", "sdg", "t", "tdg", "x", "z"]
    for _ in range(200):
        w = list(rng.choice(names, size=int(rng.integers(0, 12))))
        t = tidy_clifford_t(w)
        assert eps_op_matrix(_word_matrix(t), _word_matrix(w)) < 1e-12
        assert sum(g in ("t", "tdg") for g in t) <= sum(g in ("t", "tdg") for g in w)
        assert len(t) <= len(w) + 1
    assert tidy_clifford_t(["h", "s", "s", "h"]) == ["x"]
    assert tidy_clifford_t(["t", "t", "s"]) == ["z"]
    assert tidy_clifford_t(["s", "s"], allow_xz=False) == ["s", "s"]


def test_pass_options_and_serialisation():
    p = SynthesizeDiscrete("clifford_t", 1e-4)
    assert pass_from_dict(json.loads(json.dumps(p.to_dict()))) == p
    for bad in (0, -1.0, 1.5, float("nan")):
        with pytest.raises(ValueError, match="eps"):
            SynthesizeDiscrete(eps=bad)
    c = Circuit.from_instructions(1, [("h", (0,))])
    with pytest.raises(CompileError, match="not circuit gates"):
        SynthesizeDiscrete("hrc")(c)
    with pytest.raises(CompileError, match="discrete target"):
        SynthesizeDiscrete()(c, target=get_target("line:2"))
    with pytest.raises(CompileError, match="discrete basis"):
        SynthesizeDiscrete("ht")(c, target=get_target("ft:clifford_t:2"))


def test_ft_ht_target():
    c = Circuit.from_instructions(2, [("h", (0,)), ("s", (0,)), ("cx", (0, 1)), ("tdg", (1,))])
    res = qtool.compile(c, "ft:ht:2", 2, eps=1e-3)
    assert set(res.circuit.count_ops()) <= {"h", "t", "cx"}
    assert res.synthesis["runs"] == 0
    assert_equivalent(c, res.circuit)
