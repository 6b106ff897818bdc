"""Current-clamp recordings: sweeps of injected current, voltage and spike times.

A :class:`Recording` holds ``n_sweeps`` sweeps that share one sampling interval
``dt_ms`` and one length ``n_samples``:

* ``current_pA`` — injected current, pA, shape (n_sweeps, n_samples); sample
  ``k`` is the current during ``[k*dt, (k+1)*dt)`` (as in
  :class:`spikeopt.stimuli.Stimulus`);
* ``voltage_mV`` — membrane voltage, mV, same shape, or None; sample ``k`` is
  the voltage at ``k*dt``;
* ``spikes`` — a :class:`spikeopt.SpikeTrains` with one row per sweep (ms from
  the sweep start), or None when neither spike times nor voltage are known;
* ``sweep_names`` — unique names; ``stimulus_id`` — sweeps with the same id are
  repeats of one stimulus (QSNMC's 4 repeats), used for intrinsic reliability;
* ``annotations`` — other per-sweep values (specimen id, sweep number...);
  ``metadata`` — free-form facts about the source (path, units, how the spikes
  were obtained).

Units are always pA, mV and ms inside a Recording; the loaders convert.

The ``.npz`` layout written by :meth:`Recording.to_npz` (and read by
:func:`spikeopt.io.load_npz_recording`) is described in ``docs/io.md``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ..errors import InvalidParameterError, ShapeError, check_positive
from ..spikes import SpikeTrains, as_spike_trains
from .detect import SpikeDetector

__all__ = ["Recording", "build_recording", "check_plausible", "stack_sweeps"]

UNITS = {"current": "pA", "voltage": "mV", "time": "ms"}
_RESERVED = {"dt_ms", "current_pA", "voltage_mV", "spike_times_ms", "spike_offsets",
             "sweep_names", "stimulus_id"}


@dataclass(frozen=True, eq=False)
class Recording:
    """Sweeps of a current-clamp recording (see the module docstring)."""

    current_pA: np.ndarray
    dt_ms: float
    voltage_mV: np.ndarray | None = None
    spikes: SpikeTrains | None = None
    sweep_names: tuple[str, ...] = ()
    stimulus_id: np.ndarray | None = None
    annotations: dict = field(default_factory=dict)
    metadata: dict = field(default_factory=dict)

    def __post_init__(self):
        where = "Recording"
        dt = check_positive("dt_ms", self.dt_ms, where=where)
        cur = np.array(self.current_pA, dtype=np.float64, ndmin=2)
        if cur.ndim != 2 or cur.shape[1] == 0 or cur.shape[0] == 0:
            raise ShapeError(
                f"current_pA must have shape (n_sweeps, n_samples) with both > 0. "
                f"Got shape {cur.shape}."
            )
        _check_finite(cur, "current_pA")
        s, t = cur.shape
        v = None
        if self.voltage_mV is not None:
            v = np.array(self.voltage_mV, dtype=np.float64, ndmin=2)
            if v.shape != cur.shape:
                raise ShapeError(
                    f"voltage_mV must have the shape of current_pA {cur.shape}. Got {v.shape}."
                )
            _check_finite(v, "voltage_mV")
        spikes = self.spikes
        if spikes is not None:
            spikes = as_spike_trains(spikes, name="spikes")
            if len(spikes) != s:
                raise ShapeError(
                    f"spikes must have one train per sweep ({s}). Got {len(spikes)} trains."
                )
            if spikes.times.size and spikes.times.max() > t * dt:
                k = int(np.argmax(spikes.times))
                sweep = int(np.searchsorted(spikes.offsets, k, side="right") - 1)
                raise InvalidParameterError(
                    f"Spike times must lie within the sweep (0 to {t * dt:g} ms); sweep "
                    f"{sweep} has a spike at {spikes.times[k]:g} ms."
                )
            spikes = SpikeTrains(spikes.times, spikes.offsets, t_stop=t * dt, validate=False)
        names = tuple(str(n) for n in self.sweep_names) or tuple(f"sweep_{i}" for i in range(s))
        if len(names) != s:
            raise ShapeError(f"sweep_names must have {s} entries. Got {len(names)}.")
        if len(set(names)) != s:
            dup = next(n for n in names if names.count(n) > 1)
            raise InvalidParameterError(f"sweep_names must be unique; {dup!r} repeats.")
        sid = np.arange(s) if self.stimulus_id is None else np.asarray(self.stimulus_id)
        if sid.shape != (s,) or not np.issubdtype(sid.dtype, np.integer):
            raise ShapeError(
                f"stimulus_id must be {s} integers. Got shape {sid.shape}, dtype {sid.dtype}."
            )
        ann = {}
        for key, val in dict(self.annotations).items():
            a = np.asarray(val)
            if a.shape[:1] != (s,):
                raise ShapeError(
                    f"annotation {key!r} must have one value per sweep ({s}). Got shape {a.shape}."
                )
            ann[str(key)] = a
        for name, val in (("current_pA", cur), ("dt_ms", dt), ("voltage_mV", v),
                          ("spikes", spikes), ("sweep_names", names),
                          ("stimulus_id", sid.astype(np.int64)), ("annotations", ann),
                          ("metadata", dict(self.metadata))):
            object.__setattr__(self, name, val)

    # -- construction ---------------------------------------------------------
    @classmethod
    def from_arrays(cls, *, current_pA, dt_ms: float, voltage_mV=None, spike_times_ms=None,
                    sweep_names=None, stimulus_id=None, detect: bool | SpikeDetector = True,
                    annotations: dict | None = None, metadata: dict | None = None) -> Recording:
        """Build a Recording from arrays in pA, mV and ms.

        Parameters
        ----------
        current_pA : array_like, shape (n_samples,) or (n_sweeps, n_samples)
            Injected current in pA.
        dt_ms : float
            Sampling interval in ms.
        voltage_mV : array_like, optional
            Membrane voltage in mV, same shape as ``current_pA``.
        spike_times_ms : SpikeTrains, list of arrays or 1-D array, optional
            Spike times in ms per sweep (a 1-D array for a single sweep). When
            omitted and ``voltage_mV`` is given, spikes are detected from the
            voltage with ``detect`` (a :class:`SpikeDetector`, or True for the
            default 0-mV rule; False leaves ``spikes`` None).
        sweep_names, stimulus_id, annotations, metadata
            See the module docstring.

        Examples
        --------
        >>> rec = Recording.from_arrays(current_pA=np.zeros((2, 1000)), dt_ms=0.1,
        ...                             spike_times_ms=[[10.0, 20.0], []])
        >>> rec.n_sweeps, rec.duration_ms, rec.spikes.counts().tolist()
        (2, 100.0, [2, 0])
        """
        meta = dict(metadata or {})
        spikes = None
        if spike_times_ms is not None:
            spikes = as_spike_trains(spike_times_ms, name="spike_times_ms")
            meta.setdefault("spike_source", "given")
        elif voltage_mV is not None and detect is not False:
            det = detect if isinstance(detect, SpikeDetector) else SpikeDetector()
            spikes = det(voltage_mV, dt_ms)
            meta["spike_source"] = f"detected: {det!r}"
        return cls(current_pA=current_pA, dt_ms=dt_ms, voltage_mV=voltage_mV, spikes=spikes,
                   sweep_names=() if sweep_names is None else tuple(sweep_names),
                   stimulus_id=stimulus_id, annotations=annotations or {}, metadata=meta)

    @classmethod
    def stack(cls, recordings, *, length: str = "equal") -> Recording:
        """Join the sweeps of several recordings (same ``dt_ms``; lengths by ``length``,
        see :func:`stack_sweeps`). Stimulus ids are renumbered to stay distinct per
        recording; sweep names must be unique across them."""
        recs = list(recordings)
        if not recs:
            raise InvalidParameterError("Recording.stack needs at least one recording.")
        dts = {r.dt_ms for r in recs}
        if len(dts) != 1:
            raise InvalidParameterError(
                f"Recordings to stack must share dt_ms; got {sorted(dts)} ms. "
                "Resample them first with Recording.resample(dt_ms)."
            )
        n = min(r.n_samples for r in recs) if length == "crop" else None
        if length not in ("equal", "crop"):
            raise InvalidParameterError(
                f"The 'length' parameter must be 'equal' or 'crop'. Got {length!r} instead.")
        if length == "equal" and len({r.n_samples for r in recs}) != 1:
            raise ShapeError(
                "Recordings to stack must have the same n_samples; got "
                f"{[r.n_samples for r in recs]}. Pass length='crop' to crop to the shortest."
            )
        if n is not None:
            recs = [r.crop(0.0, n * r.dt_ms) for r in recs]
        has_v = {r.voltage_mV is not None for r in recs}
        has_s = {r.spikes is not None for r in recs}
        sid, base = [], 0
        for r in recs:
            _, inv = np.unique(r.stimulus_id, return_inverse=True)
            sid.append(inv + base)
            base += int(inv.max()) + 1
        keys = set.intersection(*(set(r.annotations) for r in recs))
        return cls(
            current_pA=np.concatenate([r.current_pA for r in recs]),
            dt_ms=recs[0].dt_ms,
            voltage_mV=np.concatenate([r.voltage_mV for r in recs]) if has_v == {True} else None,
            spikes=SpikeTrains.concatenate([r.spikes for r in recs]) if has_s == {True} else None,
            sweep_names=sum((r.sweep_names for r in recs), ()),
            stimulus_id=np.concatenate(sid),
            annotations={k: np.concatenate([r.annotations[k] for r in recs]) for k in keys},
            metadata={"stacked_from": [r.metadata for r in recs]},
        )

    # -- shape ------------------------------------------------------------------
    @property
    def n_sweeps(self) -> int:
        return self.current_pA.shape[0]

    @property
    def n_samples(self) -> int:
        return self.current_pA.shape[1]

    @property
    def duration_ms(self) -> float:
        """Sweep length in ms (``n_samples * dt_ms``)."""
        return self.n_samples * self.dt_ms

    @property
    def times_ms(self) -> np.ndarray:
        """Sample times in ms, shape (n_samples,)."""
        return np.arange(self.n_samples) * self.dt_ms

    @property
    def units(self) -> dict[str, str]:
        """The units of the arrays: current pA, voltage mV, time ms."""
        return dict(UNITS)

    def __len__(self) -> int:
        return self.n_sweeps

    def __repr__(self) -> str:
        parts = [f"n_sweeps={self.n_sweeps}", f"n_samples={self.n_samples}",
                 f"dt_ms={self.dt_ms:g}", f"duration_ms={self.duration_ms:g}",
                 f"voltage={'yes' if self.voltage_mV is not None else 'no'}"]
        if self.spikes is not None:
            parts.append(f"spikes={self.spikes.times.size}")
        n_stim = np.unique(self.stimulus_id).size
        if n_stim < self.n_sweeps:
            parts.append(f"stimuli={n_stim}")
        return f"Recording({', '.join(parts)})"

    # -- selection and views -----------------------------------------------------
    def _indices(self, sweeps) -> np.ndarray:
        if isinstance(sweeps, str):
            sweeps = [sweeps]
        if isinstance(sweeps, slice):
            return np.arange(self.n_sweeps)[sweeps]
        items = np.atleast_1d(np.asarray(sweeps))
        if items.dtype == bool:
            if items.shape != (self.n_sweeps,):
                raise ShapeError(f"A boolean sweep mask needs {self.n_sweeps} entries. "
                                 f"Got {items.shape}.")
            return np.flatnonzero(items)
        if items.dtype.kind in "US":
            pos = {n: i for i, n in enumerate(self.sweep_names)}
            missing = [str(x) for x in items if str(x) not in pos]
            if missing:
                raise InvalidParameterError(
                    f"Unknown sweep name(s) {missing}; known: {list(self.sweep_names)}.")
            return np.array([pos[str(x)] for x in items], dtype=np.int64)
        if items.size and not np.issubdtype(items.dtype, np.integer):
            raise InvalidParameterError(
                f"Sweeps are selected by int index, name or mask. Got {items.dtype} values.")
        idx = items.astype(np.int64)
        bad = idx[(idx < -self.n_sweeps) | (idx >= self.n_sweeps)]
        if bad.size:
            raise InvalidParameterError(
                f"Sweep index {int(bad[0])} is out of range for {self.n_sweeps} sweeps.")
        return idx % self.n_sweeps

    def select(self, sweeps) -> Recording:
        """The sweeps at ``sweeps`` (ints, names, a slice or a boolean mask), in that order."""
        idx = self._indices(sweeps)
        if idx.size == 0:
            raise InvalidParameterError("select() needs at least one sweep; got none.")
        return replace(
            self,
            current_pA=self.current_pA[idx],
            voltage_mV=None if self.voltage_mV is None else self.voltage_mV[idx],
            spikes=None if self.spikes is None else self.spikes.take(idx),
            sweep_names=tuple(self.sweep_names[i] for i in idx),
            stimulus_id=self.stimulus_id[idx],
            annotations={k: v[idx] for k, v in self.annotations.items()},
        )

    def current_stimulus(self, sweeps=None):
        """The injected current as a :class:`spikeopt.stimuli.Stimulus` of shape
        (n_sweeps, n_samples) in pA at ``dt_ms`` (all sweeps, or those selected)."""
        from ..stimuli import Stimulus

        values = self.current_pA if sweeps is None else self.current_pA[self._indices(sweeps)]
        return Stimulus(values, self.dt_ms, unit="pA")

    def repeat_groups(self) -> dict[int, np.ndarray]:
        """``{stimulus_id: sweep indices}`` for every stimulus (repeats share an id)."""
        return {int(s): np.flatnonzero(self.stimulus_id == s)
                for s in np.unique(self.stimulus_id)}

    def crop(self, t_start_ms: float = 0.0, t_stop_ms: float | None = None) -> Recording:
        """The window ``[t_start_ms, t_stop_ms)`` of every sweep, restarting at 0 ms.
        Both ends are rounded to the nearest sample; spikes outside are dropped."""
        a = int(round(t_start_ms / self.dt_ms))
        b = self.n_samples if t_stop_ms is None else int(round(t_stop_ms / self.dt_ms))
        if not 0 <= a < b <= self.n_samples:
            raise InvalidParameterError(
                f"crop window [{t_start_ms}, {t_stop_ms}) ms must lie within "
                f"[0, {self.duration_ms:g}] ms and be at least one sample long."
            )
        spikes = None
        if self.spikes is not None:
            spikes = self.spikes.restrict(a * self.dt_ms, b * self.dt_ms, shift=True)
        return replace(
            self, current_pA=self.current_pA[:, a:b],
            voltage_mV=None if self.voltage_mV is None else self.voltage_mV[:, a:b],
            spikes=spikes,
        )

    def resample(self, dt_ms: float) -> Recording:
        """The recording at a new sampling interval ``dt_ms``.

        The current (held constant over each sample) is averaged over each new
        sample interval, so the injected charge is kept exactly; the voltage is
        linearly interpolated at the new sample times; spike times are unchanged.
        The new length is ``floor(duration_ms / dt_ms)`` samples (a last partial
        interval is dropped, with the spikes in it).
        """
        new_dt = check_positive("dt_ms", dt_ms, where="Recording.resample")
        if np.isclose(new_dt, self.dt_ms, rtol=1e-12, atol=0):
            return self
        n = int(np.floor(self.duration_ms / new_dt + 1e-9))
        if n < 1:
            raise InvalidParameterError(
                f"dt_ms={new_dt:g} is longer than the sweeps ({self.duration_ms:g} ms).")
        edges_old = np.arange(self.n_samples + 1) * self.dt_ms
        edges_new = np.arange(n + 1) * new_dt
        charge = np.zeros((self.n_sweeps, self.n_samples + 1))
        np.cumsum(self.current_pA * self.dt_ms, axis=1, out=charge[:, 1:])
        q = np.stack([np.interp(edges_new, edges_old, row) for row in charge])
        current = np.diff(q, axis=1) / new_dt
        voltage = None
        if self.voltage_mV is not None:
            t_new = edges_new[:-1]
            voltage = np.stack([np.interp(t_new, edges_old[:-1], row) for row in self.voltage_mV])
        spikes = None if self.spikes is None else self.spikes.restrict(0.0, n * new_dt)
        meta = dict(self.metadata, resampled_from_dt_ms=self.dt_ms)
        return replace(self, current_pA=current, dt_ms=new_dt, voltage_mV=voltage,
                       spikes=spikes, metadata=meta)

    def detect_spikes(self, detector: SpikeDetector | None = None) -> Recording:
        """A copy whose spikes are detected from the voltage (replacing any others)."""
        if self.voltage_mV is None:
            raise InvalidParameterError("detect_spikes needs voltage_mV; this recording has none.")
        det = detector or SpikeDetector()
        meta = dict(self.metadata, spike_source=f"detected: {det!r}")
        return replace(self, spikes=det(self.voltage_mV, self.dt_ms), metadata=meta)

    # -- output -------------------------------------------------------------------
    def to_npz(self, path) -> Path:
        """Write spikeopt's ``.npz`` layout (read back by ``load_npz_recording``)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        out = {"dt_ms": np.float64(self.dt_ms), "current_pA": self.current_pA,
               "sweep_names": np.asarray(self.sweep_names, dtype=str),
               "stimulus_id": self.stimulus_id}
        if self.voltage_mV is not None:
            out["voltage_mV"] = self.voltage_mV
        if self.spikes is not None:
            out["spike_times_ms"] = self.spikes.times
            out["spike_offsets"] = self.spikes.offsets
        for k, v in self.annotations.items():
            if k not in _RESERVED and v.dtype != object:
                out[k] = v
        np.savez_compressed(path, **out)
        return path


def _check_finite(a: np.ndarray, name: str) -> None:
    ok = np.isfinite(a)
    if not ok.all():
        s, t = np.unravel_index(int(np.argmin(ok)), a.shape)
        raise InvalidParameterError(
            f"{name} must be finite; sweep {s} has {float(a[s, t])} at sample {t}.")


def stack_sweeps(arrays, *, length: str = "equal", what: str = "sweeps") -> np.ndarray:
    """Stack 1-D sweeps into (n_sweeps, n_samples).

    ``length="equal"`` (default) raises if the lengths differ, naming them;
    ``length="crop"`` crops every sweep to the shortest (the common window from
    the first sample). Sweeps are never padded: a padded current would drive a
    model where the cell was not recorded.
    """
    arrays = [np.asarray(a, dtype=np.float64).reshape(-1) for a in arrays]
    if not arrays:
        raise ShapeError(f"No {what} to stack.")
    lens = [a.size for a in arrays]
    if length not in ("equal", "crop"):
        raise InvalidParameterError(
            f"The 'length' parameter must be 'equal' or 'crop'. Got {length!r} instead.")
    if len(set(lens)) != 1:
        if length == "equal":
            raise ShapeError(
                f"All {what} must have the same number of samples; got {lens}. "
                "Pass length='crop' to crop them to the shortest."
            )
        n = min(lens)
        arrays = [a[:n] for a in arrays]
    return np.stack(arrays)


def check_plausible(rec: Recording, *, where: str) -> None:
    """Warn when values look like a unit mistake (voltage in V, current in A or nA)."""
    if rec.voltage_mV is not None:
        med = float(np.median(rec.voltage_mV))
        peak_v = float(np.max(np.abs(rec.voltage_mV)))
        if peak_v < 1.0 or not -150.0 <= med <= 60.0:
            warnings.warn(
                f"{where}: voltage_mV looks implausible for mV (median {med:.4g} mV, largest "
                f"|value| {peak_v:.4g} mV); was the file's unit V?", UserWarning, stacklevel=3)
    peak = float(np.max(np.abs(rec.current_pA)))
    if 0.0 < peak < 1e-3 or peak > 1e6:
        warnings.warn(
            f"{where}: current_pA peaks at {peak:.4g} pA, implausible for a patch-clamp "
            "current; check the file's current unit (A, nA or pA?).", UserWarning, stacklevel=3)


def build_recording(where: str, **kwargs) -> Recording:
    """:meth:`Recording.from_arrays` for a loader: errors are prefixed with ``where``
    (the file) and implausible units warn (:func:`check_plausible`)."""
    try:
        rec = Recording.from_arrays(**kwargs)
    except (InvalidParameterError, ShapeError) as err:
        raise type(err)(f"{where}: {err}") from None
    check_plausible(rec, where=where)
    return rec
