"""Ragged spike trains: the one container every spikeopt module reads and writes.

A :class:`SpikeTrains` holds the spike times (float64, milliseconds) of ``n``
trains — P candidates of a population, N neurons of a network, or
P × S candidate-sweeps — as one flat array ``times`` and an ``offsets`` array of
length ``n + 1``: train ``i`` is ``times[offsets[i]:offsets[i + 1]]``.
Compiled kernels take the two arrays directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from .errors import InvalidParameterError, ShapeError

__all__ = ["SpikeTrains", "as_spike_trains"]


class SpikeTrains:
    """Spike times in ms of ``n`` trains, stored flat.

    Parameters
    ----------
    times : array_like of float, shape (K,)
        All spike times in ms, train after train, sorted within each train.
    offsets : array_like of int, shape (n + 1,)
        ``offsets[0] == 0``, non-decreasing, ``offsets[-1] == K``.
    t_stop : float, optional
        End of the observation window in ms, if known (kept as metadata).
    validate : bool
        Check sortedness, finiteness and non-negativity (default True).

    Examples
    --------
    >>> st = SpikeTrains.from_list([[1.0, 5.0], [], [2.5]])
    >>> len(st), st.counts().tolist()
    (3, [2, 0, 1])
    >>> st[0]
    array([1., 5.])
    """

    __slots__ = ("times", "offsets", "t_stop")

    def __init__(self, times, offsets, *, t_stop: float | None = None, validate: bool = True):
        self.times = np.ascontiguousarray(times, dtype=np.float64).reshape(-1)
        self.offsets = np.ascontiguousarray(offsets, dtype=np.int64).reshape(-1)
        self.t_stop = None if t_stop is None else float(t_stop)
        if validate:
            self.validate()

    # -- construction ------------------------------------------------------
    @classmethod
    def from_list(cls, trains: Iterable[Sequence[float]], *, t_stop: float | None = None):
        """Build from a list of 1-D arrays (or lists) of spike times in ms."""
        arrays = [np.asarray(t, dtype=np.float64).reshape(-1) for t in trains]
        counts = np.array([a.size for a in arrays], dtype=np.int64)
        offsets = np.zeros(len(arrays) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        times = np.concatenate(arrays) if arrays else np.empty(0)
        return cls(times, offsets, t_stop=t_stop)

    @classmethod
    def empty(cls, n: int, *, t_stop: float | None = None) -> SpikeTrains:
        """``n`` trains without spikes."""
        return cls(np.empty(0), np.zeros(n + 1, dtype=np.int64), t_stop=t_stop)

    @classmethod
    def concatenate(cls, parts: Sequence[SpikeTrains]) -> SpikeTrains:
        """Stack the trains of several containers, in order."""
        if not parts:
            return cls.empty(0)
        times = np.concatenate([p.times for p in parts])
        offs = [np.zeros(1, dtype=np.int64)]
        base = 0
        for p in parts:
            offs.append(p.offsets[1:] + base)
            base += p.times.size
        stops = {p.t_stop for p in parts}
        t_stop = stops.pop() if len(stops) == 1 else None
        return cls(times, np.concatenate(offs), t_stop=t_stop, validate=False)

    # -- checks ------------------------------------------------------------
    def validate(self) -> None:
        """Raise :class:`InvalidParameterError` or :class:`ShapeError` if malformed."""
        o, t = self.offsets, self.times
        if o.size < 1 or o[0] != 0 or o[-1] != t.size:
            raise ShapeError(
                "SpikeTrains offsets must start at 0 and end at len(times) "
                f"({t.size}). Got offsets[0]={o[0] if o.size else None}, "
                f"offsets[-1]={o[-1] if o.size else None}."
            )
        if np.any(np.diff(o) < 0):
            raise ShapeError("SpikeTrains offsets must be non-decreasing.")
        if t.size == 0:
            return
        if not np.all(np.isfinite(t)):
            bad = t[~np.isfinite(t)][0]
            raise InvalidParameterError(f"Spike times must be finite (ms). Got {bad!r}.")
        if np.any(t < 0):
            raise InvalidParameterError(
                f"Spike times must be >= 0 ms. Got {t.min()!r} ms instead."
            )
        d = np.diff(t)
        # a decrease is allowed only across a train boundary
        starts = np.zeros(t.size, dtype=bool)
        starts[o[1:-1][o[1:-1] < t.size]] = True
        bad = (d < 0) & ~starts[1:]
        if np.any(bad):
            k = int(np.argmax(bad)) + 1
            train = int(np.searchsorted(o, k, side="right") - 1)
            raise InvalidParameterError(
                f"Spike times must be sorted within each train; train {train} is not "
                f"(… {t[k - 1]!r} ms, {t[k]!r} ms …)."
            )

    # -- access ------------------------------------------------------------
    def __len__(self) -> int:
        return self.offsets.size - 1

    def counts(self) -> np.ndarray:
        """Number of spikes of each train, shape (n,), int64."""
        return np.diff(self.offsets)

    def __getitem__(self, key):
        """``st[i]`` → the times of train i (a read-only view);
        ``st[slice]`` / ``st[int array]`` / ``st[bool mask]`` → a SpikeTrains."""
        n = len(self)
        if isinstance(key, int | np.integer):
            i = int(key)
            if i < -n or i >= n:
                raise IndexError(f"train index {i} out of range for {n} trains")
            i %= n if n else 1
            view = self.times[self.offsets[i] : self.offsets[i + 1]]
            view.flags.writeable = False
            return view
        idx = np.arange(n)[key]
        return self.take(idx)

    def take(self, idx) -> SpikeTrains:
        """The trains at integer positions ``idx`` (in that order)."""
        idx = np.asarray(idx, dtype=np.int64).reshape(-1)
        counts = self.counts()[idx]
        offsets = np.zeros(idx.size + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        if idx.size == 0:
            return SpikeTrains(np.empty(0), offsets, t_stop=self.t_stop, validate=False)
        starts = self.offsets[idx]
        # gather positions without a Python loop over trains
        pos = np.repeat(starts - offsets[:-1], counts) + np.arange(offsets[-1])
        return SpikeTrains(self.times[pos], offsets, t_stop=self.t_stop, validate=False)

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def to_list(self) -> list[np.ndarray]:
        """A list of ``n`` independent float64 arrays (ms)."""
        o = self.offsets
        return [self.times[a:b].copy() for a, b in zip(o[:-1], o[1:], strict=True)]

    def train_index(self) -> np.ndarray:
        """For every spike, the index of its train; shape (K,), int64."""
        return np.repeat(np.arange(len(self), dtype=np.int64), self.counts())

    def reshape_rows(self, n_outer: int) -> list[SpikeTrains]:
        """Split candidate-major rows (``n_outer`` × ``len/n_outer``) into groups."""
        n = len(self)
        if n_outer <= 0 or n % n_outer:
            raise ShapeError(f"cannot split {n} trains into {n_outer} equal groups")
        k = n // n_outer
        return [self[i * k : (i + 1) * k] for i in range(n_outer)]

    def restrict(self, t_start: float, t_stop: float, *, shift: bool = False) -> SpikeTrains:
        """Keep spikes with ``t_start <= t < t_stop`` (ms); optionally shift to start at 0."""
        keep = (self.times >= t_start) & (self.times < t_stop)
        cs = np.zeros(self.times.size + 1, dtype=np.int64)
        np.cumsum(keep, out=cs[1:])
        counts = cs[self.offsets[1:]] - cs[self.offsets[:-1]]
        offsets = np.zeros(len(self) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        times = self.times[keep] - (t_start if shift else 0.0)
        stop = (t_stop - t_start) if shift else t_stop
        return SpikeTrains(times, offsets, t_stop=stop, validate=False)

    # -- comparison and display -------------------------------------------
    def __eq__(self, other) -> bool:
        if not isinstance(other, SpikeTrains):
            return NotImplemented
        return np.array_equal(self.offsets, other.offsets) and np.array_equal(
            self.times, other.times
        )

    def __hash__(self):  # mutable arrays inside
        return None.__hash__()  # type: ignore[misc]

    def __repr__(self) -> str:
        c = self.counts()
        n = len(self)
        head = f"SpikeTrains(n={n}, spikes={self.times.size}"
        if self.t_stop is not None:
            head += f", t_stop={self.t_stop:g} ms"
        if n:
            head += f", per train min/mean/max={c.min()}/{c.mean():.3g}/{c.max()}"
        rows = []
        for i in range(min(n, 3)):
            t = self[i]
            shown = ", ".join(f"{x:g}" for x in t[:5]) + (", …" if t.size > 5 else "")
            rows.append(f"  [{i}] ({t.size}) [{shown}] ms")
        if n > 3:
            rows.append(f"  … {n - 3} more")
        return head + ")" + ("\n" + "\n".join(rows) if rows else "")


def as_spike_trains(x, *, name: str = "spikes") -> SpikeTrains:
    """Accept a SpikeTrains, one 1-D array (→ one train) or a list of arrays."""
    if isinstance(x, SpikeTrains):
        return x
    if isinstance(x, np.ndarray) and x.ndim == 1 and x.dtype != object:
        return SpikeTrains.from_list([x])
    if isinstance(x, np.ndarray) and x.ndim == 2:
        raise ShapeError(
            f"{name} must be a SpikeTrains, a 1-D array of times in ms or a list of arrays; "
            f"got a 2-D array of shape {x.shape}."
        )
    try:
        items = list(x)
    except TypeError:
        raise InvalidParameterError(
            f"{name} must be a SpikeTrains, a 1-D array of times in ms or a list of arrays; "
            f"got {type(x).__name__}."
        ) from None
    if items and np.ndim(items[0]) == 0:  # a flat list of numbers = one train
        return SpikeTrains.from_list([items])
    return SpikeTrains.from_list(items)
