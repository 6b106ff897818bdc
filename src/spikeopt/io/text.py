"""Recordings from text files (CSV, TSV, whitespace columns, ASCII ``.asc`` exports).

Column layout (one column per quantity, one row per sample):

* A header line of column names ``time_<unit>``, ``current_<unit>``,
  ``voltage_<unit>`` (``time (s)`` / ``current [pA]`` also work), optional
  ``sweep`` (long format: many sweeps in one file, rows grouped by sweep
  label in order of first appearance) and ``index`` (the sample number).
  Units: time s/ms/us, current A/nA/pA/fA, voltage V/mV/uV.
* Or one header line per column holding only its (quoted) unit, as in the
  QSNMC 2007 challenge B ``.asc`` files (``"s"``, ``"pA"``, ``"mV"``): each
  column's role follows from its unit.
* Or no header, with ``columns=`` naming the columns in the same vocabulary
  (e.g. ``("index", "current_pA", "voltage_mV")`` for QSNMC challenge A
  ``.voltage`` files, with ``dt_ms=0.2``).

``current_*`` is required. ``dt_ms`` comes from the time column (which must be
uniform to 0.1 % of a step) or from the ``dt_ms`` argument (required when there
is no time column; both must agree when both are given). Several files give one
sweep each (or several, in long format); named after the file stem (plus
``:<sweep label>`` in long format).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ..errors import InvalidParameterError, ShapeError
from ..spikes import SpikeTrains, as_spike_trains
from .detect import SpikeDetector
from .recording import Recording, build_recording, stack_sweeps
from .units import unit_factor, unit_kind

__all__ = ["load_text_recording"]

_NAME = re.compile(r"^(time|current|voltage)\s*[_(\[]\s*([^)\]]+?)\s*[)\]]?$", re.IGNORECASE)


def _split(line: str, delimiter: str | None) -> list[str]:
    if delimiter is None:
        delimiter = "," if "," in line else None
    return [t.strip() for t in line.strip().split(delimiter)] if line.strip() else []


def _is_numeric(tokens) -> bool:
    try:
        [float(t) for t in tokens]
    except ValueError:
        return False
    return bool(tokens)


def _parse_names(names, path) -> list[tuple[str, float]]:
    """Column roles ``[(role, factor)]`` with role in time/current/voltage/sweep/index/skip."""
    out = []
    for raw in names:
        name = str(raw).strip().strip("\"'")
        low = name.lower()
        if low in ("sweep", "index", "sample", "skip", "_"):
            out.append(({"sample": "index", "_": "skip"}.get(low, low), 1.0))
            continue
        m = _NAME.match(name)
        if not m:
            raise InvalidParameterError(
                f"{path}: column {name!r} is not understood; expected time_<unit>, "
                "current_<unit>, voltage_<unit>, sweep, index or skip (e.g. 'current_pA').")
        role = m.group(1).lower()
        out.append((role, unit_factor(m.group(2), role, where=f"{path}: column {name!r}")))
    roles = [r for r, _ in out if r != "skip"]
    dup = {r for r in roles if roles.count(r) > 1}
    if dup:
        raise InvalidParameterError(f"{path}: column role(s) {sorted(dup)} appear twice.")
    if "current" not in roles:
        raise InvalidParameterError(
            f"{path}: no current column among {list(names)}; a recording needs the "
            "injected current (current_<unit>).")
    return out


def _read_table(path: Path, columns, delimiter):
    with open(path, encoding="utf-8", errors="replace") as fh:
        lines = [ln for ln in fh.read().splitlines() if ln.strip() and not ln.startswith("#")]
    header = []
    while lines and not _is_numeric(_split(lines[0], delimiter)):
        header.append(lines.pop(0))
    if not lines:
        raise ShapeError(f"{path}: no numeric rows found.")
    first = _split(lines[0], delimiter)
    ncol = len(first)
    if columns is not None:
        names = list(columns)
    elif len(header) == 1 and len(_split(header[0], delimiter)) == ncol:
        names = _split(header[0], delimiter)
    elif len(header) == ncol and all(len(_split(h, delimiter)) == 1 for h in header):
        units = [h.strip().strip("\"'") for h in header]
        kinds = [unit_kind(u) for u in units]
        if None in kinds:
            bad = units[kinds.index(None)]
            raise InvalidParameterError(
                f"{path}: header unit {bad!r} is not a time, current or voltage unit.")
        names = [f"{k}_{u}" for k, u in zip(kinds, units, strict=True)]
    elif not header:
        raise InvalidParameterError(
            f"{path}: no header naming the {ncol} columns; pass columns=(...), e.g. "
            "('time_ms', 'current_pA', 'voltage_mV').")
    else:
        raise InvalidParameterError(
            f"{path}: cannot read the header {header[:3]} for {ncol} columns; pass columns=(...).")
    if len(names) != ncol:
        raise ShapeError(f"{path}: {len(names)} column names {list(names)} for {ncol} columns.")
    sep = delimiter if delimiter is not None else ("," if "," in lines[0] else None)
    try:
        data = np.loadtxt(lines, delimiter=sep, ndmin=2)
    except ValueError as err:
        raise InvalidParameterError(f"{path}: unreadable numeric row ({err}).") from None
    return _parse_names(names, path), data


def _dt_from(col: np.ndarray, factor: float, dt_ms, path, label) -> float:
    t = col * factor
    if t.size < 2:
        if dt_ms is None:
            raise InvalidParameterError(f"{path}{label}: one sample; pass dt_ms.")
        return float(dt_ms)
    d = np.diff(t)
    step = float(f"{float(np.median(d)):.10g}")  # drop float noise of the text values
    if step <= 0:
        raise InvalidParameterError(f"{path}{label}: time column does not increase.")
    bad = np.flatnonzero(np.abs(d - step) > 1e-3 * step)
    if bad.size:
        r = int(bad[0])
        raise InvalidParameterError(
            f"{path}{label}: time column is not uniformly sampled; step {d[r]:g} ms between "
            f"rows {r} and {r + 1} (data rows), expected {step:g} ms.")
    if dt_ms is not None and not np.isclose(step, dt_ms, rtol=1e-3):
        raise InvalidParameterError(
            f"{path}{label}: dt_ms={dt_ms:g} was given but the time column steps {step:g} ms.")
    return step


def _sweeps_of(path: Path, columns, delimiter, dt_ms):
    roles, data = _read_table(path, columns, delimiter)
    col = {r: (data[:, j], f) for j, (r, f) in enumerate(roles) if r != "skip"}
    groups = [("", np.arange(data.shape[0]))]
    if "sweep" in col:
        lab = col["sweep"][0]
        _, first, inv = np.unique(lab, return_index=True, return_inverse=True)
        order = np.argsort(first)
        groups = [(f":{lab[first[g]]:g}", np.flatnonzero(inv == g)) for g in order]
    out = []
    for label, rows in groups:
        if "time" in col:
            dt = _dt_from(col["time"][0][rows], col["time"][1], dt_ms, path, label)
        elif dt_ms is None:
            raise InvalidParameterError(
                f"{path}: no time column; pass dt_ms (the sampling interval in ms).")
        else:
            dt = float(dt_ms)
            if "index" in col:
                idx = col["index"][0][rows]
                if idx.size > 1 and not np.all(np.diff(idx) == 1):
                    r = int(np.flatnonzero(np.diff(idx) != 1)[0])
                    raise InvalidParameterError(
                        f"{path}{label}: sample index jumps from {idx[r]:g} to {idx[r + 1]:g}.")
        cur = col["current"][0][rows] * col["current"][1]
        volt = col["voltage"][0][rows] * col["voltage"][1] if "voltage" in col else None
        out.append((path.stem + label, dt, cur, volt))
    return out


def load_text_recording(paths, *, dt_ms: float | None = None, columns=None,
                        delimiter: str | None = None, spikes=None, length: str = "equal",
                        detect: bool | SpikeDetector = True) -> Recording:
    """Read sweeps from one or several text files (layout in the module docstring).

    Parameters
    ----------
    paths : path or sequence of paths
        Files in sweep order.
    dt_ms : float, optional
        Sampling interval in ms; required without a time column.
    columns : sequence of str, optional
        Column names, for files without a header (or to override it).
    delimiter : str, optional
        Column separator; default: ``,`` when the row has one, else whitespace.
    spikes : SpikeTrains, list of arrays or path of a spike file, optional
        Spike times in ms, one train per sweep; without it, spikes are detected
        from the voltage (``detect``).
    length : {"equal", "crop"}
        Sweeps of different lengths raise, or are cropped to the shortest.
    """
    if isinstance(paths, str | Path):
        paths = [paths]
    sweeps = []
    for p in paths:
        p = Path(p)
        if not p.exists():
            raise FileNotFoundError(f"Recording file not found: {p}")
        sweeps.extend(_sweeps_of(p, columns, delimiter, dt_ms))
    dts = [s[1] for s in sweeps]
    if not np.allclose(dts, dts[0], rtol=1e-3):
        detail = ", ".join(f"{s[0]}: {s[1]:g}" for s in sweeps)
        raise InvalidParameterError(
            f"All sweeps must share one sampling interval; got dt_ms {detail}. Load them "
            "separately and use Recording.resample(dt_ms).")
    has_v = [s[3] is not None for s in sweeps]
    if any(has_v) and not all(has_v):
        raise InvalidParameterError(
            "Some sweeps have a voltage column and others do not: "
            f"{[s[0] for s in sweeps if s[3] is None]} lack it.")
    current = stack_sweeps([s[2] for s in sweeps], length=length)
    voltage = stack_sweeps([s[3] for s in sweeps], length=length) if all(has_v) else None
    if spikes is not None and isinstance(spikes, str | Path):
        from .spikefiles import load_spikes

        spikes = load_spikes(spikes)
    if spikes is not None:
        spikes = as_spike_trains(spikes, name="spikes")
        if length == "crop":
            spikes = SpikeTrains(spikes.times, spikes.offsets).restrict(
                0.0, current.shape[1] * dts[0])
    meta = {"source": [str(p) for p in paths], "format": "text"}
    return build_recording(str(paths[0]), current_pA=current, dt_ms=float(np.mean(dts)),
                           voltage_mV=voltage, spike_times_ms=spikes,
                           sweep_names=[s[0] for s in sweeps], detect=detect, metadata=meta)
