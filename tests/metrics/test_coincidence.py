"""Coincidence factor Γ: hand-computed values, optimal one-to-one matching, reliability."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_bipartite_matching

from spikeopt import SpikeTrains
from spikeopt.errors import InvalidParameterError
from spikeopt.metrics import (
    gamma_factor,
    gamma_factor_matrix,
    gamma_reliability,
    normalized_gamma_factor,
)
from spikeopt.metrics._kernels import coincidences

from .strategies import SETTINGS, T_STOP, trains


def max_matching(model, data, delta):
    """Largest one-to-one matching with |Δt| <= delta (the kernel's 1e-9 relative
    tolerance for grid rounding included), by a general bipartite matcher."""
    if model.size == 0 or data.size == 0:
        return 0
    adj = csr_matrix(np.abs(data[:, None] - model[None, :]) <= delta * (1 + 1e-9))
    return int(np.sum(maximum_bipartite_matching(adj, perm_type="column") >= 0))


def gamma_by_formula(model, data, delta, duration):
    n_m, n_d = model.size, data.size
    nu = n_d / duration
    n_coinc = max_matching(model, data, delta)
    return (n_coinc - 2 * nu * delta * n_m) / (0.5 * (n_d + n_m)) / (1 - 2 * nu * delta)


@SETTINGS
@given(model=trains(20), data=trains(20), delta=st.sampled_from([0.5, 1.0, 2.0]))
def test_greedy_matching_is_maximal_and_gamma_follows_the_formula(model, data, delta):
    assert coincidences(model, data, delta) == max_matching(model, data, delta)
    if model.size + data.size == 0 or 2 * data.size / T_STOP * delta >= 1:
        return
    got = gamma_factor(model, data, delta=delta, t_stop=T_STOP)
    assert got == pytest.approx(gamma_by_formula(model, data, delta, T_STOP), abs=1e-12)
    assert got <= 1.0 + 1e-12


def test_hand_computed():
    data = np.array([10.0, 50.0, 90.0])
    # one coincidence (11 vs 10), nu = 0.03/ms, expected chance 2*0.03*2*2 = 0.24
    expected = (1 - 0.24) / 2.5 / (1 - 0.12)
    assert gamma_factor([11.0, 70.0], data, delta=2.0, t_stop=100.0) == pytest.approx(expected)
    assert gamma_factor(data, data, delta=2.0, t_stop=100.0) == 1.0
    # each data spike is matched at most once: two model spikes near 50 give one coincidence
    two_near = gamma_factor([49.0, 51.0], [50.0], delta=2.0, t_stop=100.0)
    nu = 0.01
    assert two_near == pytest.approx((1 - 2 * nu * 2 * 2) / 1.5 / (1 - 2 * nu * 2))
    # a coincidence at exactly delta counts
    assert gamma_factor([12.0], [10.0], delta=2.0, t_stop=100.0) > 0.9


def test_spikes_on_a_time_grid_exactly_delta_apart_coincide():
    # 2.4 and 4.4 ms differ by 2.0000000000000004 ms in float64
    a, b = np.array([2.4]), np.array([4.4])
    assert b[0] - a[0] > 2.0
    assert gamma_factor(a, b, delta=2.0, t_stop=2000.0) == pytest.approx(
        gamma_factor([100.0], [102.0], delta=2.0, t_stop=2000.0))
    assert gamma_factor([100.0], [102.001], delta=2.0, t_stop=2000.0) < 0.0


def test_empty_trains():
    assert gamma_factor([], [10.0, 50.0], t_stop=100.0) == 0.0  # a bad fit, never perfect
    assert gamma_factor([10.0], [], t_stop=100.0) == 0.0
    assert gamma_factor([], [], t_stop=100.0) == 1.0


def test_window_and_rate_condition():
    data = np.arange(5.0, 100.0, 5.0)  # 19 spikes in 100 ms: 2 * 0.19 * 2 < 1
    assert gamma_factor(data, data, delta=2.0, t_stop=100.0) == 1.0
    with pytest.raises(InvalidParameterError, match="'delta' parameter of gamma_factor"):
        gamma_factor(data, data, delta=3.0, t_stop=100.0)
    # spikes outside [t_start, t_stop] are ignored
    assert gamma_factor([1.0, 50.0], [50.0, 200.0], t_start=10.0, t_stop=100.0) == 1.0
    with pytest.raises(InvalidParameterError, match="'delta' parameter of gamma_factor must be"):
        gamma_factor([1.0], [1.0], delta=0.0, t_stop=10.0)


def test_batched_and_matrix():
    rng = np.random.default_rng(8)
    target = np.sort(rng.uniform(0, 1000, 40))
    rows = [np.sort(target + rng.normal(0, s, target.size)) for s in (0.5, 2.0, 5.0, 50.0)]
    rows = [r[(r >= 0) & (r <= 1000)] for r in rows] + [np.array([])]
    cands = SpikeTrains.from_list(rows, t_stop=1000.0)
    got = gamma_factor(cands, target)
    np.testing.assert_array_equal(got, [gamma_factor(r, target, t_stop=1000.0) for r in rows])
    assert np.all(np.diff(got[:4]) < 0)  # more jitter, lower Γ
    g = gamma_factor_matrix(cands)
    assert g[1, 2] == gamma_factor(rows[1], rows[2], t_stop=1000.0)
    assert g[2, 1] == gamma_factor(rows[2], rows[1], t_stop=1000.0)
    np.testing.assert_array_equal(np.diag(g), 1.0)


def test_reliability_and_normalisation():
    rng = np.random.default_rng(9)
    base = np.sort(rng.uniform(0, 1000, 30))
    reps = [np.sort(np.clip(base + rng.normal(0, 1.5, base.size), 0, 1000)) for _ in range(4)]
    rel = gamma_reliability(reps, t_stop=1000.0)
    pairs = [
        gamma_factor(reps[i], reps[j], t_stop=1000.0) for i in range(4) for j in range(4) if i != j
    ]
    assert rel == pytest.approx(np.mean(pairs))
    assert 0 < rel < 1
    model = np.sort(base + rng.normal(0, 1.0, base.size))
    got = normalized_gamma_factor(model, reps, t_stop=1000.0)
    raw = np.mean([gamma_factor(model, r, t_stop=1000.0) for r in reps])
    assert got == pytest.approx(raw / rel)
    batched = normalized_gamma_factor([model, reps[0], []], reps, t_stop=1000.0)
    assert batched[0] == pytest.approx(got) and batched[2] == 0.0
    with pytest.raises(InvalidParameterError, match="at least 2 trains"):
        gamma_reliability([base], t_stop=1000.0)
