import math

import numpy as np
import pytest
from scipy import optimize

from spikeopt.errors import InvalidParameterError, ShapeError
from spikeopt.hawkes import log_likelihood, log_likelihood_and_grad, simulate
from spikeopt.hawkes.likelihood import expand_beta
from spikeopt.spikes import SpikeTrains

from .conftest import brute_log_likelihood

MU = np.array([5.0, 3.0, 8.0])
ALPHA = np.array([[0.1, 0.3, 0.0], [0.2, 0.1, 0.05], [0.0, 0.4, 0.2]])
BETAS = {
    "shared": 0.05,
    "source": np.array([0.05, 0.1, 0.02]),
    "pair": np.array([[0.05, 0.1, 0.02], [0.2, 0.01, 0.03], [0.1, 0.1, 0.1]]),
}


@pytest.fixture(scope="module")
def small():
    return simulate(MU, ALPHA, BETAS["source"], 20_000.0, rng=11)


@pytest.mark.parametrize("kind", list(BETAS))
def test_matches_brute_force(small, kind):
    b = BETAS[kind]
    got = log_likelihood(small, MU, ALPHA, b)
    ref = brute_log_likelihood(small.to_list(), MU, ALPHA, expand_beta(b, 3), small.t_stop)
    assert got == pytest.approx(ref, rel=1e-11)


def test_ties_do_not_excite_each_other(small):
    # rounded to whole ms: many events share a time stamp across and within trains
    rounded = SpikeTrains.from_list([np.round(x) for x in small.to_list()], t_stop=small.t_stop)
    assert np.unique(rounded.times).size < rounded.times.size
    b = BETAS["pair"]
    got = log_likelihood(rounded, MU, ALPHA, b)
    ref = brute_log_likelihood(rounded.to_list(), MU, ALPHA, b, rounded.t_stop)
    assert got == pytest.approx(ref, rel=1e-11)


def test_poisson_closed_form():
    rng = np.random.default_rng(0)
    t = np.sort(rng.uniform(0, 5000.0, 40))
    ll = log_likelihood([t], [8.0], [[0.0]], 0.3, t_stop=5000.0)
    assert ll == pytest.approx(40 * math.log(8e-3) - 8e-3 * 5000.0, rel=1e-13)


@pytest.mark.parametrize("kind", list(BETAS))
def test_gradient_matches_finite_differences(small, kind):
    st = small.restrict(0.0, 8000.0)
    st.t_stop = 8000.0
    b0 = np.asarray(BETAS[kind], dtype=float)
    a0 = ALPHA + 0.02  # interior point: finite differences need alpha > 0
    sizes = [3, 9, b0.size]

    def unpack(x):
        mu, a, b = np.split(x, np.cumsum(sizes)[:-1])
        return mu, a.reshape(3, 3), b.reshape(b0.shape)

    def f(x):
        return log_likelihood(st, *unpack(x))

    x0 = np.concatenate([MU, a0.ravel(), b0.ravel()])
    _, g = log_likelihood_and_grad(st, MU, a0, b0)
    analytic = np.concatenate([g["mu"], g["alpha"].ravel(), np.ravel(g["beta"])])
    numeric = optimize.approx_fprime(x0, f, 1e-7 * np.maximum(np.abs(x0), 1e-3))
    np.testing.assert_allclose(analytic, numeric, rtol=2e-4, atol=1e-3)
    assert np.shape(g["beta"]) == b0.shape


def test_t_stop_and_window_checks(small):
    with pytest.raises(InvalidParameterError, match="window"):
        log_likelihood(small, MU, ALPHA, 0.05, t_stop=small.times.max() - 1)
    # a longer window only adds the compensator of the extra time
    base = log_likelihood(small, MU, np.zeros((3, 3)), 0.05)
    longer = log_likelihood(small, MU, np.zeros((3, 3)), 0.05, t_stop=small.t_stop + 1000.0)
    assert longer == pytest.approx(base - MU.sum() * 1e-3 * 1000.0)


def test_parameter_errors(small):
    with pytest.raises(ShapeError, match=r"alpha .* shape \(3, 3\)"):
        log_likelihood(small, MU, np.zeros((2, 2)), 0.05)
    with pytest.raises(ShapeError, match="beta"):
        log_likelihood(small, MU, ALPHA, np.ones(4))
    with pytest.raises(InvalidParameterError, match="beta .* > 0"):
        log_likelihood(small, MU, ALPHA, 0.0)
    with pytest.raises(InvalidParameterError, match="alpha .* >= 0"):
        log_likelihood(small, MU, -ALPHA, 0.05)


def test_zero_intensity_gives_minus_infinity():
    assert log_likelihood([[10.0]], [0.0], [[0.0]], 0.1, t_stop=20.0) == -np.inf


def test_jax_likelihood_agrees(small):
    pytest.importorskip("jax", reason="the optional 'mcmc' extra (jax, numpyro) is not installed")
    from spikeopt.hawkes.mcmc import jax_log_likelihood

    rounded = SpikeTrains.from_list([np.round(x) for x in small.to_list()], t_stop=small.t_stop)
    # one compile per case: shared decay on distinct times, per-pair decays with ties
    for b, st in ((BETAS["shared"], small), (BETAS["pair"], rounded)):
        assert jax_log_likelihood(st, MU, ALPHA, b) == pytest.approx(
                log_likelihood(st, MU, ALPHA, b), rel=1e-11)


@pytest.mark.parametrize("kind", ["shared", "source"])
def test_per_source_fast_kernel_equals_per_pair_kernel(small, kind):
    """The O(D)-per-event kernel (decays per source) and the per-pair kernel agree,
    gradient included, also with tied time stamps."""
    from spikeopt.hawkes.likelihood import (
        _design_kernel,
        _loglik_kernel,
        design_arrays,
        loglik_arrays,
        prepare_events,
    )

    rounded = SpikeTrains.from_list([np.round(x) for x in small.to_list()], t_stop=small.t_stop)
    bm = expand_beta(BETAS[kind], 3)
    for st in (small, rounded):
        ev = prepare_events(st)
        fast = loglik_arrays(ev, MU * 1e-3, ALPHA, bm, True)
        ref = _loglik_kernel(ev.times, ev.marks, ev.t_stop, MU * 1e-3, ALPHA, bm, True)
        assert fast[0] == pytest.approx(ref[0], rel=1e-12)
        for a, b in zip(fast[1:], ref[1:], strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)
        for a, b in zip(design_arrays(ev, bm), _design_kernel(ev.times, ev.marks, ev.t_stop, bm),
                        strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
