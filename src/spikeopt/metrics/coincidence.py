"""The coincidence factor Γ (Kistler et al. 1997; Jolivet et al. 2008), and its
normalisation by the intrinsic reliability of repeated recordings."""

from __future__ import annotations

import numpy as np

from ..errors import InvalidParameterError, check_positive
from . import _kernels as K
from ._common import as_trains, is_single, resolve_window, resolve_window_stops
from ._pairwise import evaluate, matrix, run_pairs
from .features import _counts_kernel

__all__ = ["gamma_factor", "gamma_factor_matrix", "gamma_reliability", "normalized_gamma_factor"]


def _check_rates(data, t0: float, t1: float, delta: float, where: str) -> None:
    """Γ needs ``2 · ν_data · delta < 1`` for every data train."""
    if is_single(data):
        t = np.asarray(data, dtype=np.float64)
        k = int(np.count_nonzero((t >= t0) & (t <= t1)))
    else:
        st = as_trains(data, name="data")
        counts = _counts_kernel(st.times, st.offsets, t0, t1)
        k = int(counts.max()) if counts.size else 0
    if 2.0 * k / (t1 - t0) * delta >= 1.0:
        raise InvalidParameterError(
            f"The 'delta' parameter of {where} must be < (t_stop - t_start) / (2 · N_data) "
            f"= {(t1 - t0) / (2 * k)!r} ms for data with {k} spikes in {t1 - t0!r} ms "
            f"(otherwise 1 - 2·ν·Δ <= 0 and Γ is undefined). Got {delta!r} instead."
        )


def _prepare(model, data, delta, t_start, t_stop, where):
    d = check_positive("delta", delta, where=where)
    sm = as_trains(model, name="model")
    sd = as_trains(data, name="data")
    t0, t1 = resolve_window(t_start, t_stop, sm, sd, where=where)
    _check_rates(sd, t0, t1, d, where)
    return d, t0, t1


def gamma_factor(
    model, data, *, delta: float = 2.0, t_start: float = 0.0, t_stop: float | None = None
):
    r"""Coincidence factor Γ between a model train and a data train.

    .. math:: \Gamma = \frac{N_\mathrm{coinc} - 2\nu\Delta N_\mathrm{model}}
              {\tfrac12 (N_\mathrm{data} + N_\mathrm{model})}
              \cdot \frac{1}{1 - 2\nu\Delta},
              \qquad \nu = \frac{N_\mathrm{data}}{t_\mathrm{stop} - t_\mathrm{start}}

    :math:`N_\mathrm{coinc}` is the largest number of (model, data) spike pairs
    with :math:`|t_\mathrm{model} - t_\mathrm{data}| \le \Delta` in which each
    spike takes part at most once (a greedy sweep in time order, O(n + m));
    Δ is widened by 1e-9·Δ so that spikes on a simulation time grid exactly Δ
    apart count despite float rounding (as brian2modelfitting, which rounds to
    time steps, counts them).
    :math:`2\nu\Delta N_\mathrm{model}` is the number of coincidences expected
    by chance from a Poisson model. Γ = 1 for identical trains, ≈ 0 for chance
    coincidences, negative below chance; a **similarity** (use ``1 - Γ`` as a loss).

    Parameters
    ----------
    model, data : array_like or SpikeTrains
        One train each (times in ms) → float; or P model trains and one data
        train (or P data trains, row by row) → (P,). Only spikes in
        ``[t_start, t_stop]`` count; duplicate times count as spikes.
    delta : float
        Coincidence window Δ in ms (> 0); 2 ms in Jolivet et al. (2008) and
        the QSNMC competitions (4 ms in Kistler et al. 1997).
    t_start, t_stop : float
        Recording window in ms; ``t_stop=None`` takes the SpikeTrains' t_stop.

    Returns
    -------
    float or numpy.ndarray of shape (P,)
        Γ; 0 for an empty model against non-empty data (and for a non-empty
        model against empty data); 1 for two empty trains.

    Raises
    ------
    InvalidParameterError
        If ``2 ν Δ >= 1`` for the data (the window Δ is too wide for its rate).

    References
    ----------
    Kistler, Gerstner & van Hemmen (1997), Neural Comput. 9:1015-1045.
    Jolivet, Kobayashi, Rauch, Naud, Shinomoto & Gerstner (2008), J. Neurosci.
    Methods 169:417-424.

    Examples
    --------
    >>> gamma_factor([10.0, 50.0, 90.0], [10.0, 50.0, 90.0], t_stop=100.0)
    1.0
    >>> round(gamma_factor([11.0, 70.0], [10.0, 50.0, 90.0], delta=2.0, t_stop=100.0), 4)
    0.3455
    >>> gamma_factor([], [10.0, 50.0], t_stop=100.0)
    0.0
    """
    where = "gamma_factor"
    d = check_positive("delta", delta, where=where)

    def window(stops):
        t0, t1 = resolve_window_stops(t_start, t_stop, stops, where=where)
        _check_rates(data, t0, t1, d, where)
        return t0, t1

    return evaluate(K.GAMMA, model, data, d, window, where=where)


def gamma_factor_matrix(
    trains, *, delta: float = 2.0, t_start: float = 0.0, t_stop: float | None = None
) -> np.ndarray:
    """``G[i, j] = gamma_factor(model=trains[i], data=trains[j])``, shape (N, N).

    Γ is not symmetric (ν is the data's rate), so neither is G.

    Examples
    --------
    >>> gamma_factor_matrix([[10.0, 50.0], [10.0, 50.0]], t_stop=100.0).tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """
    where = "gamma_factor_matrix"
    st = as_trains(trains, name="trains")
    d, t0, t1 = _prepare(st, st, delta, t_start, t_stop, where)
    return matrix(K.GAMMA, st, t0, t1, d, symmetric=False)


def gamma_reliability(
    repeats, *, delta: float = 2.0, t_start: float = 0.0, t_stop: float | None = None
) -> float:
    r"""Intrinsic reliability R of repeated recordings: the mean Γ between them.

    .. math:: R = \frac{1}{K(K-1)} \sum_{i \ne j} \Gamma(\text{repeat}_i, \text{repeat}_j)

    over the K repeats (both orders, as Γ is not symmetric). It bounds how well
    any model can predict one repeat (Jolivet et al. 2008).

    Parameters
    ----------
    repeats : SpikeTrains or list of arrays
        K >= 2 recordings of the same cell under the same stimulus (ms).
    delta, t_start, t_stop
        As :func:`gamma_factor`.

    Returns
    -------
    float

    Examples
    --------
    >>> gamma_reliability([[10.0, 50.0, 90.0], [10.5, 50.0, 90.0]], t_stop=100.0)
    1.0
    """
    where = "gamma_reliability"
    st = as_trains(repeats, name="repeats")
    if len(st) < 2:
        raise InvalidParameterError(
            f"The 'repeats' argument of {where} must hold at least 2 trains; got {len(st)}."
        )
    d, t0, t1 = _prepare(st, st, delta, t_start, t_stop, where)
    ia, ib = np.nonzero(~np.eye(len(st), dtype=bool))
    return float(run_pairs(K.GAMMA, st, st, ia, ib, t0, t1, d).mean())


def normalized_gamma_factor(
    model, repeats, *, delta: float = 2.0, t_start: float = 0.0, t_stop: float | None = None
):
    r"""Γ of a model averaged over repeated recordings, divided by their reliability.

    .. math:: \Gamma^* = \frac{\frac1K \sum_k \Gamma(\text{model}, \text{repeat}_k)}{R}

    with R from :func:`gamma_reliability`. 1 means the model predicts the data
    as well as the data predict themselves (Jolivet et al. 2008).

    Parameters
    ----------
    model : array_like or SpikeTrains
        One train (ms) → float, or P candidate trains → (P,).
    repeats : SpikeTrains or list of arrays
        K >= 2 recordings (ms).
    delta, t_start, t_stop
        As :func:`gamma_factor`.

    Returns
    -------
    float or numpy.ndarray of shape (P,)
        NaN if the reliability is 0.

    Examples
    --------
    >>> reps = [[10.0, 50.0, 90.0], [10.5, 50.0, 90.0]]
    >>> normalized_gamma_factor([10.0, 50.0, 90.0], reps, t_stop=100.0)
    1.0
    """
    where = "normalized_gamma_factor"
    single = is_single(model)
    sm = as_trains(model, name="model")
    sr = as_trains(repeats, name="repeats")
    rel = gamma_reliability(sr, delta=delta, t_start=t_start, t_stop=t_stop)
    d, t0, t1 = _prepare(sm, sr, delta, t_start, t_stop, where)
    p, k = len(sm), len(sr)
    ia = np.repeat(np.arange(p), k)
    ib = np.tile(np.arange(k), p)
    mean = run_pairs(K.GAMMA, sm, sr, ia, ib, t0, t1, d).reshape(p, k).mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = mean / rel if rel != 0 else np.full(p, np.nan)
    return float(out[0]) if single else out
