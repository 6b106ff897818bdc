"""Pins the public surface of spikeopt.metrics: a change here is a deliberate API change."""

import spikeopt
from spikeopt import metrics

PUBLIC = {
    # distances and similarities between trains
    "isi_distance", "spike_distance", "spike_sync", "van_rossum", "victor_purpura",
    "gamma_factor", "gamma_reliability", "normalized_gamma_factor",
    "isi_distance_matrix", "spike_distance_matrix", "spike_sync_matrix",
    "van_rossum_matrix", "victor_purpura_matrix", "gamma_factor_matrix",
    # features
    "spike_count", "firing_rate", "isi_mean", "isi_cv", "lv", "lvr", "first_spike_latency",
    "adaptation_index", "burst_fraction", "fano_factor", "bin_spikes", "psth",
    "correlation_coefficient",
}  # fmt: skip


def test_public_names():
    assert set(metrics.__all__) == PUBLIC
    for name in metrics.__all__:
        assert callable(getattr(metrics, name)), name
    assert spikeopt.metrics is metrics
