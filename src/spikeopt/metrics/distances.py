"""Van Rossum and Victor-Purpura distances, with Elephant's normalisation.

Each function has three call forms (one pair → float; P candidates against one
target or P targets → (P,); the ``*_matrix`` functions → (N, N)). Spike times
are in ms; ``tau`` is in ms and ``q`` in 1/ms. No observation window is needed;
pass ``t_start``/``t_stop`` (ms) to keep only the spikes within
``[t_start, t_stop]``. Duplicate spike times are kept (each is a spike).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import InvalidParameterError
from . import _kernels as K
from ._common import as_trains
from ._pairwise import evaluate, matrix

__all__ = ["van_rossum", "victor_purpura", "van_rossum_matrix", "victor_purpura_matrix"]


def _check_scale(name: str, value, where: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = math.nan
    if not v >= 0:  # also rejects NaN
        raise InvalidParameterError(
            f"The {name!r} parameter of {where} must be >= 0 (inf allowed). Got {value!r} instead."
        )
    return v


def _limits(t_start, t_stop, where: str) -> tuple[float, float]:
    t0 = -math.inf if t_start is None else float(t_start)
    t1 = math.inf if t_stop is None else float(t_stop)
    if math.isnan(t0) or math.isnan(t1) or not t1 >= t0:
        raise InvalidParameterError(
            f"The 't_stop' parameter of {where} must be >= t_start ({t_start!r} ms). "
            f"Got {t_stop!r} instead."
        )
    return t0, t1


def van_rossum(a, b, *, tau: float, t_start: float | None = None, t_stop: float | None = None):
    r"""Van Rossum distance (van Rossum 2001) with Elephant's normalisation.

    Each train is filtered with the causal kernel :math:`e^{-t/\tau}`; the
    distance is

    .. math:: D_R = \sqrt{\frac{2}{\tau}\int_{-\infty}^{\infty}
              \big(f_a(t) - f_b(t)\big)^2 dt}
              = \sqrt{\sum_{i,j} e^{-|a_i - a_j|/\tau} + \sum_{i,j} e^{-|b_i - b_j|/\tau}
                - 2\sum_{i,j} e^{-|a_i - b_j|/\tau}}

    computed in O(n + m) with the exponential recursion of Houghton & Kreuz
    (2012) over the merged trains. Dimensionless; one unmatched spike adds 1
    to :math:`D_R^2`.

    Parameters
    ----------
    a, b : array_like or SpikeTrains
        One train each (times in ms) → float; or P candidates and one target
        (or P targets, row by row) → (P,).
    tau : float
        Time constant in ms, >= 0. ``tau=inf`` gives ``|n_a - n_b|`` (as
        Elephant); ``tau=0`` gives the limit ``sqrt(n_a + n_b - 2·#exactly
        coincident spikes)`` (Elephant returns ``sqrt(n_a + n_b)`` even for
        identical trains).
    t_start, t_stop : float, optional
        Keep only spikes in ``[t_start, t_stop]`` (ms); default: all spikes.

    Returns
    -------
    float or numpy.ndarray of shape (P,)
        0 for identical trains (exactly: small negative rounding residues of
        the squared distance are clipped to 0, Elephant issue #679/PR #680);
        ``sqrt(n)`` between an empty train and one of n spikes.

    Notes
    -----
    Same values as ``elephant.spike_train_dissimilarity.van_rossum_distance``
    (to 1e-12 relative).

    References
    ----------
    van Rossum (2001), Neural Comput. 13:751-763. Houghton & Kreuz (2012),
    Network 23:48-58.

    Examples
    --------
    >>> van_rossum([10.0, 20.0], [10.0, 20.0], tau=5.0)
    0.0
    >>> van_rossum([], [10.0], tau=5.0)
    1.0
    >>> round(van_rossum([10.0], [12.0], tau=5.0), 6)  # sqrt(2 - 2 exp(-2/5))
    0.81201
    """
    where = "van_rossum"
    t = _check_scale("tau", tau, where)
    t0, t1 = _limits(t_start, t_stop, where)
    return evaluate(K.VAN_ROSSUM, a, b, t, lambda stops: (t0, t1), where=where)


def victor_purpura(a, b, *, q: float, t_start: float | None = None, t_stop: float | None = None):
    r"""Victor-Purpura distance (Victor & Purpura 1996): the cheapest way to turn
    one train into the other.

    Deleting or inserting a spike costs 1, shifting a spike by :math:`\Delta t`
    costs :math:`q|\Delta t|`:

    .. math:: D_V = \min_{\text{edit paths}} \Big(\#\text{insertions} +
              \#\text{deletions} + q \sum |\Delta t_k|\Big)

    computed by dynamic programming in O(n·m) time and O(m) memory.
    Dimensionless (spike counts).

    Parameters
    ----------
    a, b : array_like or SpikeTrains
        As :func:`van_rossum` (times in ms).
    q : float
        Cost per ms of shifting a spike, in 1/ms, >= 0. ``q=0`` gives
        ``|n_a - n_b|`` (as Elephant); ``q=inf`` gives the limit
        ``n_a + n_b - 2·#exactly coincident spikes`` (Elephant returns
        ``n_a + n_b`` even for identical trains).
    t_start, t_stop : float, optional
        Keep only spikes in ``[t_start, t_stop]`` (ms); default: all spikes.

    Returns
    -------
    float or numpy.ndarray of shape (P,)
        0 for identical trains; ``n`` between an empty train and one of n spikes.

    Notes
    -----
    Same values as ``elephant.spike_train_dissimilarity.victor_purpura_distance``
    with ``cost_factor = q`` (1/ms), to 1e-12.

    References
    ----------
    Victor & Purpura (1996), J. Neurophysiol. 76:1310-1326.

    Examples
    --------
    >>> victor_purpura([10.0, 20.0], [10.0, 23.0], q=0.1)
    0.30000000000000004
    >>> victor_purpura([10.0, 20.0], [10.0, 50.0], q=0.1)  # delete + insert
    2.0
    """
    where = "victor_purpura"
    qq = _check_scale("q", q, where)
    t0, t1 = _limits(t_start, t_stop, where)
    return evaluate(K.VICTOR_PURPURA, a, b, qq, lambda stops: (t0, t1), where=where)


def van_rossum_matrix(
    trains, *, tau: float, t_start: float | None = None, t_stop: float | None = None
) -> np.ndarray:
    """Pairwise :func:`van_rossum` of N trains (ms), shape (N, N), symmetric.

    Examples
    --------
    >>> van_rossum_matrix([[10.0], [], [10.0]], tau=5.0).tolist()
    [[0.0, 1.0, 0.0], [1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
    """
    where = "van_rossum_matrix"
    t = _check_scale("tau", tau, where)
    t0, t1 = _limits(t_start, t_stop, where)
    return matrix(K.VAN_ROSSUM, as_trains(trains, name="trains"), t0, t1, t, symmetric=True)


def victor_purpura_matrix(
    trains, *, q: float, t_start: float | None = None, t_stop: float | None = None
) -> np.ndarray:
    """Pairwise :func:`victor_purpura` of N trains (ms), shape (N, N), symmetric.

    Examples
    --------
    >>> victor_purpura_matrix([[10.0], [], [12.0]], q=0.1).round(6).tolist()
    [[0.0, 1.0, 0.2], [1.0, 0.0, 1.0], [0.2, 1.0, 0.0]]
    """
    where = "victor_purpura_matrix"
    qq = _check_scale("q", q, where)
    t0, t1 = _limits(t_start, t_stop, where)
    return matrix(K.VICTOR_PURPURA, as_trains(trains, name="trains"), t0, t1, qq, symmetric=True)
