"""Recordings from the formats Neo reads (ABF, Spike2, WinWCP, AxoGraph, ...).

``neo.io.get_io(path)`` picks the reader by suffix; every segment of the first
block is one sweep. Each analog-signal channel is classified by its unit: a
voltage unit (V, mV...) makes it a voltage channel, a current unit (A, nA,
pA...) a current channel. ``voltage_channel`` / ``current_channel`` choose by
channel name or position among channels of that kind (default: the first).

When no current channel was recorded — typical of ABF step protocols, whose
current is the command waveform of the protocol — the current is the command
waveform Neo rebuilds from the ABF epoch table (``AxonIO.read_raw_protocol``):
the DAC named by ``command_channel`` (name or index), by default the first DAC
whose unit is a current. The Recording's ``metadata["current_source"]`` says
which one was used. Spikes are detected from the voltage.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .._imports import optional_import
from ..errors import InvalidParameterError, ShapeError
from .detect import SpikeDetector
from .recording import Recording, build_recording, stack_sweeps
from .units import unit_factor, unit_kind

__all__ = ["load_neo_recording"]

def _import_neo():
    return optional_import("neo", extra="io", purpose="Reading Neo formats")


def _channels(segment):
    """[(name, kind, dt_ms, values in pA or mV)] of every analog channel of a segment."""
    out = []
    for sig in segment.analogsignals:
        unit = sig.units.dimensionality.string
        kind = unit_kind(unit)
        names = sig.array_annotations.get("channel_names")
        dt = float(sig.sampling_period.rescale("ms").magnitude)
        arr = np.asarray(sig.magnitude, dtype=np.float64)
        for j in range(arr.shape[1]):
            name = str(names[j]) if names is not None else f"{sig.name}[{j}]"
            if kind in ("voltage", "current"):
                f = unit_factor(unit, kind, where=f"channel {name!r}")
                out.append((name, kind, dt, arr[:, j] * f))
            else:
                out.append((name, unit, dt, None))
    return out


def _pick(chans, kind, choice, path, seg):
    cand = [c for c in chans if c[1] == kind]
    if choice is None:
        return cand[0] if cand else None
    if isinstance(choice, int | np.integer):
        if not 0 <= choice < len(cand):
            raise InvalidParameterError(
                f"{path}: {kind}_channel={choice} but segment {seg} has {len(cand)} {kind} "
                f"channel(s): {[c[0] for c in cand]}.")
        return cand[choice]
    for c in cand:
        if c[0] == choice:
            return c
    raise InvalidParameterError(
        f"{path}: no {kind} channel named {choice!r} in segment {seg}; {kind} channels: "
        f"{[c[0] for c in cand]}; all channels (name, unit or kind): "
        f"{[(c[0], c[1]) for c in chans]}.")


def _commands(io, command_channel, path):
    """Command current per segment (pA) from an ABF protocol, and the DAC's name."""
    if not hasattr(io, "read_raw_protocol"):
        return None, None
    sigs, names, units = io.read_raw_protocol()
    kinds = [unit_kind(u) for u in units]
    if command_channel is None:
        idx = next((k for k, kind in enumerate(kinds) if kind == "current"), None)
        if idx is None:
            raise InvalidParameterError(
                f"{path}: no recorded current and no command (DAC) channel in a current "
                f"unit: DACs {list(zip(names, units, strict=True))}.")
    elif isinstance(command_channel, int | np.integer):
        idx = int(command_channel)
        if not 0 <= idx < len(names):
            raise InvalidParameterError(
                f"{path}: command_channel={idx} but the protocol has DACs {list(names)}.")
    elif command_channel in names:
        idx = list(names).index(command_channel)
    else:
        raise InvalidParameterError(
            f"{path}: no command channel named {command_channel!r}; DACs: {list(names)}.")
    f = unit_factor(units[idx], "current", where=f"{path}: command channel {names[idx]!r}")
    return [np.asarray(seg[idx], dtype=np.float64).reshape(-1) * f for seg in sigs], names[idx]


def load_neo_recording(path, *, voltage_channel: str | int | None = None,
                       current_channel: str | int | None = None,
                       command_channel: str | int | None = None, sweeps=None,
                       length: str = "equal",
                       detect: bool | SpikeDetector = True) -> Recording:
    """Read sweeps from a file Neo can read (rules in the module docstring).

    Parameters
    ----------
    path : path
        The file (``.abf``, ``.smr``, ``.wcp``, ``.axgd``...).
    voltage_channel, current_channel : str or int, optional
        Recorded channels to use (name, or index among channels of that unit kind).
    command_channel : str or int, optional
        ABF only, when no current was recorded: the protocol DAC giving the current.
    sweeps : sequence of int, optional
        Segment indices to keep (default all).
    length : {"equal", "crop"}
        Sweeps of different lengths raise, or are cropped to the shortest.
    detect : bool or SpikeDetector
        How spikes are detected from the voltage (False: no spikes).
    """
    neo = _import_neo()
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"Recording file not found: {path}")
    try:
        io = neo.io.get_io(str(path))
    except (OSError, ValueError) as err:
        raise InvalidParameterError(f"{path}: Neo has no reader for this file ({err}).") from None
    block = io.read_block(lazy=False)
    segs = list(block.segments)
    keep = range(len(segs)) if sweeps is None else list(sweeps)
    bad = [k for k in keep if not 0 <= k < len(segs)]
    if bad:
        raise InvalidParameterError(f"{path}: sweep(s) {bad} out of range; the file has "
                                    f"{len(segs)} segments.")
    commands, command_name = None, None
    volts, currents, dts = [], [], []
    for k in keep:
        chans = _channels(segs[k])
        v = _pick(chans, "voltage", voltage_channel, path, k)
        i = _pick(chans, "current", current_channel, path, k)
        if v is None and i is None:
            raise InvalidParameterError(
                f"{path}: segment {k} has no channel in a voltage or current unit; channels "
                f"(name, unit): {[(c[0], c[1]) for c in chans]}.")
        if i is None:
            if commands is None:
                commands, command_name = _commands(io, command_channel, path)
                if commands is None:
                    raise InvalidParameterError(
                        f"{path}: no current channel among {[(c[0], c[1]) for c in chans]}, "
                        f"and {type(io).__name__} cannot rebuild a command waveform.")
            cur = commands[k]
        else:
            cur = i[3]
        ref = v if v is not None else i
        if cur.size != ref[3].size:
            raise ShapeError(f"{path}: segment {k}: current has {cur.size} samples, voltage "
                             f"{ref[3].size}.")
        if i is not None and v is not None and not np.isclose(i[2], v[2], rtol=1e-6):
            raise InvalidParameterError(
                f"{path}: segment {k}: voltage sampled every {v[2]:g} ms, current every "
                f"{i[2]:g} ms.")
        dts.append(ref[2])
        currents.append(cur)
        volts.append(None if v is None else v[3])
    if not np.allclose(dts, dts[0], rtol=1e-6):
        raise InvalidParameterError(
            f"{path}: sweeps have different sampling intervals {sorted(set(dts))} ms.")
    has_v = {x is not None for x in volts}
    if has_v == {True, False}:
        raise InvalidParameterError(f"{path}: some segments have a voltage channel, others not.")
    meta = {"source": str(path), "format": f"neo:{type(io).__name__}",
            "current_source": (f"command waveform of DAC {command_name!r} (protocol)"
                               if command_name is not None else "recorded channel")}
    return build_recording(
        str(path), current_pA=stack_sweeps(currents, length=length), dt_ms=dts[0],
        voltage_mV=stack_sweeps(volts, length=length) if has_v == {True} else None,
        sweep_names=[f"{path.stem}[{k}]" for k in keep], detect=detect,
        annotations={"segment": np.array(list(keep))}, metadata=meta)
