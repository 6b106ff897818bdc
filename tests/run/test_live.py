"""The live view draws in place on a terminal, falls back to the progress bar
elsewhere, throttles its redraws, and the progress bar speaks the budget's units."""

from __future__ import annotations

import io
import sys

import pytest
from rich.console import Console

from spikeopt.errors import InvalidParameterError
from spikeopt.optimizers import MaxEvaluations, MaxGenerations, Stagnation, TargetLoss, WallTime
from spikeopt.run import LiveView, ProgressBar, optimize, resume

SPACE = {"x": (-1.0, 1.0), "tau_m": {"low": 1.0, "high": 100.0, "log": True, "unit": "ms"}}


def sphere(p):
    return (p["x"] - 0.3) ** 2 + (p["tau_m"] / 100.0 - 0.2) ** 2


def _terminal(width: int = 100) -> Console:
    return Console(file=io.StringIO(), force_terminal=True, width=width, record=True,
                   color_system="truecolor")


def test_live_view_draws_every_part_in_place_on_a_terminal():
    console = _terminal()
    view = LiveView(console=console, desc="fit sphere", max_hz=1e6, max_overhead=1.0)
    res = optimize(sphere, SPACE, optimizer="ga", budget=160, seed=1, callbacks=[view],
                   optimizer_options={"popsize": 16})
    assert view.fallback is None
    assert 3 <= view.draws <= res.n_generations + 2  # start, generations as allowed, end
    raw = console.file.getvalue()
    assert "\x1b[1A" in raw and "\x1b[2K" in raw  # cursor up and erase: redrawn in place
    text = console.export_text()
    last = text[text.rindex("fit sphere · generation"):]
    assert "fit sphere · generation 10" in last
    assert "160/160 evaluations" in last  # the budget in its units
    assert "evaluations/s" in last and "elapsed" in last
    assert "(best loss)" in last and "(generation)" in last  # the loss curve's axes
    assert any("\u2800" <= ch <= "\u28ff" for ch in last)  # plotted in braille dots
    for name in ("x", "tau_m", "median", "spread"):
        assert name in last
    assert f"{res.best_params['x']:.4g}" in last


def test_live_view_shows_stopping_rules_without_a_counted_budget():
    console = _terminal()
    view = LiveView(console=console, max_hz=1e6, max_overhead=1.0)
    optimize(sphere, SPACE, optimizer="cmaes", budget=TargetLoss(1e-3) | Stagnation(50),
             seed=2, callbacks=[view])
    last = console.export_text().rsplit("╭", 1)[1]
    assert "% of the stopping rules" in last and "stopped" in last


def test_live_view_falls_back_to_the_progress_bar_off_a_terminal():
    out = io.StringIO()
    view = LiveView(console=Console(file=out, force_terminal=False))
    optimize(sphere, SPACE, optimizer="ga", budget=64, seed=1, callbacks=[view],
             optimizer_options={"popsize": 16})
    assert isinstance(view.fallback, ProgressBar) and view.draws == 0
    text = out.getvalue()
    assert "64/64 evaluations" in text and "╭" not in text and "\x1b[1A" not in text


def test_redraws_are_throttled():
    console = _terminal()
    view = LiveView(console=console, max_hz=1e-3)  # at most one frame per 1000 s
    res = optimize(sphere, SPACE, optimizer="ga", budget=320, seed=1, callbacks=[view],
                   optimizer_options={"popsize": 16})
    assert res.n_generations == 20 and view.draws == 2  # the first and the last frame
    assert view.seconds > 0


def test_live_view_on_resume_draws_the_stored_curve(tmp_path):
    optimize(sphere, SPACE, optimizer="ga", budget=64, seed=1, run_dir=tmp_path,
             optimizer_options={"popsize": 16})
    console = _terminal()
    resume(tmp_path, sphere, budget=128, callbacks=[LiveView(console=console, max_hz=1e6,
                                                             max_overhead=1.0)])
    last = console.export_text().rsplit("╭", 1)[1]
    assert "128/128 evaluations" in last and "generation 8" in last


def test_an_interrupted_run_gives_the_terminal_back():
    console = _terminal()
    view = LiveView(console=console, max_hz=1e6, max_overhead=1.0)
    calls = []

    def interrupted(p):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return sphere(p)

    stdout = sys.stdout
    with pytest.raises(KeyboardInterrupt):
        optimize(interrupted, SPACE, optimizer="ga", budget=320, seed=1, callbacks=[view],
                 optimizer_options={"popsize": 16})
    assert view._live is None and sys.stdout is stdout  # rich's live display stopped
    assert "optimize · generation" in console.export_text()  # the last frame stays


def test_live_view_checks_its_arguments():
    with pytest.raises(InvalidParameterError, match="'max_hz' parameter of LiveView"):
        LiveView(max_hz=0)
    with pytest.raises(InvalidParameterError, match="'max_overhead'"):
        LiveView(max_overhead=2.0)


@pytest.mark.parametrize("budget, expected", [
    (MaxEvaluations(96), "96/96 evaluations"),
    (MaxGenerations(4) | TargetLoss(0.0), "4/4 generations"),
    (WallTime(0.05) | MaxEvaluations(10**6), "/0.05 s"),
])
def test_progress_bar_counts_in_the_budgets_units(budget, expected):
    buf = io.StringIO()
    optimize(sphere, SPACE, optimizer="ga", budget=budget, seed=1,
             callbacks=[ProgressBar(file=buf)], optimizer_options={"popsize": 16})
    final = buf.getvalue().strip().split("\r")[-1]
    assert expected in final and "best " in final and "evals/s" in final
    assert "/100%" not in buf.getvalue()


def test_progress_bar_without_a_counted_budget_names_the_target():
    buf = io.StringIO()
    optimize(sphere, SPACE, optimizer="cmaes", budget=TargetLoss(1e-4), seed=1,
             callbacks=[ProgressBar(file=buf)])
    assert "target 0.0001" in buf.getvalue().split("\r")[-1]
