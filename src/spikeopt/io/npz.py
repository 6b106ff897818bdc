"""spikeopt's ``.npz`` recording layout (described in ``docs/io.md``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import InvalidParameterError, ShapeError
from ..spikes import SpikeTrains
from .detect import SpikeDetector
from .recording import UNITS, Recording, build_recording
from .units import unit_factor

__all__ = ["load_npz_recording"]


def _unit_key(keys, stem: str, kind: str, path) -> tuple[str, float] | None:
    """Find ``<stem>_<unit>`` among ``keys``; return (key, factor to pA/mV/ms)."""
    found = [k for k in keys if k.startswith(stem + "_") and k.count("_") == 1]
    found = [k for k in found if k.split("_", 1)[1].lower() not in ("id", "ids", "names")]
    if stem in keys:
        raise InvalidParameterError(
            f"{path}: field {stem!r} has no unit; name it {stem}_<unit> "
            f"(e.g. {stem}_{UNITS[kind] if kind != 'time' else 'ms'}).")
    if not found:
        return None
    if len(found) > 1:
        raise InvalidParameterError(f"{path}: several {stem} fields {found}; keep one.")
    key = found[0]
    return key, unit_factor(key.split("_", 1)[1], kind, where=f"{path}: field {key!r}")


def load_npz_recording(path, *, detect: bool | SpikeDetector = True) -> Recording:
    """Read a recording in spikeopt's ``.npz`` layout (see ``docs/io.md``).

    Required: ``dt_ms`` (scalar) and ``current_pA`` of shape (n_sweeps, n_samples)
    — or (n_stimuli, n_repeats, n_samples) for repeated stimuli, flattened
    stimulus-major with ``stimulus_id`` from ``set_id``/``stimulus_ids`` (n_stimuli,)
    when present and names ``"<id:02d>-<repeat>"``. Optional: ``voltage_mV``
    (same shape), spikes as ``spike_times_ms`` (flat, ms) or ``spike_index``
    (flat sample indices; alias ``spike_index_concat``) with ``spike_offsets``
    (n_sweeps + 1), ``sweep_names``, ``stimulus_id`` (n_sweeps,). Other unit
    suffixes are converted (``current_nA``, ``voltage_V``, ``dt_s``...). Other
    1-D arrays with one value per sweep (or per stimulus) become annotations.
    Without spikes, they are detected from the voltage (``detect``).
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"Recording file not found: {path}")
    with np.load(path, allow_pickle=False) as z:
        data = {k: z[k] for k in z.files}
    keys = set(data)
    dt = _unit_key(keys, "dt", "time", path)
    cur = _unit_key(keys, "current", "current", path)
    if cur is None or dt is None:
        hint = (" It looks like a spike file: read it with spikeopt.io.load_spikes."
                if "spike_times_ms" in keys and cur is None else "")
        missing = [n for n, x in (("dt_ms", dt), ("current_pA", cur)) if x is None]
        raise InvalidParameterError(
            f"{path}: a recording .npz needs {missing}; found fields {sorted(keys)}.{hint}")
    dt_arr = data[dt[0]]
    if dt_arr.size != 1:
        raise ShapeError(f"{path}: field {dt[0]!r} must be a scalar. Got shape {dt_arr.shape}.")
    dt_ms = float(dt_arr.reshape(())) * dt[1]
    used = {dt[0], cur[0]}
    current = np.asarray(data[cur[0]], dtype=np.float64) * cur[1]
    if current.ndim not in (2, 3):
        raise ShapeError(
            f"{path}: field {cur[0]!r} must have shape (n_sweeps, n_samples) or "
            f"(n_stimuli, n_repeats, n_samples). Got {current.shape}.")
    grid = current.shape[:-1]
    n_sweeps = int(np.prod(grid))
    voltage = None
    vk = _unit_key(keys, "voltage", "voltage", path)
    if vk is not None:
        used.add(vk[0])
        voltage = np.asarray(data[vk[0]], dtype=np.float64) * vk[1]
        if voltage.shape != current.shape:
            raise ShapeError(f"{path}: field {vk[0]!r} must have the shape of {cur[0]!r} "
                             f"{current.shape}. Got {voltage.shape}.")
        voltage = voltage.reshape(n_sweeps, -1)
    current = current.reshape(n_sweeps, -1)
    spikes = _npz_spikes(data, used, n_sweeps, dt_ms, path)
    ann, names, sid = {}, None, None
    if len(grid) == 2:
        n_stim, n_rep = grid
        labels = next((data[k] for k in ("set_id", "stimulus_ids") if k in keys), None)
        used.update({"set_id", "stimulus_ids"} & keys)
        if labels is None or labels.shape != (n_stim,) or labels.dtype.kind not in "iu":
            labels = np.arange(n_stim)
        sid = np.repeat(labels.astype(np.int64), n_rep)
        rep = np.tile(np.arange(n_rep), n_stim)
        ann["repeat"] = rep
        names = [f"{s:02d}-{r}" for s, r in zip(sid, rep, strict=True)]
    if "sweep_names" in keys:
        used.add("sweep_names")
        names = [str(x) for x in data["sweep_names"].reshape(-1)]
    if "stimulus_id" in keys:
        used.add("stimulus_id")
        sid = data["stimulus_id"].reshape(-1)
    ignored = []
    for k in sorted(keys - used):
        a = data[k]
        if a.ndim == 1 and a.size == n_sweeps and a.dtype != object:
            ann[k] = a
        elif len(grid) == 2 and a.ndim == 1 and a.size == grid[0] and a.dtype != object:
            ann[k] = np.repeat(a, grid[1])
        else:
            ignored.append(k)
    meta = {"source": str(path), "format": "npz", "ignored_fields": ignored}
    return build_recording(str(path), current_pA=current, dt_ms=dt_ms, voltage_mV=voltage,
                           spike_times_ms=spikes, sweep_names=names, stimulus_id=sid,
                           detect=detect, annotations=ann, metadata=meta)


def _npz_spikes(data, used, n_sweeps, dt_ms, path) -> SpikeTrains | None:
    keys = set(data)
    tk = next((k for k in ("spike_times_ms", "spike_index", "spike_index_concat") if k in keys),
              None)
    if tk is None:
        return None
    if "spike_offsets" not in keys:
        raise InvalidParameterError(f"{path}: field {tk!r} needs 'spike_offsets' "
                                    f"(n_sweeps + 1 = {n_sweeps + 1} entries); it is missing.")
    used.update({tk, "spike_offsets"})
    offsets = data["spike_offsets"].reshape(-1)
    if offsets.size != n_sweeps + 1:
        raise ShapeError(f"{path}: field 'spike_offsets' must have n_sweeps + 1 = "
                         f"{n_sweeps + 1} entries. Got {offsets.size}.")
    times = data[tk].reshape(-1).astype(np.float64)
    if tk != "spike_times_ms":
        times = times * dt_ms
    try:
        return SpikeTrains(times, offsets)
    except (InvalidParameterError, ShapeError) as err:
        raise type(err)(f"{path}: fields {tk!r}/'spike_offsets': {err}") from None
