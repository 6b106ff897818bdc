"""Callbacks that attach themselves to a :class:`~spikeopt.run.runner.Runner`.

A callback is any object with ``attach(runner)``; it registers functions for
the runner's events (``"start"``, ``"generation"``, ``"end"``, ``"abort"``). A plain
function passed as a callback is called after every generation with a
:class:`~spikeopt.run.runner.GenerationInfo`.
"""

from __future__ import annotations

import logging
import math
import sys
import time

import numpy as np

__all__ = ["Callback", "ProgressBar", "RunClock", "StatsLogger", "BestPrinter",
           "attach_callbacks", "format_seconds"]


class Callback:
    """Base class: override the ``on_*`` methods you need."""

    def attach(self, runner) -> None:
        runner.add_hook("start", self.on_start)
        runner.add_hook("generation", self.on_generation)
        runner.add_hook("end", self.on_end)
        runner.add_hook("abort", self.on_abort)

    def on_start(self, runner) -> None:
        pass

    def on_generation(self, info) -> None:
        pass

    def on_end(self, result) -> None:
        pass

    def on_abort(self, exc: BaseException) -> None:
        """The run stopped on ``exc`` (an error, or KeyboardInterrupt) before its end."""


def format_seconds(seconds: float | None) -> str:
    """``h:mm:ss`` (or ``m:ss``) for people; ``"?"`` when unknown.

    >>> format_seconds(75.4), format_seconds(3725), format_seconds(None)
    ('1:15', '1:02:05', '?')
    """
    if seconds is None or not math.isfinite(seconds):
        return "?"
    s = int(round(max(seconds, 0.0)))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class RunClock:
    """This session's pace, measured from ``start`` on: evaluations per second
    and the time left estimated from the terminator's progress (which covers
    every stopping rule: a budget, a target loss, stagnation, wall time)."""

    def __init__(self, runner):
        self.runner = runner
        self.t0 = time.perf_counter()
        self.e0 = runner.status.evaluations
        self.p0 = runner.terminator.progress(runner.status)

    def seconds(self) -> float:
        return time.perf_counter() - self.t0

    def evals_per_second(self) -> float:
        dt = self.seconds()
        return (self.runner.status.evaluations - self.e0) / dt if dt > 0 else 0.0

    def progress(self) -> float:
        return self.runner.terminator.progress(self.runner.status)

    def seconds_left(self) -> float | None:
        p = self.progress()
        if p >= 1.0:
            return 0.0
        if p <= self.p0:
            return None
        return self.seconds() * (1.0 - p) / (p - self.p0)

    def usage(self):
        """The budget spent in its own units (:class:`~spikeopt.optimizers.Usage`),
        or None when no stopping rule counts anything."""
        return self.runner.terminator.usage(self.runner.status)


class ProgressBar(Callback):
    """A tqdm bar over the budget in its own units — ``1200/4000 evaluations``,
    ``12/50 generations`` or ``35/60 s`` (the counting stopping rule nearest to
    ending the run) — with the best loss, evaluations per second and the time
    left estimated from the terminators' progress. Without a counted budget
    (only a target loss or stagnation) the bar shows the terminators' progress
    in percent and where the run stands against them."""

    _COUNTED = "{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} {unit} [{elapsed}{postfix}]"
    _PERCENT = "{desc}: {percentage:3.0f}%|{bar}| [{elapsed}{postfix}]"

    def __init__(self, *, desc: str = "optimize", file=None, leave: bool = True):
        self.desc, self.file, self.leave = desc, file, leave
        self.bar = None
        self.clock: RunClock | None = None

    def on_start(self, runner) -> None:
        from tqdm.auto import tqdm

        self.clock = RunClock(runner)
        self.bar = tqdm(total=100, desc=self.desc, file=self.file, leave=self.leave,
                        bar_format=self._PERCENT)
        self._update()

    def _update(self) -> None:
        clock, bar = self.clock, self.bar
        usage = clock.usage()
        status = clock.runner.status
        if usage is None:
            bar.bar_format, bar.unit = self._PERCENT, ""
            bar.total, bar.n = 100, round(100.0 * clock.progress(), 1)
            extra = [clock.runner.terminator.describe(status)]
        else:
            bar.bar_format, bar.unit = self._COUNTED, usage.unit
            bar.total = _count(usage.total)
            bar.n = min(_count(usage.done), bar.total)  # tqdm hides a total that n passed
            extra = [f"best {status.best_loss:.4g}"] if math.isfinite(status.best_loss) else []
        if status.generations:
            extra.append(f"{clock.evals_per_second():.0f} evals/s")
            extra.append(f"~{format_seconds(clock.seconds_left())} left")
        bar.set_postfix_str(", ".join(extra), refresh=False)
        bar.refresh()

    def on_generation(self, info) -> None:
        self._update()

    def on_end(self, result) -> None:
        if self.bar is not None:
            self.bar.close()

    def on_abort(self, exc: BaseException) -> None:
        self.on_end(None)


def _count(x: float):
    """Whole counts as ints (``4000``, not ``4000.0``); seconds to 3 digits."""
    return int(round(x)) if float(x).is_integer() else float(f"{float(x):.3g}")


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
