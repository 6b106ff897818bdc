"""The live view's raster for ``kind: task`` fits: the best candidate's hidden (sampled)
and output neurons on held-out trials, equal to the task's own recording, each spike
drawn in its column, and wired into ``spikeopt fit --live``."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from rich.console import Console

from spikeopt.fitting import get_problem, load_config
from spikeopt.fitting.problems import Built, live_raster
from spikeopt.fitting.task_fit import TaskFit
from spikeopt.run import LiveView, optimize

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "tasks"
BLANK = "\u2800"


def _source(task: dict, network: dict | None = None):
    cfg = load_config({"kind": "task", "task": task, "network": network or {}, "seed": 3,
                       "output": "run"}, base_dir=EXAMPLES)
    kind = get_problem(cfg)
    built = kind.build(cfg)
    return live_raster(kind, cfg, built), built.context


def _params(task, seed=0, low=0.0, high=1.5):
    rng = np.random.default_rng(seed)
    return {n: float(v) for n, v in zip(task.names, rng.uniform(low, high, len(task.names)),
                                        strict=True)}


def test_motion_raster_rows_are_the_tasks_own_hidden_and_output_spikes():
    source, task = _source({"name": "direction_of_motion", "directions": 4,
                            "train_per_class": 1, "test_per_class": 2}, {"hidden": 3})
    params = _params(task)
    r = source(params)
    picks = [0, 2]  # the first held-out trial of the first two classes
    units = ["hidden 0", "hidden 1", "hidden 2", "out left", "out right", "out up", "out down"]
    assert r.labels == [f"{c}: {u}" for c in ("left", "right") for u in units]
    assert r.groups == (["hidden"] * 3 + ["output"] * 4) * 2
    assert r.t_stop == task.steps * task.dt_ms and "held-out trial(s) 0, 2" in r.note
    _, hid, out = task.layers(params, task.test)
    k = 0
    for tr in picks:
        for L in (hid, out):
            for n in range(L.shape[1]):
                np.testing.assert_array_equal(r.times[k], np.flatnonzero(L[tr, n]) * task.dt_ms)
                k += 1
    assert sum(len(t) for t in r.times) > 0


def test_sine_cosine_samples_hidden_neurons_and_counts_steps():
    source, task = _source({"name": "sine_cosine", "train_per_class": 2, "test_per_class": 2},
                           {"hidden": 10})
    params = _params(task, low=-1.0, high=3.0)
    r = source(params)
    hidden = [lab.split(": ")[1] for lab, g in zip(r.labels, r.groups, strict=True)
              if g == "hidden" and lab.startswith("cosine")]
    assert hidden[0] == "hidden 0" and hidden[-1] == "hidden 9" and len(hidden) == 8
    assert "hidden neurons: 8 of 10" in r.note and "1 ms = 1 step" in r.note
    assert len(r) == 2 * (8 + 2) and r.t_stop == float(task.steps)
    _, hid, out = task.layers(params, task.test)
    first_cosine = int(np.flatnonzero(task.test.labels == 0)[0])
    row = r.labels.index("cosine: out sine")
    np.testing.assert_array_equal(r.times[row], np.flatnonzero(out[first_cosine, 1]))
    row = r.labels.index("cosine: hidden 9")
    np.testing.assert_array_equal(r.times[row], np.flatnonzero(hid[first_cosine, 9]))


def test_the_mushroom_body_raster_is_its_dns_in_held_out_slots():
    source, task = _source({"name": "mushroom_body", "max_kc": 50, "dt_ms": 0.2})
    params = {"n_kc": 30, "tau_ms": 20.0, "a": 1e-3, "w_max_uS": 0.5, "offset": 0.01,
              "teacher_nA": 1.0}
    r = source(params)
    classes = ["dullness", "unknownness", "rubbish", "food"]
    test_labels = task.labels[task.test_rows]
    shown = [classes[c] for c in sorted(set(test_labels.tolist()))[:2]]
    assert r.labels == [f"{c}: out {d}" for c in shown for d in classes]
    assert r.t_stop == 50.0 and "image 0-25 ms" in r.note and set(r.groups) == {"output"}
    # the DN spikes in each image window are the kernel's own counts, same seed and protocol
    schedule = task.schedule("outcome")
    genes, _ = task.decode_genes({k: np.atleast_1d(v) for k, v in params.items()})
    out = task.simulate(genes, [np.random.SeedSequence(3, spawn_key=(1, 10**9, 1))], schedule)
    first_test = len(schedule[0]) - len(task.test_rows)
    for k, c in enumerate(sorted(set(test_labels.tolist()))[:2]):
        slot = first_test + int(np.flatnonzero(test_labels == c)[0])
        got = [int((np.asarray(t) < 25.0).sum()) for t in r.times[4 * k:4 * k + 4]]
        assert got == out["dn_count"][0, slot].tolist()
    assert sum(len(t) for t in r.times) > 0


def test_a_task_without_layers_has_no_raster():
    assert TaskFit().raster_source({}, Built(None, None, context=object())) is None


def test_the_live_view_draws_each_task_spike_in_its_column(tmp_path):
    cfg = load_config(EXAMPLES / "event_files.yaml")
    kind = get_problem(cfg)
    built = kind.build(cfg)
    source = live_raster(kind, cfg, built)
    task = built.context
    params = _params(task, seed=1, low=-0.5, high=0.6)
    fixed = source(params)
    console = Console(file=io.StringIO(), force_terminal=True, width=100, record=True,
                      color_system="truecolor")
    view = LiveView(console=console, max_hz=1e6, max_overhead=1.0,
                    raster=lambda p: source(params))
    optimize(lambda p: (p["x"] - 0.3) ** 2, {"x": (-1.0, 1.0)}, optimizer="ga", budget=32,
             seed=1, callbacks=[view], optimizer_options={"popsize": 16})
    text = console.export_text(clear=False)
    frame = text[text.rindex("╭"):]
    assert "best candidate's raster" in frame and "140 ms" in frame
    drawn = 0
    for label, times in zip(fixed.labels, fixed.times, strict=True):
        line = next(ln for ln in frame.splitlines() if ln.strip("│ ").startswith(label + " "))
        row = line.strip().strip("│").strip(" ")[len(label) + 1:]
        cols = len(row)
        marked = {i for i, ch in enumerate(row) if ch != BLANK}
        assert marked == {min(int(round(t / fixed.t_stop * 2 * cols)) // 2, cols - 1)
                          for t in times}, label
        drawn += len(times) > 0
    assert drawn >= 2


def test_fit_live_draws_the_task_raster(tmp_path, monkeypatch, capsys):
    import yaml

    import spikeopt

    raw = yaml.safe_load((EXAMPLES / "event_files.yaml").read_text())
    raw["task"]["classes"] = {c: str(EXAMPLES / p) for c, p in raw["task"]["classes"].items()}
    raw.update(budget={"evaluations": 48}, output="run", report={"hawkes": False, "gif": False})
    path = tmp_path / "event_files.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    for key, value in (("FORCE_COLOR", "1"), ("COLUMNS", "100"), ("TERM", "xterm")):
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("NO_COLOR", raising=False)
    spikeopt.fit(path, live=True, report=False)  # `spikeopt fit --live`, without the report
    out = capsys.readouterr().out
    frame = out[out.rindex("best candidate's raster"):]
    for label in ("left: out left", "left: out right", "right: out left", "right: out right"):
        assert label in frame, label
    assert "140 ms" in frame and "48/48 evaluations" in out
