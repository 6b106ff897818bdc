"""Spike-train metrics: distances between trains and firing features, batched.

All spike times and time arguments are in ms (``t_start``, ``t_stop``,
``tau``, ``delta``, ``bin_size``, ``window``); ``q`` is in 1/ms.
"""

from .correlation import correlation_coefficient
from .features import (
    adaptation_index,
    bin_spikes,
    burst_fraction,
    fano_factor,
    firing_rate,
    first_spike_latency,
    isi_cv,
    isi_mean,
    lv,
    lvr,
    psth,
    spike_count,
)

__all__ = [
    "adaptation_index",
    "bin_spikes",
    "burst_fraction",
    "correlation_coefficient",
    "fano_factor",
    "firing_rate",
    "first_spike_latency",
    "isi_cv",
    "isi_mean",
    "lv",
    "lvr",
    "psth",
    "spike_count",
]
