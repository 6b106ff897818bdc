"""The live view's raster of the best candidate: drawn where the spikes are, called
only when the best changes and as its cost allows, absent off a terminal, and
wired into ``spikeopt fit --live`` for cells and networks."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest
import yaml
from rich.console import Console

from spikeopt.errors import InvalidParameterError
from spikeopt.run import LiveView, ProgressBar, Raster, optimize

SPACE = {"x": (-1.0, 1.0), "y": (-1.0, 1.0)}
BLANK = "\u2800"  # an empty braille cell


def sphere(p):
    return (p["x"] - 0.3) ** 2 + (p["y"] + 0.2) ** 2


def _terminal(width: int = 100) -> Console:
    return Console(file=io.StringIO(), force_terminal=True, width=width, record=True,
                   color_system="truecolor")


def _last_frame(console: Console) -> str:
    text = console.export_text(clear=False)
    return text[text.rindex("╭"):]


def _row(frame: str, label: str) -> str:
    """The canvas part of a raster row: what follows its label, inside the panel."""
    line = next(ln for ln in frame.splitlines() if ln.strip("│ ").startswith(label + " "))
    return line.strip().strip("│").strip(" ")[len(label) + 1:]


def _fixed_raster(params):
    return Raster(["s0 data", "s0 model", "s1 data", "s1 model"],
                  [[500.0], [0.0, 999.0], [], [250.0]], ["data", "model", "data", "model"],
                  t_stop=1000.0, note="2 of 7 sweeps")


def test_the_raster_panel_puts_each_spike_where_it_lies():
    console = _terminal()
    view = LiveView(console=console, max_hz=1e6, max_overhead=1.0, raster=_fixed_raster)
    optimize(sphere, SPACE, optimizer="ga", budget=48, seed=1, callbacks=[view],
             optimizer_options={"popsize": 16})
    frame = _last_frame(console)
    assert "best candidate's raster" in frame and "data" in frame and "model" in frame
    rows = {label: _row(frame, label) for label in ("s0 data", "s0 model", "s1 data",
                                                    "s1 model")}
    cols = len(rows["s0 data"])
    assert cols >= 60 and all(len(r) == cols for r in rows.values())
    assert all(set(r) <= {BLANK} | {chr(c) for c in range(0x2801, 0x2900)}
               for r in rows.values())  # braille only
    # a spike at t lies in character t / t_stop * cols (two dots per character)
    for label, times in (("s0 data", [500.0]), ("s1 model", [250.0]),
                         ("s0 model", [0.0, 999.0])):
        marked = {i for i, ch in enumerate(rows[label]) if ch != BLANK}
        assert marked == {min(int(round(t / 1000.0 * 2 * cols)) // 2, cols - 1)
                          for t in times}, label
    assert set(rows["s1 data"]) == {BLANK}  # no spikes, no marks
    assert "0 ms" in frame and "1000 ms" in frame and "2 of 7 sweeps" in frame
    # data and model rows in their two colours (rich styles, not plotille's)
    styled = console.export_text(styles=True)
    data_line = next(ln for ln in styled.splitlines()[::-1] if "s0 data" in ln)
    model_line = next(ln for ln in styled.splitlines()[::-1] if "s0 model" in ln)
    assert "\x1b[97m" in data_line and "\x1b[35m" in model_line


def test_rows_beyond_the_cap_are_counted_not_drawn():
    def many(params):
        return Raster([f"n{i}" for i in range(50)], [[10.0 * i] for i in range(50)],
                      ["E"] * 30 + ["I"] * 20, t_stop=600.0)

    console = _terminal()
    optimize(sphere, SPACE, optimizer="ga", budget=32, seed=1, optimizer_options={"popsize": 16},
             callbacks=[LiveView(console=console, raster=many, raster_rows=8)])
    frame = _last_frame(console)
    assert "n7 " in frame and "n8 " not in frame and "8 of 50 rows shown" in frame


class _Bests:
    """Every generation's best parameters, seen by a callback next to the view."""

    def __init__(self):
        self.changes = []

    def __call__(self, info):
        if info.new_best:
            self.changes.append(dict(info.best_params))


def test_the_source_is_called_only_when_the_best_changes():
    calls = []

    def source(params):
        calls.append(dict(params))
        return _fixed_raster(params)

    bests = _Bests()
    view = LiveView(console=_terminal(), max_hz=1e6, max_overhead=1.0, raster=source)

    def slow_generations(info):  # generations long enough for a frame after nearly each
        time.sleep(0.04)

    res = optimize(sphere, SPACE, optimizer="ga", budget=240, seed=3,
                   callbacks=[bests, slow_generations, view],
                   optimizer_options={"popsize": 16})
    assert 3 <= len(bests.changes) < res.n_generations  # the best stalls sometimes
    # never twice for one best; each call the best of its moment, in order
    assert all(a != b for a, b in zip(calls, calls[1:], strict=False))
    it = iter(bests.changes)
    assert all(any(c == b for b in it) for c in calls)
    skipped = res.n_generations + 2 - view.draws  # frames the throttle left out
    assert len(bests.changes) - skipped <= len(calls) <= len(bests.changes) < view.draws
    assert view.raster_calls == len(calls) and calls[-1] == res.best_params


def test_a_costly_source_is_throttled_but_the_last_frame_shows_the_final_best():
    calls = []

    def slow(params):
        calls.append(dict(params))
        time.sleep(0.03)
        return _fixed_raster(params)

    bests = _Bests()
    view = LiveView(console=_terminal(), max_hz=1e6, max_overhead=0.05, raster=slow)
    res = optimize(sphere, SPACE, optimizer="ga", budget=480, seed=3, callbacks=[bests, view],
                   optimizer_options={"popsize": 16})
    assert len(calls) < len(bests.changes)  # skipped while its cost did not fit
    assert calls[-1] == res.best_params  # the last frame is always current
    assert view.raster_seconds >= 0.03 * len(calls) and view.seconds >= view.raster_seconds


def test_off_a_terminal_there_is_no_raster_and_no_simulation():
    calls = []
    out = io.StringIO()
    view = LiveView(console=Console(file=out, force_terminal=False),
                    raster=lambda p: calls.append(p) or _fixed_raster(p))
    optimize(sphere, SPACE, optimizer="ga", budget=64, seed=1, callbacks=[view],
             optimizer_options={"popsize": 16})
    assert isinstance(view.fallback, ProgressBar) and calls == [] and view.raster_calls == 0
    text = out.getvalue()
    assert "64/64 evaluations" in text and "raster" not in text and BLANK not in text


def test_a_failing_source_warns_once_and_the_run_goes_on():
    def broken(params):
        raise ValueError("no recording")

    console = _terminal()
    view = LiveView(console=console, max_hz=1e6, max_overhead=1.0, raster=broken)
    with pytest.warns(RuntimeWarning, match="raster source failed") as caught:
        res = optimize(sphere, SPACE, optimizer="ga", budget=64, seed=1, callbacks=[view],
                       optimizer_options={"popsize": 16})
    assert len(caught) == 1 and view.raster_calls == 1 and res.n_evaluations == 64
    assert "unavailable (ValueError: no recording)" in _last_frame(console)


def test_raster_and_live_view_check_their_arguments():
    with pytest.raises(InvalidParameterError, match="one label, one spike-time array"):
        Raster(["a", "b"], [[1.0]], ["data", "model"], t_stop=10.0)
    with pytest.raises(InvalidParameterError, match="'t_stop' parameter of Raster must be > 0"):
        Raster(["a"], [[1.0]], ["data"], t_stop=0.0)
    with pytest.raises(InvalidParameterError, match="'raster' parameter of LiveView"):
        LiveView(raster="model.npz")
    with pytest.raises(InvalidParameterError, match="'raster_rows'"):
        LiveView(raster_rows=0)


# -- the problem kinds' sources and the CLI ----------------------------------------------

def _starter(kind: str, tmp_path, **overrides):
    from spikeopt.fitting.scaffold import scaffold

    path = scaffold(kind, tmp_path / kind)
    cfg = yaml.safe_load(path.read_text())
    cfg.update(overrides)
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


def test_the_network_source_samples_neurons_per_population(tmp_path):
    from spikeopt.fitting import get_problem, load_config
    from spikeopt.fitting.problems import live_raster

    cfg = load_config(_starter("network", tmp_path))
    kind = get_problem(cfg)
    built = kind.build(cfg)
    source = live_raster(kind, cfg, built)
    space = built.space
    mid = {n: 0.5 * (space[n].low + space[n].high) for n in space.names}
    r = source(mid)
    sizes = dict(zip(built.context.populations,
                     (built.context.network.sizes[p] for p in built.context.populations),
                     strict=True))
    assert set(r.groups) == set(sizes) and len(r) <= 24
    for p, n in sizes.items():
        ids = [int(lab.split()[-1]) for lab, g in zip(r.labels, r.groups, strict=True) if g == p]
        assert ids[0] == 0 and ids[-1] == n - 1 and ids == sorted(set(ids))  # evenly spaced
        assert f"{p} {len(ids)} of {n}" in r.note
    assert r.t_stop == float(cfg["simulation"]["t_stop_ms"])
    assert sum(len(t) for t in r.times) > 0
    again = source(mid)  # one fixed seed: the same network each time
    assert all(np.array_equal(a, b) for a, b in zip(r.times, again.times, strict=True))


def test_spikeopt_fit_and_resume_live_draw_the_cell_raster(tmp_path, monkeypatch, capsys):
    from spikeopt.cli import main
    from spikeopt.fitting import resume_fit

    path = _starter("cell", tmp_path, budget={"evaluations": 32}, report={"gif": False})
    for key, value in (("FORCE_COLOR", "1"), ("COLUMNS", "100"), ("TERM", "xterm")):
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert main(["fit", str(path), "--live"]) == 0
    out = capsys.readouterr().out
    assert "\x1b[1A" in out  # redrawn in place
    frame = out[out.rindex("best candidate's raster"):]
    for label in ("sweep 0 data", "sweep 0 model", "sweep 1 data", "sweep 1 model"):
        assert label in frame, label
    assert "2000 ms" in frame and "32/32 evaluations" in out and "best loss" in out
    # resume with live rebuilds the problem for the raster: shown from the first frame
    resume_fit(path.parent / "run", budget=48, live=True, report=False)
    out = capsys.readouterr().out
    first = out[:out.index("╰")]
    assert "resume · generation" in first and "sweep 1 model" in first
    assert "48/48 evaluations" in out
