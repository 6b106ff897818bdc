import json

import numpy as np
import pytest
from scipy import stats

from spikeopt.errors import InvalidParameterError
from spikeopt.hawkes import (
    adjust_pvalues,
    fit,
    fit_mle,
    log_likelihood,
    log_likelihood_and_grad,
    lrt_pvalues,
    simulate,
    time_rescaling,
)


@pytest.fixture(scope="module")
def sparse_fit(sparse10):
    st, *_ = sparse10
    return fit(st, method="mle")


def test_sparse_10d_recovery(sparse10, sparse_fit):
    st, mu, alpha, beta = sparse10
    est = sparse_fit
    assert st.times.size >= 20_000 and est.n_events == st.times.size
    mae = np.abs(est.alpha - alpha).mean()
    assert mae <= 0.03
    truth = alpha > 0
    found = est.significant
    precision = (found & truth).sum() / max(found.sum(), 1)
    recall = (found & truth).sum() / truth.sum()
    assert precision >= 0.9 and recall >= 0.9
    assert est.beta == pytest.approx(beta, rel=0.1)
    np.testing.assert_allclose(est.mu, mu, rtol=0.25)
    assert est.spectral_radius < 1 and est.stationary


def test_mle_is_a_stationary_point(sparse10, sparse_fit):
    st, *_ = sparse10
    est = sparse_fit
    assert est.log_likelihood == pytest.approx(
        log_likelihood(st, est.mu, est.alpha, est.beta), rel=1e-12)
    _, g = log_likelihood_and_grad(st, est.mu, est.alpha, est.beta)
    n = est.n_events
    # KKT: zero gradient in the interior, non-positive at alpha = 0
    interior = est.alpha > 1e-6
    assert np.all(np.abs(g["alpha"][interior]) / n < 1e-4)
    assert np.all(g["alpha"][~interior] / n < 1e-4)
    assert np.all(np.abs(g["mu"]) / n < 1e-4)
    assert abs(g["beta"]) / n < 1e-3
    # and beats the truth and nearby points
    _, mu, alpha, beta = sparse10
    assert est.log_likelihood >= log_likelihood(st, mu, alpha, beta)
    for b in (0.9 * est.beta, 1.1 * est.beta):
        assert est.log_likelihood > log_likelihood(st, est.mu, est.alpha, b)


def test_lrt_statistic_matches_refit_by_hand():
    """p-value of alpha[0, 1] equals the chi2 mixture of 2 * (ll_full - ll_restricted)."""
    mu, alpha, beta = [6.0, 6.0], [[0.0, 0.15], [0.0, 0.0]], 0.1
    st = simulate(mu, alpha, beta, 100_000.0, rng=7)
    est = fit_mle(st, beta=beta)
    # the restricted fit: target 0 without source 1 is a 1-D Hawkes process + nothing
    restricted = fit_mle(st, beta=beta, test=False, bounds={"alpha": (0.0, 10.0)})
    r_alpha = restricted.alpha.copy()
    sub = fit_mle([st[0]], beta=beta, t_stop=st.t_stop, test=False)
    r_mu = restricted.mu.copy()
    r_mu[0] = sub.mu[0]
    r_alpha[0] = [sub.alpha[0, 0], 0.0]
    stat = 2 * (est.log_likelihood - log_likelihood(st, r_mu, r_alpha, beta))
    assert est.pvalues[0, 1] == pytest.approx(0.5 * stats.chi2.sf(stat, 1), rel=1e-3)
    assert est.significant[0, 1]
    np.testing.assert_allclose(lrt_pvalues(st, est.mu, est.alpha, beta), est.pvalues,
                               rtol=1e-3, atol=1e-12)


def test_null_pvalues_are_not_too_small():
    """Under H0 (independent Poisson trains) few interactions are called significant."""
    st = simulate([5.0] * 4, np.zeros((4, 4)), 0.05, 200_000.0, rng=9)
    est = fit_mle(st, beta=0.05, correction="none")
    # boundary mixture: P(p < 0.05) = 0.05 per entry; 16 entries
    assert (est.pvalues < 0.05).sum() <= 4
    assert np.all(est.pvalues >= 0) and np.all(est.pvalues <= 1)


def test_adjust_pvalues_against_scipy():
    rng = np.random.default_rng(0)
    p = rng.uniform(0, 0.2, size=(5, 5))
    np.testing.assert_allclose(adjust_pvalues(p, "bh"), stats.false_discovery_control(p.ravel())
                               .reshape(5, 5))
    holm = adjust_pvalues(p, "holm").ravel()
    order = np.argsort(p.ravel())
    manual = np.maximum.accumulate(np.minimum(p.ravel()[order] * (25 - np.arange(25)), 1))
    np.testing.assert_allclose(holm[order], manual)
    np.testing.assert_allclose(adjust_pvalues(p, "bonferroni"), np.minimum(25 * p, 1))
    with pytest.raises(InvalidParameterError):
        adjust_pvalues(p, "fdr")


def test_per_source_decays_are_recovered():
    mu = [8.0, 8.0]
    alpha = [[0.0, 0.4], [0.4, 0.0]]
    beta = np.array([0.2, 0.02])
    st = simulate(mu, alpha, beta, 300_000.0, rng=2)
    est = fit_mle(st, beta_shape="source", test=False)
    np.testing.assert_allclose(est.beta, beta, rtol=0.2)
    shared = fit_mle(st, test=False)
    assert est.log_likelihood > shared.log_likelihood
    assert time_rescaling(st, est).pvalue > 0.01


def test_estimate_serialises(sparse_fit, tmp_path):
    paths = sparse_fit.save(tmp_path)
    d = json.loads(paths["json"].read_text())
    np.testing.assert_allclose(d["alpha"], sparse_fit.alpha)
    assert d["units"]["mu"] == "Hz" and d["method"] == "mle"
    rows = paths["alpha"].read_text().splitlines()
    assert len(rows) == 11 and rows[0].startswith("target\\source,0,1")
    assert float(rows[3].split(",")[5]) == pytest.approx(sparse_fit.alpha[2, 4], rel=1e-5)


def test_bad_options():
    st = simulate([5.0], [[0.2]], 0.1, 20_000.0, rng=0)
    with pytest.raises(InvalidParameterError, match="bounds"):
        fit_mle(st, bounds={"gamma": (0, 1)})
    with pytest.raises(InvalidParameterError, match="beta_shape"):
        fit_mle(st, beta_shape="row")
    with pytest.raises(InvalidParameterError, match="method"):
        fit(st, method="em")
    with pytest.raises(TypeError):
        fit(st, method="mle", n_start=3)


def test_per_pair_decays_are_recovered_at_a_stationary_point():
    beta = np.array([[0.1, 0.2], [0.02, 0.1]])
    st = simulate([8.0, 8.0], [[0.0, 0.4], [0.4, 0.0]], beta, 300_000.0, rng=4)
    est = fit_mle(st, beta_shape="pair", test=False)
    assert est.beta.shape == (2, 2)
    assert est.beta[0, 1] == pytest.approx(0.2, rel=0.25)
    assert est.beta[1, 0] == pytest.approx(0.02, rel=0.25)
    _, g = log_likelihood_and_grad(st, est.mu, est.alpha, est.beta)
    # decays of interacting pairs are interior: zero gradient (per event)
    assert np.all(np.abs(g["beta"][[0, 1], [1, 0]]) / est.n_events < 1e-3)
