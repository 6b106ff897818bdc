"""Callbacks that attach themselves to a :class:`~spikeopt.run.runner.Runner`.

A callback is any object with ``attach(runner)``; it registers functions for
the runner's events (``"start"``, ``"generation"``, ``"end"``). A plain
function passed as a callback is called after every generation with a
:class:`~spikeopt.run.runner.GenerationInfo`.
"""

from __future__ import annotations

import logging
import sys

import numpy as np

__all__ = ["Callback", "ProgressBar", "StatsLogger", "BestPrinter", "attach_callbacks"]


class Callback:
    """Base class: override the ``on_*`` methods you need."""

    def attach(self, runner) -> None:
        runner.add_hook("start", self.on_start)
        runner.add_hook("generation", self.on_generation)
        runner.add_hook("end", self.on_end)

    def on_start(self, runner) -> None:
        pass

    def on_generation(self, info) -> None:
        pass

    def on_end(self, result) -> None:
        pass


class ProgressBar(Callback):
    """A tqdm bar over the terminator's progress (0–100 %), showing the best
    loss, evaluations and evaluations per second."""

    def __init__(self, *, desc: str = "optimize", file=None, leave: bool = True):
        self.desc, self.file, self.leave = desc, file, leave
        self.bar = None

    def on_start(self, runner) -> None:
        from tqdm.auto import tqdm

        self.bar = tqdm(total=100, desc=self.desc, file=self.file, leave=self.leave,
                        unit="%", bar_format="{l_bar}{bar}| {n:.0f}/100% [{elapsed}{postfix}]")
        self.bar.n = 100 * runner.terminator.progress(runner.status)
        self.bar.refresh()

    def on_generation(self, info) -> None:
        self.bar.n = 100.0 * info.progress
        self.bar.set_postfix(best=f"{info.best_loss:.4g}", evals=info.evaluations,
                             evals_s=f"{info.evals_per_second:.0f}", refresh=False)
        self.bar.refresh()

    def on_end(self, result) -> None:
        if self.bar is not None:
            self.bar.close()


class StatsLogger(Callback):
    """Per-generation statistics of the losses (min, median, mean, max over
    successful candidates, number failed), kept in :attr:`records` and sent
    to a :mod:`logging` logger (``spikeopt.run`` at INFO by default)."""

    def __init__(self, *, logger: logging.Logger | str = "spikeopt.run", level: int = logging.INFO,
                 every: int = 1):
        self.logger = logging.getLogger(logger) if isinstance(logger, str) else logger
        self.level, self.every = level, max(1, int(every))
        self.records: list[dict] = []

    def on_generation(self, info) -> None:
        ok = np.array([s == "ok" for s in info.status])
        loss = info.losses.sum(axis=1)[ok]
        rec = {
            "generation": info.generation,
            "evaluations": info.evaluations,
            "min": float(loss.min()) if loss.size else float("nan"),
            "median": float(np.median(loss)) if loss.size else float("nan"),
            "mean": float(loss.mean()) if loss.size else float("nan"),
            "max": float(loss.max()) if loss.size else float("nan"),
            "failed": info.n_failed,
            "best": info.best_loss,
            "seconds": info.generation_seconds,
        }
        self.records.append(rec)
        if info.generation % self.every == 0:
            self.logger.log(self.level, "gen %(generation)d evals %(evaluations)d best %(best).6g "
                            "min %(min).6g median %(median).6g failed %(failed)d", rec)


class BestPrinter(Callback):
    """Prints a line whenever the best loss improves."""

    def __init__(self, stream=None):
        self.stream = stream

    def on_generation(self, info) -> None:
        if info.new_best:
            print(f"[gen {info.generation}] best loss {info.best_loss:.6g} "
                  f"params {info.best_params}", file=self.stream or sys.stdout)


def attach_callbacks(runner, callbacks) -> None:
    for cb in callbacks or ():
        if hasattr(cb, "attach"):
            cb.attach(runner)
        elif callable(cb):
            runner.add_hook("generation", cb)
        else:
            raise TypeError(
                f"A callback must have attach(runner) or be callable. Got {cb!r} instead."
            )
