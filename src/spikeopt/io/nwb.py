"""Recordings from NWB 2 files (pynwb): current-clamp sweeps, the Allen Cell Types layout.

Each sweep is a ``CurrentClampSeries`` in ``acquisition`` (the voltage) and its
``CurrentClampStimulusSeries`` in ``stimulus`` (the injected current).
Responses and stimuli are paired by ``sweep_number`` when every series has one
(as the Allen Institute's files do), otherwise by position in name order
(which needs as many stimuli as responses). An ``IZeroClampSeries`` has no
stimulus: its current is zero. Values are ``data * conversion + offset`` in the
series' ``unit`` ("volts", "amperes", "mV", "pA"...), converted to mV and pA;
the sampling interval is ``1000 / rate`` ms (or the uniform step of
``timestamps``). Spikes are detected from the voltage.

NWB 1 files (the Allen Cell Types downloads before 2019) are not readable by
pynwb; convert them first (e.g. with the Allen SDK / ipfx).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .._imports import optional_import
from ..errors import InvalidParameterError, ShapeError
from .detect import SpikeDetector
from .recording import Recording, build_recording, stack_sweeps
from .units import unit_factor

__all__ = ["load_nwb_recording"]

def _import_pynwb():
    return optional_import("pynwb", extra="io", purpose="Reading NWB files")


def _dt_ms(series, path) -> float:
    rate = getattr(series, "rate", None)
    if rate is not None:
        if not rate > 0:
            raise InvalidParameterError(
                f"{path}: series {series.name!r} has sampling rate {rate!r} Hz; expected > 0.")
        return 1000.0 / float(rate)
    ts = np.asarray(series.timestamps[:], dtype=np.float64)
    if ts.size < 2:
        raise InvalidParameterError(f"{path}: series {series.name!r} has no rate and "
                                    f"{ts.size} timestamp(s); cannot tell the sampling.")
    d = np.diff(ts)
    step = float(np.median(d))
    if np.any(np.abs(d - step) > 1e-3 * step):
        raise InvalidParameterError(
            f"{path}: series {series.name!r} has non-uniform timestamps (steps from "
            f"{d.min():g} to {d.max():g} s); spikeopt needs a fixed sampling interval.")
    tu = getattr(series, "timestamps_unit", "seconds") or "seconds"
    return step * unit_factor(tu, "time", where=f"{path}: series {series.name!r} timestamps")


def _values(series, kind, path) -> np.ndarray:
    unit = series.unit
    f = unit_factor(unit, kind, where=f"{path}: series {series.name!r} (unit field)")
    conv = float(getattr(series, "conversion", 1.0) or 1.0)
    off = float(getattr(series, "offset", 0.0) or 0.0)
    data = np.asarray(series.data[:], dtype=np.float64).reshape(-1)
    return (data * conv + off) * f


def load_nwb_recording(path, *, sweep_numbers=None, stimulus_description: str | None = None,
                       length: str = "equal", detect: bool | SpikeDetector = True) -> Recording:
    """Read current-clamp sweeps from an NWB 2 file (layout in the module docstring).

    Parameters
    ----------
    path : path
        The ``.nwb`` file.
    sweep_numbers : sequence of int, optional
        Keep only these sweep numbers (in this order); default all current-clamp sweeps.
    stimulus_description : str, optional
        Keep only sweeps whose ``stimulus_description`` contains this text
        (case-insensitive), e.g. an Allen protocol code.
    length : {"equal", "crop"}
        Sweeps of different lengths raise, or are cropped to the shortest.
    detect : bool or SpikeDetector
        How spikes are detected from the voltage (False: no spikes).
    """
    pynwb = _import_pynwb()
    from pynwb.icephys import CurrentClampSeries, CurrentClampStimulusSeries, IZeroClampSeries

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"Recording file not found: {path}")
    with pynwb.NWBHDF5IO(str(path), "r", load_namespaces=True) as io:
        nwb = io.read()
        resp = sorted((s for s in nwb.acquisition.values() if isinstance(s, CurrentClampSeries)),
                      key=lambda s: s.name)
        stim = sorted((s for s in nwb.stimulus.values()
                       if isinstance(s, CurrentClampStimulusSeries)), key=lambda s: s.name)
        if not resp:
            kinds = sorted({type(s).__name__ for s in nwb.acquisition.values()})
            raise InvalidParameterError(
                f"{path}: no CurrentClampSeries in acquisition (found {kinds or 'nothing'}); "
                "spikeopt reads current-clamp recordings.")
        pairs = _pair(resp, stim, IZeroClampSeries, path)
        if stimulus_description is not None:
            want = stimulus_description.lower()
            pairs = [p for p in pairs if want in str(p[1].stimulus_description).lower()]
        if sweep_numbers is not None:
            by_num = {p[0]: p for p in pairs}
            missing = [n for n in sweep_numbers if n not in by_num]
            if missing:
                raise InvalidParameterError(
                    f"{path}: sweep number(s) {missing} not found; "
                    f"available: {sorted(by_num, key=str)}.")
            pairs = [by_num[n] for n in sweep_numbers]
        if not pairs:
            raise InvalidParameterError(f"{path}: no sweep left after the selection.")
        names, nums, descs, dts, volts, currents = [], [], [], [], [], []
        for num, r, s in pairs:
            dt = _dt_ms(r, path)
            v = _values(r, "voltage", path)
            if s is None:
                i = np.zeros_like(v)
            else:
                dt_s = _dt_ms(s, path)
                if not np.isclose(dt_s, dt, rtol=1e-6):
                    raise InvalidParameterError(
                        f"{path}: sweep {r.name!r} samples the voltage every {dt:g} ms but its "
                        f"stimulus {s.name!r} every {dt_s:g} ms.")
                i = _values(s, "current", path)
                if i.size != v.size:
                    raise ShapeError(
                        f"{path}: sweep {r.name!r} has {v.size} voltage samples but its stimulus "
                        f"{s.name!r} has {i.size}.")
            names.append(r.name)
            nums.append(-1 if num is None else int(num))
            descs.append(str(r.stimulus_description))
            dts.append(dt)
            volts.append(v)
            currents.append(i)
    if not np.allclose(dts, dts[0], rtol=1e-6):
        detail = {n: round(d, 9) for n, d in zip(names, dts, strict=True)}
        raise InvalidParameterError(
            f"{path}: the selected sweeps have different sampling intervals (ms) {detail}; "
            "select sweeps of one rate (sweep_numbers=...) or resample them separately.")
    meta = {"source": str(path), "format": "nwb", "source_units": {
        "voltage": pairs[0][1].unit, "current": "amperes" if pairs[0][2] is None
        else pairs[0][2].unit}}
    return build_recording(
        str(path), current_pA=stack_sweeps(currents, length=length), dt_ms=dts[0],
        voltage_mV=stack_sweeps(volts, length=length), sweep_names=names, detect=detect,
        annotations={"sweep_number": np.array(nums),
                     "stimulus_description": np.array(descs, dtype=str)},
        metadata=meta)


def _pair(resp, stim, izero_cls, path):
    """[(sweep_number | None, response, stimulus | None)] in sweep order."""
    nums_r = [getattr(r, "sweep_number", None) for r in resp]
    nums_s = [getattr(s, "sweep_number", None) for s in stim]
    if all(n is not None for n in nums_r) and all(n is not None for n in nums_s):
        by_num = {int(n): s for n, s in zip(nums_s, stim, strict=True)}
        out = []
        for n, r in sorted(zip(nums_r, resp, strict=True), key=lambda x: int(x[0])):
            s = by_num.get(int(n))
            if s is None and not isinstance(r, izero_cls):
                raise InvalidParameterError(
                    f"{path}: response {r.name!r} (sweep {n}) has no CurrentClampStimulusSeries "
                    f"with sweep_number {n}.")
            out.append((int(n), r, s))
        return out
    clamp = [r for r in resp if not isinstance(r, izero_cls)]
    if len(clamp) != len(stim):
        raise InvalidParameterError(
            f"{path}: {len(clamp)} CurrentClampSeries but {len(stim)} "
            "CurrentClampStimulusSeries, and no sweep_number to pair them.")
    it = iter(stim)
    return [(n, r, None if isinstance(r, izero_cls) else next(it))
            for n, r in zip(nums_r, resp, strict=True)]
