"""``kind: network`` configs end to end: fit, run folder, resume, and the errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml

import spikeopt
from spikeopt.errors import ConfigError
from spikeopt.fitting import load_config

from .test_network_problem import EI

T_STOP = 500.0


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    d = tmp_path_factory.mktemp("netfit")
    (d / "ei.yaml").write_text(yaml.safe_dump(EI))
    truth = spikeopt.simulate(EI, t_stop=T_STOP, seed=100)
    for p in ("E", "I"):
        spikeopt.io.save_spikes(d / f"target_{p}.npz", truth.population(p))
    return d


def config(folder, **changes):
    cfg = {
        "kind": "network",
        "network": "ei.yaml",
        "target": {"spikes": {"E": "target_E.npz", "I": "target_I.npz"}},
        "fit": {"projections.IE.weight": [-500.0, -20.0]},
        "objective": {"terms": [{"metric": "rate_distribution", "populations": ["E", "I"]}]},
        "simulation": {"t_stop_ms": T_STOP, "dt_ms": 0.1},
        "optimizer": {"name": "cmaes", "popsize": 8},
        "budget": {"evaluations": 40},
        "seed": 3,
        "output": "runs/ei",
    }
    cfg.update(changes)
    path = folder / "fit.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def test_network_fit_writes_its_run_folder_and_resumes(folder):
    res = spikeopt.fit(config(folder), progress=False, overwrite=True)
    out = folder / "runs" / "ei"
    best = json.loads((out / "best_params.json").read_text())
    assert best["fitted"]["projections.IE.weight"]["unit"] == "pA"
    assert -500.0 <= best["fitted"]["projections.IE.weight"]["value"] <= -20.0
    scores = json.loads((out / "scores.json").read_text())
    assert scores["validation_seeds"] == 5 and scores["failed"] == 0
    assert "target" in scores["mean_rate_hz"]["E"]
    assert (out / "raster.png").exists() and (out / "best_E.npz").exists()
    for p in ("E", "I"):  # fitted vs target: the validation tables and figures
        assert (out / "validation" / p / "table.csv").exists()
        assert isinstance(scores["validation"][p]["passed"], bool)
        assert isinstance(scores["validation"][p]["same_model_passed"], bool)
        assert {r["measure"] for r in scores["validation"][p]["summary"]} == {"rate", "cv", "lv"}
    term = scores["terms"]["rate_distribution:E,I"]
    assert term["noise_floor_mean"] > 0 and term["noise_floor_sd"] >= 0
    page = (out / "report.html").read_text()
    for title in ("Target and fitted rasters", "Mean rates (Hz)", "Loss terms on fresh seeds",
                  "Validation: population E", "Convergence", "Population converging",
                  "Near-optimal ranges"):
        assert f"<h2>{title}</h2>" in page
    # one self-contained file: the validation figures in subfolders are embedded too
    assert "src='validation/" not in page and page.count("src='data:image/png;base64,") >= 5
    assert (out / "population.gif").exists() and (out / "near_optimal.csv").exists()
    assert res.n_evaluations == 40
    more = spikeopt.fitting.resume_fit(out, budget=56, progress=False)
    assert more.n_evaluations == 56
    np.testing.assert_array_equal(more.history["loss"].to_numpy()[:40],
                                  res.history["loss"].to_numpy())


def test_a_target_rate_needs_no_target_spikes(folder):
    path = config(folder, target=None, output="runs/rate",
                  objective={"terms": [{"metric": "mean_rate", "populations": ["E"],
                                        "target_hz": 17.0}]})
    cfg = yaml.safe_load(path.read_text())
    del cfg["target"]
    path.write_text(yaml.safe_dump(cfg))
    res = spikeopt.fit(path, progress=False, overwrite=True)
    scores = json.loads((folder / "runs" / "rate" / "scores.json").read_text())
    assert res.best_loss < 0.05  # within ~22 % of 17 Hz after 40 evaluations
    assert abs(scores["mean_rate_hz"]["E"]["fitted_mean"] - 17.0) < 4.0


@pytest.mark.parametrize("change,match", [
    ({"fit": {"projections.IE.wieght": [-5.0, 0.0]}}, "fit.projections.IE.wieght"),
    ({"objective": {"terms": [{"metric": "rates", "populations": ["E"]}]}},
     "objective.terms.0.metric.*allowed values.*'mean_rate'.*got 'rates'"),
    ({"objective": {"terms": [{"metric": "cv_distribution", "populations": ["X"]}]}},
     "objective.terms.0.populations"),
    ({"simulation": {"dt_ms": 0.1}}, "simulation.*t_stop_ms"),
    ({"kind": "tissue"}, "'kind'.*cell.*network"),
    ({"target": {"spikes": {"E": "missing.npz"}}}, "target.spikes.E.*not found"),
    ({"bogus": 1}, "unknown key.*bogus"),
])
def test_bad_network_configs_name_the_key(folder, change, match):
    with pytest.raises(ConfigError, match=match):
        load_config(config(folder, **change))
