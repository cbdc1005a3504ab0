"""Public test helpers: hypothesis strategies and equivalence assertions.

>>> from qtool.testing import circuits
>>> from hypothesis import given
>>> @given(circuits(n_qubits=3, max_ops=10))
... def test_roundtrip(c):
...     assert c.inverse().inverse() == c
"""
from __future__ import annotations

import math

import numpy as np

from .circuit import Circuit
from .gates import GATES
from .verify import verify_equivalent

__all__ = ["circuits", "targets", "assert_equivalent", "DEFAULT_GATESET",
           "routed_line_circuit"]

#: gates the default strategy draws from (every unitary in the table but opaque ones)
DEFAULT_GATESET = tuple(g.name for g in GATES.gates
                        if g.is_unitary and g.name not in ("unitary",))


def circuits(n_qubits: int | tuple[int, int] = (1, 5), gateset=DEFAULT_GATESET,
             max_ops: int = 30, *, measure: bool = False, symbolic: bool = False):
    """A hypothesis strategy for random circuits.

    ``n_qubits`` is a count or an inclusive range.  With ``measure`` every qubit is measured
    at the end; with ``symbolic`` some angles are expressions of parameters ``t0..t2``.
    """
    from hypothesis import strategies as st
    from .params import Parameter

    lo, hi = (n_qubits, n_qubits) if isinstance(n_qubits, int) else n_qubits
    gates = [GATES.by_name[g] for g in gateset]
    syms = [Parameter(f"t{i}") for i in range(3)]

    @st.composite
    def build(draw):
        n = draw(st.integers(lo, hi))
        usable = [g for g in gates if g.num_qubits <= n]
        ops = draw(st.lists(st.tuples(st.sampled_from(usable), st.permutations(range(n)),
                                      st.lists(st.floats(-2 * math.pi, 2 * math.pi,
                                                         allow_nan=False), min_size=4,
                                               max_size=4),
                                      st.integers(0, 2), st.booleans()),
                            max_size=max_ops))
        b = Circuit.builder(n, n if measure else 0)
        for g, perm, angles, si, sym in ops:
            ps = [round(a, 6) for a in angles[:g.num_params]]
            if symbolic and sym and ps:
                ps[0] = 2 * syms[si] + ps[0]
            b.append(g.op, perm[:g.num_qubits], ps)
        if measure:
            for q in range(n):
                b.measure(q, q)
        return b.build()
    return build()


def targets(max_qubits: int = 8):
    """A hypothesis strategy for small targets of every generator kind and native 2Q gate."""
    from hypothesis import strategies as st
    from .targets import get_target

    @st.composite
    def build(draw):
        kind = draw(st.sampled_from(["line", "ring", "grid", "all"]))
        g2 = draw(st.sampled_from(["cx", "cz", "ecr", "rzz"]))
        if kind == "grid":
            r = draw(st.integers(2, 3))
            c = draw(st.integers(2, max(2, max_qubits // r)))
            spec = f"grid:{r}x{c}"
        else:
            spec = f"{kind}:{draw(st.integers(3, max_qubits))}"
        return get_target(f"{spec},2q={g2}")
    return build()


def assert_equivalent(original: Circuit, compiled: Circuit, *, bind: dict | None = None,
                      **kw) -> None:
    """Assert ``compiled`` implements ``original`` (layout-aware, up to global phase)."""
    if bind is not None:
        original, compiled = original.bind(bind), compiled.bind(bind)
    res = verify_equivalent(original, compiled, **kw)
    if res.equivalent is None:
        raise AssertionError(f"equivalence could not be checked: {res.detail}")
    assert res.equivalent, f"circuits differ ({res.method} on {res.qubits} qubits): {res.detail}"


def random_parameter_values(circ: Circuit, seed: int = 0) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    return {p: float(rng.uniform(-math.pi, math.pi)) for p in circ.parameters}


def routed_line_circuit(n_rows: int = 10_000, num_qubits: int = 27, seed: int = 0):
    """A routed-looking circuit (swap/cx on a line, rz/sx) and its line target, for
    optimisation tests and kernel benchmarks."""
    from .targets.target import Target
    rng = np.random.default_rng(seed)
    edges = [(i, i + 1) for i in range(num_qubits - 1)]
    b = Circuit.builder(num_qubits)
    while len(b) < n_rows:
        r = rng.random()
        e = edges[rng.integers(len(edges))]
        e = e[::-1] if rng.random() < 0.5 else e
        if r < 0.25:
            b.swap(*e)
        elif r < 0.6:
            b.cx(*e)
        elif r < 0.8:
            b.rz(float(rng.uniform(-3, 3)), int(rng.integers(num_qubits)))
        else:
            b.sx(int(rng.integers(num_qubits)))
    return b.build(), Target("line", num_qubits, edges)
