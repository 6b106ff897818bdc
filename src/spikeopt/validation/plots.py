"""Figures of a :class:`~spikeopt.validation.ValidationReport`.

Figures are built as :class:`matplotlib.figure.Figure` objects without pyplot,
so no GUI backend or global figure state is involved; ``fig.savefig`` renders
them with Agg.
"""

from __future__ import annotations

import numpy as np

from .. import metrics

__all__ = ["report_figures", "measure_figure", "raster_figure", "lv_rate_figure"]

MODEL_COLOR = "#1f77b4"
TARGET_COLOR = "#d62728"


def _figure(**kw):
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:  # pragma: no cover - matplotlib is a dependency
        raise ImportError("Validation figures need matplotlib: pip install matplotlib") from exc
    return Figure(**kw)


def report_figures(report) -> dict:
    """name -> Figure for every measure, the rasters and the LV-vs-rate scatter."""
    figs = {}
    for m, (a, b) in report.samples.items():
        figs[f"measure_{m}"] = measure_figure(
            a,
            b,
            label=report.labels.get(m, m),
            unit=report.units.get(m, ""),
            verdict=report.verdicts.get(m, ""),
        )
    figs["raster"] = raster_figure(
        report.model, report.target, report.window_model, report.window_target
    )
    figs["lv_vs_rate"] = lv_rate_figure(
        report.model, report.target, report.window_model, report.window_target
    )
    return figs


def measure_figure(model_values, target_values, *, label: str, unit: str = "", verdict=""):
    """Histograms (shared bins, densities) and violins of one measure."""
    a = np.asarray(model_values, dtype=float)
    b = np.asarray(target_values, dtype=float)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    fig = _figure(figsize=(8.0, 3.2), layout="constrained")
    ax_h, ax_v = fig.subplots(1, 2, width_ratios=[2, 1])
    xlabel = f"{label} ({unit})" if unit else label
    both = np.concatenate([a, b])
    if both.size:
        lo, hi = float(both.min()), float(both.max())
        edges = np.histogram_bin_edges(both, bins=30, range=(lo, hi if hi > lo else lo + 1))
        for x, c, name in ((a, MODEL_COLOR, "model"), (b, TARGET_COLOR, "target")):
            if x.size:
                ax_h.hist(
                    x, bins=edges, density=True, alpha=0.5, color=c, label=f"{name} (n={x.size})"
                )
        ax_h.legend(frameon=False, fontsize=8)
    ax_h.set_xlabel(xlabel)
    ax_h.set_ylabel("density")
    data = [x if x.size else np.array([np.nan]) for x in (a, b)]
    if a.size > 1 and b.size > 1:
        parts = ax_v.violinplot(data, showmedians=True)
        for body, c in zip(parts["bodies"], (MODEL_COLOR, TARGET_COLOR), strict=True):
            body.set_facecolor(c)
            body.set_alpha(0.5)
    else:
        for i, x in enumerate(data, start=1):
            ax_v.plot(np.full(x.size, i), x, "o", color=(MODEL_COLOR, TARGET_COLOR)[i - 1])
    ax_v.set_xticks([1, 2], ["model", "target"])
    ax_v.set_ylabel(xlabel)
    fig.suptitle(f"{label}: {verdict}" if verdict else label)
    return fig


def _raster(ax, spikes, window, color, title, max_trains: int):
    n = min(len(spikes), max_trains)
    trains = [spikes[i] for i in range(n)]
    if n:
        ax.eventplot(trains, colors=color, linelengths=0.8, linewidths=0.5)
    ax.set_xlim(*window)
    ax.set_ylim(-0.5, max(n, 1) - 0.5)
    ax.set_xlabel("time (ms)")
    shown = "" if n == len(spikes) else f", first {n} of {len(spikes)}"
    ax.set_title(f"{title} ({len(spikes)} trains{shown})", fontsize=9)


def raster_figure(model, target, window_model, window_target, *, max_trains: int = 200):
    """Rasters of the model's and the target's trains, side by side."""
    fig = _figure(figsize=(10.0, 4.0), layout="constrained")
    ax_m, ax_t = fig.subplots(1, 2)
    _raster(ax_m, model, window_model, MODEL_COLOR, "model", max_trains)
    _raster(ax_t, target, window_target, TARGET_COLOR, "target", max_trains)
    ax_m.set_ylabel("train")
    return fig


def lv_rate_figure(model, target, window_model, window_target):
    """LV against firing rate, one point per train (as SpikeNetOpt shows)."""
    fig = _figure(figsize=(5.0, 4.0), layout="constrained")
    ax = fig.subplots()
    for sp, (t0, t1), c, name in (
        (model, window_model, MODEL_COLOR, "model"),
        (target, window_target, TARGET_COLOR, "target"),
    ):
        rate = metrics.firing_rate(sp, t_start=t0, t_stop=t1)
        lv = metrics.lv(sp, t_start=t0, t_stop=t1)
        ok = np.isfinite(lv)
        ax.scatter(rate[ok], lv[ok], s=12, alpha=0.6, color=c, label=f"{name} (n={ok.sum()})")
    ax.axhline(1.0, color="0.5", lw=0.8, ls="--")
    ax.set_xlabel("firing rate (Hz)")
    ax.set_ylabel("LV")
    ax.legend(frameon=False, fontsize=8)
    return fig
