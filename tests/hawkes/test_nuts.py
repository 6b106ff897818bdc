"""The numba NUTS sampler: known Gaussian moments, adaptation, divergences, seeds,
and the Hawkes posterior against an independent random-walk Metropolis reference."""

import math

import numpy as np
import pytest

from spikeopt.errors import InvalidParameterError
from spikeopt.hawkes import fit, nuts, simulate
from spikeopt.hawkes._logdensity import hawkes_constrain, hawkes_target, log_density
from spikeopt.hawkes.likelihood import prepare_events

MEAN = np.array([1.0, -2.0, 0.5])
COV = np.array([[1.0, 0.9, 0.0], [0.9, 1.0, 0.0], [0.0, 0.0, 4.0]])


@pytest.fixture(scope="module")
def gauss():
    target = nuts.gaussian_target(MEAN, COV)
    return nuts.sample(target, np.zeros((2, 3)), rng=3, num_warmup=300, num_samples=2000)


def test_gaussian_moments_within_monte_carlo_error(gauss):
    x = gauss.draws
    sd = np.sqrt(np.diag(COV))
    ess = nuts.effective_sample_size(x)
    assert np.all(ess > 1000)
    z_mean = (x.mean(axis=(0, 1)) - MEAN) / (sd / np.sqrt(ess))
    assert np.all(np.abs(z_mean) < 4), z_mean
    sq = (x - MEAN) ** 2  # E = variance; var of (x - m)^2 = 2 var^2 for a Gaussian
    ess_sq = nuts.effective_sample_size(sq)
    z_var = (sq.mean(axis=(0, 1)) - sd**2) / (np.sqrt(2) * sd**2 / np.sqrt(ess_sq))
    assert np.all(np.abs(z_var) < 4), z_var
    c = np.corrcoef(x.reshape(-1, 3).T)[0, 1]
    assert abs(c - 0.9) < 0.02
    assert np.all(nuts.split_rhat(x) < 1.01)


def test_step_size_and_metric_adaptation(gauss):
    # dual averaging targets a mean acceptance statistic of 0.8 during warm-up
    assert abs(gauss.warmup_accept_stat.mean() - 0.8) < 0.05
    assert 0.7 < gauss.accept_stat.mean() < 0.98
    assert gauss.divergences == 0
    # the diagonal metric approaches the marginal variances (Welford, regularized)
    np.testing.assert_allclose(gauss.inv_mass, np.tile(np.diag(COV), (2, 1)), rtol=0.5)
    assert np.all((gauss.tree_depth >= 1) & (gauss.tree_depth <= 10))


def test_metric_adapts_to_scales_six_orders_apart():
    var = np.array([1e-4, 1.0, 1e2])
    res = nuts.sample(nuts.gaussian_target(np.zeros(3), np.diag(var)), np.full((1, 3), 0.01),
                      rng=0, num_warmup=300, num_samples=300)
    np.testing.assert_allclose(res.inv_mass[0] / var, 1.0, rtol=0.5)
    assert 0.3 < res.step_size[0] < 2.0 and res.divergences == 0


def test_huge_steps_diverge():
    target = nuts.gaussian_target(np.zeros(2), np.eye(2))
    z = nuts._start(target, np.ones(2))
    out = np.empty_like(z)
    acc, steps, divergent, depth = nuts._transition(z, 1e3, np.ones(2), 10, target,
                                                    np.random.default_rng(0), out)
    assert divergent and steps == 1 and depth == 0 and acc < 1e-100
    np.testing.assert_array_equal(out[[0, 1, -1]], z[[0, 1, -1]])  # the chain stays put


def test_same_seed_same_draws_and_threads_change_nothing():
    target = nuts.gaussian_target(MEAN, COV)
    a = nuts.sample(target, np.zeros((2, 3)), rng=7, num_warmup=60, num_samples=50,
                    chain_method="sequential")
    b = nuts.sample(target, np.zeros((2, 3)), rng=7, num_warmup=60, num_samples=50,
                    chain_method="threads")
    c = nuts.sample(target, np.zeros((2, 3)), rng=8, num_warmup=60, num_samples=50)
    np.testing.assert_array_equal(a.draws, b.draws)
    assert a.n_leapfrog == b.n_leapfrog
    assert not np.array_equal(a.draws, c.draws)
    assert not np.array_equal(a.draws[0], a.draws[1])  # chains get their own streams


def test_bad_arguments_are_refused():
    target = nuts.gaussian_target(np.zeros(2), np.eye(2))
    with pytest.raises(InvalidParameterError, match="chain_method"):
        nuts.sample(target, np.zeros((1, 2)), rng=0, chain_method="processes")
    with pytest.raises(InvalidParameterError, match="inv_mass"):
        nuts.sample(target, np.zeros((1, 2)), rng=0, inv_mass=[1.0, -1.0])
    with pytest.raises(InvalidParameterError, match="rng"):
        nuts.sample(target, np.zeros((1, 2)), rng=None)


def test_diagnostics_match_numpyro():
    diag = pytest.importorskip("numpyro.diagnostics")
    rng = np.random.default_rng(0)
    x = np.cumsum(rng.standard_normal((3, 401, 2, 2)), axis=1) * 0.1 + rng.standard_normal(
        (3, 401, 2, 2))
    np.testing.assert_allclose(nuts.split_rhat(x), diag.split_gelman_rubin(x), rtol=1e-12)
    np.testing.assert_allclose(nuts.effective_sample_size(x), diag.effective_sample_size(x),
                               rtol=1e-10)


# ----------------------------------------------------------------------------- Hawkes

MU = np.array([6.0, 4.0])
ALPHA = np.array([[0.2, 0.4], [0.0, 0.1]])
BETA = 0.05


@pytest.fixture(scope="module")
def small():
    return simulate(MU, ALPHA, BETA, 30_000.0, rng=2)


def _rwm(target, q0, cov, n_steps, rng):
    """Random-walk Metropolis with proposal covariance (2.38^2 / d) cov."""
    d = q0.size
    L = np.linalg.cholesky(cov * 2.38**2 / d)
    g = np.empty(d)
    q, lp = q0.copy(), log_density(target, q0, g)
    out = np.empty((n_steps, d))
    for k in range(n_steps):
        prop = q + L @ rng.standard_normal(d)
        lp_new = log_density(target, prop, g)
        if math.log(rng.random()) < lp_new - lp:
            q, lp = prop, lp_new
        out[k] = q
    return out


def test_hawkes_posterior_matches_random_walk_metropolis(small):
    est = fit(small, method="mcmc", rng=0, num_warmup=300, num_samples=1000, num_chains=2)
    assert est.info["sampler"] == "numba" and est.info["divergences"] == 0
    assert est.info["max_rhat"] < 1.02 and est.info["min_ess"] > 400
    # the reference: a long random-walk Metropolis run on the same (compiled) density
    ev = prepare_events(small)
    rate_scale = 10.0 * ev.counts.max() / ev.t_stop * 1e3
    target = hawkes_target(ev, "shared", rate_scale, (1e-3, 10.0))
    a, b = math.log(1e-3), math.log(10.0)
    s = (np.log(est.samples["beta"]) - a) / (b - a)
    q_nuts = np.column_stack([np.log(est.samples["mu"]),
                              np.log(est.samples["alpha"]).reshape(-1, 4), np.log(s / (1 - s))])
    cov = np.cov(q_nuts.T)
    chains = np.stack([_rwm(target, q_nuts[i * 997], cov, 15_000, np.random.default_rng(i))
                       for i in range(2)])[:, 1000:]
    mu, alpha, beta = hawkes_constrain(chains, 2, "shared", (1e-3, 10.0))
    for name, ref in (("mu", mu), ("alpha", alpha), ("beta", beta)):
        ess_ref = nuts.effective_sample_size(ref)
        got = est.samples[name]
        se = np.sqrt(ref.var(axis=(0, 1)) / ess_ref + got.var(axis=0) / est.ess[name])
        z = (got.mean(axis=0) - ref.mean(axis=(0, 1))) / se
        assert np.all(np.abs(z) < 4), (name, z)
        np.testing.assert_allclose(got.std(axis=0), ref.std(axis=(0, 1)), rtol=0.2)


def test_same_seed_same_posterior_draws(small):
    kw = dict(method="mcmc", num_warmup=40, num_samples=30, num_chains=2)
    a = fit(small, rng=5, chain_method="sequential", **kw)
    b = fit(small, rng=5, chain_method="threads", **kw)
    c = fit(small, rng=6, **kw)
    for k in ("mu", "alpha", "beta"):
        np.testing.assert_array_equal(a.samples[k], b.samples[k])
    assert not np.array_equal(a.samples["alpha"], c.samples["alpha"])


def test_numpyro_only_options_need_numpyro(small):
    with pytest.raises(InvalidParameterError, match="sampler='numpyro'"):
        fit(small, method="mcmc", sampler="numba", dense_mass=True)
    with pytest.raises(InvalidParameterError, match="sampler must be"):
        fit(small, method="mcmc", sampler="stan")
