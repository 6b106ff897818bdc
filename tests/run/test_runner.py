import io

import numpy as np
import pandas as pd
import pytest

from spikeopt.errors import ConfigError, InvalidParameterError
from spikeopt.optimizers import GeneticAlgorithm, MaxEvaluations, TargetLoss
from spikeopt.run import (
    BestPrinter,
    ProgressBar,
    StatsLogger,
    optimize,
    pareto_mask,
    register_objective_factory,
    resume,
)

from .conftest import comparable
from .objectives import sphere, two_spheres

SPACE = {"x": (-1.0, 1.0), "y": (-1.0, 1.0)}


def test_optimize_returns_best_params_loss_and_history():
    res = optimize(sphere, SPACE, optimizer="de", budget=400,
                   optimizer_options={"popsize": 20}, seed=3)
    h = res.history
    assert list(h.columns) == ["generation", "idx", "x", "y", "loss", "status", "reason",
                               "eval_time"]
    assert len(h) == res.n_evaluations == 400 and res.n_generations == 20
    assert res.best_loss == h["loss"].min() < 1e-3
    best = h.loc[h["loss"].idxmin()]
    assert res.best_params == {"x": best["x"], "y": best["y"]}
    assert abs(res.best_params["x"] - 0.3) < 0.05
    assert np.allclose(h["loss"], sphere({"x": h["x"].to_numpy(), "y": h["y"].to_numpy()}))
    assert res.stop_reason.startswith("terminator")


@pytest.mark.parametrize("name", ["ga", "microbial", "cmaes", "de", "nsga2", "random"])
def test_same_seed_gives_a_bit_identical_history(name):
    a = optimize(sphere, SPACE, optimizer=name, budget=120, seed=11)
    b = optimize(sphere, SPACE, optimizer=name, budget=120, seed=11)
    c = optimize(sphere, SPACE, optimizer=name, budget=120, seed=12)
    pd.testing.assert_frame_equal(comparable(a.history), comparable(b.history))
    assert not comparable(a.history).equals(comparable(c.history))


def test_mixed_space_values_come_back_in_their_own_types():
    space = {"tau": {"low": 1.0, "high": 100.0, "log": True, "unit": "ms"},
             "n": {"low": 1, "high": 5, "integer": True},
             "rule": {"choices": ["stdp", "none"]}}

    def f(p):
        return (np.log10(p["tau"]) - 1.0) ** 2 + (p["n"] - 3) ** 2 + (p["rule"] == "none")

    res = optimize(f, space, optimizer="ga", budget=600, seed=0)
    assert res.best_params["rule"] == "stdp" and res.best_params["n"] == 3
    assert isinstance(res.best_params["n"], int) and isinstance(res.best_params["rule"], str)
    assert abs(res.best_params["tau"] - 10.0) < 2.0


def test_multi_objective_gives_a_pareto_front():
    res = optimize(two_spheres, SPACE, optimizer="nsga2", budget=1000, seed=1,
                   optimizer_options={"popsize": 40})
    h, front = res.history, res.pareto_front
    assert {"f0", "f1"} <= set(h.columns)
    assert np.allclose(h["loss"], h["f0"] + h["f1"])
    assert len(front) >= 10
    F = front[["f0", "f1"]].to_numpy()
    assert pareto_mask(F).all()  # nothing in the front dominates another member
    # and nothing in the history dominates a front member
    H = h[["f0", "f1"]].to_numpy()
    for f in F:
        assert not np.any(np.all(H <= f, axis=1) & np.any(H < f, axis=1))
    assert res.best_losses.shape == (2,)


def test_single_objective_optimizer_minimises_the_sum():
    res = optimize(two_spheres, SPACE, optimizer="cmaes", budget=300, seed=1)
    assert abs(res.best_params["x"]) < 0.05 and abs(res.best_params["y"]) < 0.05
    assert res.pareto_front is not None and len(res.pareto_front) >= 1


def test_pareto_mask():
    F = np.array([[1, 5], [2, 2], [5, 1], [3, 3], [2, 2], [6, 6]], dtype=float)
    assert pareto_mask(F).tolist() == [True, True, True, False, False, False]


def test_terminators_stop_early_and_callbacks_see_every_generation():
    buf, out = io.StringIO(), io.StringIO()
    stats, seen = StatsLogger(), []
    res = optimize(sphere, SPACE, optimizer="cmaes", seed=2,
                   budget=TargetLoss(1e-6) | MaxEvaluations(5000),
                   callbacks=[ProgressBar(file=buf), stats, BestPrinter(out), seen.append])
    assert res.best_loss <= 1e-6 and res.n_evaluations < 5000
    assert "TargetLoss" in res.stop_reason
    assert len(stats.records) == len(seen) == res.n_generations
    assert [r["generation"] for r in stats.records] == list(range(res.n_generations))
    assert seen[-1].progress == 1.0 and all(0 <= i.progress <= 1 for i in seen)
    assert stats.records[-1]["best"] == res.best_loss
    printed = out.getvalue().splitlines()
    assert 1 <= len(printed) == sum(i.new_best for i in seen)
    text = buf.getvalue()
    assert "best " in text and "evals/s" in text and "left" in text and "/100%" not in text


def test_argument_checks(tmp_path):
    ga = GeneticAlgorithm(SPACE, seed=0)
    with pytest.raises(InvalidParameterError, match="optimizer object"):
        optimize(sphere, SPACE, optimizer=ga, seed=1)
    with pytest.raises(InvalidParameterError, match="unseeded"):
        optimize(sphere, SPACE, optimizer="ga")
    with pytest.raises(ConfigError, match="JSON"):
        optimize(sphere, SPACE, seed=0, budget=50, config={"f": sphere})
    optimize(sphere, SPACE, seed=0, budget=50, run_dir=tmp_path)
    with pytest.raises(ConfigError, match="already holds a run"):
        optimize(sphere, SPACE, seed=0, budget=50, run_dir=tmp_path)
    res = optimize(sphere, SPACE, seed=0, budget=100, run_dir=tmp_path, overwrite=True)
    assert res.n_evaluations == 100


@pytest.mark.parametrize("name", ["ga", "microbial", "cmaes", "de", "nsga2", "random"])
def test_stopping_and_resuming_every_optimizer_gives_the_uninterrupted_run(tmp_path, name):
    full = optimize(sphere, SPACE, optimizer=name, budget=300, seed=9)
    optimize(sphere, SPACE, optimizer=name, budget=100, seed=9, run_dir=tmp_path)
    resume(tmp_path, sphere, budget=200)
    res = resume(tmp_path, sphere, budget=300)
    pd.testing.assert_frame_equal(comparable(res.history), comparable(full.history))


def test_a_finished_run_can_be_extended(tmp_path):
    full = optimize(sphere, SPACE, optimizer="ga", budget=400, seed=5)
    optimize(sphere, SPACE, optimizer="ga", budget=200, seed=5, run_dir=tmp_path)
    same = resume(tmp_path, sphere)  # nothing left to do
    assert same.n_evaluations == 200
    ext = resume(tmp_path, sphere, budget=400)
    pd.testing.assert_frame_equal(comparable(ext.history), comparable(full.history))
    assert ext.best_loss == full.best_loss


def test_resume_rebuilds_the_objective_from_the_stored_config(tmp_path):
    with pytest.raises(ConfigError, match="no run store|No run store"):
        resume(tmp_path / "nothing")
    optimize(sphere, SPACE, optimizer="de", budget=100, seed=1, run_dir=tmp_path,
             config={"target": "sphere"}, kind="test-kind")
    with pytest.raises(ConfigError, match="needs the objective"):
        resume(tmp_path, budget=200)
    calls = []

    def factory(config):
        calls.append(config)
        return sphere

    res = resume(tmp_path, objective_factory=factory, budget=200)
    assert calls == [{"target": "sphere"}] and res.n_evaluations == 200
    register_objective_factory("test-kind", factory)
    res = resume(tmp_path, budget=300)
    assert len(calls) == 2 and res.n_evaluations == 300


def test_a_store_without_a_run_description_is_reported(tmp_path):
    import sqlite3

    sqlite3.connect(tmp_path / "history.sqlite").close()  # killed right after creating the file
    with pytest.raises(ConfigError, match="overwrite=True"):
        resume(tmp_path, sphere)


def test_a_run_directory_is_run_by_one_process_at_a_time(tmp_path):
    from spikeopt.run import RunStore

    optimize(sphere, SPACE, optimizer="de", budget=60, seed=1, run_dir=tmp_path)
    other = RunStore.open(tmp_path)
    other.lock()  # as a process running this run would
    try:
        with pytest.raises(ConfigError, match="Another process"):
            resume(tmp_path, sphere, budget=120)
        with pytest.raises(ConfigError, match="Another process"):
            optimize(sphere, SPACE, seed=1, budget=60, run_dir=tmp_path, overwrite=True)
    finally:
        other.close()
    assert resume(tmp_path, sphere, budget=120).n_evaluations == 120
