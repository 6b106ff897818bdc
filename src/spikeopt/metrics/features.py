"""Firing features of spike trains, batched over rows.

Every function takes ``spikes`` (a :class:`~spikeopt.SpikeTrains`, one 1-D
array or a list of arrays; times in ms) and the observation window
``t_start``/``t_stop`` in ms, and returns one value per train, shape (n,).
``t_stop=None`` uses ``spikes.t_stop``. Spikes with ``t_start <= t <= t_stop``
count (both edges included, as Elephant's ``mean_firing_rate``); binned features
use half-open bins (see :func:`bin_spikes`). A feature that is undefined for a
train (too few spikes, zero mean) is NaN for that train, never an exception.
Duplicate spike times are kept as given (they make a zero ISI).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..errors import check_positive
from ._common import as_trains, check_bin_size, check_count, resolve_window

__all__ = [
    "spike_count",
    "firing_rate",
    "isi_mean",
    "isi_cv",
    "lv",
    "lvr",
    "first_spike_latency",
    "adaptation_index",
    "burst_fraction",
    "fano_factor",
    "bin_spikes",
    "psth",
]

# Elephant's BinnedSpikeTrain shifts a value whose fractional part is within
# this tolerance of 1 into the next bin (elephant.utils.round_binning_errors).
_BIN_TOLERANCE = 1e-8

_MEAN, _CV, _LV, _LVR, _ADAPT = 0, 1, 2, 3, 4


@njit(cache=True, error_model="numpy")
def _window_slice(times, a, b, t_start, t_stop):
    """Positions ``[lo, hi)`` of the spikes of ``times[a:b]`` within [t_start, t_stop]."""
    row = times[a:b]
    lo = a + np.searchsorted(row, t_start, side="left")
    hi = a + np.searchsorted(row, t_stop, side="right")
    return lo, hi


@njit(cache=True, error_model="numpy")
def _counts_kernel(times, offsets, t_start, t_stop):
    n = offsets.size - 1
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        lo, hi = _window_slice(times, offsets[i], offsets[i + 1], t_start, t_stop)
        out[i] = hi - lo
    return out


@njit(cache=True, error_model="numpy")
def _isi_feature_row(t, kind, refractory):
    """One ISI feature of the sorted spike times ``t`` (ms); NaN when undefined."""
    k = t.size
    if kind == _MEAN:
        if k < 2:
            return np.nan
        return (t[k - 1] - t[0]) / (k - 1)
    if k < 3:
        return np.nan
    n_isi = k - 1
    if kind == _CV:
        mean = (t[k - 1] - t[0]) / n_isi
        if mean <= 0.0:
            return np.nan
        ss = 0.0
        for j in range(n_isi):
            d = (t[j + 1] - t[j]) - mean
            ss += d * d
        return np.sqrt(ss / n_isi) / mean
    acc = 0.0
    for j in range(n_isi - 1):
        i1 = t[j + 1] - t[j]
        i2 = t[j + 2] - t[j + 1]
        s = i1 + i2
        if kind == _LV:
            r = (i1 - i2) / s
            acc += r * r
        elif kind == _LVR:
            acc += (1.0 - 4.0 * i1 * i2 / (s * s)) * (1.0 + 4.0 * refractory / s)
        else:  # _ADAPT
            acc += (i2 - i1) / s
    if kind == _ADAPT:
        return acc / (n_isi - 1)
    return 3.0 * acc / (n_isi - 1)


@njit(cache=True, error_model="numpy")
def _isi_feature_kernel(times, offsets, t_start, t_stop, kind, refractory):
    n = offsets.size - 1
    out = np.empty(n)
    for i in range(n):
        lo, hi = _window_slice(times, offsets[i], offsets[i + 1], t_start, t_stop)
        out[i] = _isi_feature_row(times[lo:hi], kind, refractory)
    return out


@njit(cache=True, error_model="numpy")
def _latency_kernel(times, offsets, t_start, t_stop):
    n = offsets.size - 1
    out = np.empty(n)
    for i in range(n):
        lo, hi = _window_slice(times, offsets[i], offsets[i + 1], t_start, t_stop)
        out[i] = times[lo] - t_start if hi > lo else np.nan
    return out


@njit(cache=True, error_model="numpy")
def _burst_kernel(times, offsets, t_start, t_stop, max_isi, min_spikes):
    n = offsets.size - 1
    out = np.empty(n)
    for i in range(n):
        lo, hi = _window_slice(times, offsets[i], offsets[i + 1], t_start, t_stop)
        k = hi - lo
        if k == 0:
            out[i] = np.nan
            continue
        in_burst = 0
        run = 1  # spikes in the current run of short ISIs
        for j in range(lo + 1, hi + 1):
            if j < hi and times[j] - times[j - 1] <= max_isi:
                run += 1
            else:
                if run >= min_spikes:
                    in_burst += run
                run = 1
        out[i] = in_burst / k
    return out


@njit(cache=True, error_model="numpy")
def _bin_index(x):
    """Elephant's rounding of a bin coordinate ``x >= 0`` to an integer bin."""
    frac = x - np.floor(x)
    if frac >= 1.0 - _BIN_TOLERANCE:
        x += 0.5
    return np.int64(x)


@njit(cache=True, error_model="numpy")
def _bin_kernel(times, offsets, t_start, t_stop, bin_size, n_bins, binary):
    n = offsets.size - 1
    out = np.zeros((n, n_bins), dtype=np.int64)
    inv = 1.0 / bin_size
    for i in range(n):
        lo, hi = _window_slice(times, offsets[i], offsets[i + 1], t_start, t_stop)
        for j in range(lo, hi):
            b = _bin_index((times[j] - t_start) * inv)
            if b < n_bins:
                if binary:
                    out[i, b] = 1
                else:
                    out[i, b] += 1
    return out


def _n_bins(t_start: float, t_stop: float, bin_size: float) -> int:
    return int(_bin_index((t_stop - t_start) / bin_size))


def _prepare(spikes, t_start, t_stop, where):
    st = as_trains(spikes, name="spikes")
    t0, t1 = resolve_window(t_start, t_stop, st, where=where)
    return st, t0, t1


def _binned(spikes, t_start, t_stop, bin_size, binary, where, name="bin_size"):
    """(counts (n, n_bins), t_start, bin width), binned as Elephant; errors name ``where``."""
    st, t0, t1 = _prepare(spikes, t_start, t_stop, where)
    b = check_bin_size(bin_size, t0, t1, where=where, name=name)
    counts = _bin_kernel(st.times, st.offsets, t0, t1, b, _n_bins(t0, t1, b), bool(binary))
    return counts, t0, b


def spike_count(spikes, *, t_start: float = 0.0, t_stop: float | None = None) -> np.ndarray:
    """Number of spikes of each train in ``[t_start, t_stop]``.

    Parameters
    ----------
    spikes : SpikeTrains or array_like
        Spike times in ms, n trains.
    t_start, t_stop : float
        Window in ms (both edges included). ``t_stop=None`` uses ``spikes.t_stop``.

    Returns
    -------
    numpy.ndarray of int64, shape (n,)

    Examples
    --------
    >>> spike_count([[1.0, 5.0, 12.0], []], t_start=0.0, t_stop=10.0).tolist()
    [2, 0]
    """
    st, t0, t1 = _prepare(spikes, t_start, t_stop, "spike_count")
    return _counts_kernel(st.times, st.offsets, t0, t1)


def firing_rate(spikes, *, t_start: float = 0.0, t_stop: float | None = None) -> np.ndarray:
    r"""Mean firing rate of each train, in Hz (spikes per second).

    .. math:: r = \frac{N[t_0, t_1]}{(t_1 - t_0) / 1000}

    with ``t_0 = t_start``, ``t_1 = t_stop`` in ms.

    Same value as Elephant's ``mean_firing_rate`` (expressed in Hz).

    Parameters
    ----------
    spikes : SpikeTrains or array_like
        Spike times in ms, n trains.
    t_start, t_stop : float
        Window in ms (both edges included). ``t_stop=None`` uses ``spikes.t_stop``.

    Returns
    -------
    numpy.ndarray, shape (n,)
        Rate in Hz; 0.0 for an empty train.

    Examples
    --------
    >>> firing_rate([[10.0, 20.0, 30.0], []], t_stop=1000.0).tolist()
    [3.0, 0.0]
    """
    st, t0, t1 = _prepare(spikes, t_start, t_stop, "firing_rate")
    return _counts_kernel(st.times, st.offsets, t0, t1) * (1000.0 / (t1 - t0))


def _isi_feature(spikes, t_start, t_stop, kind, where, refractory=0.0):
    st, t0, t1 = _prepare(spikes, t_start, t_stop, where)
    return _isi_feature_kernel(st.times, st.offsets, t0, t1, kind, refractory)


def isi_mean(spikes, *, t_start: float = 0.0, t_stop: float | None = None) -> np.ndarray:
    r"""Mean inter-spike interval of each train, in ms.

    .. math:: \bar I = \frac{1}{n-1}\sum_{i=1}^{n-1} (t_{i+1} - t_i)

    over the ``n`` spikes in ``[t_start, t_stop]``.

    Parameters
    ----------
    spikes : SpikeTrains or array_like
        Spike times in ms of n trains (one 1-D array = one train).
    t_start, t_stop : float
        Window in ms (both edges included). ``t_stop=None`` uses ``spikes.t_stop``.

    Returns
    -------
    numpy.ndarray, shape (n,)
        ms; NaN for a train with fewer than 2 spikes.

    Examples
    --------
    >>> isi_mean([[0.0, 10.0, 30.0], [5.0]], t_stop=100.0).tolist()
    [15.0, nan]
    """
    return _isi_feature(spikes, t_start, t_stop, _MEAN, "isi_mean")


def isi_cv(spikes, *, t_start: float = 0.0, t_stop: float | None = None) -> np.ndarray:
    r"""Coefficient of variation of the inter-spike intervals of each train.

    .. math:: CV = \sqrt{\tfrac{1}{n}\sum_i (I_i - \bar I)^2} \,/\, \bar I

    with the population standard deviation (``ddof=0``, as Elephant's ``cv``
    applied to ``isi``). 1 for a Poisson process, 0 for a regular train.

    Parameters
    ----------
    spikes : SpikeTrains or array_like
        Spike times in ms of n trains (one 1-D array = one train).
    t_start, t_stop : float
        Window in ms (both edges included). ``t_stop=None`` uses ``spikes.t_stop``.

    Returns
    -------
    numpy.ndarray, shape (n,)
        Dimensionless; NaN for a train with fewer than 2 ISIs (3 spikes) or a
        zero mean ISI (Elephant returns 0 for a single ISI).

    References
    ----------
    Softky & Koch (1993), J. Neurosci. 13:334-350.

    Examples
    --------
    >>> isi_cv([[0.0, 10.0, 20.0, 30.0], [0.0, 10.0, 30.0]], t_stop=100.0).round(3).tolist()
    [0.0, 0.333]
    """
    return _isi_feature(spikes, t_start, t_stop, _CV, "isi_cv")


def lv(spikes, *, t_start: float = 0.0, t_stop: float | None = None) -> np.ndarray:
    r"""Local variation LV of the inter-spike intervals (Shinomoto et al. 2003).

    .. math:: LV = \frac{3}{n-1}\sum_{i=1}^{n-1}
              \left(\frac{I_i - I_{i+1}}{I_i + I_{i+1}}\right)^2

    over the ``n`` ISIs of the spikes in ``[t_start, t_stop]``; 0 for a regular
    train, 1 for Poisson, > 1 for bursty firing. Same value as Elephant's ``lv``.

    Shinomoto, Shima & Tanji (2003), Neural Comput. 15:2823-2842.

    Parameters
    ----------
    spikes : SpikeTrains or array_like
        Spike times in ms of n trains (one 1-D array = one train).
    t_start, t_stop : float
        Window in ms (both edges included). ``t_stop=None`` uses ``spikes.t_stop``.

    Returns
    -------
    numpy.ndarray, shape (n,)
        NaN for fewer than 2 ISIs (where Elephant raises), or when two
        consecutive ISIs are both zero (duplicate spikes).

    Examples
    --------
    >>> lv([[0.0, 10.0, 30.0]], t_stop=100.0).round(4).tolist()
    [0.3333]
    """
    return _isi_feature(spikes, t_start, t_stop, _LV, "lv")


def lvr(
    spikes, *, t_start: float = 0.0, t_stop: float | None = None, refractory: float = 5.0
) -> np.ndarray:
    r"""Revised local variation LvR (Shinomoto et al. 2009).

    .. math:: LvR = \frac{3}{n-1}\sum_{i=1}^{n-1}
              \left(1 - \frac{4 I_i I_{i+1}}{(I_i + I_{i+1})^2}\right)
              \left(1 + \frac{4R}{I_i + I_{i+1}}\right)

    with the refractory constant ``R = refractory`` in ms (5 ms in the paper).
    Same value as Elephant's ``lvr``.

    Shinomoto et al. (2009), PLoS Comput. Biol. 5:e1000433.

    Parameters
    ----------
    spikes : SpikeTrains or array_like
        Spike times in ms of n trains (one 1-D array = one train).
    t_start, t_stop : float
        Window in ms. ``t_stop=None`` uses ``spikes.t_stop``.
    refractory : float
        R in ms, >= 0.

    Returns
    -------
    numpy.ndarray, shape (n,)
        NaN for fewer than 2 ISIs.

    Examples
    --------
    >>> lvr([[0.0, 10.0, 30.0]], t_stop=100.0, refractory=5.0).round(4).tolist()
    [0.5556]
    """
    r = check_positive("refractory", refractory, where="lvr", strict=False)
    return _isi_feature(spikes, t_start, t_stop, _LVR, "lvr", refractory=r)


def adaptation_index(spikes, *, t_start: float = 0.0, t_stop: float | None = None) -> np.ndarray:
    r"""Spike-frequency adaptation index: mean normalised change of consecutive ISIs.

    .. math:: A = \frac{1}{n-1}\sum_{i=1}^{n-1} \frac{I_{i+1} - I_i}{I_{i+1} + I_i}

    Positive when the ISIs lengthen (adapting), negative when they shorten,
    0 for a regular train; in (-1, 1). This is the definition of the Allen Cell
    Types database and of Druckmann et al. (2007), Front. Neurosci. 1:7-18.

    Parameters
    ----------
    spikes : SpikeTrains or array_like
        Spike times in ms of n trains (one 1-D array = one train).
    t_start, t_stop : float
        Window in ms (both edges included). ``t_stop=None`` uses ``spikes.t_stop``.

    Returns
    -------
    numpy.ndarray, shape (n,)
        NaN for fewer than 2 ISIs.

    Examples
    --------
    >>> adaptation_index([[0.0, 10.0, 30.0]], t_stop=100.0).round(4).tolist()
    [0.3333]
    """
    return _isi_feature(spikes, t_start, t_stop, _ADAPT, "adaptation_index")


def first_spike_latency(spikes, *, t_start: float = 0.0, t_stop: float | None = None) -> np.ndarray:
    """Time from ``t_start`` to the first spike in ``[t_start, t_stop]``, in ms.

    Parameters
    ----------
    spikes : SpikeTrains or array_like
        Spike times in ms of n trains (one 1-D array = one train).
    t_start, t_stop : float
        Window in ms (both edges included). ``t_stop=None`` uses ``spikes.t_stop``.

    Returns
    -------
    numpy.ndarray, shape (n,)
        ms; NaN for a train without spikes in the window.

    Examples
    --------
    >>> first_spike_latency([[3.0, 40.0], [], [12.0]], t_start=10.0, t_stop=50.0).tolist()
    [30.0, nan, 2.0]
    """
    st, t0, t1 = _prepare(spikes, t_start, t_stop, "first_spike_latency")
    return _latency_kernel(st.times, st.offsets, t0, t1)


def burst_fraction(
    spikes,
    *,
    t_start: float = 0.0,
    t_stop: float | None = None,
    max_isi: float = 10.0,
    min_spikes: int = 2,
) -> np.ndarray:
    """Fraction of spikes that belong to bursts.

    A burst is a maximal run of at least ``min_spikes`` consecutive spikes whose
    ISIs are all ``<= max_isi`` ms.

    Parameters
    ----------
    max_isi : float
        Longest ISI inside a burst, in ms (> 0).
    min_spikes : int
        Fewest spikes that make a burst (>= 2).

    Returns
    -------
    numpy.ndarray, shape (n,)
        In [0, 1]; NaN for a train without spikes.

    References
    ----------
    Bakkum et al. (2013), Front. Comput. Neurosci. 7:193 (ISI-threshold bursts).

    Examples
    --------
    >>> burst_fraction([[0.0, 3.0, 6.0, 50.0, 100.0]], t_stop=200.0, max_isi=5.0).tolist()
    [0.6]
    """
    where = "burst_fraction"
    m = check_positive("max_isi", max_isi, where=where)
    k = check_count("min_spikes", min_spikes, where=where, minimum=2)
    st, t0, t1 = _prepare(spikes, t_start, t_stop, where)
    return _burst_kernel(st.times, st.offsets, t0, t1, m, k)


def bin_spikes(
    spikes,
    *,
    bin_size: float,
    t_start: float = 0.0,
    t_stop: float | None = None,
    binary: bool = False,
) -> np.ndarray:
    """Spike counts in consecutive bins of ``bin_size`` ms, shape (n, n_bins).

    ``n_bins = floor((t_stop - t_start) / bin_size)``; bin ``k`` is
    ``[t_start + k·bin_size, t_start + (k+1)·bin_size)``. The binning is
    Elephant's ``BinnedSpikeTrain`` (a value within 1e-8 of the next integer
    bin coordinate is rounded up into it; spikes past the last full bin, e.g.
    at ``t_stop`` itself, are dropped), so the counts match it exactly.

    Parameters
    ----------
    spikes : SpikeTrains or array_like
        Spike times in ms of n trains (one 1-D array = one train).
    t_start, t_stop : float
        Window in ms. ``t_stop=None`` uses ``spikes.t_stop``.
    bin_size : float
        Bin width in ms, > 0 and <= t_stop - t_start.
    binary : bool
        Clip counts to 0/1.

    Returns
    -------
    numpy.ndarray of int64, shape (n, n_bins)

    Examples
    --------
    >>> bin_spikes([[0.5, 1.5, 1.7, 4.0]], bin_size=1.0, t_stop=4.0).tolist()
    [[1, 2, 0, 0]]
    """
    counts, _, _ = _binned(spikes, t_start, t_stop, bin_size, binary, "bin_spikes")
    return counts


def fano_factor(
    spikes, *, window: float, t_start: float = 0.0, t_stop: float | None = None
) -> np.ndarray:
    r"""Fano factor of the spike counts of each train in consecutive windows.

    .. math:: F = \operatorname{Var}[N_k] / \operatorname{E}[N_k]

    over the counts ``N_k`` in the ``floor((t_stop - t_start)/window)``
    windows of ``window`` ms (binned as :func:`bin_spikes`; ``ddof=0``, as
    Elephant's ``fanofactor``). 1 for a Poisson process.

    For the Fano factor across trials (one count per train), apply the same
    formula to :func:`spike_count`.

    Parameters
    ----------
    spikes : SpikeTrains or array_like
        Spike times in ms of n trains (one 1-D array = one train).
    t_start, t_stop : float
        Window in ms (both edges included). ``t_stop=None`` uses ``spikes.t_stop``.
    window : float
        Window width in ms, > 0 and <= t_stop - t_start.

    Returns
    -------
    numpy.ndarray, shape (n,)
        NaN for a train without spikes in the windows or when fewer than 2
        windows fit.

    References
    ----------
    Fano (1947), Phys. Rev. 72:26-29. Eden & Kramer (2010), J. Neurosci. Methods
    190:149-152.

    Examples
    --------
    >>> fano_factor([[1.0, 2.0, 3.0, 15.0]], window=10.0, t_stop=20.0).tolist()
    [0.5]
    """
    counts, _, _ = _binned(spikes, t_start, t_stop, window, False, "fano_factor", "window")
    counts = counts.astype(np.float64)
    out = np.full(counts.shape[0], np.nan)
    if counts.shape[1] < 2:
        return out
    mean = counts.mean(axis=1)
    ok = mean > 0
    out[ok] = counts[ok].var(axis=1) / mean[ok]
    return out


def psth(
    spikes, *, bin_size: float, t_start: float = 0.0, t_stop: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    r"""Peri-stimulus time histogram: the rate averaged over the trains, in Hz.

    .. math:: r_k = \frac{\sum_i N_{ik}}{n \cdot \mathrm{bin\_size} / 1000}

    with ``N_ik`` the counts of :func:`bin_spikes`.

    Parameters
    ----------
    spikes : SpikeTrains or array_like
        Spike times in ms of n trains (one 1-D array = one train).
    t_start, t_stop : float
        Window in ms (both edges included). ``t_stop=None`` uses ``spikes.t_stop``.
    bin_size : float
        Bin width in ms, > 0 and <= t_stop - t_start.

    Returns
    -------
    rate : numpy.ndarray, shape (n_bins,)
        Hz (0 everywhere for zero trains).
    edges : numpy.ndarray, shape (n_bins + 1,)
        Bin edges in ms.

    References
    ----------
    Gerstein & Kiang (1960), Biophys. J. 1:15-28.

    Examples
    --------
    >>> rate, edges = psth([[1.0, 12.0], [2.0]], bin_size=10.0, t_stop=20.0)
    >>> rate.tolist(), edges.tolist()
    ([100.0, 50.0], [0.0, 10.0, 20.0])
    """
    counts, t0, b = _binned(spikes, t_start, t_stop, bin_size, False, "psth")
    n = max(counts.shape[0], 1)
    rate = counts.sum(axis=0) * (1000.0 / (n * b))
    edges = t0 + b * np.arange(counts.shape[1] + 1, dtype=np.float64)
    return rate, edges
