from __future__ import annotations

import numpy as np
import pytest

from spikeopt import stimuli
from spikeopt.errors import InvalidParameterError, ShapeError


def test_step_shapes_and_timing():
    s = stimuli.step([100.0, 200.0], duration=50.0, t_on=10.0, t_off=40.0, baseline=5.0)
    assert s.values.shape == (2, 500) and s.n_sweeps == 2 and s.duration == pytest.approx(50.0)
    assert s.values[1, 99] == 5.0 and s.values[1, 100] == 205.0 and s.values[1, 399] == 205.0
    assert s.values[1, 400] == 5.0


def test_ramp_and_sine():
    r = stimuli.ramp(0.0, 100.0, duration=100.0, t_on=0.0, t_off=100.0, dt=1.0)
    np.testing.assert_allclose(r.values[:3], [0.0, 1.0, 2.0])
    s = stimuli.sine(10.0, 10.0, duration=200.0, dt=0.1)  # 10 Hz → 100 ms period
    np.testing.assert_allclose(s.values[250], 10.0, atol=1e-9)  # quarter period = 25 ms
    np.testing.assert_allclose(s.values[1000], 0.0, atol=1e-9)


def test_ou_noise_statistics_and_seed():
    a = stimuli.ou_noise(50.0, 20.0, 5.0, duration=20000.0, dt=0.1, rng=1)
    b = stimuli.ou_noise(50.0, 20.0, 5.0, duration=20000.0, dt=0.1, rng=1)
    np.testing.assert_array_equal(a.values, b.values)
    x = a.values
    assert abs(x.mean() - 50.0) < 1.5 and abs(x.std() - 20.0) < 1.0
    # autocorrelation at lag tau is e^-1
    lag = 50
    xc = x - x.mean()
    rho = np.dot(xc[:-lag], xc[lag:]) / np.dot(xc, xc)
    assert abs(rho - np.exp(-1.0)) < 0.05
    many = stimuli.ou_noise(0.0, 1.0, 5.0, duration=10.0, n_sweeps=3, rng=2)
    assert many.values.shape == (3, 100) and not np.allclose(many.values[0], many.values[1])


def test_stack_and_errors():
    s = stimuli.stack([stimuli.step(1.0, duration=10.0), stimuli.step(2.0, duration=10.0)])
    assert s.values.shape == (2, 100)
    with pytest.raises(ShapeError, match="one dt and length"):
        stimuli.stack([stimuli.step(1.0, duration=10.0), stimuli.step(1.0, duration=20.0)])
    with pytest.raises(InvalidParameterError, match="'duration'.*> 0"):
        stimuli.step(1.0, duration=-5.0)
    with pytest.raises(InvalidParameterError, match="finite"):
        stimuli.from_array([1.0, np.nan], dt=0.1)
    with pytest.raises(ShapeError, match="\\(P, T\\)"):
        stimuli.from_array([1.0, 2.0], dt=0.1, per_candidate=True)
