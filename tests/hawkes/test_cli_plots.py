import json

import numpy as np
import pytest

from spikeopt.cli import main
from spikeopt.cli.hawkes import parse_neurons
from spikeopt.errors import InvalidParameterError
from spikeopt.hawkes import fit, simulate, time_rescaling
from spikeopt.hawkes.plots import plot_alpha, plot_posterior, plot_rescaled_qq
from spikeopt.io.spikefiles import save_spikes

MU = [6.0, 4.0, 5.0]
ALPHA = [[0.0, 0.5, 0.0], [0.0, 0.0, 0.0], [0.4, 0.0, 0.0]]


@pytest.fixture(scope="module")
def three():
    return simulate(MU, ALPHA, 0.1, 150_000.0, rng=21)


def test_parse_neurons():
    assert parse_neurons("0,2,5-7") == [0, 2, 5, 6, 7]
    for bad in ("a", "3-1", "1,1", ""):
        with pytest.raises(InvalidParameterError):
            parse_neurons(bad)


def test_cli_writes_estimates_and_figures(three, tmp_path, capsys):
    f = save_spikes(tmp_path / "s.npz", three)
    out = tmp_path / "out"
    assert main(["hawkes", str(f), "--neurons", "0-2", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "1->0" in printed and "0->2" in printed
    d = json.loads((out / "estimate.json").read_text())
    est = fit(three)
    np.testing.assert_allclose(d["alpha"], est.alpha, rtol=1e-6, atol=1e-9)
    assert d["significant"][0][1] and d["significant"][2][0]
    assert d["goodness_of_fit"]["pvalue"] == pytest.approx(time_rescaling(three, est).pvalue)
    for name in ("alpha.csv", "mu.csv", "significant.csv", "alpha.png", "rescaled_qq.png"):
        assert (out / name).stat().st_size > 0


def test_cli_subset_and_errors(three, tmp_path, capsys):
    f = save_spikes(tmp_path / "s.csv", three)
    assert main(["hawkes", str(f), "--neurons", "2,0", "--beta", "0.1"]) == 0
    assert "0->2" in capsys.readouterr().out  # names are the original indices
    assert main(["hawkes", str(f), "--neurons", "0,7"]) == 2
    assert "out of range" in capsys.readouterr().err


def test_figures(three):
    est = fit(three, beta=0.1)
    fig = plot_alpha(est)
    ax = fig.axes[0]
    img = ax.images[0].get_array()
    np.testing.assert_allclose(np.asarray(img), est.alpha)
    assert len(fig.axes) == 2  # heatmap + colour bar
    n_outlined = sum(1 for p in ax.patches if p.get_edgecolor()[0] == 1.0)
    assert n_outlined == int(est.significant.sum())
    qq = plot_rescaled_qq(time_rescaling(three, est))
    x, y = qq.axes[0].lines[0].get_data()
    assert np.all(np.diff(y) >= 0) and np.max(np.abs(x - y)) < 0.05
    with pytest.raises(ValueError, match="MCMC"):
        plot_posterior(est)
