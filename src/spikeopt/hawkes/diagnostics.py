"""Goodness of fit by the time-rescaling theorem.

If the model is right, the compensator increments between consecutive spikes
of each train, ``tau = Lambda_i(t_{k+1}) - Lambda_i(t_k)``, are independent
Exp(1) variables (Brown et al. 2002, Neural Computation 14:325). A KS test of
the rescaled intervals against Exp(1) measures the misfit, per train and pooled.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .likelihood import compensator_at_events, prepare_events

__all__ = ["RescalingResult", "rescaled_intervals", "time_rescaling"]


@dataclass
class RescalingResult:
    """Time-rescaling KS test.

    Attributes
    ----------
    intervals : list of ndarray
        Rescaled inter-spike intervals of each train (dimensionless; Exp(1) under the model).
    ks_stat, pvalue : float
        KS statistic and p-value of all intervals pooled against Exp(1).
    ks_stats, pvalues : ndarray, shape (D,)
        The same per train (NaN for trains with fewer than 2 spikes).
    """

    intervals: list
    ks_stat: float
    pvalue: float
    ks_stats: np.ndarray
    pvalues: np.ndarray

    @property
    def pooled(self) -> np.ndarray:
        return np.concatenate(self.intervals) if self.intervals else np.empty(0)

    def __repr__(self) -> str:
        return (f"RescalingResult(intervals={self.pooled.size}, KS={self.ks_stat:.4g}, "
                f"p={self.pvalue:.3g})")


def rescaled_intervals(spikes, mu, alpha, beta, *, t_stop: float | None = None) -> list:
    """Compensator increments between consecutive spikes of each train (from 0 to
    the first spike, then spike to spike), as a list of D arrays."""
    ev = prepare_events(spikes, t_stop)
    lam = compensator_at_events(ev, mu, alpha, beta)
    out = []
    for i in range(ev.n_dim):
        li = lam[ev.marks == i]
        out.append(np.diff(li, prepend=0.0))
    return out


def time_rescaling(spikes, estimate=None, *, mu=None, alpha=None, beta=None,
                   t_stop: float | None = None) -> RescalingResult:
    """KS test of the time-rescaled intervals against Exp(1).

    Pass a fitted :class:`~spikeopt.hawkes.HawkesEstimate`, or ``mu`` (Hz),
    ``alpha`` and ``beta`` (1/ms) as keywords.

    Examples
    --------
    >>> from spikeopt.hawkes import simulate
    >>> st = simulate([20.0], [[0.4]], 0.1, 50_000.0, rng=2)
    >>> res = time_rescaling(st, mu=[20.0], alpha=[[0.4]], beta=0.1)
    >>> bool(res.pvalue > 0.01)
    True
    """
    if estimate is not None:
        if any(v is not None for v in (mu, alpha, beta)):
            raise TypeError("Pass either an estimate or mu/alpha/beta, not both.")
        mu, alpha, beta = estimate.mu, estimate.alpha, estimate.beta
        if t_stop is None:
            t_stop = estimate.t_stop_ms
    elif mu is None or alpha is None or beta is None:
        raise TypeError("time_rescaling needs an estimate or all of mu, alpha and beta.")
    from scipy import stats  # lazy: keeps ``import spikeopt`` fast

    iv = rescaled_intervals(spikes, mu, alpha, beta, t_stop=t_stop)
    ks = np.full(len(iv), np.nan)
    ps = np.full(len(iv), np.nan)
    for i, x in enumerate(iv):
        if x.size >= 2:
            r = stats.kstest(x, "expon")
            ks[i], ps[i] = r.statistic, r.pvalue
    pooled = np.concatenate(iv) if iv else np.empty(0)
    if pooled.size >= 2:
        r = stats.kstest(pooled, "expon")
        stat, p = float(r.statistic), float(r.pvalue)
    else:
        stat, p = float("nan"), float("nan")
    return RescalingResult(iv, stat, p, ks, ps)
