"""correlation_coefficient against Elephant's correlation_coefficient."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import quantities as pq
from elephant.conversion import BinnedSpikeTrain
from elephant.spike_train_correlation import correlation_coefficient as el_corrcoef
from neo import SpikeTrain

from spikeopt.metrics import correlation_coefficient

T_STOP = 1000.0


def correlated_trains(seed: int, n: int):
    rng = np.random.default_rng(seed)
    common = np.sort(rng.uniform(0, T_STOP, 20))
    out = []
    for _ in range(n):
        own = rng.uniform(0, T_STOP, rng.poisson(20))
        shared = common[rng.random(common.size) < 0.6] + rng.normal(0, 1.0, 1)
        t = np.sort(np.concatenate([own, shared]))
        out.append(t[(t >= 0) & (t <= T_STOP)])
    return out


@pytest.mark.parametrize("binary", [False, True])
@pytest.mark.parametrize("bin_size", [2.0, 5.0, 25.0])
def test_matches_elephant(binary, bin_size):
    trains = correlated_trains(7, 12)
    neo_trains = [SpikeTrain(t * pq.ms, t_stop=T_STOP * pq.ms) for t in trains]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        binned = BinnedSpikeTrain(neo_trains, bin_size=bin_size * pq.ms)
        ref = el_corrcoef(binned, binary=binary)
    got = correlation_coefficient(trains, bin_size=bin_size, t_stop=T_STOP, binary=binary)
    np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(got, got.T)
    assert np.all(np.abs(got) <= 1 + 1e-12)


def test_empty_train_gives_nan_row_like_elephant():
    trains = [np.array([1.0, 30.0, 70.0]), np.array([]), np.array([2.0, 33.0])]
    neo_trains = [SpikeTrain(t * pq.ms, t_stop=100.0 * pq.ms) for t in trains]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = el_corrcoef(BinnedSpikeTrain(neo_trains, bin_size=10 * pq.ms))
    got = correlation_coefficient(trains, bin_size=10.0, t_stop=100.0)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(ref))
    ok = ~np.isnan(ref)
    np.testing.assert_allclose(got[ok], ref[ok], rtol=1e-12)
    assert np.isnan(got[1, 1])


def test_identical_trains_correlate_perfectly():
    t = np.array([3.0, 17.0, 44.0, 80.0])
    got = correlation_coefficient([t, t], bin_size=5.0, t_stop=100.0)
    np.testing.assert_allclose(got, np.ones((2, 2)))
