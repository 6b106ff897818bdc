"""The 16 hippocampal units (Balbi lab; see SOURCE.txt beside the data) fitted and shown."""

import numpy as np
import pytest

from spikeopt.hawkes import fit, log_likelihood, log_likelihood_and_grad, time_rescaling
from spikeopt.hawkes.plots import plot_alpha, plot_rescaled_qq

from .conftest import HIPPO

pytestmark = pytest.mark.skipif(
    not HIPPO.is_file(),
    reason=f"real data not found at {HIPPO} (the shared data folder beside the repository)",
)


@pytest.fixture(scope="module")
def units():
    from spikeopt.io.spikefiles import load_mat_spikes

    return load_mat_spikes(HIPPO, variable="unit_t", time_unit="s")


@pytest.fixture(scope="module")
def est(units):
    return fit(units, method="mle", n_starts=2)


def test_data_as_documented(units):
    # SOURCE.txt: 16 units, 35 112 spikes, ~0.7 .. 998.2 s
    assert len(units) == 16 and units.times.size == 35_112
    assert units.counts()[:3].tolist() == [3238, 2532, 1167]
    assert 600 < units.times.min() and units.times.max() < 998_300


def test_fit_is_a_maximum_and_beats_poisson(units, est, tmp_path):
    n = est.n_events
    _, g = log_likelihood_and_grad(units, est.mu, est.alpha, est.beta)
    interior = est.alpha > 1e-6
    assert np.all(np.abs(g["alpha"][interior]) / n < 1e-4)
    assert np.all(g["alpha"][~interior] / n < 1e-4)
    assert est.spectral_radius < 1
    rates = units.counts() / est.t_stop_ms * 1e3
    ll_poisson = log_likelihood(units, rates, np.zeros((16, 16)), 0.05, t_stop=est.t_stop_ms)
    assert est.log_likelihood - ll_poisson > 1000  # interactions are overwhelmingly supported
    gof = time_rescaling(units, est)
    poisson = time_rescaling(units, mu=rates, alpha=np.zeros((16, 16)), beta=0.05,
                             t_stop=est.t_stop_ms)
    assert gof.ks_stat < 0.5 * poisson.ks_stat
    assert 0 < est.significant.sum() < 256
    plot_alpha(est).savefig(tmp_path / "alpha.png")
    plot_rescaled_qq(gof, per_train=True).savefig(tmp_path / "qq.png")
    assert (tmp_path / "alpha.png").stat().st_size > 10_000
