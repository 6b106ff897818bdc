"""Recorded event files as the trials of a task (``event_classes``): the config's globs
resolved against its file and kept absolute, errors that name the key, trials equal
to those encoded in memory from the same recordings, and a short seeded fit on the
shipped example files that classifies held-out files well above chance."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import numpy as np
import pytest
import yaml

import spikeopt
from spikeopt.errors import ConfigError
from spikeopt.fitting.config import load_config, validate_config
from spikeopt.fitting.schema import json_schema
from spikeopt.fitting.task_fit import build_task
from spikeopt.io import EventStream, save_events
from spikeopt.tasks import EventFilesTask, get_task, moving_bar
from spikeopt.tasks.motion import bar_recording, encode_trials

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "tasks" / "event_files.yaml"
BARS = ROOT / "examples" / "data" / "bars"


def test_the_example_loads_with_absolute_globs_that_survive_a_round_trip(tmp_path):
    raw = yaml.safe_load(EXAMPLE.read_text())
    jsonschema.validate(raw, json_schema("task"))
    jsonschema.validate(raw, json_schema())
    cfg = load_config(EXAMPLE)
    assert get_task("event_classes") is EventFilesTask
    assert cfg["task"]["classes"] == {"left": str(BARS / "left_*"),
                                      "right": str(BARS / "right_*")}
    again = validate_config(json.loads(json.dumps(cfg)), base_dir=tmp_path)  # as resume does
    assert again["task"] == cfg["task"] and again["output"] == cfg["output"]
    task = build_task(again)
    assert len(task.train_files) == 16 and len(task.test_files) == 8  # 12 per class, 1/3 out
    assert not set(task.train_files) & set(task.test_files)
    assert {Path(f).parent for f in task.train_files + task.test_files} == {BARS}
    assert {Path(f).suffix for f in task.train_files + task.test_files} == {".npz", ".aedat4"}
    assert task.sensor_size == (12, 12) and task.n_sources == 32 and task.steps == 140
    assert task.train.inputs.shape == (16, 32, 140) and task.test.inputs.shape == (8, 32, 140)
    np.testing.assert_array_equal(np.bincount(task.test.labels), [4, 4])
    other = build_task({**again, "seed": 2})  # the split comes from the seed
    assert other.test_files != task.test_files
    assert build_task(again).test_files == task.test_files
    assert task.unit_names()[:2] == ["OFF 0,0", "OFF 1,0"]
    assert task.unit_names()[-2:] == ["out left", "out right"]


def _bars(folder: Path, name: str, n: int, sensor=(16, 16), seed=0) -> list[EventStream]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for k in range(n):
        s = moving_bar(name, sensor_size=sensor, rng=seed + k)
        ev = s.events.copy()
        ev["t"] += 5_000_000 + 1000 * k  # a camera's clock
        s = EventStream(ev, s.sensor_size)
        save_events(folder / f"{name}_{k}.npz", s)
        out.append(s)
    return out


def _cfg(task: dict) -> dict:
    return {"kind": "task", "task": {"name": "event_classes", **task}, "seed": 1,
            "output": "run", "budget": 32}


def test_errors_name_the_key_and_the_files(tmp_path):
    _bars(tmp_path / "a", "left", 3)
    _bars(tmp_path / "a", "right", 2)
    _bars(tmp_path / "b", "right", 2, sensor=(8, 8))
    ok = {"left": "a/left_*", "right": "a/right_*"}
    cfg = validate_config(_cfg({"classes": ok, "window_ms": [0, 150]}), base_dir=tmp_path)
    assert cfg["task"]["classes"]["left"] == str(tmp_path / "a" / "left_*")
    with pytest.raises(ConfigError, match=r"config key 'task': task.classes.right: no file "
                                          r"matches '.*/a/up_\*'"):
        validate_config(_cfg({"classes": {**ok, "right": "a/up_*"}}), base_dir=tmp_path)
    with pytest.raises(ConfigError, match=r"task.classes: all recordings must share one "
                                          r"sensor size; got 16×16 \(left_0.npz, left_1.npz, "
                                          r"left_2.npz\); 8×8 \(right_0.npz, right_1.npz\)"):
        validate_config(_cfg({"classes": {**ok, "right": ["b/right_*"]}}), base_dir=tmp_path)
    with pytest.raises(ConfigError, match="unexpected keyword argument 'clases'"):
        validate_config(_cfg({"clases": ok}), base_dir=tmp_path)
    with pytest.raises(ConfigError, match="task.polarity must be one of"):
        validate_config(_cfg({"classes": ok, "polarity": "both"}), base_dir=tmp_path)
    with pytest.raises(ConfigError, match=r"task.window_ms must be \[start, stop\]"):
        validate_config(_cfg({"classes": ok, "window_ms": [50, 10]}), base_dir=tmp_path)
    with pytest.raises(ConfigError, match="test_fraction.*or test_classes.*not both"):
        validate_config(_cfg({"classes": ok, "test_classes": ok, "test_fraction": 0.5}),
                        base_dir=tmp_path)
    with pytest.raises(ConfigError, match="task.test_classes: 3 file"):
        validate_config(_cfg({"classes": ok, "test_classes": {"left": "a/left_*",
                                                              "right": "b/*"}}),
                        base_dir=tmp_path)
    with pytest.raises(ConfigError, match=r"task.classes.right: 1 file; a held-out split"):
        validate_config(_cfg({"classes": {**ok, "right": "a/right_0.npz"}}), base_dir=tmp_path)
    with pytest.raises(ConfigError, match="matches both 'left' and 'right'"):
        validate_config(_cfg({"classes": {"left": "a/*", "right": "a/right_*"}}),
                        base_dir=tmp_path)
    with pytest.raises(ConfigError, match="'task.name'.*event_classes"):
        validate_config(_cfg({"classes": ok}) | {"task": {"name": "event_files"}})


@pytest.mark.parametrize("polarity", ["split", "on"])
def test_trials_from_files_equal_those_encoded_in_memory(tmp_path, polarity):
    rng = np.random.default_rng(4)
    streams = {d: [bar_recording(d, rng, sensor_size=(12, 12)) for _ in range(3)]
               for d in ("up", "down")}
    for d, ss in streams.items():
        for k, s in enumerate(ss):
            ev = s.events.copy()
            ev["t"] += 10**9 * (k + 1)  # each on its own clock: zero = the first event
            ss[k] = EventStream(ev, s.sensor_size)
            save_events(tmp_path / f"{d}_{k}.npz", ss[k])
    task = EventFilesTask(classes={d: str(tmp_path / f"{d}_[01].npz") for d in streams},
                          test_classes={d: str(tmp_path / f"{d}_2.npz") for d in streams},
                          downsample=3, polarity=polarity, window_ms=[5, 125], seed=0)
    opts = {"downsample": 3, "dt_ms": 1.0, "steps": 120, "polarity": polarity,
            "start_ms": 5.0, "t0_us": None}
    train = [s for d in ("up", "down") for s in streams[d][:2]]
    np.testing.assert_array_equal(task.train.inputs, encode_trials(train, **opts))
    np.testing.assert_array_equal(task.train.labels, [0, 0, 1, 1])
    test = [streams["up"][2], streams["down"][2]]
    np.testing.assert_array_equal(task.test.inputs, encode_trials(test, **opts))
    assert task.train.inputs.sum() > 300 and task.n_sources == (32 if polarity == "split"
                                                                 else 16)
    # without a window: 0 to the end of the longest recording
    full = EventFilesTask(classes={d: str(tmp_path / f"{d}_*.npz") for d in streams},
                          downsample=3, seed=0)
    longest = max((s.events["t"][-1] - s.events["t"][0]) / 1000.0
                  for ss in streams.values() for s in ss)
    assert full.window_ms[0] == 0.0 and longest < full.window_ms[1] <= longest + 1.0
    every = [s for d in ("up", "down") for s in streams[d]]
    assert full.train.inputs.sum() + full.test.inputs.sum() == sum(len(s) for s in every)


def test_a_short_fit_on_the_example_files_classifies_held_out_files(tmp_path, monkeypatch):
    from spikeopt.fitting import resume_fit

    cfg = load_config(EXAMPLE)  # globs made absolute against the example's folder
    cfg.update(budget={"evaluations": 160}, output=str(tmp_path / "run"),
               report={"hawkes": False, "gif": False})
    spikeopt.fit(cfg, progress=False, report=False)
    scores = json.loads((tmp_path / "run" / "scores.json").read_text())
    assert scores["test_trials"] == 8 and scores["chance"] == 0.5
    assert scores["test_accuracy"] >= 0.875, scores  # 7 of 8 held-out files, or all
    assert scores["test_accuracy_ci95"][0] > 0.5
    assert len(scores["test_files"]) == 8
    monkeypatch.chdir(tmp_path)  # the stored config finds the files from anywhere
    res = resume_fit(tmp_path / "run", budget=192, progress=False, report=False)
    assert res.n_evaluations == 192
