"""Read and write spike-train files.

Formats (chosen by suffix):

``.npz``
    spikeopt's layout: ``spike_times_ms`` (flat float64, ms) and
    ``spike_offsets`` (int64, n + 1); optional ``t_stop_ms`` (scalar) and
    ``names`` (n strings). ``times``/``offsets`` are accepted as aliases.
``.csv`` / ``.txt`` / ``.tsv``
    two columns ``train,time_ms`` (a header line is optional); trains are
    numbered 0..n-1, missing numbers are empty trains.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import InvalidParameterError, ShapeError
from ..spikes import SpikeTrains

__all__ = ["load_spikes", "save_spikes"]


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
    raise InvalidParameterError(
        f"Unknown spike file suffix {path.suffix!r} for {path}; expected .npz or .csv."
    )


def _is_numeric_row(line: str, sep: str) -> bool:
    try:
        [float(x) for x in line.strip().split(sep)]
        return True
    except ValueError:
        return False
