"""Cell configs that select sweeps by stimulus set, and the held-out scores per
repeated stimulus (Γ, reliability, normalised Γ)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import spikeopt
from spikeopt import stimuli
from spikeopt.errors import ConfigError
from spikeopt.fitting import validate_config
from spikeopt.fitting.cell import load_data, score_sweeps, simulate_best

TRUTH = {"tau_m": 20.0, "R": 100.0, "E_L": -70.0, "V_th": -50.0, "V_reset": -65.0,
         "t_ref": 2.0}


@pytest.fixture(scope="module")
def repeats_npz(tmp_path_factory):
    """3 stimuli (ids 0, 4, 11) x 2 repeats of a LIF cell, 500 ms at 0.1 ms; the
    second repeat's current carries a little extra noise, as recorded currents do."""
    base = stimuli.ou_noise(250.0, 80.0, 3.0, duration=500.0, n_sweeps=3, dt=0.1, rng=5).values
    rng = np.random.default_rng(6)
    cur = np.stack([base, base + rng.normal(0.0, 20.0, base.shape)], axis=1)  # (3, 2, T)
    sim = spikeopt.simulate("lif", TRUTH, stimuli.Stimulus(cur.reshape(6, -1), 0.1))
    path = tmp_path_factory.mktemp("sets") / "rec.npz"
    np.savez(path, dt_ms=0.1, current_pA=cur, set_id=np.array([0, 4, 11]),
             spike_times_ms=sim.spikes.times, spike_offsets=sim.spikes.offsets)
    return path


def _cfg(path, **data):
    return {"data": {"path": str(path), **data}, "model": "lif",
            "fixed": {k: v for k, v in TRUTH.items() if k != "tau_m"},
            "fit": {"tau_m": [5.0, 50.0]}, "seed": 1, "output": str(path.parent / "run")}


def test_sets_select_every_repeat_of_the_stimuli(repeats_npz):
    cfg = validate_config(_cfg(repeats_npz, train_sets=[0, 4], test_sets=[11]))
    assert cfg["data"]["train_sweeps"] == [0, 1, 2, 3]
    assert cfg["data"]["test_sweeps"] == [4, 5]
    assert cfg["data"]["train_sets"] == [0, 4] and cfg["data"]["test_sets"] == [11]
    # a validated config validates again to itself (resume re-reads config.yaml)
    assert validate_config(cfg) == cfg


@pytest.mark.parametrize(("data", "pattern"), [
    ({}, "'data'.*needs 'train_sweeps'.*or 'train_sets'"),
    ({"train_sets": [0, 7]}, "'data.train_sets'.*\\[7\\] are not in the recording.*\\[0, 4, 11\\]"),
    ({"train_sets": [0], "train_sweeps": [0, 2]},
     "'data.train_sweeps'.*train_sets \\[0\\] are \\[0, 1\\]; got \\[0, 2\\]"),
    ({"train_sets": [0, 4], "test_sets": [4]}, "'data.test_sweeps'.*\\[2, 3\\].*also training"),
])
def test_bad_sets_name_the_key(repeats_npz, data, pattern):
    with pytest.raises(ConfigError, match=pattern):
        validate_config(_cfg(repeats_npz, **data))


def test_missing_recording_names_data_path(tmp_path):
    with pytest.raises(ConfigError, match="'data.path'.*cannot read the recording"):
        validate_config(_cfg(tmp_path / "none.npz", train_sets=[0]))


def test_scores_per_held_out_stimulus(repeats_npz):
    cfg = validate_config(_cfg(repeats_npz, train_sets=[0, 4], test_sets=[11]))
    rec = load_data(cfg)
    scores = score_sweeps(cfg, simulate_best(cfg, TRUTH, rec), rec)
    by = scores["test_by_stimulus"]["11"]
    assert by["repeats"] == [4, 5] and by["model_current"] == "first repeat"
    # the true model under repeat 0's current is repeat 0 itself: Γ = 1 there, and the
    # mean over both repeats is (1 + Γ(repeat 0, repeat 1)) / 2
    g01 = spikeopt.metrics.gamma_factor(rec.spikes[4], rec.spikes[5], delta=2.0,
                                        t_stop=rec.duration_ms)
    assert by["gamma"] == pytest.approx((1.0 + float(g01)) / 2)
    assert 0.0 < by["reliability"] < 1.0
    assert by["normalized_gamma"] == pytest.approx(by["gamma"] / by["reliability"])
    test = scores["test"]
    assert test["normalized_gamma"] == pytest.approx(by["normalized_gamma"])
    assert test["gamma_repeats"] == pytest.approx(by["gamma"])
    assert test["reliability"] == pytest.approx(by["reliability"])
    json.dumps(scores)  # what scores.json gets


def test_first_repeat_training_simulates_each_stimulus_once(repeats_npz):
    """``train_current: first_repeat``: one row of current per training stimulus (its
    first repeat's), every repeat's spikes scored against it — the losses equal those
    of simulating the first repeat's current once per repeat."""
    from spikeopt.fitting.cell import build_objective
    from spikeopt.fitting.cell_objective import CellObjective

    cfg = validate_config(_cfg(repeats_npz, train_sets=[0, 4], test_sets=[11],
                               train_current="first_repeat"))
    obj = build_objective(cfg)
    rec = load_data(cfg)
    assert obj.current.shape[0] == 2 and obj.current_of_sweep.tolist() == [0, 0, 1, 1]
    np.testing.assert_array_equal(obj.current, rec.current_pA[[0, 2]])
    ref = CellObjective("lif", rec.current_pA[[0, 0, 2, 2]], rec.spikes.take([0, 1, 2, 3]),
                        rec.dt_ms, obj.terms, fixed=cfg["fixed"])
    cands = {"tau_m": np.array([20.0, 12.0, 35.0])}
    np.testing.assert_array_equal(obj(cands), ref(cands))
    assert obj(cands)[0] > 0  # repeat 1 (extra current noise) differs from repeat 0's run
    assert validate_config(cfg) == cfg
    with pytest.raises(ConfigError, match="train_current"):
        validate_config(_cfg(repeats_npz, train_sets=[0], train_current="mean"))
