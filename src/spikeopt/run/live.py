"""A live terminal view of a run (rich + plotille), redrawn in place.

:class:`LiveView` is a callback: ``optimize(..., callbacks=[LiveView()])`` or
``spikeopt fit CONFIG --live``. It shows the best loss curve, the population's
current spread per parameter against its bounds, evaluations per second, the
budget spent in its own units and the time left from the terminators'
progress; given a ``raster`` source (a function of the best parameters that
returns a :class:`Raster`), also the best candidate's spikes — data against
model per sweep for a cell, sampled neurons per population for a network. The
view itself never simulates: the source does, and only when the best candidate
has changed. Where the output is not a terminal it is a plain
:class:`~spikeopt.run.callbacks.ProgressBar`.

Redraws are throttled: at most ``max_hz`` per second, and spaced so that the
measured cost of drawing (and of the raster source) stays below
``max_overhead`` of the run's wall time (``bench/live_view.py`` measures it).
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .._display import evenly_spaced
from ..errors import InvalidParameterError
from .callbacks import Callback, ProgressBar, RunClock, format_seconds

__all__ = ["LiveView", "Raster"]

# rich colour per group, in order of first appearance ('data' and 'model' first for cells)
_GROUP_COLOURS = ("bright_white", "magenta", "cyan", "yellow", "green", "blue", "red")


@dataclass(frozen=True, eq=False)  # rows of arrays: compared by identity
class Raster:
    """Spike trains for the live view: one row per train, drawn top to bottom.

    Parameters
    ----------
    labels : sequence of str
        Each row's label (``"sweep 3 data"``, ``"E 17"``).
    times : sequence of array_like
        Each row's spike times, ms from the start of the row's trial.
    groups : sequence of str
        Each row's group (``"data"`` / ``"model"``, a population's name): rows of
        one group share a colour, named in the legend.
    t_stop : float
        The time axis' end, ms (it starts at 0).
    note : str
        A line under the raster, e.g. what was left out (``"20 of 400 E neurons"``).

    Examples
    --------
    >>> r = Raster(["s0 data", "s0 model"], [[10.0, 250.0], [12.5]], ["data", "model"],
    ...            t_stop=500.0)
    >>> len(r), r.t_stop
    (2, 500.0)
    """

    labels: Sequence[str]
    times: Sequence
    groups: Sequence[str]
    t_stop: float
    note: str = ""

    def __post_init__(self):
        n = len(self.labels)
        if len(self.times) != n or len(self.groups) != n:
            raise InvalidParameterError(
                "Raster needs one label, one spike-time array and one group per row. Got "
                f"{n} labels, {len(self.times)} time arrays and {len(self.groups)} groups "
                "instead.")
        if not float(self.t_stop) > 0:
            raise InvalidParameterError(
                f"The 't_stop' parameter of Raster must be > 0 ms. Got {self.t_stop!r} instead.")

    def __len__(self) -> int:
        return len(self.labels)


class LiveView(Callback):
    """Watch a run in the terminal, updated in place after each generation.

    Parameters
    ----------
    desc : str
        The title of the view.
    console : rich.console.Console, optional
        Where to draw (default: a console on ``file`` or standard output). A
        console that is not a terminal (a pipe, a file, a dumb terminal) gets
        the plain progress bar instead.
    file : file object, optional
        The stream of the default console.
    max_hz : float
        At most this many redraws per second.
    max_overhead : float
        Redraws are spaced so that their measured cost stays below this share
        of the run's wall time (0.02: 2 %). The last generation is always drawn.
    curve_width, curve_height : int
        The loss plot's size in characters.
    raster : callable, optional
        ``raster(best_params) -> Raster``: the best candidate's spikes, drawn under
        the loss curve. Called only when the best candidate has changed and a
        frame is drawn, and only as often as its measured cost allows (it shares
        ``max_overhead`` with the frames). An error in it is warned about once
        and the panel says so; the run goes on.
    raster_rows : int
        At most this many raster rows are drawn (the first ones; the note says
        how many were left out).

    Attributes
    ----------
    draws : int
        Frames drawn so far.
    seconds : float
        Time spent in this callback so far (drawing, the raster source and
        bookkeeping), in s.
    raster_calls : int
        Times the raster source was called.
    raster_seconds : float
        Time spent in the raster source so far, in s.

    Examples
    --------
    >>> import io
    >>> from rich.console import Console
    >>> from spikeopt.run import LiveView, optimize
    >>> console = Console(file=io.StringIO(), force_terminal=True, width=100)
    >>> view = LiveView(console=console)
    >>> res = optimize(lambda p: p["x"] ** 2, {"x": (-1.0, 1.0)}, optimizer="cmaes",
    ...                budget=60, seed=0, callbacks=[view])
    >>> view.draws >= 1 and "evaluations/s" in console.file.getvalue()
    True
    """

    def __init__(self, *, desc: str = "optimize", console=None, file=None, max_hz: float = 4.0,
                 max_overhead: float = 0.02, curve_width: int = 60, curve_height: int = 10,
                 raster=None, raster_rows: int = 24):
        if not max_hz > 0:
            raise InvalidParameterError(
                f"The 'max_hz' parameter of LiveView must be > 0. Got {max_hz!r} instead.")
        if not 0 < max_overhead <= 1:
            raise InvalidParameterError(
                "The 'max_overhead' parameter of LiveView must be in (0, 1]. Got "
                f"{max_overhead!r} instead.")
        if raster is not None and not callable(raster):
            raise InvalidParameterError(
                "The 'raster' parameter of LiveView must be a function of the best parameters "
                f"returning a Raster. Got {raster!r} instead.")
        if not int(raster_rows) >= 1:
            raise InvalidParameterError(
                f"The 'raster_rows' parameter of LiveView must be >= 1. Got {raster_rows!r} "
                "instead.")
        self.desc, self.file = desc, file
        self.console = console
        self.min_interval = 1.0 / float(max_hz)
        self.max_overhead = float(max_overhead)
        self.curve_width, self.curve_height = int(curve_width), int(curve_height)
        self.fallback: ProgressBar | None = None
        self.runner = None
        self.clock: RunClock | None = None
        self.draws = 0
        self.seconds = 0.0
        self._live = None
        self._info = None
        self._next_draw = 0.0
        self.raster_source = raster
        self.raster_rows = int(raster_rows)
        self.raster_calls = 0
        self.raster_seconds = 0.0
        self._raster: Raster | None = None
        self._raster_for: dict | None = None  # the best parameters it shows
        self._raster_loss = math.nan  # and their loss
        self._raster_drawn = None  # (raster, width, renderable)
        self._raster_error: str | None = None
        self._next_raster = 0.0

    # -- the callback --------------------------------------------------------------
    def on_start(self, runner) -> None:
        from rich.console import Console

        if self.console is None:
            self.console = Console(file=self.file)
        if not self.console.is_terminal or self.console.is_dumb_terminal:
            self.fallback = ProgressBar(desc=self.desc, file=self.console.file)
            self.fallback.on_start(runner)
            return
        t0 = time.perf_counter()
        import plotille  # noqa: F401  (imported here, not in the first timed frame)
        from rich.live import Live

        self.runner = runner
        self.clock = RunClock(runner)
        self._live = Live(console=self.console, auto_refresh=False, transient=False)
        self._live.start()
        self._draw()
        self._next_draw = time.perf_counter() + self.min_interval  # first frame: warm-up
        self.seconds += time.perf_counter() - t0

    def on_generation(self, info) -> None:
        if self.fallback is not None:
            self.fallback.on_generation(info)
            return
        t0 = time.perf_counter()
        self._info = info
        if t0 >= self._next_draw:
            self._draw()
        self.seconds += time.perf_counter() - t0

    def on_end(self, result) -> None:
        if self.fallback is not None:
            self.fallback.on_end(result)
            return
        if self._live is not None:
            t0 = time.perf_counter()
            self._draw(stop_reason=result.stop_reason)
            self._live.stop()
            self._live = None
            self.seconds += time.perf_counter() - t0

    def on_abort(self, exc: BaseException) -> None:
        """Leave the last frame on screen and give the terminal back (cursor, stdout)."""
        if self.fallback is not None:
            self.fallback.on_abort(exc)
        elif self._live is not None:
            self._live.stop()
            self._live = None

    # -- drawing ---------------------------------------------------------------------
    def _draw(self, stop_reason: str | None = None) -> None:
        share = self.max_overhead if self.raster_source is None else self.max_overhead / 2
        self._update_raster(force=stop_reason is not None, share=share)
        t0 = time.perf_counter()
        self._live.update(self.render(stop_reason=stop_reason), refresh=True)
        self.draws += 1
        now = time.perf_counter()
        cost = now - t0
        self._next_draw = now + max(self.min_interval, cost / share)

    def _update_raster(self, *, force: bool, share: float) -> None:
        """Call the raster source if the best candidate changed since its last call
        and its last measured cost fits in its ``share`` of the run's time (always
        for the last frame)."""
        if self.raster_source is None or self._raster_error is not None:
            return
        best = self.runner.best_params
        if best is None or best == self._raster_for:
            return
        t0 = time.perf_counter()
        if not force and t0 < self._next_raster:
            return
        try:
            raster = self.raster_source(dict(best))
            if not isinstance(raster, Raster):
                raise TypeError(f"the raster source must return a Raster; got {raster!r}")
        except Exception as exc:  # noqa: BLE001  (a display must not end the run)
            self._raster_error = f"{type(exc).__name__}: {exc}"
            warnings.warn(f"LiveView: the raster source failed ({self._raster_error}); the "
                          "view goes on without it", RuntimeWarning, stacklevel=2)
            return
        finally:
            cost = time.perf_counter() - t0
            self.raster_calls += 1
            self.raster_seconds += cost
        self._raster, self._raster_for = raster, dict(best)
        self._raster_loss = self.runner.status.best_loss
        self._next_raster = t0 + cost + cost / share

    def render(self, *, stop_reason: str | None = None):
        """The current frame, a rich renderable (fixed widths: nothing to measure)."""
        from rich.console import Group
        from rich.panel import Panel

        width = min(self.console.width, 110)
        parts = [self._header(stop_reason), self._curve(width - 4)]
        if self.raster_source is not None:
            parts.append(self._raster_panel(width - 4))
        if self._info is not None:
            parts.append(self._spread(self._info, width - 4))
        title = f"{self.desc} · generation {self.runner.status.generations}"
        return Panel(Group(*parts), title=title, title_align="left", expand=True, width=width)

    def _header(self, stop_reason):
        from rich.progress_bar import ProgressBar as Bar
        from rich.table import Table

        status, clock = self.runner.status, self.clock
        usage = clock.usage()
        best = f"{status.best_loss:.5g}" if math.isfinite(status.best_loss) else "—"
        rate = clock.evals_per_second()
        pace = (f"{status.evaluations} evaluations, {rate:.0f} evaluations/s; elapsed "
                f"{format_seconds(clock.seconds())}")
        if stop_reason is None:
            pace += f", ~{format_seconds(clock.seconds_left())} left"
        lines = [("pace", pace)]
        if self._info is not None and self._info.n_failed:
            lines.append(("failed", f"{self._info.n_failed} of {self._info.losses.shape[0]} "
                                    "in the last generation"))
        if stop_reason is None:
            lines.append(("stops at", self.runner.terminator.describe(status)))
        elif str(stop_reason).startswith("terminator"):
            lines.append(("stopped", self.runner.terminator.describe(status)))
        else:
            lines.append(("stopped", f"by the optimizer ({stop_reason})"))
        grid = Table.grid(padding=(0, 1))
        grid.add_column(width=9, no_wrap=True, style="bold")
        grid.add_column()
        grid.add_row("best loss", best)
        if usage is not None:
            bar = Table.grid(padding=(0, 1))
            bar.add_column(width=30, no_wrap=True)
            bar.add_column(no_wrap=True)
            bar.add_row(Bar(total=usage.total, completed=min(usage.done, usage.total),
                            width=30), str(usage))
            grid.add_row("budget", bar)
        else:
            grid.add_row("progress", f"{100 * clock.progress():.0f} % of the stopping rules")
        for key, value in lines:
            grid.add_row(key, value)
        return grid

    def _curve(self, width: int):
        """The best loss per generation (log scale when positive), plotille's braille."""
        import plotille
        from rich.text import Text

        y = np.asarray(self.runner.status.best_history, dtype=float)
        x = np.arange(1, y.size + 1, dtype=float)
        keep = np.isfinite(y)
        x, y = x[keep], y[keep]
        if y.size < 2:
            return Text("best loss curve: after two generations", style="dim")
        cols = max(20, min(self.curve_width, width - 31))  # room for the axis labels
        if y.size > 2 * cols:  # braille: two dots per character
            idx = evenly_spaced(y.size, 2 * cols)
            x, y = x[idx], y[idx]
        log = bool((y > 0).all())
        fig = plotille.Figure()
        fig.width, fig.height = cols, self.curve_height
        fig.x_label, fig.y_label = "generation", "best loss"
        fig.color_mode = "names"
        if log:
            y = np.log10(y)
            fig.y_ticks_fkt = lambda lo, hi: f"{10.0 ** lo:.3g}"
        lo, hi = float(y.min()), float(y.max())
        pad = 0.05 * (hi - lo) if hi > lo else (0.5 if log else max(abs(hi), 1.0) * 0.05)
        fig.set_y_limits(lo - pad, hi + pad)
        fig.set_x_limits(1, max(float(x[-1]), 2.0))
        fig.x_ticks_fkt = lambda lo, hi: f"{lo:.0f}"
        fig.plot(x.tolist(), y.tolist(), lc="cyan")
        return Text.from_ansi(fig.show(), no_wrap=True)

    def _raster_panel(self, width: int):
        """The best candidate's raster: one text line per row, its label beside a
        plotille braille canvas (each spike a vertical tick), rows coloured by
        group, a time axis and a legend."""
        import plotille
        from rich.console import Group
        from rich.text import Text

        title = "best candidate's raster"
        if self._raster_error is not None:
            return Text(f"{title}: unavailable ({self._raster_error})", style="dim")
        r = self._raster
        if r is None:
            return Text(f"{title}: after the first generation", style="dim")
        if self._raster_drawn is not None and self._raster_drawn[0] is r \
                and self._raster_drawn[1] == width:
            return self._raster_drawn[2]  # drawn once per raster and width
        n = min(len(r), self.raster_rows)
        lw = max(6, min(max((len(s) for s in r.labels[:n]), default=6), 18))
        cols = max(20, width - lw - 1)
        colours = {}
        for g in r.groups:
            colours.setdefault(g, _GROUP_COLOURS[len(colours) % len(_GROUP_COLOURS)])
        t_stop = float(r.t_stop)
        canvas = plotille.Canvas(cols, max(n, 1), xmin=0.0, ymin=0.0, xmax=t_stop, ymax=max(n, 1))
        dx = t_stop / (2 * cols)  # one braille dot's width, ms
        for i in range(n):
            y = n - 1 - i  # the first row on top
            t = np.asarray(r.times[i], dtype=float)
            dots = np.unique(np.minimum(np.rint(t[(t >= 0) & (t <= t_stop)] / dx), 2 * cols - 1))
            for x in dots * dx:  # one tick per dot column, however many spikes share it
                canvas.line(float(x), y + 0.2, float(x), y + 0.8)
        lines = canvas.plot(linesep="\n").split("\n")
        out = Text()
        legend = Text(f"{title} (loss {self._raster_loss:.4g}): ", style="italic")
        for g, c in colours.items():
            legend.append("┃", style=c).append(f" {g}  ")
        out.append_text(legend)
        for i in range(n):
            out.append("\n").append(f"{_shorten(str(r.labels[i]), lw):>{lw}} ", style="bold")
            out.append(lines[i], style=colours[r.groups[i]])
        axis = f"0 ms{f'{t_stop:.6g} ms':>{cols - 4}}"
        out.append("\n" + " " * (lw + 1) + axis, style="dim")
        notes = [r.note] if r.note else []
        if n < len(r):
            notes.append(f"{n} of {len(r)} rows shown")
        if notes:
            out.append("\n" + " " * (lw + 1) + "; ".join(notes), style="dim")
        out.no_wrap = True
        self._raster_drawn = (r, width, Group(out))
        return self._raster_drawn[2]

    def _spread(self, info, width: int):
        """Each parameter's population now: min / median / max against its bounds,
        with a bar of the spread in the search's own coordinates (log10 for log
        parameters) and the best value so far."""
        from rich.bar import Bar
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        space = self.runner.space
        cols = ("low", "min", "median", "max", "high") if width >= 96 else \
            ("min", "median", "max")  # narrow: the bar alone shows the bounds
        uw = max(4, *(len(space[n].unit) for n in space.names))
        room = width - (uw + 2 + 9 * len(cols)) - 8 - 10 - 2  # a name's room beside the rest
        nw = max(9, min(max(len(n) for n in space.names), room, 40))
        numbers = nw + uw + 2 + 9 * len(cols)
        bar_w = max(8, min(24, width - numbers - 12))
        grid = Table.grid(padding=(0, 1))
        grid.add_column(width=numbers, no_wrap=True)
        grid.add_column(width=bar_w, no_wrap=True)
        grid.add_column(width=10, no_wrap=True, justify="right")
        grid.add_row(Text(f"{'parameter':<{nw}}  {'unit':<{uw}}"
                          + "".join(f"{c:>9}" for c in cols), style="bold"),
                     Text("spread", style="bold"), Text("best", style="bold"))
        best = info.best_params or {}
        for name in space.names:
            p = space[name]
            v = np.asarray(info.params[name])
            b = best.get(name)
            label = f"{_shorten(name, nw):<{nw}}  {p.unit:<{uw}}"
            if p.choices is not None:
                vals, counts = np.unique(v, return_counts=True)
                grid.add_row(f"{label}{str(vals[np.argmax(counts)]):>{9 * len(cols)}}",
                             f"{len(vals)} of {len(p.choices)} choices", str(b))
                continue
            v = v.astype(float)
            g = p.to_gene(v)
            lo_g = p.gene_low
            bar = Bar(size=max(p.gene_high - lo_g, 1e-300), begin=float(g.min() - lo_g),
                      end=float(g.max() - lo_g), color="cyan", bgcolor="grey23")
            stats = {"low": p.low, "min": v.min(), "median": np.median(v), "max": v.max(),
                     "high": p.high}
            grid.add_row(label + "".join(f"{_number(stats[c]):>9}" for c in cols), bar,
                         "" if b is None else f"{float(b):.4g}")
        return Group(Text("population this generation", style="italic"), grid)


def _number(v) -> str:
    """At most 8 characters, so that 9-wide columns keep a space between numbers
    (``-0.007769`` → ``-0.00777``)."""
    for digits in (4, 3, 2, 1):
        text = f"{float(v):.{digits}g}"
        if len(text) <= 8:
            return text
    return text


def _shorten(name: str, width: int) -> str:
    """``projections.EE.weight.uniform.1`` → ``projectio…ight.uniform.1`` to fit."""
    if len(name) <= width:
        return name
    head = (width - 1) // 3
    return name[:head] + "…" + name[len(name) - (width - 1 - head):]
