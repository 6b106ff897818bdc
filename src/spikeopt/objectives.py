"""Losses for fitting a single-cell model to recorded sweeps.

A :class:`CellObjective` is a picklable callable ``objective(params) -> losses``
for :func:`spikeopt.optimize`: it simulates all P candidates under all S
training sweeps in one call and scores them against the recorded spikes (and
voltage) with one or several :class:`Term` s. Lower is better. A candidate
whose simulation diverges gets NaN, which the runner turns into its penalty
and records as the reason.

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

from . import metrics
from . import models as _models
from .errors import ConfigError, InvalidParameterError
from .simulate import simulate
from .spikes import SpikeTrains
from .stimuli import Stimulus

__all__ = ["Term", "CellObjective", "METRICS", "FEATURES"]

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

    def evaluate(self, res, obj: CellObjective) -> np.ndarray:
        """(P,) loss of this term for the SimResult ``res`` of the objective ``obj``."""
        P, S = res.n_candidates, res.n_sweeps
        spikes, t_stop = res.spikes, obj.t_stop
        tiled = obj.tiled_target(P)
        o = self.options
        if self.metric == "gamma_factor":
            g = metrics.gamma_factor(spikes, tiled, delta=float(o.get("delta_ms", 2.0)),
                                     t_stop=t_stop)
            loss = 1.0 - g
            tb = float(o.get("tiebreak", 0.05))
            if tb:
                loss = loss + tb * metrics.spike_distance(spikes, tiled, t_stop=t_stop)
        elif self.metric == "spike_distance":
            loss = metrics.spike_distance(spikes, tiled, t_stop=t_stop)
        elif self.metric == "van_rossum":
            d = metrics.van_rossum(spikes, tiled, tau=float(o.get("tau_ms", 10.0)),
                                   t_start=0.0, t_stop=t_stop)
            loss = d / np.sqrt(np.maximum(tiled.counts(), 1))
        elif self.metric == "features":
            loss = np.zeros(P * S)
            for name, w in o["features"].items():
                fn, floor = FEATURES[name]
                fm = fn(spikes, t_stop=t_stop)
                fd = fn(tiled, t_stop=t_stop)
                err = np.abs(fm - fd) / np.maximum(np.abs(fd), floor)
                err = np.where(np.isnan(fd), np.where(np.isnan(fm), 0.0, 1.0),
                               np.where(np.isnan(fm), 1.0, err))
                loss = loss + w * err
        else:  # voltage
            clip = float(o.get("clip_mV", -30.0))
            mask, scale, data = obj.voltage_reference(clip)
            n = data.shape[1]
            m = np.minimum(res.v[:, :n], clip).reshape(P, S, n)
            err2 = ((m - data[None]) ** 2 * mask[None]).sum(axis=2) / mask.sum(axis=1)
            loss = np.sqrt(err2) / scale[None]
        return self.weight * np.asarray(loss, dtype=np.float64).reshape(P, S).mean(axis=1)


class CellObjective:
    """Score P candidates of ``model`` against S recorded training sweeps.

    Parameters
    ----------
    model : str or Model
    current_pA : array (S, T)
        Injected current of each training sweep, sampled every ``data_dt_ms``.
    target : SpikeTrains
        Recorded spike times (ms), one row per sweep.
    data_dt_ms : float
        Sampling interval of the recording.
    terms : sequence of Term (or configs)
    fixed : dict, optional
        Parameter values set but not fitted (model units).
    sim_dt_ms : float, optional
        Simulation step (default: the data's dt). Must divide ``data_dt_ms``
        when the voltage term is used.
    voltage_mV : array (S, T), optional
        Recorded voltage (needed by the ``voltage`` term).
    multi_objective : bool
        Return (P, M) with one column per term instead of their weighted sum.
    """

    def __init__(self, model, current_pA, target: SpikeTrains, data_dt_ms: float, terms,
                 *, fixed=None, sim_dt_ms: float | None = None, voltage_mV=None,
                 multi_objective: bool = False):
        self.model = _models.get(model)
        self.current = np.atleast_2d(np.asarray(current_pA, dtype=np.float64))
        self.data_dt = float(data_dt_ms)
        self.sim_dt = float(sim_dt_ms or data_dt_ms)
        self.target = target
        if len(target) != self.current.shape[0]:
            raise InvalidParameterError(
                f"target has {len(target)} sweeps but current_pA has {self.current.shape[0]}."
            )
        self.terms = [t if isinstance(t, Term) else Term.from_config(t) for t in terms]
        if not self.terms:
            raise ConfigError("The objective needs at least one term.")
        self.fixed = dict(fixed or {})
        for name in self.fixed:
            self.model.parameter(name)  # raises with the list of valid names
        self.voltage = None if voltage_mV is None else np.atleast_2d(np.asarray(voltage_mV))
        self.needs_v = any(t.needs_voltage for t in self.terms)
        if self.needs_v and self.voltage is None:
            raise ConfigError("The 'voltage' objective needs recorded voltage (voltage_mV).")
        ratio = self.data_dt / self.sim_dt
        self.v_step = int(round(ratio))
        if self.needs_v and abs(ratio - self.v_step) > 1e-9:
            raise ConfigError(
                f"sim_dt_ms ({self.sim_dt}) must divide the data dt ({self.data_dt}) for the "
                "voltage term."
            )
        self.multi = bool(multi_objective)
        self.stimulus = Stimulus(self.current, self.data_dt)
        self._tiled: SpikeTrains | None = None
        self._vref: dict = {}
        self.t_stop = self.stimulus.duration
        if target.t_stop is None:
            self.target = SpikeTrains(target.times, target.offsets, t_stop=self.t_stop)

    def tiled_target(self, P: int) -> SpikeTrains:
        """The S target sweeps repeated for P candidates (candidate-major rows)."""
        S = len(self.target)
        if self._tiled is None or len(self._tiled) != P * S:
            self._tiled = self.target.take(np.tile(np.arange(S), P))
        return self._tiled

    def voltage_reference(self, clip_mV: float):
        """(mask (S, T), scale (S,), clipped data (S, T)) for the voltage term: the
        samples outside [-2, +10] ms around recorded spikes, data clipped at ``clip_mV``,
        and the s.d. (mV) of each sweep's kept samples."""
        key = float(clip_mV)
        if key not in self._vref:
            S, T = self.voltage.shape
            mask = np.ones((S, T), dtype=bool)
            for s in range(S):
                t = self.target[s]
                lo = np.clip(np.floor((t - 2.0) / self.data_dt).astype(np.int64), 0, T)
                hi = np.clip(np.floor((t + 10.0) / self.data_dt).astype(np.int64) + 1, 0, T)
                cover = np.zeros(T + 1, dtype=np.int64)
                np.add.at(cover, lo, 1)
                np.add.at(cover, hi, -1)
                mask[s] = np.cumsum(cover[:T]) == 0
                if not mask[s].any():  # a sweep that is all spikes: use every sample
                    mask[s] = True
            data = np.minimum(self.voltage, key)
            scale = np.array([max(float(data[s][mask[s]].std()), 1e-3) for s in range(S)])
            self._vref[key] = (mask, scale, data)
        return self._vref[key]

    @property
    def n_objectives(self) -> int:
        return len(self.terms) if self.multi else 1

    def simulate(self, params: Mapping[str, np.ndarray], stimulus: Stimulus | None = None,
                 record_v: bool = False):
        """Simulate the candidates (fixed values added) under the training sweeps or
        ``stimulus``."""
        P = len(np.atleast_1d(next(iter(params.values())))) if params else 1
        full = {k: np.full(P, float(v)) for k, v in self.fixed.items()}
        full.update({k: np.asarray(v, dtype=np.float64) for k, v in params.items()})
        return simulate(self.model, full, stimulus or self.stimulus, dt=self.sim_dt,
                        record_v=record_v, v_every=self.v_step)

    def __call__(self, params: Mapping[str, np.ndarray]) -> np.ndarray:
        res = self.simulate(params, record_v=self.needs_v)
        cols = [t.evaluate(res, self) for t in self.terms]
        L = np.stack(cols, axis=1)
        L[res.failed_candidates] = np.nan  # the runner records these as failed
        return L if self.multi else L.sum(axis=1)
