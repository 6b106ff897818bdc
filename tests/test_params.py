from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spikeopt import Parameter, ParameterSpace
from spikeopt._rng import check_rng
from spikeopt.errors import InvalidParameterError, ShapeError, UnknownNameError

SPACE = ParameterSpace({
    "a": (0.01, 0.1),
    "tau": {"low": 1.0, "high": 100.0, "log": True, "unit": "ms"},
    "n": {"low": 1, "high": 8, "integer": True},
    "rule": {"choices": ["stdp", "none", "tri"]},
})


def test_plain_form_round_trip():
    space = ParameterSpace({"a": (0.01, 0.1), "d": (2.0, 8.0)})
    X = space.encode({"a": [0.02, 0.05], "d": [8.0, 2.0]})
    assert X.shape == (2, 2)
    out = space.decode(X)
    np.testing.assert_allclose(out["a"], [0.02, 0.05])
    np.testing.assert_allclose(out["d"], [8.0, 2.0])


@settings(max_examples=80, derandomize=True, deadline=None)
@given(st.integers(1, 30), st.integers(0, 2**31))
def test_sample_decode_encode_round_trip(n, seed):
    X = SPACE.sample(n, seed)
    assert X.shape == (n, 4)
    assert np.all(X >= SPACE.lower) and np.all(X <= SPACE.upper)
    params = SPACE.decode(X)
    assert params["n"].dtype.kind == "i" and set(params["rule"]) <= {"stdp", "none", "tri"}
    assert np.all((params["tau"] >= 1.0) & (params["tau"] <= 100.0))
    np.testing.assert_allclose(SPACE.encode(params), X, rtol=1e-12, atol=1e-12)
    U = SPACE.to_unit(X)
    assert np.all((U >= 0) & (U <= 1))
    np.testing.assert_allclose(SPACE.from_unit(U), X)


def test_log_gene_is_log10_and_sampling_is_log_uniform():
    X = SPACE.sample(20000, 0)
    tau = SPACE.decode(X)["tau"]
    # log-uniform on [1, 100]: median 10 ms
    assert abs(np.median(tau) - 10.0) < 0.5
    assert SPACE.lower[1] == 0.0 and SPACE.upper[1] == 2.0


def test_decode_clips_and_rounds():
    X = np.array([[1.0, 5.0, 3.6, 7.0]])
    out = SPACE.decode(X)
    assert out["a"][0] == 0.1 and out["tau"][0] == 100.0 and out["n"][0] == 4
    assert out["rule"][0] == "tri"


def test_same_seed_same_sample_and_none_refused():
    np.testing.assert_array_equal(SPACE.sample(5, 3), SPACE.sample(5, 3))
    with pytest.raises(InvalidParameterError, match="'rng'.*None"):
        check_rng(None)


def test_config_round_trip_and_repr():
    again = ParameterSpace(SPACE.to_config())
    np.testing.assert_array_equal(again.lower, SPACE.lower)
    assert again.names == SPACE.names
    assert "tau in [1, 100] ms log" in repr(SPACE)


@pytest.mark.parametrize(
    ("call", "exc", "pattern"),
    [
        (lambda: SPACE.encode({"a": [0.05], "zz": [1]}), UnknownNameError, "'zz'"),
        (lambda: SPACE.encode({"a": [0.05]}), InvalidParameterError, "Missing.*'tau'"),
        (lambda: SPACE.encode({"a": [0.05, 0.06], "tau": [10.0], "n": [2], "rule": ["tri"]}),
         ShapeError, "one length P"),
        (lambda: SPACE.encode({"a": [0.5], "tau": [10.0], "n": [2], "rule": ["tri"]}),
         InvalidParameterError, "'a'.*\\[0.01, 0.1\\].*0.5"),
        (lambda: SPACE.encode({"a": [0.05], "tau": [10.0], "n": [2], "rule": ["x"]}),
         InvalidParameterError, "'rule'.*one of.*'x'"),
        (lambda: SPACE.decode(np.zeros((3, 2))), ShapeError, "\\(P, 4\\).*\\(3, 2\\)"),
        (lambda: ParameterSpace({"a": (2.0, 1.0)}), InvalidParameterError, "low.*<= 'high'"),
        (lambda: ParameterSpace({"a": {"low": 0.0, "high": 1.0, "log": True}}),
         InvalidParameterError, "log-scale.*low > 0"),
        (lambda: ParameterSpace({"a": {"lo": 0.0, "high": 1.0}}), InvalidParameterError,
         "unknown key.*'lo'"),
        (lambda: ParameterSpace({}), InvalidParameterError, "non-empty"),
        (lambda: SPACE["zz"], UnknownNameError, "'zz'.*'a'"),
    ],
)
def test_clear_errors(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


def test_parameter_object_spec():
    space = ParameterSpace({"w": Parameter(0.1, 10.0, log=True, unit="nS")})
    assert space["w"].unit == "nS" and space["w"].name == "w"
