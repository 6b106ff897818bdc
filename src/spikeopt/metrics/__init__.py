"""Spike-train metrics: distances between trains and firing features, batched.

All spike times and time arguments are in ms (``t_start``, ``t_stop``,
``tau``, ``delta``, ``bin_size``, ``window``); ``q`` is in 1/ms.
"""

from .coincidence import (
    gamma_factor,
    gamma_factor_matrix,
    gamma_reliability,
    normalized_gamma_factor,
)
from .correlation import correlation_coefficient
from .distances import van_rossum, van_rossum_matrix, victor_purpura, victor_purpura_matrix
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
from .kreuz import (
    isi_distance,
    isi_distance_matrix,
    spike_distance,
    spike_distance_matrix,
    spike_sync,
    spike_sync_matrix,
)

__all__ = [
    "adaptation_index",
    "bin_spikes",
    "burst_fraction",
    "correlation_coefficient",
    "fano_factor",
    "firing_rate",
    "first_spike_latency",
    "gamma_factor",
    "gamma_factor_matrix",
    "gamma_reliability",
    "isi_cv",
    "isi_distance",
    "isi_distance_matrix",
    "isi_mean",
    "lv",
    "lvr",
    "normalized_gamma_factor",
    "psth",
    "spike_count",
    "spike_distance",
    "spike_distance_matrix",
    "spike_sync",
    "spike_sync_matrix",
    "van_rossum",
    "van_rossum_matrix",
    "victor_purpura",
    "victor_purpura_matrix",
]
