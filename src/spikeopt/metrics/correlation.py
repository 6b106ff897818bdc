"""Pairwise correlation coefficients of binned spike trains."""

from __future__ import annotations

import numpy as np

from .features import _binned

__all__ = ["correlation_coefficient"]


def correlation_coefficient(
    spikes,
    *,
    bin_size: float,
    t_start: float = 0.0,
    t_stop: float | None = None,
    binary: bool = False,
) -> np.ndarray:
    r"""Pearson correlation coefficients between the binned trains, shape (n, n).

    .. math:: C_{ij} = \frac{\langle b_i - \bar b_i,\; b_j - \bar b_j\rangle}
              {\lVert b_i - \bar b_i\rVert\,\lVert b_j - \bar b_j\rVert}

    where ``b_i`` are the counts of train ``i`` in bins of ``bin_size`` ms
    (binned exactly as :func:`~spikeopt.metrics.bin_spikes`, i.e. Elephant's
    ``BinnedSpikeTrain``). Same values as Elephant's
    ``spike_train_correlation.correlation_coefficient`` (to rounding).

    Parameters
    ----------
    spikes : SpikeTrains or array_like
        Spike times in ms, n trains.
    bin_size : float
        Bin width in ms.
    t_start, t_stop : float
        Window in ms; ``t_stop=None`` uses ``spikes.t_stop``.
    binary : bool
        Correlate 0/1 spike indicators instead of counts.

    Returns
    -------
    numpy.ndarray, shape (n, n)
        Symmetric, 1 on the diagonal. A row and column of a train whose binned
        counts are constant (e.g. an empty train) are NaN, as in Elephant
        (which also warns).

    References
    ----------
    Grün & Rotter (eds.) (2010), Analysis of Parallel Spike Trains, Springer.

    Examples
    --------
    >>> c = correlation_coefficient([[1.0, 5.0], [1.5, 5.5], [3.0]], bin_size=2.0, t_stop=8.0)
    >>> c.round(3).tolist()
    [[1.0, 1.0, -0.577], [1.0, 1.0, -0.577], [-0.577, -0.577, 1.0]]
    """
    counts, _, _ = _binned(spikes, t_start, t_stop, bin_size, binary, "correlation_coefficient")
    x = counts.astype(np.float64)
    x -= x.mean(axis=1, keepdims=True)
    cov = x @ x.T
    std = np.sqrt(np.diag(cov))
    with np.errstate(invalid="ignore", divide="ignore"):
        out = cov / np.outer(std, std)
    np.fill_diagonal(out, np.where(std > 0, 1.0, np.nan))
    return out
