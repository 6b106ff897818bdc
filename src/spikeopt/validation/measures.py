"""The measures :func:`spikeopt.validate` compares: each turns a set of spike
trains into a sample of values, computed by :mod:`spikeopt.metrics`.

Each entry: key — sample (unit) — metric [options and defaults]

- ``rate`` — firing rate of each train (Hz) — ``firing_rate``
- ``cv`` — ISI coefficient of variation of each train — ``isi_cv``
- ``lv`` — local variation LV of each train — ``lv``
- ``lvr`` — revised local variation LvR of each train — ``lvr``
  [``refractory`` = 5 ms]
- ``fano`` — Fano factor of the counts in windows, per train — ``fano_factor``
  [``window`` = 100 ms]
- ``corr`` — correlation coefficient of each pair of trains (upper triangle)
  — ``correlation_coefficient`` [``bin_size`` = 5 ms, ``binary`` = False]
- ``psth`` — population rate in each time bin (Hz) — ``psth`` [``bin_size`` = 10 ms]
- ``synchrony`` — Golomb's synchrony χ in each segment — :func:`golomb_synchrony`
  on ``bin_spikes`` [``bin_size`` = 5 ms, ``segment`` = 1000 ms]

Undefined values (a CV of a train with fewer than three spikes, a correlation
involving a silent train) are NaN here and left out of the tests.

Golomb's synchrony (Golomb & Rinzel 1993; Golomb 2007, Scholarpedia 2:1347)
of one segment is ``χ = sqrt(Var_k[mean_i N_ik] / mean_i Var_k[N_ik])`` over the
bins ``k`` of the segment and the trains ``i``: 1 when all trains fire
together, about ``1/sqrt(n)`` for independent trains. A segment in which no
train varies is NaN.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .. import metrics
from ..errors import InvalidParameterError, UnknownNameError, check_positive
from ..spikes import SpikeTrains

__all__ = ["Measure", "MEASURES", "compute_measure", "golomb_synchrony"]


@dataclass(frozen=True)
class Measure:
    """A named way to turn spike trains into a sample of values."""

    key: str
    label: str
    unit: str
    kind: str  # "per train" | "per pair" | "per bin" | "per segment"
    func: Callable[..., np.ndarray]
    defaults: dict = field(default_factory=dict)


def _rate(st, t0, t1):
    return metrics.firing_rate(st, t_start=t0, t_stop=t1)


def _cv(st, t0, t1):
    return metrics.isi_cv(st, t_start=t0, t_stop=t1)


def _lv(st, t0, t1):
    return metrics.lv(st, t_start=t0, t_stop=t1)


def _lvr(st, t0, t1, *, refractory):
    return metrics.lvr(st, t_start=t0, t_stop=t1, refractory=refractory)


def _fano(st, t0, t1, *, window):
    return metrics.fano_factor(st, t_start=t0, t_stop=t1, window=window)


def _corr(st, t0, t1, *, bin_size, binary):
    if len(st) < 2:
        return np.empty(0)
    c = metrics.correlation_coefficient(st, t_start=t0, t_stop=t1, bin_size=bin_size, binary=binary)
    return c[np.triu_indices(len(st), k=1)]


def _psth(st, t0, t1, *, bin_size):
    rate, _ = metrics.psth(st, t_start=t0, t_stop=t1, bin_size=bin_size)
    return rate


def _synchrony(st, t0, t1, *, bin_size, segment):
    return golomb_synchrony(st, t_start=t0, t_stop=t1, bin_size=bin_size, segment=segment)


MEASURES: dict[str, Measure] = {
    m.key: m
    for m in (
        Measure("rate", "firing rate", "Hz", "per train", _rate),
        Measure("cv", "ISI CV", "", "per train", _cv),
        Measure("lv", "local variation LV", "", "per train", _lv),
        Measure("lvr", "revised local variation LvR", "", "per train", _lvr, {"refractory": 5.0}),
        Measure("fano", "Fano factor", "", "per train", _fano, {"window": 100.0}),
        Measure(
            "corr",
            "pairwise correlation coefficient",
            "",
            "per pair",
            _corr,
            {"bin_size": 5.0, "binary": False},
        ),
        Measure("psth", "population rate (PSTH)", "Hz", "per bin", _psth, {"bin_size": 10.0}),
        Measure(
            "synchrony",
            "Golomb synchrony",
            "",
            "per segment",
            _synchrony,
            {"bin_size": 5.0, "segment": 1000.0},
        ),
    )
}


def compute_measure(
    key: str, spikes: SpikeTrains, t_start: float, t_stop: float, **options
) -> np.ndarray:
    """The sample of measure ``key`` for ``spikes`` in ``[t_start, t_stop]`` ms,
    a float64 array (NaN where undefined)."""
    try:
        m = MEASURES[key]
    except KeyError:
        raise UnknownNameError(
            f"Unknown validation measure {key!r}; expected one of {sorted(MEASURES)}."
        ) from None
    unknown = set(options) - set(m.defaults)
    if unknown:
        allowed = sorted(m.defaults) or "none"
        raise InvalidParameterError(
            f"Unknown option(s) {sorted(unknown)} for measure {key!r}; allowed: {allowed}."
        )
    kw = {**m.defaults, **options}
    return np.asarray(m.func(spikes, t_start, t_stop, **kw), dtype=np.float64).reshape(-1)


def golomb_synchrony(
    spikes,
    *,
    t_start: float = 0.0,
    t_stop: float,
    bin_size: float = 5.0,
    segment: float | None = None,
) -> np.ndarray:
    """Golomb's synchrony χ of the population, in each segment of ``segment`` ms.

    Parameters
    ----------
    spikes : SpikeTrains or list of arrays
        Spike times in ms, n >= 2 trains.
    t_start, t_stop : float
        Window in ms.
    bin_size : float
        Bin width in ms for the spike counts.
    segment : float, optional
        Segment length in ms (a multiple of ``bin_size`` is rounded down to whole
        bins); None uses the whole window as one segment.

    Returns
    -------
    numpy.ndarray, shape (n_segments,)
        χ in [0, 1] per segment; NaN where no train's count varies.

    Examples
    --------
    >>> same = [[1.0, 11.0, 31.0]] * 3
    >>> golomb_synchrony(same, t_stop=40.0, bin_size=10.0).tolist()
    [1.0]
    """
    where = "golomb_synchrony"
    counts = metrics.bin_spikes(spikes, t_start=t_start, t_stop=t_stop, bin_size=bin_size).astype(
        np.float64
    )
    n, n_bins = counts.shape
    if n < 2:
        raise InvalidParameterError(f"{where} needs at least 2 trains. Got {n}.")
    if segment is None:
        per = n_bins
    else:
        seg = check_positive("segment", segment, where=where)
        per = int(seg // bin_size)
        if per < 2:
            raise InvalidParameterError(
                f"The 'segment' parameter of {where} must span at least 2 bins "
                f"({2 * bin_size!r} ms). Got {segment!r} instead."
            )
    n_seg = n_bins // per
    if n_seg < 1:
        return np.empty(0)
    x = counts[:, : n_seg * per].reshape(n, n_seg, per)
    pop_var = x.mean(axis=0).var(axis=1)
    mean_var = x.var(axis=2).mean(axis=0)
    out = np.full(n_seg, np.nan)
    ok = mean_var > 0
    out[ok] = np.sqrt(pop_var[ok] / mean_var[ok])
    return out
