"""van Rossum and Victor-Purpura distances against Elephant, plus metric properties."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import quantities as pq
from elephant.spike_train_dissimilarity import van_rossum_distance, victor_purpura_distance
from hypothesis import given
from hypothesis import strategies as st

from spikeopt import SpikeTrains
from spikeopt.errors import InvalidParameterError
from spikeopt.metrics import van_rossum, van_rossum_matrix, victor_purpura, victor_purpura_matrix

from .strategies import SETTINGS, T_STOP, trains

TAUS = [0.3, 2.0, 10.0, 100.0]
QS = [0.01, 0.2, 1.0, 5.0]


def el_vr(a, b, tau):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return van_rossum_distance([a * pq.ms, b * pq.ms], time_constant=tau * pq.ms)[0, 1]


def el_vp(a, b, q):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return victor_purpura_distance([a * pq.ms, b * pq.ms], cost_factor=q / pq.ms)[0, 1]


@SETTINGS
@given(a=trains(), b=trains(), tau=st.sampled_from(TAUS))
def test_van_rossum_matches_elephant(a, b, tau):
    got = van_rossum(a, b, tau=tau)
    # compare squares: sqrt amplifies rounding of nearly identical trains
    assert got**2 == pytest.approx(el_vr(a, b, tau) ** 2, rel=1e-9, abs=1e-9)


@SETTINGS
@given(a=trains(), b=trains(), q=st.sampled_from(QS))
def test_victor_purpura_matches_elephant(a, b, q):
    assert victor_purpura(a, b, q=q) == pytest.approx(el_vp(a, b, q), rel=1e-9, abs=1e-9)


def test_long_trains_match_elephant():
    rng = np.random.default_rng(2)
    for _ in range(10):
        a = np.sort(rng.uniform(0, 2000, rng.poisson(60)))
        b = np.sort(
            np.concatenate([a[::2] + rng.normal(0, 2, a[::2].size), rng.uniform(0, 2000, 20)])
        )
        b = b[b >= 0]
        assert van_rossum(a, b, tau=8.0) == pytest.approx(el_vr(a, b, 8.0), rel=1e-9)
        assert victor_purpura(a, b, q=0.3) == pytest.approx(el_vp(a, b, 0.3), rel=1e-9)


def test_hand_computed_values():
    # one spike each, 2 ms apart: D^2 = 2 - 2 exp(-2/5)
    assert van_rossum([10.0], [12.0], tau=5.0) == pytest.approx(np.sqrt(2 - 2 * np.exp(-0.4)))
    assert van_rossum([], [10.0, 500.0, 1000.0], tau=1.0) == pytest.approx(np.sqrt(3.0))
    assert victor_purpura([10.0, 20.0], [13.0, 20.0], q=0.1) == pytest.approx(0.3)
    assert victor_purpura([10.0], [40.0], q=0.1) == 2.0  # delete + insert beats a shift of 3
    assert victor_purpura([], [1.0, 2.0, 3.0], q=1.0) == 3.0


def test_identical_trains_are_exactly_zero_elephant_679():
    # Elephant issue #679: sqrt of a tiny negative gave NaN for identical trains in seconds
    a = np.array([0.1782, 0.2286, 0.2804, 0.4972, 0.5504])
    assert van_rossum(a, a, tau=0.1) == 0.0
    assert van_rossum(a * 1000, a * 1000, tau=100.0) == 0.0
    assert victor_purpura(a, a, q=3.0) == 0.0


def test_limits_of_tau_and_q():
    a = np.array([10.0, 20.0, 30.0])
    b = np.array([10.0, 25.0])
    # Elephant's limits where they are right
    assert van_rossum(a, b, tau=np.inf) == pytest.approx(el_vr(a, b, np.inf)) == 1.0
    assert victor_purpura(a, b, q=0.0) == el_vp(a, b, 0.0) == 1.0
    # the true limits where Elephant ignores coincident spikes
    assert van_rossum(a, b, tau=0.0) == pytest.approx(np.sqrt(3 + 2 - 2))
    assert victor_purpura(a, b, q=np.inf) == 3 + 2 - 2
    assert van_rossum(a, a, tau=0.0) == 0.0 and victor_purpura(a, a, q=np.inf) == 0.0
    # and they are the limits of small / large parameters
    assert van_rossum(a, b, tau=1e-6) == pytest.approx(van_rossum(a, b, tau=0.0))
    assert victor_purpura(a, b, q=1e6) == pytest.approx(victor_purpura(a, b, q=np.inf))


def test_duplicates_count_as_spikes_like_elephant():
    a = np.array([10.0, 10.0, 30.0])
    b = np.array([10.0, 30.0])
    assert van_rossum(a, b, tau=5.0) == pytest.approx(el_vr(a, b, 5.0)) == pytest.approx(1.0)
    assert victor_purpura(a, b, q=0.5) == el_vp(a, b, 0.5) == 1.0


@SETTINGS
@given(a=trains(8), b=trains(8), c=trains(8), tau=st.sampled_from(TAUS), q=st.sampled_from(QS))
def test_metric_properties(a, b, c, tau, q):
    for f, kw in ((van_rossum, {"tau": tau}), (victor_purpura, {"q": q})):
        ab, ba = f(a, b, **kw), f(b, a, **kw)
        assert ab == pytest.approx(ba, abs=1e-9)
        assert f(a, a, **kw) == 0.0
        assert ab >= 0.0
        assert ab <= f(a, c, **kw) + f(c, b, **kw) + 1e-9  # triangle inequality


def test_batched_matrix_and_window():
    rng = np.random.default_rng(4)
    rows = [np.sort(rng.uniform(0, T_STOP, rng.integers(0, 15))) for _ in range(30)]
    cands = SpikeTrains.from_list(rows)
    target = np.sort(rng.uniform(0, T_STOP, 10))
    for f, fm, kw in (
        (van_rossum, van_rossum_matrix, {"tau": 4.0}),
        (victor_purpura, victor_purpura_matrix, {"q": 0.5}),
    ):
        batched = f(cands, target, **kw)
        np.testing.assert_array_equal(batched, [f(r, target, **kw) for r in rows])
        m = fm(cands, **kw)
        np.testing.assert_array_equal(m, m.T)
        np.testing.assert_array_equal(np.diag(m), 0.0)
        np.testing.assert_array_equal(m[5], f(cands, rows[5], **kw))
        windowed = f(cands, target, t_start=20.0, t_stop=60.0, **kw)
        cut = [r[(r >= 20) & (r <= 60)] for r in rows]
        np.testing.assert_array_equal(
            windowed, [f(r, target[(target >= 20) & (target <= 60)], **kw) for r in cut]
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = van_rossum_distance([r * pq.ms for r in rows], time_constant=4.0 * pq.ms)
    np.testing.assert_allclose(van_rossum_matrix(rows, tau=4.0), ref, rtol=1e-9, atol=1e-7)


def test_errors():
    with pytest.raises(InvalidParameterError, match="'tau' parameter of van_rossum must be >= 0"):
        van_rossum([1.0], [2.0], tau=-1.0)
    with pytest.raises(InvalidParameterError, match="'q' parameter of victor_purpura"):
        victor_purpura([1.0], [2.0], q=float("nan"))
    with pytest.raises(InvalidParameterError, match="'tau' parameter of van_rossum_matrix"):
        van_rossum_matrix([[1.0]], tau="x")
