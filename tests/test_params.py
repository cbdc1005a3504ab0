import math

import numpy as np
import pytest

from qtool.params import Expr, Parameter, ParameterVector, format_float


def test_linear_arithmetic_is_canonical():
    a, b = Parameter("a"), Parameter("b")
    assert (a + b) - a == b
    assert 2 * a + 3 * a == 5 * a
    assert (a - a).is_constant() and float(a - a) == 0.0
    assert (a + 1).bind({"a": 2.0}) == 3.0
    assert hash(a + b) == hash(b + a)


def test_nonlinear_expression_binds_and_prints():
    x = ParameterVector("x", 2)
    e = 2 * (math.pi - x[0]) * (math.pi - x[1])
    assert not e.is_linear
    assert e.free_symbols == {"x[0]", "x[1]"}
    v = e.bind({"x[0]": 0.3, "x[1]": -1.2})
    assert v == pytest.approx(2 * (math.pi - 0.3) * (math.pi + 1.2))
    text = e.to_str({"x[0]": "x_0", "x[1]": "x_1"})
    assert "x_0" in text and "x[" not in text
    back = Expr.parse(text.replace("x_0", "x[0]").replace("x_1", "x[1]"))
    assert back.bind({"x[0]": 0.3, "x[1]": -1.2}) == pytest.approx(v)


def test_partial_and_batched_binding():
    g, b = Parameter("g"), Parameter("b")
    e = 2 * g + b
    part = e.bind({"g": 1.0})
    assert isinstance(part, Expr) and part.free_symbols == {"b"}
    arr = (g * 2).bind({"g": np.array([0.0, 1.0, 2.0])})
    assert np.allclose(arr, [0, 2, 4])
    with pytest.raises(KeyError):
        e.bind({"g": 1.0}, strict=True)


@pytest.mark.parametrize("text,values,expected", [
    ("2*gamma_0*0.5", {"gamma_0": 0.7}, 0.7),
    ("-(a + 1)/2", {"a": 3.0}, -2.0),
    ("sin(pi/2) + a**2", {"a": 3.0}, 10.0),
    ("x[1] ^ 2 - x[0]", {"x[0]": 1.0, "x[1]": 3.0}, 8.0),
    ("2.5e-1*a", {"a": 4.0}, 1.0),
])
def test_parse(text, values, expected):
    assert Expr.parse(text).bind(values) == pytest.approx(expected)


def test_parse_errors():
    for bad in ["a +", "(a", "a $ b", "1..2"]:
        with pytest.raises(ValueError):
            Expr.parse(bad)


def test_derivative_chain_rule():
    x = Parameter("x")
    e = (2 * x + 1) * x.apply("sin")
    d = e.derivative("x").bind({"x": 0.4})
    assert d == pytest.approx(2 * math.sin(0.4) + (2 * 0.4 + 1) * math.cos(0.4))


def test_format_float_is_stable():
    assert format_float(2.0) == "2"
    assert format_float(0.1) == "0.1"
    assert format_float(-0.0) == "0"
    assert format_float(math.pi) == repr(math.pi)


def test_invalid_names():
    with pytest.raises(ValueError):
        Parameter("1x")
    with pytest.raises(ValueError):
        ParameterVector("a b", 2)
