"""Kreuz's time-resolved spike-train distances: ISI-distance, SPIKE-distance and
SPIKE-synchronization, with explicit edges ``t_start``/``t_stop`` (ms).

Each function has three call forms (one pair → float; P candidates against one
target or P targets → (P,); see also the ``*_matrix`` functions → (N, N)).
The values are those of PySpike 0.9 (``isi_distance``, ``spike_distance``,
``spike_sync`` with ``MRTS=0``) for ``SpikeTrain(times, [t_start, t_stop])``,
to rounding, including its edge handling:

* only the spikes with ``t_start <= t <= t_stop`` count;
* duplicate spike times within a train count once (PySpike's
  ``reconcile_spike_trains``; without it PySpike returned values above 1,
  PySpike issue #45, or divided by zero, #80);
* an empty train stands for auxiliary spikes at ``t_start`` and ``t_stop``
  (PySpike's ``get_spikes_non_empty``); two empty trains are at distance 0;
* where PySpike divides 0 by 0 and returns NaN (e.g. both trains hold one
  spike, on ``t_stop``), zero-length intervals add nothing and a 0/0 ratio
  counts as 0, so the result is always finite (0 for identical trains);
* **one deviation:** an empty train against a train whose spikes all sit
  exactly on the edges is at distance 1, not 0 as in PySpike — a model that
  does not fire is never a perfect fit of a target that does.
"""

from __future__ import annotations

import numpy as np

from ..errors import check_positive
from . import _kernels as K
from ._common import as_trains, resolve_window, resolve_window_stops
from ._pairwise import evaluate, matrix

__all__ = [
    "isi_distance",
    "spike_distance",
    "spike_sync",
    "isi_distance_matrix",
    "spike_distance_matrix",
    "spike_sync_matrix",
]


def _window(t_start, t_stop, where):
    return lambda stops: resolve_window_stops(t_start, t_stop, stops, where=where)


def _max_tau(max_tau, where) -> float:
    if max_tau is None:
        return 0.0
    return check_positive("max_tau", max_tau, where=where)


def isi_distance(a, b, *, t_start: float = 0.0, t_stop: float | None = None):
    r"""ISI-distance of Kreuz et al. (2007): the time-averaged mismatch of the
    current inter-spike intervals.

    .. math:: D_I = \frac{1}{t_\mathrm{stop} - t_\mathrm{start}}
              \int_{t_\mathrm{start}}^{t_\mathrm{stop}}
              \frac{|\nu_a(t) - \nu_b(t)|}{\max(\nu_a(t), \nu_b(t))}\,dt

    where :math:`\nu_x(t)` is the length (ms) of the ISI of train x that contains
    t; before the first and after the last spike the interval to the edge is
    used, but at least the first/last ISI (PySpike's edge correction).
    Dimensionless, in [0, 1]; 0 for identical trains.

    Parameters
    ----------
    a : array_like or SpikeTrains
        One train (1-D array of times in ms) → returns a float; or P candidate
        trains (a SpikeTrains or a list of arrays) → returns shape (P,).
    b : array_like or SpikeTrains
        One train, or (batched form) one target train or P target trains
        compared row by row.
    t_start, t_stop : float
        Edges of the observation window in ms. ``t_stop=None`` takes the
        ``t_stop`` of the SpikeTrains inputs.

    Returns
    -------
    float or numpy.ndarray of shape (P,)

    Notes
    -----
    Edge cases (empty trains, duplicates, spikes on the edges) follow PySpike,
    see the module docstring. Same values as ``pyspike.isi_distance`` for
    ``SpikeTrain(x, [t_start, t_stop])`` to 1e-12.

    References
    ----------
    Kreuz, Haas, Morelli, Abarbanel & Politi (2007), J. Neurosci. Methods
    165:151-161. Mulansky & Kreuz (2016), SoftwareX 5:70-75 (PySpike).

    Examples
    --------
    >>> isi_distance([10.0, 30.0, 50.0], [10.0, 30.0, 50.0], t_stop=60.0)
    0.0
    >>> isi_distance([10.0, 30.0, 50.0], [10.0, 20.0, 30.0, 50.0], t_stop=60.0)
    0.25
    >>> isi_distance([[10.0, 30.0], [12.0, 40.0]], [10.0, 30.0], t_stop=60.0).round(4).tolist()
    [0.0, 0.1762]
    """
    where = "isi_distance"
    return evaluate(K.ISI, a, b, 0.0, _window(t_start, t_stop, where), where=where)


def spike_distance(a, b, *, t_start: float = 0.0, t_stop: float | None = None):
    r"""SPIKE-distance of Kreuz et al. (2013): the time-averaged, ISI-normalised
    distance of each spike to the nearest spike of the other train.

    .. math:: D_S = \frac{1}{T}\int S(t)\,dt, \qquad
              S(t) = \frac{S_a(t)\,\langle x^b_\mathrm{ISI}\rangle +
                           S_b(t)\,\langle x^a_\mathrm{ISI}\rangle}
                          {2\,\langle x_\mathrm{ISI}\rangle^2}

    where :math:`S_a(t)` interpolates linearly, within the current ISI of a,
    the distances of its preceding and following spikes to the nearest spike of
    b, and :math:`\langle x_\mathrm{ISI}\rangle` is the mean of the two current
    ISIs (ms). Edges use PySpike's auxiliary spikes (Kreuz et al. 2017).
    Dimensionless, in [0, 1]; 0 for identical trains.

    Parameters
    ----------
    a, b, t_start, t_stop
        As :func:`isi_distance` (times and edges in ms).

    Returns
    -------
    float or numpy.ndarray of shape (P,)

    Notes
    -----
    Same values as ``pyspike.spike_distance`` (``MRTS=0``, ``RI=False``) for
    ``SpikeTrain(x, [t_start, t_stop])``; edge cases as in the module docstring.

    References
    ----------
    Kreuz, Chicharro, Houghton, Andrzejak & Mormann (2013), J. Neurophysiol.
    109:1457-1472. Kreuz, Mulansky & Bozanic (2015), J. Neurophysiol.
    113:3432-3445. Satuvuori et al. (2017), J. Neurosci. Methods 287:25-38.

    Examples
    --------
    >>> spike_distance([10.0, 30.0, 50.0], [10.0, 30.0, 50.0], t_stop=60.0)
    0.0
    >>> round(spike_distance([10.0, 30.0, 50.0], [12.0, 30.0, 50.0], t_stop=60.0), 4)
    0.036
    """
    where = "spike_distance"
    return evaluate(K.SPIKE, a, b, 0.0, _window(t_start, t_stop, where), where=where)


def spike_sync(
    a, b, *, t_start: float = 0.0, t_stop: float | None = None, max_tau: float | None = None
):
    r"""SPIKE-synchronization of Kreuz et al. (2015): the fraction of spikes that
    have a coincident partner in the other train, with an adaptive window.

    .. math:: \mathrm{SYNC} = \frac{\sum_k C_k}{N_a + N_b}, \qquad
              C_k = 1 \text{ if } |t^a_i - t^b_j| < \tau_{ij},\;
              \tau_{ij} = \tfrac12\min\{\text{ISIs next to } t^a_i, t^b_j\}

    A **similarity** in [0, 1]: 1 for identical trains (and for two empty
    trains, as PySpike), 0 for an empty against a non-empty train.

    Parameters
    ----------
    a, b, t_start, t_stop
        As :func:`isi_distance` (times and edges in ms).
    max_tau : float, optional
        ms. Replaces a missing neighbouring half-ISI (before the first and after
        the last spike of a train), ``min(max_tau, (t_stop - t_start)/2)``;
        ``None`` uses ``(t_stop - t_start)/2``. As in PySpike 0.9, it does not
        cap the window between existing neighbours.

    Returns
    -------
    float or numpy.ndarray of shape (P,)

    Notes
    -----
    Same values as ``pyspike.spike_sync`` (``MRTS=0``).

    References
    ----------
    Kreuz, Mulansky & Bozanic (2015), J. Neurophysiol. 113:3432-3445.

    Examples
    --------
    >>> spike_sync([10.0, 30.0, 50.0], [20.0, 30.0, 50.0], t_stop=60.0)  # 10 and 20 unmatched
    0.6666666666666666
    >>> spike_sync([], [11.0, 30.0], t_stop=60.0), spike_sync([], [], t_stop=60.0)
    (0.0, 1.0)
    """
    where = "spike_sync"
    tau = _max_tau(max_tau, where)
    return evaluate(K.SYNC, a, b, tau, _window(t_start, t_stop, where), where=where)


def isi_distance_matrix(trains, *, t_start: float = 0.0, t_stop: float | None = None) -> np.ndarray:
    """Pairwise :func:`isi_distance` of N trains (ms), shape (N, N), symmetric.

    Examples
    --------
    >>> isi_distance_matrix([[10.0, 30.0], [12.0, 40.0]], t_stop=60.0).round(4).tolist()
    [[0.0, 0.1762], [0.1762, 0.0]]
    """
    st = as_trains(trains, name="trains")
    t0, t1 = resolve_window(t_start, t_stop, st, where="isi_distance_matrix")
    return matrix(K.ISI, st, t0, t1, 0.0, symmetric=True)


def spike_distance_matrix(
    trains, *, t_start: float = 0.0, t_stop: float | None = None
) -> np.ndarray:
    """Pairwise :func:`spike_distance` of N trains (ms), shape (N, N), symmetric.

    Examples
    --------
    >>> spike_distance_matrix([[10.0, 30.0], [10.0, 30.0]], t_stop=60.0).tolist()
    [[0.0, 0.0], [0.0, 0.0]]
    """
    st = as_trains(trains, name="trains")
    t0, t1 = resolve_window(t_start, t_stop, st, where="spike_distance_matrix")
    return matrix(K.SPIKE, st, t0, t1, 0.0, symmetric=True)


def spike_sync_matrix(
    trains, *, t_start: float = 0.0, t_stop: float | None = None, max_tau: float | None = None
) -> np.ndarray:
    """Pairwise :func:`spike_sync` of N trains (ms), shape (N, N), symmetric.

    Examples
    --------
    >>> spike_sync_matrix([[10.0, 30.0], [11.0, 45.0]], t_stop=60.0).tolist()
    [[1.0, 0.5], [0.5, 1.0]]
    """
    where = "spike_sync_matrix"
    st = as_trains(trains, name="trains")
    t0, t1 = resolve_window(t_start, t_stop, st, where=where)
    return matrix(K.SYNC, st, t0, t1, _max_tau(max_tau, where), symmetric=True)
