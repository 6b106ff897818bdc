"""NUTS posterior: credible intervals cover the truth at about their nominal rate."""

import numpy as np
import pytest

pytest.importorskip("numpyro", reason="the optional 'mcmc' extra (numpyro, jax) is not installed")
pytest.importorskip("jax", reason="the optional 'mcmc' extra (numpyro, jax) is not installed")

from spikeopt.hawkes import fit, simulate, stationary_rates  # noqa: E402

MU = np.array([5.0, 8.0, 4.0])
ALPHA = np.array([[0.2, 0.3, 0.05], [0.1, 0.25, 0.15], [0.3, 0.05, 0.1]])
BETA = 0.05


@pytest.fixture(scope="module")
def posterior():
    # one sampler run keeps the suite fast (compiling NUTS dominates): 13 intervals
    T = 2000 / stationary_rates(MU, ALPHA).sum() * 1e3  # ~2 000 events
    st = simulate(MU, ALPHA, BETA, T, rng=1)
    return fit(st, method="mcmc", rng=1, num_warmup=150, num_samples=250, num_chains=2,
               ci_level=0.9)


def test_credible_intervals_cover_truth(posterior):
    hits = []
    for name, truth in (("mu", MU), ("alpha", ALPHA), ("beta", BETA)):
        lo, hi = posterior.ci[name]
        hits.extend(np.ravel((lo <= truth) & (truth <= hi)))
    # 13 intervals at 90 %: expected 11.7 covered, binomial sd 1.1
    assert len(hits) == 13 and sum(hits) >= 9, hits


def test_diagnostics_and_samples(posterior):
    est = posterior
    assert est.samples["alpha"].shape == (500, 3, 3)
    assert est.samples["mu"].shape == (500, 3) and est.samples["beta"].shape == (500,)
    assert est.info["max_rhat"] < 1.05 and est.info["min_ess"] > 50
    np.testing.assert_allclose(est.alpha, est.samples["alpha"].mean(axis=0))
    lo, hi = est.ci["alpha"]
    assert np.all(lo <= est.alpha) and np.all(est.alpha <= hi)
    assert np.all(est.significant == (lo > est.info["min_effect"]))
    assert est.significant[0, 1] and est.significant[2, 0]  # 0.3 with ~2 000 events


def test_posterior_figure(posterior, tmp_path):
    from spikeopt.hawkes.plots import plot_posterior

    fig = plot_posterior(posterior, truth={"mu": MU, "alpha": ALPHA, "beta": BETA},
                         max_alpha=4)
    fig.savefig(tmp_path / "post.png")
    assert sum(ax.get_visible() for ax in fig.axes) == 3 + 1 + 4


def test_pure_jax_backend_samples_around_the_mle():
    from spikeopt.hawkes import fit_mle

    st = simulate([10.0], [[0.4]], 0.05, 60_000.0, rng=3)
    est = fit(st, method="mcmc", backend="jax", rng=0, num_warmup=100, num_samples=100,
              num_chains=1)
    assert est.info["backend"] == "jax" and est.samples["alpha"].shape == (100, 1, 1)
    mle = fit_mle(st, test=False)
    sd = est.samples["alpha"].std()
    assert abs(est.alpha[0, 0] - mle.alpha[0, 0]) < 3 * sd
    assert abs(est.mu[0] - mle.mu[0]) < 3 * est.samples["mu"].std()


@pytest.mark.parametrize("beta_shape", ["shared", "pair"])
def test_numba_sampler_density_is_numpyros_potential(beta_shape):
    """The numba sampler's target = numpyro's model: same priors, transforms and
    Jacobians, so both samplers draw from one posterior (value and gradient)."""
    import math

    import jax
    from numpyro.infer.util import potential_energy

    import spikeopt.hawkes.mcmc as mcmc
    from spikeopt.hawkes._logdensity import hawkes_target, log_density
    from spikeopt.hawkes.likelihood import prepare_events

    st = simulate(MU, ALPHA, BETA, 30_000.0, rng=4)
    ev = prepare_events(st)
    D, bounds, scale = 3, (1e-3, 10.0), 37.0
    dims = {"shared": (), "source": (D,), "pair": (D, D)}[beta_shape]
    numpyro = mcmc._import_jax()[1]
    dist = numpyro.distributions
    ll = mcmc._numba_loglik_fn(jax, ev, dims)

    def model():
        mu = numpyro.sample("mu", dist.HalfNormal(scale).expand([D]).to_event(1))
        alpha = numpyro.sample("alpha", dist.Exponential(1.0).expand([D, D]).to_event(2))
        lb = numpyro.sample("log_beta", dist.Uniform(*(math.log(b) for b in bounds)).expand(
            list(dims)).to_event(len(dims)))
        numpyro.factor("ll", ll(mu, alpha, jax.numpy.exp(lb)))

    target = hawkes_target(ev, beta_shape, scale, bounds)
    rng = np.random.default_rng(0)
    n = D + D * D + int(np.prod(dims))
    q = np.r_[np.log(MU), np.log(ALPHA.ravel()), np.full(n - D - D * D, -0.7)]
    q = q + 0.3 * rng.standard_normal(n)
    g = np.empty(n)
    lp = log_density(target, q, g)
    params = {"mu": q[:D], "alpha": q[D:D + D * D].reshape(D, D),
              "log_beta": q[D + D * D:].reshape(dims)}
    pe, grad = jax.value_and_grad(lambda p: potential_energy(model, (), {}, p))(params)
    np.testing.assert_allclose(lp, -float(pe), rtol=1e-12)
    g_ref = -np.concatenate([np.ravel(grad[k]) for k in ("mu", "alpha", "log_beta")])
    np.testing.assert_allclose(g, g_ref, rtol=1e-9, atol=1e-9 * np.abs(g_ref).max())


def test_default_sampler_is_numba_and_reports_its_work(posterior):
    info = posterior.info
    assert info["sampler"] == "numba" and info["divergences"] == 0
    assert info["n_evaluations"] > info["n_leapfrog"] > 500 * 2
    assert 0.6 < info["accept_stat"] < 1.0
