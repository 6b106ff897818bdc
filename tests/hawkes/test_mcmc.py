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
