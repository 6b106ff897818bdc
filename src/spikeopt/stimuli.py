"""Injected currents: step, ramp, sine, Ornstein–Uhlenbeck noise and arbitrary arrays.

A :class:`Stimulus` holds samples at a fixed ``dt`` (ms); sample ``k`` is the
current during ``[k*dt, (k+1)*dt)``. Its ``values`` have one of the shapes

* ``(T,)`` — one current shared by every candidate;
* ``(S, T)`` — S sweeps, each candidate is simulated under every sweep;
* ``(P, T)`` or ``(P, S, T)`` with ``per_candidate=True`` — a current (or sweeps)
  of its own for each of the P candidates.

The unit is the model's current unit (pA for ``lif``, ``izhikevich2007`` and
``adex``); generators take amplitudes in that unit and times in ms. When the
stimulus dt differs from the simulation dt, the simulator holds each sample
(zero-order hold).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._rng import check_rng
from .errors import InvalidParameterError, ShapeError, check_positive

__all__ = ["Stimulus", "step", "ramp", "sine", "ou_noise", "from_array", "stack"]


@dataclass(frozen=True)
class Stimulus:
    """Current samples (see module docstring for the shapes)."""

    values: np.ndarray
    dt: float
    per_candidate: bool = False
    unit: str = "pA"

    def __post_init__(self):
        v = np.ascontiguousarray(self.values, dtype=np.float64)
        check_positive("dt", self.dt, where="Stimulus")
        allowed = (2, 3) if self.per_candidate else (1, 2)
        if v.ndim not in allowed:
            want = "(P, T) or (P, S, T)" if self.per_candidate else "(T,) or (S, T)"
            raise ShapeError(f"Stimulus values must have shape {want}. Got shape {v.shape}.")
        if v.shape[-1] == 0:
            raise ShapeError("Stimulus has no samples (T = 0).")
        if not np.all(np.isfinite(v)):
            raise InvalidParameterError("Stimulus values must be finite; found NaN or inf.")
        object.__setattr__(self, "values", v)
        object.__setattr__(self, "dt", float(self.dt))

    @property
    def n_samples(self) -> int:
        return self.values.shape[-1]

    @property
    def duration(self) -> float:
        """Length in ms."""
        return self.n_samples * self.dt

    @property
    def n_sweeps(self) -> int:
        if self.per_candidate:
            return 1 if self.values.ndim == 2 else self.values.shape[1]
        return 1 if self.values.ndim == 1 else self.values.shape[0]

    @property
    def times(self) -> np.ndarray:
        """Sample times in ms, shape (T,)."""
        return np.arange(self.n_samples) * self.dt


def _grid(duration: float, dt: float, where: str) -> int:
    check_positive("duration", duration, where=where)
    check_positive("dt", dt, where=where)
    return int(round(duration / dt))


def _window(n: int, dt: float, t_on: float, t_off: float | None) -> np.ndarray:
    t = np.arange(n) * dt
    k_on = int(round(t_on / dt))
    k_off = n if t_off is None else int(round(t_off / dt))
    mask = np.zeros(n, dtype=bool)
    mask[max(k_on, 0) : max(k_off, 0)] = True
    return t, mask


def step(amplitude, *, duration: float, t_on: float = 0.0, t_off: float | None = None,
         baseline: float = 0.0, dt: float = 0.1, unit: str = "pA") -> Stimulus:
    """A step of ``amplitude`` from ``t_on`` to ``t_off`` (ms) on ``baseline``.

    ``amplitude`` may be a sequence: one sweep per amplitude (an F–I protocol).

    >>> step([100.0, 200.0], duration=50.0, t_on=10.0, t_off=40.0).values.shape
    (2, 500)
    """
    n = _grid(duration, dt, "step")
    _, mask = _window(n, dt, t_on, t_off)
    amp = np.asarray(amplitude, dtype=np.float64)
    if amp.ndim > 1:
        raise ShapeError(f"step amplitude must be a scalar or 1-D. Got shape {amp.shape}.")
    vals = baseline + np.multiply.outer(amp, mask.astype(np.float64))
    return Stimulus(vals, dt, unit=unit)


def ramp(start: float, stop: float, *, duration: float, t_on: float = 0.0,
         t_off: float | None = None, baseline: float = 0.0, dt: float = 0.1,
         unit: str = "pA") -> Stimulus:
    """A linear ramp from ``start`` at ``t_on`` to ``stop`` at ``t_off`` (ms)."""
    n = _grid(duration, dt, "ramp")
    t, mask = _window(n, dt, t_on, t_off)
    t_end = n * dt if t_off is None else t_off
    span = max(t_end - t_on, dt)
    vals = np.full(n, float(baseline))
    vals[mask] = start + (stop - start) * (t[mask] - t_on) / span
    return Stimulus(vals, dt, unit=unit)


def sine(amplitude: float, frequency: float, *, duration: float, offset: float = 0.0,
         phase: float = 0.0, dt: float = 0.1, unit: str = "pA") -> Stimulus:
    """``offset + amplitude * sin(2π f t + phase)`` with ``frequency`` in Hz, t in ms."""
    n = _grid(duration, dt, "sine")
    check_positive("frequency", frequency, where="sine", strict=False)
    t = np.arange(n) * dt
    return Stimulus(offset + amplitude * np.sin(2e-3 * np.pi * frequency * t + phase), dt,
                    unit=unit)


def ou_noise(mean: float, sigma: float, tau: float, *, duration: float, rng,
             n_sweeps: int | None = None, dt: float = 0.1, unit: str = "pA") -> Stimulus:
    """Ornstein–Uhlenbeck current with stationary mean and s.d. ``sigma`` and
    correlation time ``tau`` (ms), sampled exactly (no Euler error); seeded.

    ``x[k+1] = mean + (x[k] - mean) e^{-dt/tau} + sigma sqrt(1 - e^{-2 dt/tau}) ξ_k``,
    started from the stationary distribution.
    """
    n = _grid(duration, dt, "ou_noise")
    check_positive("tau", tau, where="ou_noise")
    check_positive("sigma", sigma, where="ou_noise", strict=False)
    rng = check_rng(rng)
    S = 1 if n_sweeps is None else int(n_sweeps)
    rho = np.exp(-dt / tau)
    xi = rng.standard_normal((S, n))
    x = np.empty((S, n))
    x[:, 0] = xi[:, 0]
    scale = np.sqrt(1.0 - rho * rho)
    # AR(1) recursion via scipy's linear filter: no Python loop per sample
    from scipy.signal import lfilter

    x[:, 1:] = scale * xi[:, 1:]
    zi = (rho * x[:, 0])[:, None]
    x[:, 1:] = lfilter([1.0], [1.0, -rho], x[:, 1:], axis=1, zi=zi)[0]
    vals = mean + sigma * x
    return Stimulus(vals[0] if n_sweeps is None else vals, dt, unit=unit)


def from_array(values, *, dt: float, per_candidate: bool = False, unit: str = "pA") -> Stimulus:
    """Wrap recorded or computed samples (see module docstring for shapes)."""
    return Stimulus(np.asarray(values, dtype=np.float64), dt, per_candidate, unit)


def stack(stimuli) -> Stimulus:
    """Sweeps from several shared stimuli of equal length and dt → (S, T)."""
    stimuli = list(stimuli)
    if not stimuli:
        raise InvalidParameterError("stack() needs at least one Stimulus.")
    dts = {s.dt for s in stimuli}
    lens = {s.n_samples for s in stimuli}
    if len(dts) != 1 or len(lens) != 1 or any(s.per_candidate for s in stimuli):
        raise ShapeError(
            f"stack() needs shared stimuli of one dt and length; got dt {sorted(dts)} ms, "
            f"lengths {sorted(lens)}."
        )
    vals = np.concatenate([np.atleast_2d(s.values) for s in stimuli], axis=0)
    return Stimulus(vals, stimuli[0].dt, unit=stimuli[0].unit)
