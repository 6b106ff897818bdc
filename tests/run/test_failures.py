import time

import numpy as np
import pytest

from spikeopt.run import DEFAULT_PENALTY, ProcessExecutor, optimize
from spikeopt.run.evaluate import Chunk, evaluate_chunk

from .objectives import (
    faulty,
    identity,
    sleep_blocking_alarm,
    slow_if_big_x,
    sphere,
    wrong_shape,
)
from .objectives import (
    two_spheres_after_first_call as faulty_everywhere,
)

SPACE = {"x": (-1.0, 1.0), "y": (-1.0, 1.0)}


def test_nan_inf_and_exceptions_become_penalties_with_reasons():
    res = optimize(faulty, SPACE, optimizer="random", budget=300, seed=0)
    h = res.history
    x, y = h["x"].to_numpy(), h["y"].to_numpy()
    raised = y > 0.6
    assert (h["status"][raised] == "error").all()
    assert h["reason"][raised].str.contains("RuntimeError: simulation exploded").all()
    assert (h["status"][~raised & (x > 0.6)] == "nan").all()
    assert (h["status"][~raised & (x < -0.6)] == "inf").all()
    ok = ~raised & (np.abs(x) <= 0.6)
    # only the faulty candidates are penalised, even though whole calls raised
    assert (h["status"][ok] == "ok").all() and ok.sum() > 50
    assert np.allclose(h["loss"][ok], sphere({"x": x[ok], "y": y[ok]}))
    assert (h["loss"][~ok] == DEFAULT_PENALTY).all()
    assert res.best_loss < 0.05 and res.n_evaluations == 300


def test_penalty_is_configurable_and_steers_the_search_away():
    res = optimize(faulty, SPACE, optimizer="de", budget=600, seed=1, penalty=123.0)
    h = res.history
    assert set(h.loc[h["status"] != "ok", "loss"]) == {123.0}
    assert abs(res.best_params["x"] - 0.3) < 0.05


def test_wrong_shape_is_an_error_not_a_crash():
    res = optimize(wrong_shape, SPACE, optimizer="ga", budget=100, seed=0)
    assert (res.history["status"] == "error").all()
    assert res.history["reason"].str.contains("shape").all()


def test_time_limit_penalises_only_the_slow_candidate():
    t0 = time.perf_counter()
    chunk = Chunk(slow_if_big_x, {"x": np.array([0.0, 0.9, 0.3]), "y": np.zeros(3)}, 3, 0.2)
    r = evaluate_chunk(chunk)
    assert time.perf_counter() - t0 < 5.0
    assert r.status == ["ok", "timeout", "ok"]
    assert "time limit" in r.reason[1]
    assert np.allclose(r.F[[0, 2], 0], [0.09 + 0.04, 0.0 + 0.04])


def test_time_limit_in_a_run():
    space = {"x": (0.0, 1.0), "y": (-1.0, 1.0)}
    res = optimize(slow_if_big_x, space, optimizer="random", budget=20, seed=3, time_limit=0.05,
                   optimizer_options={"popsize": 10})
    h = res.history
    slow = h["x"] > 0.8
    assert slow.any() and (h["status"][slow] == "timeout").all()
    assert (h["status"][~slow] == "ok").all()


def test_processes_executor_hard_limit_kills_a_worker_that_ignores_signals():
    with ProcessExecutor(n_workers=2) as ex:
        ex.map(identity, [0])  # start the pool outside the timed part
        t0 = time.perf_counter()
        out = ex.map(sleep_blocking_alarm, [0.0, 60.0], timeout=2.0)
        assert time.perf_counter() - t0 < 20.0
        assert out[0] == 0.0
        assert out[1].status == "timeout"
        assert ex.map(identity, [1, 2, 3]) == [1, 2, 3]  # a fresh pool works


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), "x"])
def test_penalty_must_be_finite(bad):
    with pytest.raises(ValueError, match="penalty"):
        optimize(sphere, SPACE, seed=0, budget=10, penalty=bad)


def test_a_first_generation_that_fails_entirely_does_not_stop_the_run():
    space = {"x": (-1.0, -0.5), "y": (-1.0, 1.0)}  # x < 0 everywhere: every candidate fails
    res = optimize(faulty_everywhere, space, optimizer="nsga2", budget=40, seed=0,
                   n_objectives=2, optimizer_options={"popsize": 20})
    assert (res.history["status"] == "nan").all()
    assert (res.history[["f0", "f1"]].to_numpy() == DEFAULT_PENALTY).all()


def test_objectives_must_be_picklable_for_worker_processes():
    with ProcessExecutor(n_workers=1) as ex, pytest.raises(ValueError, match="picklable"):
        optimize(lambda p: p["x"], SPACE, seed=0, budget=10, executor=ex)
