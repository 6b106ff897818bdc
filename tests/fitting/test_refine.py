"""The config's ``refine`` section on the demo recording (a hidden AdEx): a short
search plus a local refinement lowers the training loss and moves the parameters
towards the truth; scores.json reports before/after; resume continues it exactly."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import spikeopt
from spikeopt.fitting import load_config
from spikeopt.fitting.cell import build_objective, build_space
from spikeopt.fitting.refine import top_candidates
from spikeopt.run import refine, resume

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "demo_adex.yaml"
NAMES = ("a", "b", "tau_w", "V_T")


@pytest.fixture(scope="module")
def refined(tmp_path_factory):
    cfg = load_config(EXAMPLE)
    cfg["output"] = str(tmp_path_factory.mktemp("refine") / "demo")
    cfg["budget"] = {"evaluations": 200}
    cfg["report"] = {"gif": False, "validation": False}
    cfg["refine"] = {"method": "cmaes", "evaluations": 200, "top": 2, "step": 0.05}
    result = spikeopt.fit(cfg, progress=False, report=False)
    scores = json.loads((Path(cfg["output"]) / "scores.json").read_text())
    return cfg, result, scores


def _unit_distance(cfg, params, truth):
    space = build_space(cfg)
    return np.sqrt(sum(((params[k] - float(truth[f"truth_{k}"]))
                        / (space[k].high - space[k].low)) ** 2 for k in NAMES))


def test_refinement_lowers_the_training_loss_towards_the_truth(refined):
    cfg, result, scores = refined
    r = scores["refinement"]
    assert r["kept"] and r["train_loss_after"] < r["train_loss_before"]
    assert result.best_loss == pytest.approx(r["train_loss_after"])  # fit returns the kept one
    assert result.best_params == pytest.approx(r["params_after"])
    assert r["train_loss_before"] == pytest.approx(float(result.history["loss"].min()))
    truth = np.load(cfg["data"]["path"])
    assert (_unit_distance(cfg, r["params_after"], truth)
            < _unit_distance(cfg, r["params_before"], truth))
    best = json.loads((Path(cfg["output"]) / "best_params.json").read_text())
    assert {k: best["fitted"][k]["value"] for k in NAMES} == pytest.approx(r["params_after"])
    for part in ("before", "after"):
        assert set(r[part]) >= {"gamma", "spike_distance"}
    assert scores["test"]["gamma"] == pytest.approx(r["after"]["gamma"])


def test_resume_of_the_refinement_is_exact(refined):
    cfg, result, _ = refined
    run_dir = Path(cfg["output"]) / "refine"
    cont = resume(run_dir, budget=260)  # the stored kind rebuilds the objective
    space = build_space(cfg)
    starts = top_candidates(result, list(space.names), 2)  # from the search's history
    whole = refine(build_objective(cfg), space, starts, method="cmaes", evaluations=260,
                   step=0.05, seed=cfg["seed"])
    cols = ["generation", *NAMES, "loss"]
    assert cont.history[cols].equals(whole.result.history[cols])
