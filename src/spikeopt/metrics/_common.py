"""Input checks shared by the metric functions (not public).

Every public metric accepts spike times in ms as a :class:`~spikeopt.SpikeTrains`,
one 1-D array (one train) or a list of arrays, and resolves its observation
window ``[t_start, t_stop]`` (ms) here, so that the messages read the same
everywhere.
"""

from __future__ import annotations

import numpy as np

from ..errors import InvalidParameterError, ShapeError, check_finite
from ..spikes import SpikeTrains, as_spike_trains

__all__ = [
    "as_trains",
    "as_one_train",
    "resolve_window",
    "resolve_window_stops",
    "pair_indices",
    "is_single",
]


def as_trains(x, *, name: str) -> SpikeTrains:
    """A :class:`SpikeTrains` from any accepted input (see module docstring)."""
    return as_spike_trains(x, name=name)


def is_single(x) -> bool:
    """True when ``x`` is one train given as a 1-D array or a flat list of numbers."""
    if isinstance(x, SpikeTrains):
        return False
    if isinstance(x, np.ndarray):
        return x.ndim == 1 and x.dtype != object
    try:
        items = list(x)
    except TypeError:
        return False
    return not items or np.ndim(items[0]) == 0


def as_one_train(x, *, name: str, where: str) -> np.ndarray:
    """The times (ms, float64, sorted) of exactly one train."""
    st = as_trains(x, name=name)
    if len(st) != 1:
        raise ShapeError(
            f"The {name!r} argument of {where} must be one spike train; got {len(st)} trains."
        )
    return st.times


def resolve_window(t_start, t_stop, *trains: SpikeTrains, where: str) -> tuple[float, float]:
    """``(t_start, t_stop)`` in ms; ``t_stop=None`` takes the trains' own ``t_stop``."""
    return resolve_window_stops(t_start, t_stop, [st.t_stop for st in trains], where=where)


def resolve_window_stops(t_start, t_stop, stops, *, where: str) -> tuple[float, float]:
    """As :func:`resolve_window`, given the inputs' ``t_stop`` values (None: unknown)."""
    t0 = check_finite("t_start", t_start, where=where)
    if t_stop is None:
        known = {s for s in stops if s is not None}
        if len(known) != 1:
            raise InvalidParameterError(
                f"The 't_stop' parameter of {where} is required (ms): the spike trains "
                "do not carry one t_stop. Pass t_stop=... explicitly."
            )
        t_stop = known.pop()
    t1 = check_finite("t_stop", t_stop, where=where)
    if not t1 > t0:
        raise InvalidParameterError(
            f"The 't_stop' parameter of {where} must be > t_start ({t0!r} ms). "
            f"Got {t_stop!r} instead."
        )
    return t0, t1


def pair_indices(n_a: int, n_b: int, *, where: str) -> tuple[np.ndarray, np.ndarray]:
    """Row pairs for the batched form: ``n_b == 1`` broadcasts, ``n_b == n_a`` pairs rows."""
    ia = np.arange(n_a, dtype=np.int64)
    if n_b == 1:
        return ia, np.zeros(n_a, dtype=np.int64)
    if n_b == n_a:
        return ia, ia.copy()
    raise ShapeError(
        f"The 'target' of {where} must be one train or as many trains as the "
        f"candidates ({n_a}); got {n_b} trains."
    )


def check_bin_size(bin_size, t_start: float, t_stop: float, *, where: str, name="bin_size"):
    """A positive bin width (ms) that fits at least once into the window."""
    from ..errors import check_positive

    b = check_positive(name, bin_size, where=where)
    if b > t_stop - t_start:
        raise InvalidParameterError(
            f"The {name!r} parameter of {where} must be <= t_stop - t_start "
            f"({t_stop - t_start!r} ms). Got {bin_size!r} instead."
        )
    return b


def check_count(name: str, value, *, where: str, minimum: int = 1) -> int:
    """An integer >= ``minimum``."""
    if isinstance(value, bool) or not float(value).is_integer() or value < minimum:
        raise InvalidParameterError(
            f"The {name!r} parameter of {where} must be an integer >= {minimum}. "
            f"Got {value!r} instead."
        )
    return int(value)
