"""The direction-of-motion task: the synthetic moving bar, the network against a
step-by-step reference, the config schema and a short seeded fit that must classify
held-out recordings well above chance."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import spikeopt
from spikeopt.errors import ConfigError, InvalidParameterError
from spikeopt.fitting.config import load_config, validate_config
from spikeopt.fitting.schema import json_schema
from spikeopt.io import to_spike_trains
from spikeopt.tasks import MotionTask, get_task, moving_bar
from spikeopt.tasks.motion import encode_trials, run_network

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "tasks" / "direction_of_motion.yaml"


def test_moving_bar_edges_and_determinism():
    clean = {"sensor_size": (8, 6), "noise_hz": 0.0, "jitter_ms": 0.0, "p_miss": 0.0,
             "speed_px_per_ms": 0.5, "bar_width": 2}
    right = moving_bar("right", rng=3, **clean)
    ev = right.events
    assert len(right) == 2 * 8 * 6  # one ON and one OFF per pixel
    on, off = ev[ev["p"] == 1], ev[ev["p"] == 0]
    for x in range(8):  # the leading edge reaches column x at x / v, the trailing 2 / v later
        assert set(on["t"][on["x"] == x].tolist()) == {round(x / 0.5 * 1000)}
        assert set(off["t"][off["x"] == x].tolist()) == {round((x + 2) / 0.5 * 1000)}
    left = moving_bar("left", rng=3, **clean)
    np.testing.assert_array_equal(  # mirrored in x, same times
        np.sort(left.events[left.events["p"] == 1]["x"].astype(int) * 1000 +
                left.events[left.events["p"] == 1]["t"] // 1000),
        np.sort((7 - on["x"].astype(int)) * 1000 + on["t"] // 1000))
    up = moving_bar("up", rng=3, **clean)
    assert up.events[up.events["p"] == 1]["y"][0] == 5  # up = from the bottom row
    # the same per-source counts whichever way it moves: direction is only in the timing
    for d in ("left", "up", "down"):
        np.testing.assert_array_equal(
            to_spike_trains(moving_bar(d, rng=3, **clean)).counts(),
            to_spike_trains(right).counts())
    a = moving_bar("down", rng=7)
    b = moving_bar("down", rng=7)
    np.testing.assert_array_equal(a.events, b.events)
    assert not np.array_equal(a.events, moving_bar("down", rng=8).events)
    with pytest.raises(InvalidParameterError, match="'direction'.*Got 'north'"):
        moving_bar("north")
    import doctest

    from spikeopt.tasks import motion

    result = doctest.testmod(motion, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def reference(W1, W2, x, a_mem, a_syn):
    """The network step by step in float64: x (sources, steps) → output counts."""
    hidden = W1.shape[1] > 0
    layers = [W1, W2] if hidden else [W2]
    V = [np.zeros(W.shape[1]) for W in layers]
    I = [np.zeros(W.shape[1]) for W in layers]
    counts = np.zeros(W2.shape[1], dtype=int)
    for i in range(x.shape[1]):
        s = x[:, i].astype(float)
        for k, W in enumerate(layers):
            I[k] = I[k] * a_syn + s @ W
            V[k] = V[k] * a_mem + I[k]
            s = (V[k] >= 1.0).astype(float)
            V[k][s > 0] = 0.0
        counts += s.astype(int)
    return counts


@pytest.mark.parametrize("hidden", [0, 3])
def test_network_matches_a_step_by_step_reference(hidden):
    rng = np.random.default_rng(hidden)
    X = rng.poisson(0.3, (4, 10, 60)).astype(np.uint8)
    C = 2
    W1 = rng.uniform(-1, 2, (2, 10, hidden))
    W2 = rng.uniform(-1, 2, (2, hidden or 10, C))
    counts = run_network(W1, W2, X, tau_mem_ms=10.0, tau_syn_ms=3.0, dt_ms=1.0)
    a_mem, a_syn = np.exp(-1 / 10.0), np.exp(-1 / 3.0)
    assert counts.sum() > 0
    for p in range(2):
        for tr in range(4):
            np.testing.assert_array_equal(counts[p, tr], reference(W1[p], W2[p], X[tr],
                                                                   a_mem, a_syn))


def test_task_data_genes_and_bad_options():
    task = MotionTask(directions=4, train_per_class=3, test_per_class=2, seed=5)
    assert get_task("direction_of_motion") is MotionTask
    assert task.train.inputs.shape == (12, 32, task.steps)
    assert len(task.names) == 32 * 4 and task.space.parameters["w.0.0"].unit == "threshold"
    again = MotionTask(directions=4, train_per_class=3, test_per_class=2, seed=5)
    np.testing.assert_array_equal(task.train.inputs, again.train.inputs)
    X = encode_trials([moving_bar("left", rng=1)], downsample=4, dt_ms=1.0, steps=task.steps)
    assert X.shape == (1, 32, task.steps) and X.sum() > 500
    hid = MotionTask(hidden=2, train_per_class=2, test_per_class=2)
    assert len(hid.names) == 32 * 2 + 2 * 2
    losses = hid({n: np.zeros(3) for n in hid.names})
    assert losses.shape == (3,) and np.allclose(losses, np.log(2))  # silent: a coin flip
    with pytest.raises(InvalidParameterError, match="directions must be 2 or 4. Got 3"):
        MotionTask(directions=3)
    with pytest.raises(InvalidParameterError, match="hidden must be an integer >= 0"):
        MotionTask(hidden=-1)


def test_schema_accepts_the_motion_config(tmp_path):
    import subprocess
    import sys

    import jsonschema
    import yaml

    out = tmp_path / "schema.json"  # what `spikeopt schema` gives editors
    subprocess.run([sys.executable, "-m", "spikeopt", "schema", "-o", str(out)], check=True)
    raw = yaml.safe_load(EXAMPLE.read_text())
    jsonschema.validate(raw, json.loads(out.read_text()))
    jsonschema.validate(raw, json_schema("task"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**raw, "task": {"name": "motion"}}, json_schema("task"))
    cfg = load_config(EXAMPLE)
    assert cfg["task"]["name"] == "direction_of_motion" and cfg["task"]["directions"] == 4
    base = {k: v for k, v in cfg.items() if k != "output"} | {"output": "x"}
    with pytest.raises(ConfigError, match="config key 'task': task.directions must be 2 or 4"):
        validate_config({**base, "task": {"name": "direction_of_motion", "directions": 3}})
    with pytest.raises(ConfigError, match="unexpected keyword argument 'speed'"):
        validate_config({**base, "task": {"name": "direction_of_motion", "speed": 1}})
    with pytest.raises(ConfigError, match="'task.name'.*direction_of_motion"):
        validate_config({**base, "task": {"name": "motion"}})


@pytest.mark.slow
def test_short_fit_classifies_held_out_recordings(tmp_path):
    cfg = {"kind": "task",
           "task": {"name": "direction_of_motion", "directions": 2, "train_per_class": 10,
                    "test_per_class": 50},
           "network": {"hidden": 0}, "optimizer": {"name": "cmaes"},
           "budget": {"evaluations": 300}, "report": {"hawkes": False, "gif": False},
           "seed": 2, "output": str(tmp_path / "run")}
    spikeopt.fit(cfg, progress=False)
    scores = json.loads((tmp_path / "run" / "scores.json").read_text())
    assert scores["test_trials"] == 100 and scores["chance"] == 0.5
    assert scores["test_accuracy"] >= 0.9, scores
    assert scores["test_accuracy_ci95"][0] > 0.75


@pytest.mark.parametrize("hidden", [0, 2])
def test_layers_match_the_counts(hidden):
    task = MotionTask(hidden=hidden, train_per_class=2, test_per_class=2, seed=3)
    rng = np.random.default_rng(1)
    best = {n: float(v) for n, v in zip(task.names, rng.uniform(0, 1.5, len(task.names)),
                                        strict=True)}
    layers = task.layers(best, task.test)
    assert len(layers) == (3 if hidden else 2)
    assert layers[0].shape == (4, 32, task.steps) and layers[0].max() == 1
    np.testing.assert_array_equal(layers[-1].sum(axis=-1), task.counts(best, task.test)[0])
    assert len(task.unit_names()) == task.weight_matrix(best).shape[0] == 32 + hidden + 2
    assert task.unit_names()[0] == "OFF 0,0" and task.unit_names()[-1] == "out right"
