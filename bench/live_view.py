"""What the live view (spikeopt.run.LiveView) costs a run.

Two measurements, each the median of ``--repeats`` runs:

* the starter cell fit of ``spikeopt init cell`` (AdEx, 2 × 2 s training sweeps,
  CMA-ES population 16, 3000 evaluations): wall time with no callback, with the
  progress bar and with the live view drawing to a terminal (a forced-terminal
  rich console writing to /dev/null, so that the terminal's own speed is left out);
* a synthetic objective whose generations take a fixed time (``time.sleep``), to
  show how the throttle keeps the view's share bounded for fast and slow
  generations.

The view's own time (``LiveView.seconds``: bookkeeping and every frame drawn) is
reported beside the wall-time difference, which is noisier.

    .venv/bin/python bench/live_view.py [--repeats 3]
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
from spikeopt.fitting.scaffold import scaffold
from spikeopt.run import LiveView, ProgressBar, optimize


def _console(devnull):
    return Console(file=devnull, force_terminal=True, width=110)


def _time(run, configs: dict, repeats: int) -> dict:
    """Median (wall s, view s, frames) per configuration; the configurations take
    turns in every repeat, so that a slow spell of the machine hits them all."""
    runs = {label: [] for label in configs}
    for _ in range(repeats):
        for label, make_callbacks in configs.items():
            cbs = make_callbacks()
            t0 = time.perf_counter()
            run(cbs)
            wall = time.perf_counter() - t0
            view = next((c for c in cbs if isinstance(c, LiveView)), None)
            runs[label].append((wall, view.seconds if view else 0.0, view.draws if view else 0))
    return {label: tuple(statistics.median(x) for x in zip(*r, strict=True))
            for label, r in runs.items()}


def _report(name: str, rows: dict) -> None:
    base = rows["none"][0]
    print(f"\n{name}")
    print(f"{'callbacks':<14}{'wall s':>9}{'vs none':>9}{'view s':>9}{'view share':>12}"
          f"{'frames':>8}")
    for label, (wall, view, draws) in rows.items():
        print(f"{label:<14}{wall:>9.3f}{wall / base:>9.3f}{view:>9.3f}"
              f"{(100 * view / wall if wall else 0):>11.2f}%{draws:>8.0f}")


def bench_cell_fit(repeats: int, devnull) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cfg = load_config(scaffold("cell", Path(tmp) / "cell"))
        built = get_problem(cfg).build(cfg)
        gens = {"n": 0}

        def run(cbs):
            res = optimize(built.objective, built.space, optimizer="cmaes",
                           optimizer_options={"popsize": 16, "restarts": 1000},
                           budget=terminator(cfg["budget"]), seed=cfg["seed"], callbacks=cbs)
            gens["n"] = res.n_generations

        run([])  # compile and warm the caches
        rows = _time(run, {"none": list,
                           "progress bar": lambda: [ProgressBar(file=devnull)],
                           "live view": lambda: [LiveView(console=_console(devnull))]},
                     repeats)
        _report(f"starter cell fit ({gens['n']} generations of 16, 2 x 2 s sweeps)", rows)


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

        rows = _time(run, {"none": list,
                           "live view": lambda: [LiveView(console=_console(devnull))]},
                     repeats)
        _report(f"synthetic: {budget // 16} generations of {1000 * gen_s:.0f} ms", rows)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    with open(os.devnull, "w") as devnull:
        bench_cell_fit(args.repeats, devnull)
        bench_synthetic(args.repeats, devnull)


if __name__ == "__main__":
    main()
