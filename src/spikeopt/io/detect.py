"""Spike detection from membrane voltage (mV) by threshold crossing.

The rule (:class:`SpikeDetector`), applied to each sweep independently:

1. A spike starts at an *upward crossing*: sample ``k`` with
   ``v[k - 1] < threshold_mV <= v[k]``. A sweep that starts above the
   threshold does not count that first, incomplete event.
2. The detector re-arms only after the voltage has fallen below
   ``threshold_mV - hysteresis_mV``; crossings before that (noise riding on the
   threshold) belong to the same spike.
3. A crossing less than ``min_interval_ms`` after the previous counted spike is
   dropped (a refractory interval).
4. The spike time is

   * ``time="crossing"`` (default): the threshold crossing, linearly interpolated
     between samples ``k - 1`` and ``k`` — ``t = (k - 1 + f) * dt`` with
     ``f = (threshold - v[k-1]) / (v[k] - v[k-1])``;
   * ``time="peak"``: the sample of maximal voltage between the crossing and the
     next fall below the threshold (``argmax * dt``).

Times are in ms from the first sample (sample ``k`` is at ``k * dt_ms``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InvalidParameterError, ShapeError, check_finite, check_positive
from ..spikes import SpikeTrains

__all__ = ["SpikeDetector", "detect_spikes"]

_TIMES = ("crossing", "peak")


@dataclass(frozen=True)
class SpikeDetector:
    """Threshold-crossing spike detector (the rule is in the module docstring).

    Parameters
    ----------
    threshold_mV : float
        Voltage threshold in mV (default 0 mV).
    hysteresis_mV : float
        The voltage must fall below ``threshold_mV - hysteresis_mV`` before the
        next spike can be counted (default 5 mV; >= 0).
    min_interval_ms : float
        Minimal interval between two counted spikes in ms (default 0.5 ms; >= 0).
    time : {"crossing", "peak"}
        Which time is reported for a spike (default ``"crossing"``).

    Examples
    --------
    >>> v = np.full(100, -70.0); v[10:13] = [-10.0, 20.0, -30.0]; v[50:52] = [30.0, -60.0]
    >>> SpikeDetector()(v, dt_ms=0.1)[0].round(4).tolist()
    [1.0333, 4.97]
    >>> SpikeDetector(time="peak")(v, dt_ms=0.1)[0].tolist()
    [1.1, 5.0]
    """

    threshold_mV: float = 0.0
    hysteresis_mV: float = 5.0
    min_interval_ms: float = 0.5
    time: str = "crossing"

    def __post_init__(self):
        where = "SpikeDetector"
        object.__setattr__(self, "threshold_mV", check_finite("threshold_mV", self.threshold_mV,
                                                             where=where))
        object.__setattr__(self, "hysteresis_mV", check_positive(
            "hysteresis_mV", self.hysteresis_mV, where=where, strict=False))
        object.__setattr__(self, "min_interval_ms", check_positive(
            "min_interval_ms", self.min_interval_ms, where=where, strict=False))
        if self.time not in _TIMES:
            raise InvalidParameterError(
                f"The 'time' parameter of SpikeDetector must be one of {_TIMES}. "
                f"Got {self.time!r} instead."
            )

    def __call__(self, voltage_mV, dt_ms: float) -> SpikeTrains:
        """Spike times (ms) of each sweep of ``voltage_mV`` (shape (T,) or (S, T))."""
        dt = check_positive("dt_ms", dt_ms, where="SpikeDetector")
        v = np.asarray(voltage_mV, dtype=np.float64)
        if v.ndim == 1:
            v = v[None, :]
        if v.ndim != 2:
            raise ShapeError(
                f"voltage_mV must have shape (T,) or (n_sweeps, T). Got shape {v.shape}."
            )
        trains = [self._one(row, dt) for row in v]
        return SpikeTrains.from_list(trains, t_stop=v.shape[1] * dt)

    def _one(self, v: np.ndarray, dt: float) -> np.ndarray:
        th = self.threshold_mV
        if v.size < 2:
            return np.empty(0)
        finite = np.isfinite(v)
        if not finite.all():
            raise InvalidParameterError(
                f"voltage_mV contains NaN or inf at sample {int(np.argmin(finite))}; "
                "crop or fill it before detecting spikes."
            )
        above = v >= th
        up = np.flatnonzero(~above[:-1] & above[1:]) + 1  # first sample at/above threshold
        if up.size == 0:
            return np.empty(0)
        low = np.flatnonzero(v < th - self.hysteresis_mV)  # re-arming samples
        keep = []
        last_k = -1
        last_t = -np.inf
        for k in up:
            if last_k >= 0:
                # re-armed: a sample below threshold - hysteresis in (last_k, k)
                j = np.searchsorted(low, last_k, side="right")
                if j >= low.size or low[j] >= k:
                    continue
            t = (k - 1 + (th - v[k - 1]) / (v[k] - v[k - 1])) * dt
            if t - last_t < self.min_interval_ms:
                continue
            keep.append((k, t))
            last_k, last_t = k, t
        if self.time == "crossing":
            return np.array([t for _, t in keep], dtype=np.float64)
        below = np.flatnonzero(~above)
        out = np.empty(len(keep))
        for i, (k, _) in enumerate(keep):
            j = np.searchsorted(below, k)
            end = below[j] if j < below.size else v.size
            out[i] = (k + int(np.argmax(v[k:end]))) * dt
        return out


def detect_spikes(voltage_mV, dt_ms: float, *, threshold_mV: float = 0.0,
                  hysteresis_mV: float = 5.0, min_interval_ms: float = 0.5,
                  time: str = "crossing") -> SpikeTrains:
    """Spike times in ms of each sweep of ``voltage_mV`` ((T,) or (S, T), mV) sampled at
    ``dt_ms``; one row per sweep. See :class:`SpikeDetector` for the rule.

    Examples
    --------
    >>> v = np.array([-70.0, -20.0, 10.0, 30.0, -40.0, -70.0])
    >>> detect_spikes(v, 0.2)[0].round(4).tolist()
    [0.3333]
    """
    det = SpikeDetector(threshold_mV=threshold_mV, hysteresis_mV=hysteresis_mV,
                        min_interval_ms=min_interval_ms, time=time)
    return det(voltage_mV, dt_ms)
