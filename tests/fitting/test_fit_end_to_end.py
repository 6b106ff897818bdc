"""Ground truth: a known model under noisy current, fitted with the default
budget, predicts its held-out sweeps (Γ >= 0.95); the run folder is complete;
the command line, resume and report work on it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import spikeopt
from spikeopt import stimuli
from spikeopt.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "demo_adex.yaml"


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "demo"
    from spikeopt.fitting import load_config

    cfg = load_config(EXAMPLE)
    cfg["output"] = str(out)
    result = spikeopt.fit(cfg, progress=False)
    return cfg, result, out


def test_adex_ground_truth_predicts_held_out_sweep(demo_run):
    cfg, result, out = demo_run
    scores = json.loads((out / "scores.json").read_text())
    assert scores["test"]["gamma"] >= 0.95
    assert result.n_evaluations <= 4000 + 32
    truth = np.load(cfg["data"]["path"])
    for k in ("a", "b", "tau_w", "V_T"):
        assert result.best_params[k] == pytest.approx(float(truth[f"truth_{k}"]), rel=0.05), k


def test_run_folder_has_every_output(demo_run):
    _, _, out = demo_run
    for name in ("config.yaml", "history.sqlite", "best_params.json", "scores.csv", "report.html",
                 "raster_train.png", "raster_test.png", "voltage.png", "convergence.png",
                 "parameters.png", "population.gif", "best_spikes.npz", "target_spikes.npz"):
        assert (out / name).stat().st_size > 0, name
    best = json.loads((out / "best_params.json").read_text())
    assert best["fitted"]["tau_w"]["unit"] == "ms" and best["fixed"]["C"]["unit"] == "pF"
    html = (out / "report.html").read_text()
    assert "held-out" in html.lower() and "data:image/gif;base64," in html  # the GIF, embedded


def test_report_command_rewrites_the_report(demo_run, capsys):
    _, _, out = demo_run
    (out / "report.html").unlink()
    assert main(["report", str(out)]) == 0
    assert (out / "report.html").exists()
    assert "Γ" in capsys.readouterr().out


def test_izhikevich2007_cli_fit_and_resume_extends_the_budget(tmp_path, capsys):
    # Izhikevich 2007 spike timing is very sensitive to c (1 mV moves Γ from 1 to
    # 0.26 here), so this checks the command line and resume, not the optimum.
    truth = {"a": 0.03, "b": -2.0, "c": -50.0, "d": 100.0}
    cur = stimuli.ou_noise(120.0, 80.0, 3.0, duration=1500.0, n_sweeps=3, dt=0.1, rng=11)
    sim = spikeopt.simulate("izhikevich2007", truth, cur)
    assert sim.spikes.counts().min() > 5
    np.savez(tmp_path / "rec.npz", dt_ms=0.1, current_pA=cur.values,
             spike_times_ms=sim.spikes.times, spike_offsets=sim.spikes.offsets)
    import yaml

    cfg = {
        "data": {"path": "rec.npz", "train_sweeps": [0, 1], "test_sweeps": [2]},
        "model": "izhikevich2007",
        "fixed": {"a": 0.03, "b": -2.0},
        "fit": {"c": [-60.0, -40.0], "d": [20.0, 200.0]},
        "optimizer": {"name": "cmaes", "popsize": 16},
        "budget": {"evaluations": 480},
        "seed": 3,
        "output": "run",
        "report": {"gif": False, "validation": False},
    }
    (tmp_path / "fit.yaml").write_text(yaml.safe_dump(cfg))
    assert main(["fit", str(tmp_path / "fit.yaml"), "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "report:" in text and "test: Γ" in text
    first = json.loads((tmp_path / "run" / "best_params.json").read_text())
    # extend the finished run: the budget grows, the result can only improve
    assert main(["resume", str(tmp_path / "run"), "--budget", "960", "--no-progress"]) == 0
    scores = json.loads((tmp_path / "run" / "scores.json").read_text())
    best = json.loads((tmp_path / "run" / "best_params.json").read_text())
    assert best["evaluations"] > first["evaluations"] >= 480
    assert best["best_loss"] <= first["best_loss"]
    assert np.isfinite(scores["test"]["gamma"]) and scores["test"]["gamma"] > 0.3


def test_processes_executor_gives_the_serial_result(tmp_path):
    from spikeopt.fitting import load_config

    results = []
    for ex in ("serial", {"name": "processes", "workers": 2}):
        cfg = load_config(EXAMPLE)
        cfg.update(output=str(tmp_path / str(len(results))), executor=ex,
                   budget={"evaluations": 64}, report={"gif": False, "validation": False})
        cfg = load_config(cfg)
        results.append(spikeopt.fit(cfg, progress=False, report=False))
    a, b = results
    assert a.best_params == b.best_params and a.best_loss == b.best_loss
    assert a.history["loss"].tolist() == b.history["loss"].tolist()
