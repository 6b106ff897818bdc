"""What the live view (spikeopt.run.LiveView) costs a run.

Three measurements, each the median of ``--repeats`` runs:

* the starter cell fit of ``spikeopt init cell`` (AdEx, 2 × 2 s training sweeps,
  CMA-ES population 16, 3000 evaluations) and the starter network fit of
  ``spikeopt init network`` (its config's optimizer and budget): wall time with
  no callback, with the progress bar, with the live view drawing to a terminal
  (a forced-terminal rich console writing to /dev/null, so that the terminal's
  own speed is left out) and with the live view and the best candidate's raster
  (the kind's ``raster_source``, as ``spikeopt fit --live`` uses it: the best
  candidate simulated again whenever it changed, as often as its cost allows);
* a synthetic objective whose generations take a fixed time (``time.sleep``), to
  show how the throttle keeps the view's share bounded for fast and slow
  generations, with a raster source that costs 10 ms a call.

The view's own time (``LiveView.seconds``: bookkeeping, every frame drawn and
every raster source call) is reported beside the wall-time difference, which is
noisier; "overhead" is the view's time in % of the wall time.

    .venv/bin/python bench/live_view.py [--repeats 3] [--only cell|network|synthetic]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from rich.console import Console

from spikeopt.fitting import get_problem, load_config
from spikeopt.fitting.engine import terminator
from spikeopt.fitting.problems import live_raster
from spikeopt.fitting.scaffold import scaffold
from spikeopt.run import LiveView, ProgressBar, Raster, optimize


def _console(devnull):
    return Console(file=devnull, force_terminal=True, width=110)


def _time(run, configs: dict, repeats: int) -> dict:
    """Median (wall s, view s, frames, raster s, raster calls) per configuration;
    the configurations take turns in every repeat, so that a slow spell of the
    machine hits them all."""
    runs = {label: [] for label in configs}
    for _ in range(repeats):
        for label, make_callbacks in configs.items():
            cbs = make_callbacks()
            t0 = time.perf_counter()
            run(cbs)
            wall = time.perf_counter() - t0
            v = next((c for c in cbs if isinstance(c, LiveView)), None)
            runs[label].append((wall, v.seconds if v else 0.0, v.draws if v else 0,
                                v.raster_seconds if v else 0.0, v.raster_calls if v else 0))
    return {label: tuple(statistics.median(x) for x in zip(*r, strict=True))
            for label, r in runs.items()}


def _report(name: str, rows: dict) -> None:
    base = rows["none"][0]
    print(f"\n{name}")
    print(f"{'callbacks':<16}{'wall s':>9}{'vs none':>9}{'view s':>9}{'overhead':>10}"
          f"{'frames':>8}{'raster s':>10}{'rasters':>9}")
    for label, (wall, view, draws, raster_s, rasters) in rows.items():
        print(f"{label:<16}{wall:>9.3f}{wall / base:>9.3f}{view:>9.3f}"
              f"{(100 * view / wall if wall else 0):>9.2f}%{draws:>8.0f}{raster_s:>10.3f}"
              f"{rasters:>9.0f}")


def _views(devnull, raster) -> dict:
    return {"none": list,
            "progress bar": lambda: [ProgressBar(file=devnull)],
            "live view": lambda: [LiveView(console=_console(devnull))],
            "live + raster": lambda: [LiveView(console=_console(devnull), raster=raster)]}


def bench_fit(kind: str, repeats: int, devnull) -> None:
    """A starter config of ``spikeopt init KIND`` (the cell's budget raised to 3000
    evaluations, CMA-ES population 16), run as ``spikeopt fit`` runs it."""
    with tempfile.TemporaryDirectory() as tmp:
        cfg = load_config(scaffold(kind, Path(tmp) / kind))
        problem = get_problem(cfg)
        built = problem.build(cfg)
        raster = live_raster(problem, cfg, built)
        opt = dict(cfg["optimizer"])
        name = opt.pop("name")
        if kind == "cell":
            name, opt = "cmaes", {"popsize": 16, "restarts": 1000}
            cfg["budget"] = {"evaluations": 3000}
        info = {"n": 0, "P": 0}

        def run(cbs):
            res = optimize(built.objective, built.space, optimizer=name, optimizer_options=opt,
                           budget=terminator(cfg["budget"]), seed=cfg["seed"], callbacks=cbs)
            info["n"], info["P"] = res.n_generations, res.n_evaluations // max(res.n_generations,
                                                                               1)

        run([])  # compile and warm the caches
        raster(dict(zip(built.space.names, built.space.sample(1, rng=0)[0], strict=True)))
        rows = _time(run, _views(devnull, raster), repeats)
        _report(f"starter {kind} fit ({info['n']} generations of {info['P']})", rows)


def bench_synthetic(repeats: int, devnull) -> None:
    space = {f"p{i}": (0.0, 1.0) for i in range(6)}
    for gen_s in (0.02, 0.1, 0.5):
        def objective(p, gen_s=gen_s):
            time.sleep(gen_s)
            return sum((v - 0.3) ** 2 for v in p.values())

        budget = int(max(8, 3.0 / gen_s)) * 16  # about 3 s of generations

        def run(cbs, budget=budget, objective=objective):
            optimize(objective, space, optimizer="ga", optimizer_options={"popsize": 16},
                     budget=budget, seed=1, callbacks=cbs)

        rows = _time(run, _views(devnull, _sleeping_raster), repeats)
        _report(f"synthetic: {budget // 16} generations of {1000 * gen_s:.0f} ms", rows)


def _sleeping_raster(params: dict) -> Raster:
    """A raster source that costs 10 ms a call (a cell's sweeps simulated again)."""
    time.sleep(0.01)
    return Raster(["data", "model"], [[10.0, 500.0], [12.0 + 100 * params["p0"]]],
                  ["data", "model"], t_stop=1000.0)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--only", choices=("cell", "network", "synthetic"), default=None)
    args = p.parse_args()
    print(f"{time.strftime('%Y-%m-%d %H:%M %Z')}; {os.cpu_count()} cores; load average "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    with open(os.devnull, "w") as devnull:
        for kind in ("cell", "network"):
            if args.only in (None, kind):
                bench_fit(kind, args.repeats, devnull)
        if args.only in (None, "synthetic"):
            bench_synthetic(args.repeats, devnull)


if __name__ == "__main__":
    main()
