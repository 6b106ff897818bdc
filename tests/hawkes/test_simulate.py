import warnings

import numpy as np
import pytest
from scipy import stats

from spikeopt.errors import InvalidParameterError, SimulationError
from spikeopt.hawkes import simulate, spectral_radius, stationary_rates, time_rescaling

MU = np.array([4.0, 6.0, 2.0])
ALPHA = np.array([[0.0, 0.3, 0.2], [0.25, 0.1, 0.0], [0.0, 0.4, 0.3]])
BETA = np.array([0.1, 0.05, 0.02])


def test_same_seed_same_spikes_and_t_stop():
    a = simulate(MU, ALPHA, BETA, 5_000.0, rng=4)
    b = simulate(MU, ALPHA, BETA, 5_000.0, rng=np.random.default_rng(4))
    assert a == b and a.t_stop == 5_000.0
    assert a != simulate(MU, ALPHA, BETA, 5_000.0, rng=5)
    assert a.times.min() >= 0 and a.times.max() <= 5_000.0


def test_rng_none_refused():
    with pytest.raises(InvalidParameterError, match="rng"):
        simulate(MU, ALPHA, BETA, 100.0, rng=None)


def test_mean_rates_match_theory():
    T = 400_000.0
    st = simulate(MU, ALPHA, BETA, T, rng=1)
    rates = st.counts() / T * 1e3
    expected = stationary_rates(MU, ALPHA)
    # Hawkes counts are over-dispersed; 5 % is ~4 standard errors here
    np.testing.assert_allclose(rates, expected, rtol=0.05)


def test_poisson_limit_interarrivals_are_exponential():
    st = simulate([20.0], [[0.0]], 0.1, 100_000.0, rng=2)
    isi = np.diff(st[0], prepend=0.0)
    assert stats.kstest(isi, "expon", args=(0, 1e3 / 20.0)).pvalue > 0.01


def test_true_model_passes_time_rescaling_and_wrong_model_fails():
    st = simulate(MU, ALPHA, BETA, 200_000.0, rng=3)
    good = time_rescaling(st, mu=MU, alpha=ALPHA, beta=BETA)
    assert good.pvalue > 0.01
    assert np.all(good.pvalues > 0.001)
    rates = st.counts() / st.t_stop * 1e3
    poisson = time_rescaling(st, mu=rates, alpha=np.zeros((3, 3)), beta=0.1)
    assert poisson.pvalue < 1e-6


def test_explosive_process_stops_with_error():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(SimulationError, match="max_events"):
            simulate([5.0], [[1.5]], 0.1, 1e6, rng=0, max_events=5000)


def test_spectral_radius():
    assert spectral_radius([[0.0, 0.5], [0.5, 0.0]]) == pytest.approx(0.5)
    with pytest.raises(SimulationError):
        stationary_rates([1.0], [[1.2]])
