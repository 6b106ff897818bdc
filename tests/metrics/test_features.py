"""Firing features against Elephant and hand-computed values."""

from __future__ import annotations

import doctest
import warnings

import numpy as np
import pytest
import quantities as pq
from elephant import statistics as es
from hypothesis import given

from spikeopt import SpikeTrains
from spikeopt.errors import InvalidParameterError
from spikeopt.metrics import (
    adaptation_index,
    bin_spikes,
    burst_fraction,
    coincidence,
    distances,
    fano_factor,
    firing_rate,
    first_spike_latency,
    isi_cv,
    isi_mean,
    kreuz,
    lv,
    lvr,
    psth,
    spike_count,
)
from spikeopt.metrics import correlation as correlation_module
from spikeopt.metrics import features as features_module

from .strategies import SETTINGS
from .strategies import T_STOP as T_STOP_DRAWN
from .strategies import trains as drawn_trains

T_STOP = 1000.0


def poisson_trains(seed: int, n: int, rate_hz: float = 30.0, t_stop: float = T_STOP):
    rng = np.random.default_rng(seed)
    trains = []
    for _ in range(n):
        k = rng.poisson(rate_hz * t_stop / 1000.0)
        trains.append(np.sort(rng.uniform(0.0, t_stop, k)))
    return trains


@pytest.fixture(scope="module")
def trains():
    # include an empty train, a single spike and two spikes
    return poisson_trains(1, 40) + [np.array([]), np.array([500.0]), np.array([10.0, 20.0])]


def test_doctests_pass():
    for mod in (features_module, correlation_module, kreuz, distances, coincidence):
        result = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0, mod.__name__


def test_rate_and_count_match_elephant(trains):
    st = SpikeTrains.from_list(trains, t_stop=T_STOP)
    rates = firing_rate(st, t_start=100.0)
    counts = spike_count(st, t_start=100.0)
    for i, t in enumerate(trains):
        if t.size == 0:
            assert rates[i] == 0.0 and counts[i] == 0
            continue
        ref = es.mean_firing_rate(t, t_start=100.0, t_stop=T_STOP)  # per ms
        assert rates[i] == pytest.approx(ref * 1000.0, rel=1e-12)
        assert counts[i] == np.sum((t >= 100.0) & (t <= T_STOP))


def test_isi_features_match_elephant(trains):
    st = SpikeTrains.from_list(trains, t_stop=T_STOP)
    got = {
        "mean": isi_mean(st),
        "cv": isi_cv(st),
        "lv": lv(st),
        "lvr": lvr(st, refractory=5.0),
        "lvr0": lvr(st, refractory=0.0),
    }
    for i, t in enumerate(trains):
        isi = np.diff(t)
        if isi.size < 2:
            assert np.isnan(got["cv"][i]) and np.isnan(got["lv"][i]) and np.isnan(got["lvr"][i])
            if isi.size == 1:
                assert got["mean"][i] == pytest.approx(isi[0])
            continue
        assert got["mean"][i] == pytest.approx(np.mean(isi), rel=1e-12)
        assert got["cv"][i] == pytest.approx(es.cv(isi), rel=1e-10)
        assert got["lv"][i] == pytest.approx(es.lv(isi), rel=1e-10)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert got["lvr"][i] == pytest.approx(es.lvr(isi * pq.ms, R=5 * pq.ms), rel=1e-10)
            assert got["lvr0"][i] == pytest.approx(es.lvr(isi * pq.ms, R=0 * pq.ms), rel=1e-10)


def test_window_restricts_spikes_and_includes_edges():
    t = [[5.0, 10.0, 20.0, 35.0, 50.0, 90.0]]
    # [10, 50] keeps 10, 20, 35, 50 (edges included): ISIs 10, 15, 15
    assert isi_mean(t, t_start=10.0, t_stop=50.0)[0] == pytest.approx(40.0 / 3)
    assert spike_count(t, t_start=10.0, t_stop=50.0)[0] == 4
    expect_lv = 3.0 / 2 * ((-5.0 / 25) ** 2 + 0.0)
    assert lv(t, t_start=10.0, t_stop=50.0)[0] == pytest.approx(expect_lv)
    assert first_spike_latency(t, t_start=6.0, t_stop=100.0)[0] == pytest.approx(4.0)


def test_regular_and_hand_computed_values():
    regular = np.arange(0.0, 100.0, 10.0)
    st = SpikeTrains.from_list([regular, [0.0, 10.0, 30.0, 70.0]], t_stop=100.0)
    assert isi_cv(st)[0] == pytest.approx(0.0, abs=1e-12)
    assert lv(st)[0] == pytest.approx(0.0, abs=1e-12)
    assert adaptation_index(st)[0] == pytest.approx(0.0, abs=1e-12)
    # ISIs 10, 20, 40: each ratio (I2 - I1)/(I2 + I1) = 1/3
    assert adaptation_index(st)[1] == pytest.approx(1.0 / 3)
    assert lv(st)[1] == pytest.approx(3.0 * (1.0 / 9))
    # duplicate spikes (zero ISIs) give NaN, not an exception
    dup = [[10.0, 10.0, 10.0]]
    assert np.isnan(lv(dup, t_stop=100.0)[0]) and np.isnan(isi_cv(dup, t_stop=100.0)[0])
    assert np.isnan(adaptation_index(dup, t_stop=100.0)[0])
    # shortening ISIs give a negative index
    assert adaptation_index([[0.0, 40.0, 60.0, 70.0]], t_stop=100.0)[0] < 0


def test_burst_fraction_hand_computed():
    t = [[0.0, 2.0, 4.0, 30.0, 60.0, 62.0, 100.0], [0.0, 50.0], [], [1.0, 2.0]]
    got = burst_fraction(t, t_stop=200.0, max_isi=5.0)
    assert got[0] == pytest.approx(5 / 7)
    assert got[1] == 0.0 and np.isnan(got[2]) and got[3] == 1.0
    # min_spikes=3 keeps only the first run
    assert burst_fraction(t, t_stop=200.0, max_isi=5.0, min_spikes=3)[0] == pytest.approx(3 / 7)


def test_binning_matches_elephant(trains):
    from elephant.conversion import BinnedSpikeTrain
    from neo import SpikeTrain

    # spikes exactly on bin edges and on t_stop
    extra = [np.array([0.0, 5.0, 10.0, 15.0, 999.0, 1000.0]), np.array([0.1 * 7, 0.3 * 3])]
    all_trains = trains + extra
    for bin_size, t_start in [(5.0, 0.0), (0.1, 0.0), (7.0, 3.0), (0.3, 0.0)]:
        neo_trains = [
            SpikeTrain(t[t >= t_start] * pq.ms, t_start=t_start * pq.ms, t_stop=T_STOP * pq.ms)
            for t in all_trains
        ]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = BinnedSpikeTrain(
                neo_trains,
                bin_size=bin_size * pq.ms,
                t_start=t_start * pq.ms,
                t_stop=T_STOP * pq.ms,
            ).to_array()
        got = bin_spikes(all_trains, bin_size=bin_size, t_start=t_start, t_stop=T_STOP)
        np.testing.assert_array_equal(got, ref)


def test_fano_and_psth():
    rng = np.random.default_rng(3)
    trains = poisson_trains(3, 30, rate_hz=50.0)
    st = SpikeTrains.from_list(trains, t_stop=T_STOP)
    counts = bin_spikes(st, bin_size=50.0).astype(float)
    ff = fano_factor(st, window=50.0)
    np.testing.assert_allclose(ff, counts.var(axis=1) / counts.mean(axis=1), rtol=1e-12)
    # Poisson: Fano factor near 1 on average
    assert 0.7 < np.nanmean(ff) < 1.3
    rate, edges = psth(st, bin_size=50.0)
    np.testing.assert_allclose(rate, counts.mean(axis=0) / 0.05)
    assert edges[0] == 0.0 and edges[-1] == T_STOP and edges.size == rate.size + 1
    assert np.isnan(fano_factor([[]], window=10.0, t_stop=100.0)[0])
    assert rng is not None


def test_errors_name_the_parameter():
    with pytest.raises(InvalidParameterError, match="'t_stop' parameter of firing_rate"):
        firing_rate([[1.0]])
    with pytest.raises(InvalidParameterError, match="'refractory' parameter of lvr"):
        lvr([[1.0]], t_stop=10.0, refractory=-1.0)
    with pytest.raises(InvalidParameterError, match="'bin_size' parameter of psth"):
        psth([[1.0]], t_stop=10.0, bin_size=0.0)
    with pytest.raises(InvalidParameterError, match="'t_stop' parameter of lv must be > t_start"):
        lv([[1.0]], t_start=5.0, t_stop=5.0)


@SETTINGS
@given(t=drawn_trains(25))
def test_isi_features_match_elephant_on_drawn_trains(t):
    isi = np.diff(t)
    got = [f([t], t_stop=T_STOP_DRAWN)[0] for f in (isi_cv, lv, lvr)]
    if isi.size < 2:
        assert all(np.isnan(g) for g in got)
        return
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore")
        ref = [es.cv(isi), es.lv(isi), es.lvr(isi * pq.ms, R=5 * pq.ms)]
    if np.mean(isi) == 0:  # all spikes at one time: CV undefined (Elephant: NaN too)
        ref[0] = np.nan
    # duplicates make 0/0 terms: NaN in both
    np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-12, equal_nan=True)
