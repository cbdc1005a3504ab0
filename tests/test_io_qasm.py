"""OpenQASM 2/3 reading, OpenQASM 3 writing (three dialects) and the loader."""
import io
import math
import sys

import numpy as np
import openqasm3
import pytest
from hypothesis import given, settings

from qtool import Circuit, Layout, Parameter, ParameterVector
from qtool.errors import InputError
from qtool.gates import GATES
from qtool.io import load_circuit, read_qasm2, read_qasm3, write_qasm3
from qtool.testing import assert_equivalent, circuits, random_parameter_values

H = 'OPENQASM 3.0;\ninclude "stdgates.inc";\n'

PAPERS_EXAMPLE = """OPENQASM 3.0;
include "stdgates.inc";
input float[64] gamma_0;
input float[64] beta_0;
qubit[3] q;
bit[3] c;
h q;
cx q[0], q[1]; rz(2*gamma_0*0.5) q[1]; cx q[0], q[1];
rx(2*beta_0) q;
c = measure q;
"""


def same_up_to_phase(a, b, atol=1e-8):
    i = np.argmax(np.abs(b))
    ph = a.flat[i] / b.flat[i]
    return abs(abs(ph) - 1) < 1e-8 and np.allclose(a, ph * b, atol=atol)


def reverse_endian(u):
    from qtool.interop.qiskit import reverse_qubit_order
    return reverse_qubit_order(u)


def one_gate(name, seed=0, n=3):
    g = GATES.by_name[name]
    rng = np.random.default_rng(seed)
    b = Circuit.builder(n)
    b.append(name, list(range(g.num_qubits))[::-1], list(rng.uniform(-3, 3, g.num_params)))
    return b.build()


TABLE_GATES = [g.name for g in GATES.gates if g.is_unitary and g.name != "unitary"]


# ------------------------------------------------------------------------------ reader
def test_papers_example_reads_and_round_trips_unbound():
    c = read_qasm3(PAPERS_EXAMPLE)
    assert c.num_qubits == 3 and c.num_clbits == 3
    assert c.parameters == ["beta_0", "gamma_0"]
    assert c.count_ops() == {"cx": 2, "h": 3, "measure": 3, "rx": 3, "rz": 1}
    assert c.cregs == (("c", 3),) and c.qregs == (("q", 3),)
    for dialect in ("generic", "ibm", "braket"):
        text, names = write_qasm3(c, dialect=dialect)
        openqasm3.parse(text)
        assert names == {"beta_0": "beta_0", "gamma_0": "gamma_0"}
        back = read_qasm3(text)
        assert back == c                      # unbound, structurally identical
    vals = {"gamma_0": 0.3, "beta_0": -1.1}
    assert_equivalent(c, read_qasm3(write_qasm3(c)[0]), bind=vals)


def test_all_stdgates_and_builtins():
    src = H + """qubit[3] q;
    U(0.1, 0.2, 0.3) q[0]; CX q[0], q[1]; gphase(0.5); phase(0.2) q[1]; cphase(0.3) q[0], q[2];
    u1(0.1) q[0]; u2(0.1, 0.2) q[1]; u3(0.1, 0.2, 0.3) q[2]; id q[0]; p(1) q[0];
    x q[0]; y q[0]; z q[0]; h q[0]; s q[0]; sdg q[0]; t q[0]; tdg q[0]; sx q[0];
    rx(1) q[0]; ry(1) q[0]; rz(1) q[0]; cy q[0], q[1]; cz q[0], q[1]; cp(1) q[0], q[1];
    crx(1) q[0], q[1]; cry(1) q[0], q[1]; crz(1) q[0], q[1]; ch q[0], q[1]; swap q[0], q[1];
    ccx q[0], q[1], q[2]; cswap q[0], q[1], q[2]; cu(1, 2, 3, 4) q[0], q[1];
    """
    c = read_qasm3(src)
    assert c.global_phase == 0.5
    assert c.name_of(0) == "u" and c.name_of(1) == "cx" and c.name_of(2) == "p"
    assert c.name_of(3) == "cp"
    assert len(c) == 32


def test_expressions_constants_and_inputs():
    src = H + """input angle[32] th; input float[64] x;
    const float k = 0.25; float[64] f = 2 * k; int n = 3;
    qubit q;
    rz(pi/2 + π - tau + euler) q; rz(sin(0.3) + cos(0.3) * tan(0.2) - exp(1) / ln(2)) q;
    rz(sqrt(2) ** 2 + arcsin(0.5) + arccos(0.5) + arctan(1)) q; rz(-k * n + f) q;
    rz(2 * th - x / 4) q; rz(sin(x) * th ** 2) q; rz(float(n) / 2) q;
    """
    c = read_qasm3(src)
    ps = [c.params_of(i)[0] for i in range(len(c))]
    assert ps[0] == pytest.approx(math.pi / 2 + math.pi - 2 * math.pi + math.e)
    assert ps[1] == pytest.approx(math.sin(.3) + math.cos(.3) * math.tan(.2) - math.e / math.log(2))
    assert ps[2] == pytest.approx(2 + math.asin(.5) + math.acos(.5) + math.atan(1))
    assert ps[3] == pytest.approx(-0.75 + 0.5)
    assert str(ps[4]) == "2*th - 0.25*x"
    assert ps[5].bind({"x": 0.5, "th": 2.0}) == pytest.approx(math.sin(0.5) * 4)
    assert ps[6] == 1.5
    assert c.parameters == ["th", "x"]


def test_registers_broadcast_and_measure_syntaxes():
    src = H + """qreg a[2]; qubit b; qubit[2] r; creg m[2]; bit one; bit[2] cc;
    h a; cx a, r; x b; cz b, r;
    measure a[0] -> m[0]; m[1] = measure a[1]; one = measure b; cc = measure r;
    measure r -> cc;
    bit[2] d = measure a;
    reset r[1]; barrier; barrier a[0], b;
    h r[0:1]; h r[{1, 0}]; h r[-1];
    """
    c = read_qasm3(src)
    assert c.qregs == (("a", 2), ("b", 1), ("r", 2)) and c.num_qubits == 5
    assert c.cregs == (("m", 2), ("one", 1), ("cc", 2), ("d", 2)) and c.num_clbits == 7
    rows = list(c)
    assert [r.qubits for r in rows[:7]] == [(0,), (1,), (0, 3), (1, 4), (2,), (2, 3), (2, 4)]
    meas = [(r.qubits[0], r.clbit) for r in rows if r.name == "measure"]
    assert meas == [(0, 0), (1, 1), (2, 2), (3, 3), (4, 4), (3, 3), (4, 4), (0, 5), (1, 6)]
    assert ("reset", (4,)) in [(r.name, r.qubits) for r in rows]
    bars = [r.qubits for r in rows if r.name == "barrier"]
    assert bars == [(0, 1, 2, 3, 4), (0, 2)]
    assert [r.qubits for r in rows[-4:]] == [(4,), (4,), (3,), (4,)]


def test_physical_qubits_give_the_marker_register():
    c = read_qasm3(H + "bit[2] c;\nh $0;\ncx $0, $4;\nc[1] = measure $4;\n")
    assert c.num_qubits == 5 and c.qregs == (("$", 5),)
    assert list(c)[1].qubits == (0, 4) and list(c)[2].clbit == 1
    with pytest.raises(InputError, match="physical"):
        read_qasm3(H + "qubit[2] q;\nh $0;\n")


def test_user_gates_inlined_with_symbolic_parameters():
    src = H + """input float[64] a;
    gate rot(t, p) x { rz(p) x; ry(t/2) x; }
    gate ent(t) x, y { h x; cx x, y; rot(t, 2*t) y; gphase(t); }
    qubit[2] q;
    ent(a + 1) q[0], q[1];
    ent(0.5) q[1], q[0];
    """
    c = read_qasm3(src)
    assert [r.name for r in c] == ["h", "cx", "rz", "ry"] * 2
    assert str(c.params_of(2)[0]) == "2*a + 2"
    assert str(c.params_of(3)[0]) == "0.5*a + 0.5"
    assert c.params_of(6) == (1.0,) and c.params_of(7) == (0.25,)
    assert str(c.global_phase) == "a + 1.5"


def test_definition_of_a_table_gate_is_read_as_that_gate():
    # Qiskit's exporter defines rzz/ecr like this; we keep them native
    src = H + """gate rzz(t) a, b { cx a, b; rz(t) b; cx a, b; }
    gate ecr a, b { rzx(pi/4) a, b; x a; rzx(-pi/4) a, b; }
    gate rzx(t) a, b { h b; cx a, b; rz(t) b; cx a, b; h b; }
    gate cx a, b { h b; cz a, b; h b; }
    qubit[2] q; rzz(0.3) q[0], q[1]; ecr q[0], q[1]; cx q[1], q[0];
    """
    c = read_qasm3(src)
    assert [r.name for r in c] == ["rzz", "ecr", "cx"]


@pytest.mark.parametrize("stmt,expected", [
    ("inv @ s q[0];", [("sdg", (0,), ())]),
    ("inv @ u(0.1, 0.2, 0.3) q[0];", [("u", (0,), (-0.1, -0.3, -0.2))]),
    ("pow(2) @ t q[0];", [("t", (0,), ()), ("t", (0,), ())]),
    ("pow(-1) @ t q[0];", [("tdg", (0,), ())]),
    ("pow(0.5) @ rz(0.4) q[0];", [("rz", (0,), (0.2,))]),
    ("ctrl @ x q[0], q[1];", [("cx", (0, 1), ())]),
    ("ctrl(2) @ x q[0], q[1], q[2];", [("ccx", (0, 1, 2), ())]),
    ("ctrl @ ctrl @ z q[2], q[0], q[1];", [("ccz", (2, 0, 1), ())]),
    ("ctrl @ rz(0.3) q[1], q[0];", [("crz", (1, 0), (0.3,))]),
    ("ctrl @ swap q[0], q[1], q[2];", [("cswap", (0, 1, 2), ())]),
    ("ctrl @ gphase(0.3) q[1];", [("p", (1,), (0.3,))]),
    ("negctrl @ x q[0], q[1];", [("x", (0,), ()), ("cx", (0, 1), ()), ("x", (0,), ())]),
    ("ctrl @ inv @ s q[0], q[1];", [("csdg", (0, 1), ())]),
])
def test_gate_modifiers(stmt, expected):
    c = read_qasm3(H + "qubit[3] q;\n" + stmt)
    got = [(r.name, r.qubits, tuple(round(float(p), 12) for p in r.params)) for r in c]
    assert got == [(n, q, tuple(round(p, 12) for p in ps)) for n, q, ps in expected]


@pytest.mark.parametrize("stmt,ref", [
    ("ctrl @ iswap q[0], q[1], q[2];", None),
    ("pow(0.5) @ x q[0];", "sx q[0];"),
    ("pow(1.5) @ s q[0];", "s q[0]; t q[0];"),
    ("inv @ iswap q[0], q[1];", None),
    ("ctrl @ h q[0], q[1];", "ch q[0], q[1];"),
    ("ctrl @ u(0.1, 0.2, 0.3) q[0], q[1];", "cu(0.1, 0.2, 0.3, 0) q[0], q[1];"),
    ("ctrl @ r(0.4, 0.7) q[0], q[1];", None),
    ("ctrl @ u2(0.4, 0.7) q[0], q[1];", None),
])
def test_modifiers_have_the_right_unitary(stmt, ref):
    c = read_qasm3(H + "qubit[3] q;\n" + stmt)
    if ref is not None:
        assert_equivalent(read_qasm3(H + "qubit[3] q;\n" + ref), c)
    gname = stmt.split("@")[-1].split("(")[0].split()[0]
    g = GATES.by_name[gname]
    params = stmt.split("@")[-1].split("(")[1].split(")")[0] if "(" in stmt.split("@")[-1] \
        else ""
    ps = [float(x) for x in params.split(",")] if params else []
    m = g.matrix(*ps)
    if stmt.startswith("inv"):
        want = m.conj().T
    elif stmt.startswith("pow"):
        k = float(stmt[4:stmt.index(")")])
        w, v = np.linalg.eig(m)
        want = (v * np.exp(1j * k * np.angle(w))) @ np.linalg.inv(v)
    else:
        want = np.eye(2 * m.shape[0], dtype=complex)
        want[m.shape[0]:, m.shape[0]:] = m
    n = int(round(math.log2(want.shape[0])))
    got = c.unitary()
    full = np.kron(want, np.eye(1 << (3 - n)))
    assert np.allclose(got, full, atol=1e-9), stmt


def test_conditions():
    src = H + """qubit[2] q; bit[2] c; bit f;
    c[0] = measure q[0]; f = measure q[1];
    if (c[0]) x q[1];
    if (!c[0]) { x q[1]; h q[1]; }
    if (c[1] == 1) z q[0];
    if (c[1] == 0) z q[0];
    if (c[1] != 1) z q[0];
    if (f == 1) { c[1] = measure q[1]; reset q[0]; }
    if (f) { y q[0]; } else { y q[1]; }
    if (true == c[0]) s q[0];
    bit[1] g;
    if (g == 1) t q[1];
    if (g == 0) { measure q[0] -> c[1]; }
    """
    c = read_qasm3(src)
    got = [(r.name, r.cond, r.cond_val) for r in c if r.cond >= 0]
    assert got == [("x", 0, 1), ("x", 0, 0), ("h", 0, 0), ("z", 1, 1), ("z", 1, 0),
                   ("z", 1, 0), ("measure", 2, 1), ("reset", 2, 1), ("y", 2, 1),
                   ("y", 2, 0), ("s", 0, 1), ("t", 3, 1), ("measure", 3, 0)]
    text = write_qasm3(c)[0]
    assert read_qasm3(text) == c and "if (!g[0]) {\n  c[1] = measure q[1];" not in text
    assert "if (!g[0]) {\n  c[1] = measure q[0];\n}" in text


def test_ignored_statements():
    src = H + """qubit[2] q;
    #pragma foo bar
    @annotation stuff
    h q[0];
    delay[100ns] q[0];
    box { x q[1]; }
    """
    c = read_qasm3(src)
    assert [r.name for r in c] == ["h", "x"]


def test_reads_braket_and_old_names():
    src = "OPENQASM 3;\nqubit[2] q;\ncnot q[0], q[1];\nphaseshift(0.1) q[0];\nsi q[1];\n" \
          "v q[0];\nvi q[1];\nxx(0.2) q[0], q[1];\ncphaseshift(0.3) q[0], q[1];\n"
    assert [r.name for r in read_qasm3(src)] == ["cx", "p", "sdg", "sx", "sxdg", "rxx", "cp"]


# ------------------------------------------------------------------------------ errors
@pytest.mark.parametrize("body,message", [
    ("qubit[2] q;\nh q[0]\ncx q[0], q[1];\n", "f.qasm:4:7: syntax error: missing ';'"),
    ("qubit[2] q;\nfoo q[0];\n", "f.qasm:4:1: unknown gate 'foo'"),
    ("qubit[2] q;\nh r[0];\n", "f.qasm:4:3: undeclared qubit register 'r'"),
    ("qubit[2] q;\nh q[2];\n", "f.qasm:4:3: index 2 out of range for qubit register 'q' of size 2"),
    ("qubit[2] q;\ncx q[0];\n", "f.qasm:4:1: gate 'cx' takes 2 qubit(s), got 1"),
    ("qubit[2] q;\nrz q[0];\n", "f.qasm:4:1: gate 'rz' takes 1 parameter(s), got 0"),
    ("qubit[2] q;\nfor int i in [0:1] { h q[i]; }\n",
     "f.qasm:4:1: unsupported construct: for loop"),
    ("qubit[2] q;\nbit[2] c;\n  if (c == 1) x q[0];\n",
     "f.qasm:5:7: unsupported construct: condition on 2 bits (single-bit conditions only)"),
    ("qubit q;\nrz(theta) q;\n", "f.qasm:4:4: undeclared identifier 'theta'"),
])
def test_exact_error_messages(body, message):
    with pytest.raises(InputError) as e:
        read_qasm3(H + body, "f.qasm")
    assert str(e.value) == message


@pytest.mark.parametrize("body,needle", [
    ("qubit[2] q;\nwhile (true) { h q[0]; }\n", "while loop"),
    ("qubit[2] q;\ndef f(qubit a) { h a; }\n", "subroutine"),
    ("qubit[2] q;\nswitch (1) { case 1 { h q[0]; } }\n", "switch"),
    ("qubit[2] q;\nint n = 1;\nn = 2;\n", "classical assignment"),
    ("qubit[2] q;\nbit[2] c;\nmeasure q[0] -> c[3];\n", "index 3 out of range"),
    ("qubit[2] q;\ncx q[0], q[0];\n", "repeated qubits"),
    ("qubit[2] q;\nqubit[2] r;\ncx q, r[0:0];\nh q, r;\nh q, q[0:0], r[0:2];\n", ""),
    ("qubit[3] q;\nqubit[2] r;\ncx q, r;\n", "different sizes"),
    ("qubit[2] q;\nh q[0]; @@\n", "syntax error"),
    ("qubit[2] q;\ninput int n;\n", "input of type"),
    ('include "other.inc";\nqubit q;\n', "cannot include"),
    ("qubit[2] q;\nqubit[3] q;\n", "redeclaration"),
    ("input float[64] t;\nqubit[2] q;\nctrl @ iswap q[0], q[1], q[0];\n", ""),
    ("input float[64] t;\nqubit[3] q;\nctrl @ rxx(t) q[0], q[1], q[2];\n", "symbolic"),
    ("qubit[2] q;\nbit c;\nmeasure q -> c;\n", "measure of 2 qubit(s) into 1 bit(s)"),
    ("qubit[2] q;\nbit c;\nh c;\n", "'c' is a bit register"),
    ("qubit q;\nh q[0];\n", "cannot be indexed"),
    ("gate g x { g x; }\nqubit q;\ng q;\n", "nested too deeply"),
])
def test_error_messages_are_one_located_line(body, needle):
    if not needle:
        # some programs in this list are valid; only check they do not crash oddly
        try:
            read_qasm3(H + body, "f.qasm")
        except InputError as e:
            assert str(e).startswith("f.qasm:") and "\n" not in str(e)
        return
    with pytest.raises(InputError) as e:
        read_qasm3(H + body, "f.qasm")
    s = str(e.value)
    assert "\n" not in s and needle in s
    loc = s.split(": ", 1)[0].split(":")
    assert loc[0] == "f.qasm" and loc[1].isdigit() and loc[2].isdigit(), s


# ------------------------------------------------------------------------------ writer
def test_writer_output_shape_and_name_map():
    x = ParameterVector("x", 2)
    b = Circuit.builder(3, 2, layout=Layout.trivial(3, 3))
    b.ecr(0, 1)
    b.rzz(x[0] + 0.5, 1, 2)
    b.rz(Parameter("x_0") * 2, 0)     # collides with the sanitised vector element
    b.barrier(0, 1)
    b.measure(0, 0)
    b.append("x", (1,), cond=0, cond_val=1)
    b.append("sx", (1,), cond=0, cond_val=1)
    b.append("x", (2,), cond=0, cond_val=0)
    b.measure(1, 1)
    b.global_phase = 0.25
    c = b.build()
    text, names = write_qasm3(c)
    assert names == {"x_0": "x_0", "x_0_1": "x[0]"}
    lines = text.splitlines()
    assert lines[:2] == ["OPENQASM 3.0;", 'include "stdgates.inc";']
    assert text.count("gate ecr") == 1 and text.count("gate rzz") == 1
    assert text.index("gate rzx") < text.index("gate ecr")
    for want in ["input float[64] x_0;", "input float[64] x_0_1;", "bit[2] c;",
                 "gphase(0.25);", "ecr $0, $1;", "rzz(x_0_1 + 0.5) $1, $2;", "rz(2*x_0) $0;",
                 "barrier $0, $1;", "c[0] = measure $0;", "if (c[0]) {\n  x $1;\n  sx $1;\n}",
                 "if (!c[0]) {\n  x $2;\n}", "c[1] = measure $1;"]:
        assert want in text, want
    assert "qubit" not in text
    ibm, _ = write_qasm3(c, dialect="ibm")
    assert "gphase" not in ibm
    back = read_qasm3(text)
    assert back.qregs == (("$", 3),) and back.parameters == ["x_0", "x_0_1"]
    vals = {"x_0": 0.3, "x[0]": -0.7}
    assert back.bind({k: vals[v] for k, v in names.items()}) == c.replace(layout=None).bind(vals)
    assert write_qasm3(c)[0] == text          # deterministic


def test_writer_registers_and_virtual_qubits():
    c = read_qasm3(H + "qubit[2] a; qubit b; bit[1] m; bit[2] n;\ncx a[1], b;\n"
                   "n[1] = measure b;\n")
    text, _ = write_qasm3(c)
    assert "qubit[2] a;\nqubit[1] b;\nbit[1] m;\nbit[2] n;" in text
    assert "cx a[1], b[0];" in text and "n[1] = measure b[0];" in text
    assert write_qasm3(c, physical=True)[0].count("$") == 3
    assert read_qasm3(text) == c


def test_braket_dialect():
    b = Circuit.builder(2, 2, layout=Layout.trivial(2, 2))
    b.ch(0, 1); b.sdg(0); b.cx(1, 0); b.rzz(0.5, 0, 1); b.sx(1); b.barrier(0, 1)
    b.measure(0, 0); b.measure(1, 1)
    c = b.build()
    text, _ = write_qasm3(c, dialect="braket")
    openqasm3.parse(text)
    assert "include" not in text and "gate ch " in text
    assert "#pragma braket verbatim\nbox {\n  ch $0, $1;\n  si $0;\n  cnot $1, $0;\n" \
           "  zz(0.5) $0, $1;\n  v $1;\n}\nc[0] = measure $0;" in text
    assert "barrier" not in text
    assert_equivalent(c, read_qasm3(text))
    virt, _ = write_qasm3(c.replace(layout=None), dialect="braket")
    assert "box" not in virt and "qubit[2] q;" in virt
    b2 = Circuit.builder(1, 1); b2.measure(0, 0); b2.x(0, cond=0)
    with pytest.raises(ValueError, match="classical control"):
        write_qasm3(b2.build(), dialect="braket")


def test_writer_rejects_opaque_unitaries_and_bad_dialect():
    b = Circuit.builder(1)
    b.append("unitary", (0,), matrix=np.eye(2))
    with pytest.raises(ValueError, match="decompose"):
        write_qasm3(b.build())
    with pytest.raises(ValueError, match="dialect"):
        write_qasm3(Circuit.builder(1).build(), dialect="cirq")


@pytest.mark.parametrize("name", TABLE_GATES)
def test_every_gate_in_every_dialect(name):
    c = one_gate(name)
    for dialect in ("generic", "ibm", "braket"):
        text, _ = write_qasm3(c, dialect=dialect)
        openqasm3.parse(text)
        back = read_qasm3(text)
        assert [r.name for r in back] == [name] or dialect == "braket", (dialect, text)
        assert same_up_to_phase(back.unitary(), c.unitary()), (dialect, text)


def test_gate_definitions_are_self_contained_in_stdgates():
    """Inlining our definitions (not the table) reproduces every gate up to phase."""
    from qtool.io.qasm3_writer import _DEFS
    for name, fn in _DEFS.items():
        g = GATES.by_name[name]
        ps = list(np.random.default_rng(1).uniform(-3, 3, g.num_params))
        b = Circuit.builder(g.num_qubits)
        for sub, qs, sps in fn(*ps):
            b.append(sub, qs, sps)
        assert same_up_to_phase(b.build().unitary(), g.matrix(*ps)), name


@pytest.mark.parametrize("name", TABLE_GATES)
def test_ibm_dialect_loads_in_qiskit_with_equal_operator(name):
    from qiskit import qasm3
    from qiskit.quantum_info import Operator
    c = one_gate(name, seed=3)
    qc = qasm3.loads(write_qasm3(c, dialect="ibm")[0])
    assert same_up_to_phase(reverse_endian(Operator(qc).data), c.unitary())


@settings(max_examples=30, deadline=None)
@given(circuits(n_qubits=(1, 4), max_ops=15, symbolic=True, measure=True))
def test_round_trip_generic(c):
    text, names = write_qasm3(c)
    openqasm3.parse(text)
    back = read_qasm3(text)
    assert back == c                         # exact, symbolic parameters included
    vals = random_parameter_values(c)
    b1, b2 = c.bind(vals), back.bind(vals)
    assert same_up_to_phase(b2.unitary() if not c.num_clbits else
                            _unitary_part(b2), _unitary_part(b1))
    assert write_qasm3(back)[0] == text


def _unitary_part(c):
    from qtool.verify import strip_final_measurements
    return strip_final_measurements(c)[0].unitary()


@settings(max_examples=20, deadline=None)
@given(circuits(n_qubits=(1, 3), max_ops=10, symbolic=True))
def test_ibm_dialect_matches_qiskit_operator(c):
    from qiskit import qasm3
    from qiskit.quantum_info import Operator
    text, names = write_qasm3(c, dialect="ibm")
    qc = qasm3.loads(text)
    vals = random_parameter_values(c, seed=5)
    qc = qc.assign_parameters({p: vals[names[p.name]] for p in qc.parameters})
    ours = c.bind(vals).unitary()
    assert same_up_to_phase(reverse_endian(Operator(qc).data), ours)


@settings(max_examples=20, deadline=None)
@given(circuits(n_qubits=(1, 3), max_ops=10, symbolic=True))
def test_braket_round_trip(c):
    text, names = write_qasm3(c, dialect="braket", physical=True)
    openqasm3.parse(text)
    back = read_qasm3(text)
    assert set(back.parameters) == set(names)
    vals = random_parameter_values(c, seed=2)
    vals_back = {k: vals[v] for k, v in names.items()}
    if back.num_qubits < c.num_qubits:             # trailing idle qubits are not written
        back = back.remap(range(back.num_qubits), c.num_qubits)
    assert same_up_to_phase(back.bind(vals_back).unitary(), c.bind(vals).unitary())


def test_writer_is_deterministic():
    c = read_qasm3(PAPERS_EXAMPLE)
    outs = {write_qasm3(read_qasm3(PAPERS_EXAMPLE), dialect=d)[0] for d in ["generic"] * 3}
    assert len(outs) == 1
    assert write_qasm3(c)[0] == outs.pop()


# ------------------------------------------------------------------------------ OpenQASM 2
QASM2 = """OPENQASM 2.0;
include "qelib1.inc";
qreg q[3];
creg c[3];
creg f[1];
u3(0.1,0.2,0.3) q[0];
cu1(0.5) q[0],q[1];
rzz(0.3) q[1],q[2];
measure q[0] -> f[0];
if(f==1) x q[2];
barrier q;
measure q -> c;
"""


def test_qasm2_reader():
    c = read_qasm2(QASM2, "a.qasm")
    assert c.qregs == (("q", 3),) and c.cregs == (("c", 3), ("f", 1))
    assert [r.name for r in c][:3] == ["u3", "cu1", "rzz"]
    x = [r for r in c if r.name == "x"][0]
    assert (x.cond, x.cond_val) == (3, 1)
    assert load_circuit(QASM2) == c


@pytest.mark.parametrize("text,message", [
    ('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nfoo q[0];\n',
     "b.qasm:4:1: 'foo' is not defined in this scope"),
    ('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nh q[5];\n',
     "b.qasm:4:5: index 5 is out-of-range for register 'q' of size 2"),
    ('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\ncx q[0];\n',
     "b.qasm:4:1: 'cx' takes 2 quantum arguments, but got 1"),
])
def test_qasm2_errors(text, message):
    with pytest.raises(InputError) as e:
        read_qasm2(text, "b.qasm")
    assert str(e.value) == message


def test_qasm2_wide_condition_is_rejected():
    text = 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[1];\ncreg c[2];\nif(c==1) x q[0];\n'
    with pytest.raises(InputError) as e:
        read_qasm2(text, "w.qasm")
    assert str(e.value).startswith("w.qasm: ") and "single-bit" in str(e.value)


# ------------------------------------------------------------------------------ loader
def test_loader_sources(tmp_path, monkeypatch):
    p = tmp_path / "prog.qasm"
    p.write_text(PAPERS_EXAMPLE)
    ref = read_qasm3(PAPERS_EXAMPLE)
    assert load_circuit(str(p)) == ref and load_circuit(p) == ref
    assert load_circuit(PAPERS_EXAMPLE) == ref
    monkeypatch.setattr(sys, "stdin", io.StringIO(PAPERS_EXAMPLE))
    assert load_circuit("-") == ref
    p2 = tmp_path / "old.qasm"
    p2.write_text("// comment\n" + QASM2)
    assert load_circuit(p2).count_ops()["rzz"] == 1
    with pytest.raises(InputError) as e:
        load_circuit(str(tmp_path / "missing.qasm"))
    assert str(e.value) == f"{tmp_path / 'missing.qasm'}: no such file"
    bad = tmp_path / "bad.qasm"
    bad.write_text(H + "qubit q;\nfoo q;\n")
    with pytest.raises(InputError, match=r"bad\.qasm:4:1: unknown gate 'foo'"):
        load_circuit(bad)
    odd = tmp_path / "we;ird.qasm"           # an existing file wins over program text
    odd.write_text(PAPERS_EXAMPLE)
    assert load_circuit(str(odd)) == ref
    with pytest.raises(InputError, match=r"^<stdin>:"):
        monkeypatch.setattr(sys, "stdin", io.StringIO("qubit q; foo q;"))
        load_circuit("-")


def test_loader_objects_and_qpy(tmp_path):
    from qiskit import QuantumCircuit, qpy
    from pytket.circuit import Circuit as TkCircuit
    from qtool.interop.qiskit import read_qpy, write_qpy
    qc = QuantumCircuit(2, 2)
    qc.h(0); qc.cx(0, 1); qc.measure([0, 1], [0, 1])
    before = qc.copy()
    c = load_circuit(qc)
    assert qc == before and c.count_ops() == {"cx": 1, "h": 1, "measure": 2}
    tk = TkCircuit(2).H(0).CX(0, 1)
    assert load_circuit(tk).count_ops() == {"cx": 1, "h": 1}
    path = tmp_path / "one.qpy"
    write_qpy(c, path)
    assert load_circuit(path) == c and read_qpy(path) == c
    many = tmp_path / "many.bin"          # detected by content, not suffix
    with many.open("wb") as f:
        qpy.dump([qc, qc], f)
    with pytest.raises(InputError, match="holds 2 circuits"):
        load_circuit(many)
    assert load_circuit(many, index=1) == c


# ------------------------------------------------------------------------------ fast path
def _both_paths(text, filename="f.qasm"):
    """(took the fast path, [result of fast AST, result of ANTLR AST])."""
    from qtool.io.qasm3_reader import _Reader, _fast_parse, _parse
    fast = _fast_parse(text)
    out = []
    try:
        ref = _parse(text, filename)
    except InputError as e:                 # a syntax error: the fast path must decline
        assert fast is None
        return False, [None, str(e)]
    for prog in (fast, ref):
        if prog is None:
            out.append(None)
            continue
        try:
            c = _Reader(text, filename).read(prog)
            out.append((c, c.qregs, c.cregs, c.global_phase))
        except InputError as e:
            out.append(str(e))
    return fast is not None, out


STRAIGHT = H + """// a comment
input float[64] th; input angle[20] ph;
qubit[3] q; qreg r[2]; qubit s; bit[2] c; creg d[1]; bit e;
h q; cx q[0], r[1]; U(0.1, -2.5e-3, .5) s;  // trailing comment
rz(-pi/2 + 2*th - ph/4) q[-1]; u3(1e2, 3., tau * euler) r[0];
gphase(-th);
c[0] = measure q[0]; measure q[1] -> c[1]; e = measure s; d = measure r[1:1];
reset q[2]; barrier; barrier q, r[0];
"""


@pytest.mark.parametrize("text,fast", [
    (STRAIGHT, False),                                  # r[1:1] is a range: ANTLR
    (STRAIGHT.replace("d = measure r[1:1];", "d[0] = measure r[1];"), True),
    (H + "bit[2] c;\nh $0;\ncx $0, $3;\nc[1] = measure $3;\n", True),
    (PAPERS_EXAMPLE, True),
    (H + "qubit[2] q;\n  foo(1) q[0];\n", True),
    (H + "qubit[2] q;\nh q[2];\n", True),
    (H + "qubit[2] q;\nh q[-3];\n", True),
    (H + "qubit[2] q;\ncx q[0];\n", True),
    (H + "qubit[2] q;\nrz(1, 2) q[0];\n", True),
    (H + "qubit[2] q;\nrz(t) q[0];\n", True),
    (H + "qubit[2] q;\nrz(1 +* 2) q[0];\n", False),
    (H + "qubit[2] q;\nh r[0];\n", True),
    (H + "qubit[2] q;\nbit c;\nc = measure q;\n", True),
    (H + "qubit[2] q;\nbit c;\nh c;\n", True),
    (H + "qubit[2] q;\nqubit[2] q;\n", True),
    (H + "qubit[2] q;\ncx q, q;\n", True),
    (H + "qubit[2] q;\nh q[0]\ncx q[0], q[1];\n", False),
    (H + "qubit[2] q;\nctrl @ x q[0], q[1];\n", False),
    (H + "qubit[2] q;\nrz(2**2) q[0];\n", False),
    (H + "qubit[2] q;\nrz(sin(2)) q[0];\n", False),
    (H + "qubit[2] q;\nif (c[0]) x q[0];\n", False),
    (H + "qubit[2] q;\n/* block */ h q[0];\n", False),
    (H + "qubit[2] q;\nh\n  q[0];\n", True),
    (H + "qubit[2] q;\nbit[2] measure;\n", False),
])
def test_fast_path_agrees_with_antlr(text, fast):
    took, (a, b) = _both_paths(text)
    assert took == fast
    if took:
        assert a == b, (a, b)


@settings(max_examples=25, deadline=None)
@given(circuits(n_qubits=(1, 4), max_ops=15, symbolic=True, measure=True))
def test_fast_path_reads_our_output_like_antlr(c):
    for physical in (False, True):
        text, _ = write_qasm3(c, physical=physical)
        took, (a, b) = _both_paths(text)
        if not any(k in text for k in ("gate ", "if (")):
            assert took
        if took:
            assert a == b


@settings(max_examples=20, deadline=None)
@given(circuits(n_qubits=(1, 3), max_ops=12, symbolic=True))
def test_reads_qiskit_qasm3_exports(c):
    """Qiskit's exporter defines non-standard gates; we read them back as our gates."""
    from qiskit import qasm3
    back = read_qasm3(qasm3.dumps(c.to_qiskit()))
    assert set(back.count_ops()) <= set(c.count_ops()) | {"cp", "cx", "h", "s", "sdg", "sx",
                                                            "x", "rz", "ry", "rx", "u",
                                                            "p", "t", "tdg", "cu", "cu3"}
    vals = random_parameter_values(c, seed=9)
    assert same_up_to_phase(back.bind(vals).unitary(), c.bind(vals).unitary())
