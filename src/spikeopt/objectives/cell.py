"""Loss terms for fitting a single-cell model to recorded sweeps: pure scoring.

A :class:`Term` scores the simulated sweeps of P candidates (a SimResult)
against the recorded spikes (and voltage) and returns a (P,) loss, lower is
better. Simulating the candidates is the problem's job
(:class:`spikeopt.fitting.cell_objective.CellObjective`), not this module's.

Terms (``metric`` names)
------------------------
``gamma_factor``
    ``1 - mean_s Γ_s`` (coincidence factor, window ``delta_ms``), plus
    ``tiebreak`` × the mean SPIKE-distance: Γ saturates once every spike is
    within Δ, and the continuous tie-breaker keeps the search moving towards
    exact spike times (brian2modelfitting's clipped Γ loss stops improving
    there).
``spike_distance``
    mean SPIKE-distance (Kreuz 2013) over sweeps, in [0, 1].
``van_rossum``
    mean van Rossum distance (``tau_ms``) over sweeps divided by
    ``sqrt(max(n_data, 1))``, so that it is ~1 for a model that misses every spike.
``features``
    Σ_f w_f |f_model - f_data| / max(|f_data|, floor_f), averaged over sweeps,
    for firing features (``rate``, ``latency``, ``isi_cv``, ``isi_mean``,
    ``adaptation``, ``burst_fraction``, ``count``); a feature the model lacks
    (e.g. no spike → no latency) while the data has it costs 1 (times its weight).
``voltage``
    subthreshold voltage error: RMS of (v_model - v_data) in mV over samples
    outside [-2, +10] ms around recorded spikes, with both traces clipped at
    ``clip_mV``, divided by the s.d. of the recorded subthreshold voltage.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numba import njit

from .. import metrics
from ..errors import ConfigError

__all__ = ["Term", "METRICS", "FEATURES"]

METRICS = ("gamma_factor", "spike_distance", "van_rossum", "features", "voltage")

# feature name -> (function, floor for the relative error, in the feature's unit)
FEATURES = {
    "rate": (metrics.firing_rate, 1.0),  # Hz
    "count": (metrics.spike_count, 1.0),
    "latency": (metrics.first_spike_latency, 5.0),  # ms
    "isi_mean": (metrics.isi_mean, 5.0),  # ms
    "isi_cv": (metrics.isi_cv, 0.1),
    "adaptation": (metrics.adaptation_index, 0.05),
    "burst_fraction": (metrics.burst_fraction, 0.1),
}

_TERM_KEYS = {
    "gamma_factor": {"delta_ms", "tiebreak"},
    "spike_distance": set(),
    "van_rossum": {"tau_ms"},
    "features": {"features"},
    "voltage": {"clip_mV"},
}


@dataclass(frozen=True)
class Term:
    """One loss term: a metric name, its weight and options (see module docstring)."""

    metric: str
    weight: float = 1.0
    options: Mapping = field(default_factory=dict)

    def __post_init__(self):
        if self.metric not in _TERM_KEYS:
            raise ConfigError(
                f"Unknown objective metric {self.metric!r}; allowed: {list(METRICS)}."
            )
        bad = set(self.options) - _TERM_KEYS[self.metric]
        if bad:
            raise ConfigError(
                f"Unknown option(s) {sorted(bad)} for metric {self.metric!r}; allowed: "
                f"{sorted(_TERM_KEYS[self.metric]) or 'none'}."
            )
        if self.metric == "features":
            feats = self.options.get("features", {"rate": 1.0, "latency": 1.0, "isi_cv": 1.0})
            if isinstance(feats, Sequence) and not isinstance(feats, str):
                feats = {f: 1.0 for f in feats}
            unknown = set(feats) - set(FEATURES)
            if unknown:
                raise ConfigError(
                    f"Unknown feature(s) {sorted(unknown)}; allowed: {sorted(FEATURES)}."
                )
            object.__setattr__(self, "options", {"features": dict(feats)})

    @classmethod
    def from_config(cls, spec) -> Term:
        """``{"metric": "gamma_factor", "delta_ms": 2.0, "weight": 1.0}`` → Term."""
        if isinstance(spec, str):
            return cls(spec)
        if not isinstance(spec, Mapping) or "metric" not in spec:
            raise ConfigError(
                f"An objective term needs a 'metric' key (one of {list(METRICS)}). Got {spec!r}."
            )
        spec = dict(spec)
        metric = spec.pop("metric")
        weight = float(spec.pop("weight", 1.0))
        return cls(metric, weight, spec)

    @property
    def needs_voltage(self) -> bool:
        return self.metric == "voltage"

    def evaluate(self, res, obj) -> np.ndarray:
        """(P,) loss of this term for the SimResult ``res`` of the objective ``obj``."""
        P, S = res.n_candidates, res.n_sweeps
        loss = _LOSSES[self.metric](res, obj, obj.tiled_target(P), self.options)
        return self.weight * np.asarray(loss, dtype=np.float64).reshape(P, S).mean(axis=1)


# -- the metrics: metric -> loss(res, obj, tiled target, options) -> (P·S,) --------------
def _gamma_loss(res, obj, tiled, o):
    spikes, t_stop = res.spikes, obj.t_stop
    loss = 1.0 - metrics.gamma_factor(spikes, tiled, delta=float(o.get("delta_ms", 2.0)),
                                      t_stop=t_stop)
    tb = float(o.get("tiebreak", 0.05))
    if tb:
        loss = loss + tb * metrics.spike_distance(spikes, tiled, t_stop=t_stop)
    return loss


def _spike_distance_loss(res, obj, tiled, o):
    return metrics.spike_distance(res.spikes, tiled, t_stop=obj.t_stop)


def _van_rossum_loss(res, obj, tiled, o):
    d = metrics.van_rossum(res.spikes, tiled, tau=float(o.get("tau_ms", 10.0)),
                           t_start=0.0, t_stop=obj.t_stop)
    return d / np.sqrt(np.maximum(tiled.counts(), 1))


def _features_loss(res, obj, tiled, o):
    loss = np.zeros(len(res.spikes))
    for name, w in o["features"].items():
        fn, floor = FEATURES[name]
        fm = fn(res.spikes, t_stop=obj.t_stop)
        fd = fn(tiled, t_stop=obj.t_stop)
        err = np.abs(fm - fd) / np.maximum(np.abs(fd), floor)
        err = np.where(np.isnan(fd), np.where(np.isnan(fm), 0.0, 1.0),
                       np.where(np.isnan(fm), 1.0, err))
        loss = loss + w * err
    return loss


def _voltage_loss(res, obj, tiled, o):
    P, S = res.n_candidates, res.n_sweeps
    clip = float(o.get("clip_mV", -30.0))
    mask, scale, data = obj.voltage_reference(clip)
    n = data.shape[1]
    if res.v.shape[1] < n:
        raise ConfigError(f"the voltage term needs {n} voltage samples per sweep; the "
                          f"simulation recorded {res.v.shape[1]}")
    kept = np.ascontiguousarray(mask, dtype=np.uint8)
    rows = np.arange(P * S) if res.v_rows is None else np.asarray(res.v_rows, dtype=np.int64)
    rms = _masked_rms(res.v, rows, data, kept, clip, S)
    return rms.reshape(P, S) / scale[None]


@njit(cache=True, error_model="numpy")
def _masked_rms(v, rows, data, mask, clip, S):
    """RMS (mV) of min(v[rows[r]], clip) - data over the masked samples, for every
    target row r (against sweep r % S): one pass, no (P·S, T) temporaries."""
    n = data.shape[1]
    out = np.empty(rows.shape[0])
    for r in range(rows.shape[0]):
        s, q = r % S, rows[r]
        acc, k = 0.0, 0
        for t in range(n):
            if mask[s, t]:
                x = min(v[q, t], clip) - data[s, t]
                acc += x * x
                k += 1
        out[r] = np.sqrt(acc / k) if k > 0 else 0.0
    return out


_LOSSES = {"gamma_factor": _gamma_loss, "spike_distance": _spike_distance_loss,
           "van_rossum": _van_rossum_loss, "features": _features_loss,
           "voltage": _voltage_loss}
