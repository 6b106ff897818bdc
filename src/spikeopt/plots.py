"""Figures shared by the CLI and reports: spike rasters and voltage traces.

matplotlib is imported lazily with the non-interactive Agg backend, so that
headless machines and worker processes never need a display.
"""

from __future__ import annotations

import numpy as np

from .spikes import SpikeTrains, as_spike_trains

__all__ = ["pyplot", "raster", "traces"]


def pyplot():
    """matplotlib.pyplot on the Agg backend."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def raster(spikes: SpikeTrains, *, ax=None, labels=None, color="k", t_stop=None,
           title: str | None = None):
    """Spike raster: one row per train, time in ms on x. Returns the Axes."""
    plt = pyplot()
    spikes = as_spike_trains(spikes)
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.5 + 0.12 * max(len(spikes), 10)))
    ax.scatter(spikes.times, spikes.train_index(), s=4, marker="|", c=color, linewidths=0.8)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("train")
    ax.set_ylim(-0.5, max(len(spikes), 1) - 0.5)
    stop = t_stop if t_stop is not None else spikes.t_stop
    if stop is not None:
        ax.set_xlim(0.0, stop)
    if labels is not None:
        ax.set_yticks(np.arange(len(labels)), labels=labels, fontsize=6)
    if title:
        ax.set_title(title)
    return ax


def traces(v: np.ndarray, dt: float, *, ax=None, labels=None, title: str | None = None):
    """Membrane potential traces (mV) sampled every ``dt`` ms. Returns the Axes."""
    plt = pyplot()
    v = np.atleast_2d(v)
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3))
    t = np.arange(v.shape[1]) * dt
    for i, row in enumerate(v):
        ax.plot(t, row, lw=0.7, label=None if labels is None else labels[i])
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("V (mV)")
    if labels is not None:
        ax.legend(fontsize=7, loc="upper right")
    if title:
        ax.set_title(title)
    return ax
