"""Read and write spike-train files.

Formats (chosen by suffix):

``.npz``
    spikeopt's layout: ``spike_times_ms`` (flat float64, ms) and
    ``spike_offsets`` (int64, n + 1); optional ``t_stop_ms`` (scalar) and
    ``names`` (n strings). ``times``/``offsets`` are accepted as aliases.
``.csv`` / ``.txt`` / ``.tsv``
    two columns ``train,time_ms`` (a header line is optional); trains are
    numbered 0..n-1, missing numbers are empty trains.
``.mat``
    MATLAB v5 files read with :func:`load_mat_spikes` (times in seconds by
    default): a cell array of per-train time vectors, an (n_spikes, 2) array
    of (train id, time) rows, or one time vector.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import InvalidParameterError, ShapeError
from ..spikes import SpikeTrains

__all__ = ["load_spikes", "load_mat_spikes", "save_spikes"]


def save_spikes(path, spikes: SpikeTrains, *, names=None) -> Path:
    """Write ``spikes`` to ``path`` (.npz or .csv); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower()
    if suffix == ".npz":
        extra = {}
        if spikes.t_stop is not None:
            extra["t_stop_ms"] = np.float64(spikes.t_stop)
        if names is not None:
            extra["names"] = np.asarray(names, dtype=str)
        np.savez_compressed(
            path, spike_times_ms=spikes.times, spike_offsets=spikes.offsets, **extra
        )
    elif suffix in (".csv", ".txt", ".tsv"):
        sep = "\t" if suffix == ".tsv" else ","
        rows = np.column_stack([spikes.train_index(), spikes.times])
        np.savetxt(path, rows, fmt=["%d", "%.10g"], delimiter=sep, header=f"train{sep}time_ms",
                   comments="")
    else:
        raise InvalidParameterError(
            f"Unknown spike file suffix {path.suffix!r} for {path}; expected .npz or .csv."
        )
    return path


def load_spikes(path) -> SpikeTrains:
    """Read a spike file written by :func:`save_spikes` (or in the same layout)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"Spike file not found: {path}")
    suffix = path.suffix.lower()
    if suffix == ".npz":
        with np.load(path, allow_pickle=False) as z:
            keys = set(z.files)
            tk = "spike_times_ms" if "spike_times_ms" in keys else "times"
            ok = "spike_offsets" if "spike_offsets" in keys else "offsets"
            if tk not in keys or ok not in keys:
                raise ShapeError(
                    f"{path}: a spike .npz needs 'spike_times_ms' and 'spike_offsets' "
                    f"(or 'times' and 'offsets'); found {sorted(keys)}."
                )
            t_stop = float(z["t_stop_ms"]) if "t_stop_ms" in keys else None
            return SpikeTrains(z[tk], z[ok], t_stop=t_stop)
    if suffix in (".csv", ".txt", ".tsv"):
        sep = "\t" if suffix == ".tsv" else ","
        with open(path) as fh:
            first = fh.readline()
        skip = 0 if _is_numeric_row(first, sep) else 1
        data = np.loadtxt(path, delimiter=sep, skiprows=skip, ndmin=2)
        if data.size == 0:
            return SpikeTrains.empty(0)
        if data.shape[1] != 2:
            raise ShapeError(
                f"{path}: expected two columns (train, time_ms); got {data.shape[1]} columns."
            )
        train = data[:, 0].astype(np.int64)
        if np.any(train < 0) or np.any(train != data[:, 0]):
            raise InvalidParameterError(f"{path}: the train column must hold integers >= 0.")
        order = np.lexsort((data[:, 1], train))
        n = int(train.max()) + 1
        counts = np.bincount(train, minlength=n)
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        return SpikeTrains(data[order, 1], offsets)
    if suffix == ".mat":
        return load_mat_spikes(path)
    raise InvalidParameterError(
        f"Unknown spike file suffix {path.suffix!r} for {path}; expected .npz, .csv or .mat."
    )


_TIME_SCALE = {"s": 1000.0, "ms": 1.0}


def load_mat_spikes(path, *, variable: str | None = None, time_unit: str = "s") -> SpikeTrains:
    """Read spike trains from a MATLAB v5 ``.mat`` file (via ``scipy.io.loadmat``).

    Parameters
    ----------
    path : str or Path
    variable : str, optional
        The variable holding the spikes; needed only when the file has more
        than one. It may be a cell array of time vectors (one per train), an
        ``(n_spikes, 2)`` array of (train id, time) rows — ids 1..N (MATLAB)
        or 0..N-1, a missing id is an empty train — or a single time vector.
    time_unit : {"s", "ms"}
        Unit of the stored times; they are converted to ms.

    Returns
    -------
    SpikeTrains
        Times in ms, sorted within each train.
    """
    from scipy.io import loadmat

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"Spike file not found: {path}")
    if time_unit not in _TIME_SCALE:
        raise InvalidParameterError(
            f"The 'time_unit' parameter of load_mat_spikes must be one of "
            f"{sorted(_TIME_SCALE)}. Got {time_unit!r} instead."
        )
    data = loadmat(path)
    names = [k for k in data if not k.startswith("__")]
    if variable is None:
        if len(names) != 1:
            raise InvalidParameterError(
                f"{path}: pass variable=... to choose among the variables {names}."
            )
        variable = names[0]
    if variable not in data:
        raise InvalidParameterError(f"{path}: no variable {variable!r}; found {names}.")
    x = data[variable]
    scale = _TIME_SCALE[time_unit]
    if x.dtype == object:  # cell array: one time vector per cell
        trains = [np.sort(np.asarray(c, dtype=np.float64).reshape(-1)) * scale for c in x.flat]
        return SpikeTrains.from_list(trains)
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 2 and x.shape[1] == 2 and min(x.shape) != 1:
        ids, times = x[:, 0], x[:, 1] * scale
        if np.any(ids != np.round(ids)) or np.any(ids < 0):
            raise InvalidParameterError(
                f"{path}: column 0 of {variable!r} must hold integer train ids >= 0."
            )
        train = ids.astype(np.int64)
        if train.size and train.min() >= 1:
            train -= 1  # MATLAB numbering
        n = int(train.max()) + 1 if train.size else 0
        order = np.lexsort((times, train))
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(train, minlength=n), out=offsets[1:])
        return SpikeTrains(times[order], offsets)
    if x.ndim <= 2 and min(x.shape, default=0) <= 1:
        return SpikeTrains.from_list([np.sort(x.reshape(-1)) * scale])
    raise ShapeError(
        f"{path}: {variable!r} has shape {x.shape}; expected a cell array of time vectors, "
        "an (n_spikes, 2) array of (train id, time) rows or a time vector."
    )


def _is_numeric_row(line: str, sep: str) -> bool:
    try:
        [float(x) for x in line.strip().split(sep)]
        return True
    except ValueError:
        return False
