"""Spike detection from voltage: the documented threshold-crossing rule."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spikeopt import InvalidParameterError, ShapeError, SpikeTrains
from spikeopt.io import SpikeDetector, detect_spikes


def test_crossing_time_is_interpolated_between_samples():
    v = np.array([-70.0, -20.0, 10.0, 30.0, -40.0, -70.0])
    st_ = detect_spikes(v, 0.2)
    # crossing between sample 1 (-20 mV) and 2 (10 mV): 2/3 of the way
    assert st_[0] == pytest.approx([(1 + 20.0 / 30.0) * 0.2])
    assert isinstance(st_, SpikeTrains) and st_.t_stop == pytest.approx(6 * 0.2)


def test_peak_time_is_the_maximum_sample_above_threshold():
    v = np.array([-70.0, -20.0, 10.0, 30.0, 25.0, -40.0, -70.0])
    assert detect_spikes(v, 0.5, time="peak")[0].tolist() == [1.5]


def test_threshold_is_respected(spiking_trace):
    v = spiking_trace([2.0], dt_ms=0.1, n=100, peak_mV=-15.0)
    assert detect_spikes(v, 0.1).counts().tolist() == [0]
    assert detect_spikes(v, 0.1, threshold_mV=-20.0).counts().tolist() == [1]


def test_hysteresis_merges_noise_around_threshold():
    v = np.array([-70.0, 1.0, -1.0, 2.0, -1.5, 3.0, -70.0, -70.0])
    assert detect_spikes(v, 1.0).counts().tolist() == [1]
    # without hysteresis every dip below 0 mV re-arms the detector
    assert detect_spikes(v, 1.0, hysteresis_mV=0.0, min_interval_ms=0.0).counts().tolist() == [3]


def test_min_interval_drops_close_crossings():
    v = np.full(40, -70.0)
    v[[10, 13]] = 20.0  # two spikes 0.3 ms apart at dt 0.1 ms
    assert detect_spikes(v, 0.1).counts().tolist() == [1]
    assert detect_spikes(v, 0.1, min_interval_ms=0.0).counts().tolist() == [2]
    assert detect_spikes(v, 0.1, min_interval_ms=0.25).counts().tolist() == [2]


def test_a_trace_starting_above_threshold_does_not_count_that_event():
    v = np.array([20.0, 10.0, -60.0, -60.0, 20.0, -60.0])
    assert detect_spikes(v, 1.0, time="peak")[0].tolist() == [4.0]


def test_sweeps_are_independent_rows(spiking_trace):
    a = spiking_trace([1.0, 5.0], dt_ms=0.1, n=100)
    b = spiking_trace([], dt_ms=0.1, n=100)
    st_ = SpikeDetector(time="peak")(np.stack([a, b, a]), dt_ms=0.1)
    assert st_.counts().tolist() == [2, 0, 2]
    assert st_[2] == pytest.approx([1.0, 5.0])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 1990), max_size=30, unique=True),
       st.sampled_from([0.02, 0.05, 0.2]))
def test_peak_times_recover_inserted_spikes(spiking_trace, samples, dt):
    # spikes of 2 samples, at least 5 samples apart (so never merged by the rule)
    ks = []
    for k in sorted(samples):
        if not ks or k - ks[-1] >= 5:
            ks.append(k)
    times = np.array(ks) * dt
    v = spiking_trace(times, dt_ms=dt, n=2000)
    got = detect_spikes(v, dt, time="peak", min_interval_ms=0.0)[0]
    np.testing.assert_allclose(got, times, atol=1e-9)
    cross = detect_spikes(v, dt, min_interval_ms=0.0)[0]
    # crossing lies in the sample interval before the peak, at 65/95 of it
    np.testing.assert_allclose(cross, times - dt + dt * 65.0 / 95.0, atol=1e-9)


@pytest.mark.parametrize("kwargs, match", [
    ({"time": "onset"}, "'time' parameter of SpikeDetector"),
    ({"hysteresis_mV": -1.0}, "'hysteresis_mV'"),
    ({"min_interval_ms": float("nan")}, "'min_interval_ms'"),
    ({"threshold_mV": float("inf")}, "'threshold_mV'"),
])
def test_bad_settings_are_named(kwargs, match):
    with pytest.raises(InvalidParameterError, match=match):
        SpikeDetector(**kwargs)


def test_bad_voltage_is_reported():
    with pytest.raises(ShapeError, match="shape"):
        detect_spikes(np.zeros((2, 2, 5)), 0.1)
    v = np.full(10, -60.0)
    v[4] = np.nan
    with pytest.raises(InvalidParameterError, match="sample 4"):
        detect_spikes(v, 0.1)
    with pytest.raises(InvalidParameterError, match="dt_ms"):
        detect_spikes(v, 0.0)
