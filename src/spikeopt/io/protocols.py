"""Step-protocol benchmarks on real recordings: a train/held-out split of one long
current step, held-out scoring against rate baselines, and F–I curves of step
protocols (issue 14).

All times in ms, currents in pA, voltages in mV, rates in Hz.

Allen long squares
    :func:`step_split` cuts a step ``[t_on, t_off]`` at
    ``t_split = t_on + fraction · (t_off - t_on)``, rounded down to the
    simulation grid. The **training window** is ``[0, t_split)``: the model is
    simulated from the start of the sweep (the pre-step baseline at 0 pA
    included) and its spikes are scored against the recorded spikes in that
    window. The **held-out window** is ``[t_split, t_off]``: the model is
    simulated over the whole sweep and only spikes inside that window are
    scored (:func:`heldout_scores`). :func:`rate_baselines` gives the held-out
    Γ of models that only know the training window's rate.

ABF step protocols
    :func:`fi_curve` finds the test step of a step protocol (the first epoch of
    constant current whose level differs between sweeps) and counts the spikes
    inside it per sweep; :class:`FIObjective` scores candidate models on such a
    curve (rate error plus first-spike latency).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .. import metrics
from .._rng import check_rng
from ..errors import InvalidParameterError
from .recording import Recording

__all__ = [
    "ALLEN_LJP_MV",
    "FICurve",
    "FIObjective",
    "StepSplit",
    "fi_curve",
    "first_isi",
    "heldout_scores",
    "load_allen_longsquare",
    "model_space",
    "passive_estimates",
    "rate_baselines",
    "step_split",
]

#: Liquid junction potential of the Allen Cell Types recordings (mV); the
#: recorded voltage is corrected by adding it (V = V_recorded - 14 mV).
ALLEN_LJP_MV = -14.0


# -- the train / held-out split of one step --------------------------------------------
@dataclass(frozen=True)
class StepSplit:
    """A current step ``[t_on_ms, t_off_ms]`` cut at ``t_split_ms``.

    Training window ``[0, t_split_ms)``; held-out window ``[t_split_ms, t_off_ms]``.
    """

    t_on_ms: float
    t_off_ms: float
    t_split_ms: float

    @property
    def train_window(self) -> tuple[float, float]:
        return 0.0, self.t_split_ms

    @property
    def heldout_window(self) -> tuple[float, float]:
        return self.t_split_ms, self.t_off_ms

    def train_spikes(self, spikes) -> np.ndarray:
        """The spike times (ms) of one train inside the training window."""
        t = np.asarray(spikes, dtype=np.float64)
        return t[t < self.t_split_ms]

    def heldout_spikes(self, spikes) -> np.ndarray:
        """The spike times (ms) of one train inside the held-out window."""
        t = np.asarray(spikes, dtype=np.float64)
        return t[(t >= self.t_split_ms) & (t <= self.t_off_ms)]


def step_split(t_on_ms: float, t_off_ms: float, *, train_fraction: float = 0.6,
               grid_ms: float = 0.1) -> StepSplit:
    """Split the step ``[t_on_ms, t_off_ms]`` after ``train_fraction`` of its length.

    ``t_split = t_on + train_fraction · (t_off - t_on)``, rounded down to a
    multiple of ``grid_ms`` (the simulation step) so that the training sweep
    ends on a sample.

    Examples
    --------
    >>> s = step_split(205.0, 1204.98)
    >>> s.t_split_ms, s.heldout_window
    (804.9, (804.9, 1204.98))
    """
    if not t_off_ms > t_on_ms >= 0.0:
        raise InvalidParameterError(
            f"step_split needs 0 <= t_on_ms < t_off_ms. Got t_on_ms={t_on_ms!r}, "
            f"t_off_ms={t_off_ms!r} instead."
        )
    if not 0.0 < train_fraction < 1.0:
        raise InvalidParameterError(
            f"The 'train_fraction' parameter of step_split must be in (0, 1). "
            f"Got {train_fraction!r} instead."
        )
    if not grid_ms > 0:
        raise InvalidParameterError(
            f"The 'grid_ms' parameter of step_split must be > 0. Got {grid_ms!r} instead."
        )
    cut = t_on_ms + train_fraction * (t_off_ms - t_on_ms)
    t_split = round(np.floor(cut / grid_ms + 1e-9) * grid_ms, 10)
    return StepSplit(float(t_on_ms), float(t_off_ms), float(t_split))


# -- the Allen long squares ---------------------------------------------------------------
def load_allen_longsquare(path, *, ljp_mV: float | None = ALLEN_LJP_MV) -> Recording:
    """The Allen long-square sweeps of ``allen_longsquare_10cells.npz``.

    Spikes are the 0-mV upward crossings of the **recorded** voltage (as
    SOURCE.txt counts them); the voltage is then corrected for the liquid
    junction potential by adding ``ljp_mV`` (−14 mV, as the source code of
    Gonçalves et al. 2020 does; None keeps the recorded voltage). The
    per-sweep annotations of the file (``specimen_id``, ``t_on_ms``,
    ``t_off_ms``, ``tau_m_ms_from_source``, ``R_in_MOhm_from_source`` ...) are
    kept; ``metadata["ljp_correction_mV"]`` records the correction.
    """
    from .load import load_recording

    rec = load_recording(path)
    if rec.voltage_mV is None or not {"t_on_ms", "t_off_ms"} <= set(rec.annotations):
        raise InvalidParameterError(
            f"{path}: expected an Allen long-square npz with voltage_mV, t_on_ms and t_off_ms."
        )
    if ljp_mV is None:
        return rec
    meta = dict(rec.metadata, ljp_correction_mV=float(ljp_mV))
    return Recording(current_pA=rec.current_pA, dt_ms=rec.dt_ms,
                     voltage_mV=rec.voltage_mV + float(ljp_mV), spikes=rec.spikes,
                     sweep_names=rec.sweep_names, stimulus_id=rec.stimulus_id,
                     annotations=rec.annotations, metadata=meta)


def passive_estimates(rec: Recording, sweep: int, *, t_on_ms: float) -> dict[str, float]:
    """Passive values of one sweep for fixing model parameters.

    ``E_L`` (mV): median voltage over ``[0, t_on_ms - 5)``; ``tau_m`` (ms) and
    ``R`` (MΩ) from the annotations ``tau_m_ms_from_source`` /
    ``R_in_MOhm_from_source`` when present, with ``g_L = 1000 / R`` (nS) and
    ``C = tau_m · g_L`` (pF).
    """
    if rec.voltage_mV is None:
        raise InvalidParameterError("passive_estimates needs a recording with voltage.")
    n = max(int((t_on_ms - 5.0) / rec.dt_ms), 1)
    out = {"E_L": float(np.median(rec.voltage_mV[sweep, :n]))}
    ann = rec.annotations
    if "tau_m_ms_from_source" in ann and "R_in_MOhm_from_source" in ann:
        tau = float(ann["tau_m_ms_from_source"][sweep])
        r = float(ann["R_in_MOhm_from_source"][sweep])
        out.update(tau_m=tau, R=r, g_L=1000.0 / r, C=tau * 1000.0 / r)
    return out


# model -> (fixed values, bounds overriding the model's own)
STEP_MODELS = {
    "adex": ({"V_peak": 0.0},
             {"Delta_T": [0.5, 6.0], "a": [-5.0, 20.0], "tau_w": [5.0, 500.0],
              "b": [0.0, 300.0]}),
    "izhikevich2007": ({"v_peak": 20.0},
                       {"k": [0.1, 3.0], "a": [0.001, 0.3], "b": [-10.0, 20.0],
                        "d": [0.0, 300.0]}),
    "adex_threshold": ({"V_peak": 0.0},
                       {"Delta_T": [0.5, 6.0], "a": [-5.0, 20.0], "tau_w": [5.0, 500.0],
                        "b": [0.0, 300.0]}),
    "lif": ({}, {"t_ref": [0.0, 10.0]}),
}
# thresholds and resets: bounds in mV relative to the resting E_L
RELATIVE_BOUNDS = {"V_T": (5.0, 40.0), "V_th": (5.0, 40.0), "v_t": (5.0, 40.0),
                   "theta_inf": (5.0, 40.0), "omega": (5.0, 40.0),
                   "V_reset": (-5.0, 35.0), "c": (-5.0, 35.0)}
# passive value -> the model parameters it fixes
_PASSIVE = {"E_L": ("E_L", "v_r", "V_rest", "E_l"), "C": ("C",), "g_L": ("g_L", "g_l"),
            "tau_m": ("tau_m",), "R": ("R", "R_in")}


def model_space(name: str, passive: Mapping[str, float]) -> tuple[dict, dict]:
    """(fixed values, free bounds) of model ``name`` for one cell.

    Parameters that ``passive`` (see :func:`passive_estimates`) knows are fixed
    (``E_L``/``v_r`` to the resting voltage; ``C``, ``g_L``, ``tau_m``, ``R``
    when given); thresholds and resets get bounds relative to ``E_L``
    (``RELATIVE_BOUNDS``); the rest keeps ``STEP_MODELS``' bounds or the
    model's own. Models not in ``STEP_MODELS`` (e.g. MAT or GLIF) use their own
    bounds with the same passive and relative rules.
    """
    from .. import models

    model = models.get(name)
    fixed0, bounds = STEP_MODELS.get(name, ({}, {}))
    fixed = {k: v for k, v in fixed0.items() if k in model.parameters}
    for key, targets in _PASSIVE.items():
        for p in targets:
            if p in model.parameters and key in passive:
                fixed[p] = float(passive[key])
    free = {}
    for p, spec in model.parameters.items():
        if p in fixed or spec.choices is not None:
            continue
        if p in RELATIVE_BOUNDS and "E_L" in passive:
            lo, hi = RELATIVE_BOUNDS[p]
            free[p] = [float(passive["E_L"]) + lo, float(passive["E_L"]) + hi]
        else:
            free[p] = [float(x) for x in bounds.get(p, [spec.low, spec.high])]
    return fixed, free


# -- held-out scoring ----------------------------------------------------------------------
def first_isi(spikes) -> float:
    """The first inter-spike interval (ms) of one train, NaN with fewer than 2 spikes."""
    t = np.asarray(spikes, dtype=np.float64)
    return float(t[1] - t[0]) if t.size >= 2 else float("nan")


def _features(t: np.ndarray, t0: float, t1: float) -> dict[str, float]:
    one = [t]
    return {
        "first_isi_ms": first_isi(t),
        "mean_isi_ms": float(metrics.isi_mean(one, t_start=t0, t_stop=t1)[0]),
        "adaptation": float(metrics.adaptation_index(one, t_start=t0, t_stop=t1)[0]),
        "rate_Hz": 1000.0 * t.size / (t1 - t0),
    }


def heldout_scores(model_spikes, data_spikes, split: StepSplit, *,
                   delta_ms: float = 4.0) -> dict[str, float]:
    """Scores of one model train against the recorded train in the held-out window.

    Returns ``gamma`` (Γ with window ``delta_ms`` over ``[t_split, t_off]``),
    ``n_data``, ``n_model``, ``count_error`` (``n_model - n_data``) and the
    held-out features of both (``first_isi_ms``, ``mean_isi_ms``,
    ``adaptation``, ``rate_Hz``) prefixed ``data_`` and ``model_``.

    Examples
    --------
    >>> s = StepSplit(0.0, 1000.0, 600.0)
    >>> r = heldout_scores([650.0, 700.0, 760.0], [651.0, 705.0, 760.5], s)
    >>> r["n_data"], r["n_model"], r["count_error"]
    (3, 3, 0)
    """
    t0, t1 = split.heldout_window
    m = split.heldout_spikes(model_spikes)
    d = split.heldout_spikes(data_spikes)
    out: dict[str, float] = {
        "gamma": float(metrics.gamma_factor(m, d, delta=delta_ms, t_start=t0, t_stop=t1)),
        "n_data": int(d.size), "n_model": int(m.size), "count_error": int(m.size - d.size),
    }
    for who, t in (("data", d), ("model", m)):
        out.update({f"{who}_{k}": v for k, v in _features(t, t0, t1).items()})
    return out


def rate_baselines(data_spikes, split: StepSplit, *, delta_ms: float = 4.0,
                   n_poisson: int = 200, rng=None) -> dict[str, float]:
    """Held-out Γ of three models that know only the training window.

    ``poisson``: mean Γ of ``n_poisson`` Poisson trains at the training rate
    (spikes in ``[t_on, t_split)`` over its length); ``regular``: a regular
    train at that rate, continuing from the last training spike;
    ``last_isi``: a regular train continuing the last training ISI. ``rng``
    (an int seed or a Generator) is required: the Poisson draws are seeded.
    Also returns ``train_rate_Hz``.
    """
    gen = check_rng(rng)
    t = np.asarray(data_spikes, dtype=np.float64)
    tr = t[(t >= split.t_on_ms) & (t < split.t_split_ms)]
    t0, t1 = split.heldout_window
    d = split.heldout_spikes(t)
    rate = tr.size / (split.t_split_ms - split.t_on_ms)  # 1/ms

    def gamma(m):
        return float(metrics.gamma_factor(m, d, delta=delta_ms, t_start=t0, t_stop=t1))

    def regular(period):
        if tr.size == 0 or not np.isfinite(period) or period <= 0:
            return np.empty(0)
        k = np.arange(1, int((t1 - tr[-1]) / period) + 1)
        m = tr[-1] + k * period
        return m[(m >= t0) & (m <= t1)]

    draws = []
    for _ in range(n_poisson):
        n = gen.poisson(rate * (t1 - t0))
        draws.append(gamma(np.sort(gen.uniform(t0, t1, n))))
    last = float(tr[-1] - tr[-2]) if tr.size >= 2 else float("nan")
    return {"poisson": float(np.mean(draws)),
            "regular": gamma(regular(1.0 / rate if rate > 0 else np.nan)),
            "last_isi": gamma(regular(last)),
            "train_rate_Hz": 1000.0 * rate}


# -- F–I curves of step protocols ------------------------------------------------------
@dataclass(frozen=True)
class FICurve:
    """Spike counts per sweep inside the test step ``[t_start_ms, t_stop_ms)``.

    ``amplitudes_pA``, ``counts``, ``rates_Hz`` (count / step length) and
    ``latency_ms`` (first spike after step onset, NaN without spikes) have one
    entry per sweep; ``sweeps`` are the sweep indices in the recording.
    """

    amplitudes_pA: np.ndarray
    counts: np.ndarray
    rates_Hz: np.ndarray
    latency_ms: np.ndarray
    t_start_ms: float
    t_stop_ms: float
    sweeps: np.ndarray

    @property
    def duration_ms(self) -> float:
        return self.t_stop_ms - self.t_start_ms


def _epochs(current: np.ndarray, tol_pA: float) -> np.ndarray:
    """Sample indices where the current of any sweep changes (with 0 and T)."""
    jumps = np.abs(np.diff(current, axis=1)) > tol_pA
    idx = np.flatnonzero(jumps.any(axis=0)) + 1
    return np.concatenate([[0], idx, [current.shape[1]]])


def fi_curve(rec: Recording, *, epoch: int = 0, tol_pA: float = 0.5,
             min_duration_ms: float = 50.0) -> FICurve:
    """The F–I curve of a step protocol.

    The test step is the ``epoch``-th epoch (interval of constant current in
    every sweep, at least ``min_duration_ms`` long) whose level differs between
    sweeps by more than ``tol_pA``. Spikes in ``[start, stop)`` of that epoch
    are counted (rebound spikes after the step are not).

    Raises
    ------
    InvalidParameterError
        When the recording has no spikes, fewer than 3 sweeps, or no epoch whose
        level changes between sweeps (not a step protocol).
    """
    where = rec.metadata.get("source", "recording")
    if rec.spikes is None:
        raise InvalidParameterError(f"{where}: fi_curve needs spike times (none loaded).")
    if rec.n_sweeps < 3:
        raise InvalidParameterError(
            f"{where}: an F–I curve needs >= 3 sweeps of a step protocol. "
            f"Got {rec.n_sweeps} sweep(s)."
        )
    cur = rec.current_pA
    bounds = _epochs(cur, tol_pA)
    steps = []
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        if (b - a) * rec.dt_ms < min_duration_ms:
            continue
        levels = np.median(cur[:, a:b], axis=1)
        if np.ptp(levels) > tol_pA:
            steps.append((a, b, levels))
    if len(steps) <= epoch:
        raise InvalidParameterError(
            f"{where}: not a step protocol usable for an F–I curve: found {len(steps)} epoch(s) "
            f">= {min_duration_ms} ms whose current differs between sweeps (need epoch "
            f"{epoch}). Levels are read from the current in pA (the ABF command waveform)."
        )
    a, b, levels = steps[epoch]
    t0, t1 = a * rec.dt_ms, b * rec.dt_ms
    counts = metrics.spike_count(rec.spikes, t_start=t0, t_stop=t1 - 1e-9)
    lat = metrics.first_spike_latency(rec.spikes, t_start=t0, t_stop=t1 - 1e-9)
    return FICurve(amplitudes_pA=np.asarray(levels, dtype=np.float64),
                   counts=np.asarray(counts, dtype=np.int64),
                   rates_Hz=1000.0 * np.asarray(counts, dtype=np.float64) / (t1 - t0),
                   latency_ms=np.asarray(lat, dtype=np.float64),
                   t_start_ms=float(t0), t_stop_ms=float(t1),
                   sweeps=np.arange(rec.n_sweeps))


class FIObjective:
    """Loss of P candidates on an F–I curve: rate error plus first-spike latency.

    ``loss = RMS_s(r_model - r_data) / max(RMS_s(r_data), 1 Hz)
    + latency_weight · mean_s e_s``, where ``e_s = min(|lat_m - lat_d| / max(lat_d, 5 ms), 1)``
    over the sweeps whose recorded step has a spike (1 if the model is silent).

    Parameters
    ----------
    simulate : callable
        ``simulate(params) -> SimResult`` for the S sweeps of ``curve`` (each from
        ``pre_ms`` before the step to its end), e.g.
        ``functools.partial(spikeopt.simulate, "lif", stimulus=stim, dt=0.1)``;
        ``params`` maps names to (P,) arrays (``fixed`` included). Injected, so that
        this module never simulates itself.
    curve : FICurve
        The recorded counts and latencies of those S sweeps.
    pre_ms : float
        Where the step starts in the simulated sweeps (ms).
    fixed : dict, optional
        Values added to every candidate (model units).
    latency_weight : float
    """

    def __init__(self, simulate, curve: FICurve, *, pre_ms: float,
                 fixed: Mapping[str, float] | None = None, latency_weight: float = 0.5):
        self.simulate = simulate
        self.curve = curve
        self.pre = float(pre_ms)
        self.fixed = dict(fixed or {})
        self.latency_weight = float(latency_weight)

    def rates_and_latency(self, params: Mapping[str, np.ndarray]):
        """((P, S) rates in Hz, (P, S) latencies in ms) of the candidates."""
        P = len(np.atleast_1d(next(iter(params.values())))) if params else 1
        full = {k: np.full(P, float(v)) for k, v in self.fixed.items()}
        full.update({k: np.atleast_1d(np.asarray(v, dtype=np.float64))
                     for k, v in params.items()})
        res = self.simulate(full)
        t0, t1 = self.pre, self.pre + self.curve.duration_ms
        sp = res.spikes
        counts = metrics.spike_count(sp, t_start=t0, t_stop=t1 - 1e-9).reshape(P, -1)
        lat = metrics.first_spike_latency(sp, t_start=t0, t_stop=t1 - 1e-9).reshape(P, -1)
        rates = 1000.0 * counts / (t1 - t0)
        rates[np.asarray(res.failed_candidates, dtype=bool)] = np.nan
        return rates, lat

    def __call__(self, params: Mapping[str, np.ndarray]) -> np.ndarray:
        rates, lat = self.rates_and_latency(params)
        rd, ld = self.curve.rates_Hz, self.curve.latency_ms
        scale = max(float(np.sqrt(np.mean(rd**2))), 1.0)
        loss = np.sqrt(np.mean((rates - rd[None]) ** 2, axis=1)) / scale
        has = np.isfinite(ld)
        if self.latency_weight and has.any():
            err = np.abs(lat[:, has] - ld[has]) / np.maximum(ld[has], 5.0)
            err = np.where(np.isnan(err), 1.0, np.minimum(err, 1.0))
            loss = loss + self.latency_weight * err.mean(axis=1)
        return loss
