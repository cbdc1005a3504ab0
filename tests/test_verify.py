import numpy as np

from qtool import Circuit, Layout
from qtool.verify import strip_final_measurements, verify_equivalent


def _routed_ghz(n, extra_swap=True, wrong=False):
    """GHZ on a line of n+1 physical qubits, virtual i at physical n-i, plus a final swap."""
    b = Circuit.builder(n + 1, n)
    phys = [n - i for i in range(n)]
    b.h(phys[0])
    for i in range(n - 1):
        b.cx(phys[i], phys[i + 1])
    final = list(phys)
    if extra_swap:
        b.swap(phys[0], phys[1])
        final[0], final[1] = final[1], final[0]
    if wrong:
        b.x(phys[2])
    for i in range(n):
        b.measure(final[i], i)
    init = phys + [0]
    fin = final + [0]
    return b.build().replace(layout=Layout(tuple(init), tuple(fin), n))


def test_unitary_and_statevector_paths(measured_ghz):
    for n in (4, 13):
        r = verify_equivalent(measured_ghz(n), _routed_ghz(n))
        assert r.equivalent is True, r
        assert r.method == ("unitary" if n + 1 <= 10 else "statevector")
        bad = verify_equivalent(measured_ghz(n), _routed_ghz(n, wrong=True))
        assert bad.equivalent is False


def test_measurement_map_is_checked(measured_ghz):
    c = _routed_ghz(4)
    b = c.derive()
    # swap the clbits of the last two measurements
    rows = list(range(len(c)))
    b.extend(c, rows[:-2])
    b.measure(c.qubits_of(rows[-2])[0], int(c.cargs[rows[-1]]))
    b.measure(c.qubits_of(rows[-1])[0], int(c.cargs[rows[-2]]))
    r = verify_equivalent(measured_ghz(4), b.build())
    assert r.equivalent is False and r.method == "measurements"


def test_strip_final_measurements_keeps_mid_circuit():
    b = Circuit.builder(2, 2)
    b.measure(0, 0)
    b.x(0)
    b.measure(0, 1)
    try:
        strip_final_measurements(b.build())
    except ValueError as e:
        assert "non-unitary" in str(e)
    else:
        raise AssertionError("mid-circuit measurement accepted")
    r = verify_equivalent(b.build(), b.build())
    assert r.equivalent is None and r.method == "unchecked"


def test_qcec_path_with_routed_ancillas():
    """Decision-diagram checking (mqt.qcec, the verify extra) agrees with simulation."""
    import qtool
    rng = np.random.default_rng(1)
    for trial in range(4):
        b = Circuit.builder(5, 5)
        for _ in range(25):
            a, c = rng.choice(5, 2, replace=False)
            b.cx(int(a), int(c))
            b.rz(float(rng.normal()), int(a))
            b.h(int(c))
        for q in range(5):
            b.measure(q, q)
        c0 = b.build()
        out = qtool.compile(c0, "heavyhex:3", 3, seed=trial).circuit
        forced = dict(max_unitary_qubits=0, max_state_qubits=0)
        r = verify_equivalent(c0, out, **forced)
        assert (r.method, r.equivalent) in (("qcec", True), ("qcec-zx", True), ("clifford", True))
        bad = out.derive()
        bad.x(out.layout.initial[0])
        bad.extend(out)
        assert verify_equivalent(c0, bad.build(), **forced).equivalent is False


def test_clifford_path_is_exact_at_any_width():
    n = 40
    b = Circuit.builder(n)
    b.h(0)
    for i in range(n - 1):
        b.cx(i, i + 1)
    b.s(5)
    a = b.build()
    c = Circuit.builder(n)
    c.rz(np.pi / 2, 0); c.sx(0); c.rz(np.pi / 2, 0)      # h up to phase
    for i in range(n - 1):
        c.cx(i, i + 1)
    c.rz(np.pi / 2, 5)
    good = c.build()
    r = verify_equivalent(a, good)
    assert (r.method, r.equivalent) == ("clifford", True)
    c.z(7)
    assert verify_equivalent(a, c.build()).equivalent is False
