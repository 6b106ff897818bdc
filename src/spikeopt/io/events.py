"""Event-camera recordings: read AEDAT 2.0 / 3.1 / 4, Prophesee DAT / EVT 2 / EVT 3,
N-MNIST ``.bin`` and spikeopt's own ``.npz``, and turn the (x, y, polarity, t) events
into one spike source per pixel and polarity.

Every reader returns an :class:`EventStream`: a structured array of events with the
fields ``x``, ``y`` (pixel column and row, uint16), ``p`` (polarity, uint8: 0 = OFF,
1 = ON) and ``t`` (timestamp, int64 **microseconds**, as the sensors count), sorted
by time, and the sensor size ``(width, height)`` in pixels.

The file formats are decoded by maintained libraries, imported only when a file of
their format is read (``pip install 'spikeopt[events]'``):

=============  =================================  ====================================
format         files                              decoded by
=============  =================================  ====================================
``aedat2``     ``.aedat`` / ``.dat`` "#!AER-DAT2.0"  tonic (``tonic.io``; address layout
                                                  ``camera="dvs128"`` or ``"davis346"``)
``aedat3``     ``.aedat`` "#!AER-DAT3.1"          tonic (polarity-event packets)
``aedat4``     ``.aedat4``                        aedat (the Rust decoder tonic uses)
``dat``        Prophesee ``.dat`` (CD events)     expelliarmus
``evt2``       Prophesee ``.raw``, EVT 2.0        expelliarmus
``evt3``       Prophesee ``.raw``, EVT 3.0        expelliarmus
``nmnist``     N-MNIST / N-Caltech101 ``.bin``    tonic (``read_mnist_file``)
``npz``        spikeopt's ``.npz``                numpy (:func:`save_events`)
=============  =================================  ====================================

:func:`to_spike_trains` makes the sources: source ``i = c·(H'·W') + y'·W' + x'`` with
``x' = x // downsample``, ``y' = y // downsample``, ``W' = ceil(width / downsample)``
(``H'`` likewise) and channel ``c`` the polarity (``polarity="split"``: 0 = OFF,
1 = ON; ``"merge"``, ``"on"``, ``"off"``: one channel). Spike times are ms from the
window's start.

>>> ev = make_events(x=[0, 3, 3], y=[0, 1, 1], p=[1, 0, 1], t_us=[500, 1500, 2000])
>>> stream = EventStream(ev, (4, 2))
>>> st = to_spike_trains(stream, downsample=2)
>>> len(st), [tr.tolist() for tr in st if len(tr)]
(4, [[1.0], [0.0], [1.5]])
"""

from __future__ import annotations

import math
import re
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._imports import optional_import
from ..errors import InvalidParameterError
from ..spikes import SpikeTrains

__all__ = ["EVENT_DTYPE", "EVENT_FORMATS", "EventStream", "make_events", "read_events",
           "save_events", "to_spike_trains", "source_shape", "POLARITY_MODES"]

EVENT_DTYPE = np.dtype([("x", "<u2"), ("y", "<u2"), ("p", "u1"), ("t", "<i8")])
EVENT_FORMATS = ("aedat2", "aedat3", "aedat4", "dat", "evt2", "evt3", "nmnist", "npz")
POLARITY_MODES = ("split", "merge", "on", "off")
AEDAT2_CAMERAS = ("dvs128", "davis346")
NMNIST_SIZE = (34, 34)
_SUFFIX = {".aedat4": "aedat4", ".bin": "nmnist", ".npz": "npz", ".dat": "dat",
           ".raw": "raw", ".aedat": "aedat"}


def _bad(name: str, where: str, expected: str, got) -> InvalidParameterError:
    return InvalidParameterError(f"The {name!r} parameter of {where} must be {expected}. "
                                 f"Got {got!r} instead.")


def make_events(*, x, y, p, t_us) -> np.ndarray:
    """A structured event array (:data:`EVENT_DTYPE`) from columns, sorted by time
    (stable). ``t_us`` in µs; ``p`` 0 (OFF) or 1 (ON, any non-zero value)."""
    cols = [np.asarray(c).reshape(-1) for c in (x, y, p, t_us)]
    n = cols[0].size
    if any(c.size != n for c in cols):
        raise InvalidParameterError(f"make_events needs columns of one length. Got "
                                    f"{[c.size for c in cols]} for x, y, p, t_us.")
    for name, c in zip(("x", "y"), cols[:2], strict=True):
        if n and c.dtype not in (np.uint8, np.uint16) and (c.min() < 0 or c.max() > 65535):
            raise _bad(name, "make_events", "pixel indices in [0, 65535]",
                       [int(c.min()), int(c.max())])
    ev = np.empty(n, dtype=EVENT_DTYPE)
    ev["x"], ev["y"] = cols[0], cols[1]
    ev["p"] = cols[2] if cols[2].dtype == np.bool_ else cols[2] != 0
    ev["t"] = cols[3]
    t = ev["t"]
    if n > 1 and not (t[1:] >= t[:-1]).all():
        ev = ev[np.argsort(t, kind="stable")]
    return ev


@dataclass(frozen=True)
class EventStream:
    """Events of one recording: ``events`` (n,) of :data:`EVENT_DTYPE` (``t`` in µs,
    sorted) and ``sensor_size`` = (width, height) in pixels."""

    events: np.ndarray
    sensor_size: tuple[int, int]

    def __post_init__(self):
        ev = np.asarray(self.events)
        if ev.dtype != EVENT_DTYPE:
            ev = make_events(x=ev["x"], y=ev["y"], p=ev["p"], t_us=ev["t"])
        size = tuple(int(s) for s in self.sensor_size)
        if len(size) != 2 or min(size) < 1:
            raise _bad("sensor_size", "EventStream", "(width, height) >= 1 pixel",
                       self.sensor_size)
        if ev.size and (ev["x"].max() >= size[0] or ev["y"].max() >= size[1]):
            raise InvalidParameterError(
                f"The 'events' of EventStream must lie on the {size[0]}×{size[1]} sensor. "
                f"Got x up to {int(ev['x'].max())} and y up to {int(ev['y'].max())}.")
        object.__setattr__(self, "events", ev)
        object.__setattr__(self, "sensor_size", size)

    def __len__(self) -> int:
        return int(self.events.size)

    @property
    def duration_us(self) -> int:
        """Last minus first timestamp (µs); 0 for fewer than two events."""
        return int(self.events["t"][-1] - self.events["t"][0]) if len(self) > 1 else 0

    def __repr__(self) -> str:
        w, h = self.sensor_size
        return (f"EventStream({len(self)} events, {w}×{h} sensor, "
                f"{self.duration_us / 1000.0:.3f} ms)")


# -- reading ---------------------------------------------------------------------------
def read_events(path, *, format: str | None = None, sensor_size=None,
                camera: str = "dvs128") -> EventStream:
    """Read an event recording (formats in the module docstring).

    Parameters
    ----------
    path : str or Path
        The file.
    format : str, optional
        One of :data:`EVENT_FORMATS`; by default from the suffix (and, for ``.aedat``
        and ``.raw``, the header).
    sensor_size : (width, height), optional
        Pixels; by default from the file (AEDAT 4, ``.npz``, a Prophesee header, the
        AEDAT 2 camera, 34×34 for N-MNIST), else the largest x and y plus one.
    camera : {"dvs128", "davis346"}
        The address layout of an AEDAT 2.0 file (as tonic decodes them).

    Returns
    -------
    EventStream
        Events with ``t`` in µs, sorted by time.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"Event file not found: {path}")
    fmt = format if format is not None else _detect(path)
    if fmt not in EVENT_FORMATS:
        raise _bad("format", "read_events", f"one of {list(EVENT_FORMATS)}", fmt)
    if camera not in AEDAT2_CAMERAS:
        raise _bad("camera", "read_events", f"one of {list(AEDAT2_CAMERAS)}", camera)
    ev, size = _READERS[fmt](path, camera)
    if sensor_size is not None:
        size = sensor_size
    if size is None:
        size = ((int(ev["x"].max()) + 1, int(ev["y"].max()) + 1) if ev.size else (1, 1))
    return EventStream(ev, tuple(size))


def _detect(path: Path) -> str:
    kind = _SUFFIX.get(path.suffix.lower())
    if kind is None:
        raise InvalidParameterError(
            f"The 'format' parameter of read_events is needed for {path.name!r}: the suffix "
            f"{path.suffix!r} is none of {sorted(_SUFFIX)}; pass one of {list(EVENT_FORMATS)}.")
    head = path.open("rb").read(4096)
    if kind in ("aedat", "dat") and head.startswith(b"#!AER-DAT"):
        version = head[9:12]
        if version.startswith(b"2"):
            return "aedat2"
        if version.startswith(b"3"):
            return "aedat3"
        if version.startswith(b"4"):
            return "aedat4"
        raise InvalidParameterError(f"{path}: unknown AEDAT version {version!r}.")
    if kind == "aedat":
        raise InvalidParameterError(f"{path}: an .aedat file starts with '#!AER-DAT'. Got "
                                    f"{head[:12]!r}.")
    if kind == "raw":
        text = head.decode("latin-1").lower()
        if re.search(r"evt ?3|format evt3", text):
            return "evt3"
        if re.search(r"evt ?2|format evt2", text):
            return "evt2"
        raise InvalidParameterError(
            f"The 'format' parameter of read_events is needed for {path.name!r}: its header "
            f"names no EVT version; pass 'evt2' or 'evt3'.")
    return kind


def _columns(x, y, p, t) -> np.ndarray:
    return make_events(x=np.asarray(x), y=np.asarray(y), p=np.asarray(p), t_us=np.asarray(t))


def _tonic_io():
    return optional_import("tonic.io", extra="events", package="tonic",
                           purpose="Reading AEDAT 2/3.1 and N-MNIST event files")


def _read_aedat2(path: Path, camera: str):
    """AEDAT 2.0 through tonic's header and address readers (its ``read_dvs_128``
    unpacks the header wrongly in tonic 1.7), decoded with the bit layouts of its
    ``read_dvs_128`` (x bits 8-14, y bits 1-7, p bit 0) and ``read_davis_346``."""
    tio = _tonic_io()
    version, start, _ts = tio.read_aedat_header_from_file(str(path))
    if not 2 <= version < 3:
        raise InvalidParameterError(f"{path}: read as AEDAT 2.0, but its header says "
                                    f"AEDAT {version}.")
    raw = tio.get_aer_events_from_file(str(path), version, start)
    a = raw["address"].astype(np.uint32)  # big-endian words to native
    if camera == "dvs128":
        x, y, p, size = (a >> 8) & 0x7F, (a >> 1) & 0x7F, a & 1, (128, 128)
    else:
        x = 345 - ((a & 4190208) >> 12).astype(np.int64)
        y = 259 - ((a & 2143289344) >> 22).astype(np.int64)
        p, size = (a & 2048) >> 11, (346, 260)
    return _columns(x.astype(np.uint16) if camera == "dvs128" else x,
                    y.astype(np.uint16) if camera == "dvs128" else y, p.astype(np.bool_),
                    raw["timeStamp"]), size


def _aedat3_packets(path: Path, data_start: int) -> list[tuple]:
    """(type, size, ts_overflow, capacity, number) of each AEDAT 3.1 packet."""
    out = []
    with path.open("rb") as f:
        f.seek(data_start)
        while True:
            head = f.read(28)
            if not head:
                break
            if len(head) < 28:
                raise InvalidParameterError(f"{path}: truncated AEDAT 3.1 packet header "
                                            f"({len(head)} of 28 bytes).")
            etype, _src, size, _off, ovf, cap, num, _valid = struct.unpack("<hhiiiiii", head)
            out.append((etype, size, ovf, cap, num))
            f.seek(cap * size, 1)
    return out


def _read_aedat3(path: Path, camera: str):
    tio = _tonic_io()
    version, start, _ts = tio.read_aedat_header_from_file(str(path))
    packets = _aedat3_packets(path, start)
    other = sorted({(t, s) for t, s, *_ in packets if (t, s) != (1, 8)})
    if other:
        raise InvalidParameterError(
            f"{path}: only AEDAT 3.1 polarity-event packets (type 1, 8-byte events) are "
            f"read; found (type, event size) {other}.")
    if not packets:
        return np.empty(0, dtype=EVENT_DTYPE), None
    raw = tio.get_aer_events_from_file(str(path), version, start)
    addr = raw["address"].astype(np.uint32)
    caps = np.array([c for *_, c, _n in packets], dtype=np.int64)
    filled = np.concatenate([np.arange(c) < n for *_, c, n in packets])
    overflow = np.repeat(np.array([o for _t, _s, o, *_ in packets], dtype=np.int64), caps)
    keep = filled & ((addr & 1) == 1)  # bit 0: the validity mark
    t = raw["timeStamp"].astype(np.int64) + (overflow << 31)
    ev = _columns(((addr >> 17) & 0x7FFF)[keep].astype(np.uint16),
                  ((addr >> 2) & 0x7FFF)[keep].astype(np.uint16),
                  ((addr >> 1) & 1)[keep].astype(np.bool_), t[keep])
    return ev, None


def _read_aedat4(path: Path, camera: str):
    aedat = optional_import("aedat", extra="events", purpose="Reading AEDAT 4 event files")
    decoder = aedat.Decoder(str(path))
    streams = {i: s for i, s in decoder.id_to_stream().items() if s["type"] == "events"}
    if not streams:
        raise InvalidParameterError(f"{path}: the AEDAT 4 file holds no event stream.")
    sid = min(streams)
    parts = [pk["events"] for pk in decoder if pk["stream_id"] == sid and "events" in pk]
    ev = np.concatenate(parts) if parts else np.empty(0, dtype=[("t", "<u8"), ("x", "<u2"),
                                                                ("y", "<u2"), ("on", "?")])
    pol = ev["on"] if "on" in (ev.dtype.names or ()) else ev["p"]
    return (_columns(ev["x"], ev["y"], pol, ev["t"]),
            (int(streams[sid]["width"]), int(streams[sid]["height"])))


def _prophesee_size(path: Path):
    """(width, height) from a Prophesee header ('% Width 640', '% Height 480',
    '% geometry 640x480' or '% format EVT3;height=480;width=640'), else None."""
    text = path.open("rb").read(4096).decode("latin-1")
    head = "\n".join(line for line in text.splitlines() if line.startswith("%"))
    w = re.search(r"(?i)width[ =](\d+)", head)
    h = re.search(r"(?i)height[ =](\d+)", head)
    if w and h:
        return int(w.group(1)), int(h.group(1))
    g = re.search(r"(?i)geometry (\d+)x(\d+)", head)
    return (int(g.group(1)), int(g.group(2))) if g else None


def _expelliarmus(encoding: str):
    def read(path: Path, camera: str):
        ex = optional_import("expelliarmus", extra="events",
                             purpose="Reading Prophesee DAT/EVT event files")
        arr = ex.Wizard(encoding=encoding, fpath=str(path)).read()
        return _columns(arr["x"], arr["y"], arr["p"], arr["t"]), _prophesee_size(path)
    return read


def _read_nmnist(path: Path, camera: str):
    tio = _tonic_io()
    dtype = np.dtype([("x", np.int64), ("y", np.int64), ("t", np.int64), ("p", np.int64)])
    ev = tio.read_mnist_file(str(path), dtype=dtype)
    return _columns(ev["x"], ev["y"], ev["p"], ev["t"]), NMNIST_SIZE


def _read_npz(path: Path, camera: str):
    with np.load(path, allow_pickle=False) as z:
        keys = set(z.files)
        need = {"x", "y", "p", "t_us", "sensor_size"}
        if not need <= keys:
            raise InvalidParameterError(
                f"{path}: spikeopt's event .npz has the arrays {sorted(need)}. Missing "
                f"{sorted(need - keys)}; found {sorted(keys)}.")
        ev = _columns(z["x"], z["y"], z["p"], z["t_us"])
        size = tuple(int(s) for s in z["sensor_size"])
    return ev, size


_READERS = {"aedat2": _read_aedat2, "aedat3": _read_aedat3, "aedat4": _read_aedat4,
            "dat": _expelliarmus("dat"), "evt2": _expelliarmus("evt2"),
            "evt3": _expelliarmus("evt3"), "nmnist": _read_nmnist, "npz": _read_npz}


def save_events(path, stream: EventStream) -> Path:
    """Write ``stream`` in spikeopt's event ``.npz``: arrays ``x``, ``y`` (uint16),
    ``p`` (uint8, 1 = ON), ``t_us`` (int64, µs) and ``sensor_size`` (width, height),
    compressed. Returns the path."""
    path = Path(path)
    ev = stream.events
    np.savez_compressed(path, x=ev["x"], y=ev["y"], p=ev["p"], t_us=ev["t"],
                        sensor_size=np.asarray(stream.sensor_size, dtype=np.int64))
    return path


# -- events -> spike sources -----------------------------------------------------------
def source_shape(sensor_size, *, downsample: int = 1, polarity: str = "split"
                 ) -> tuple[int, int, int]:
    """(channels, rows H', columns W') of the sources of a ``sensor_size`` =
    (width, height) sensor; ``channels * H' * W'`` sources in all."""
    f = _downsample(downsample)
    if polarity not in POLARITY_MODES:
        raise _bad("polarity", "to_spike_trains", f"one of {list(POLARITY_MODES)}", polarity)
    w, h = (int(s) for s in sensor_size)
    return (2 if polarity == "split" else 1, math.ceil(h / f), math.ceil(w / f))


def _downsample(downsample) -> int:
    if isinstance(downsample, bool) or not isinstance(downsample, int | np.integer) \
            or downsample < 1:
        raise _bad("downsample", "to_spike_trains", "an integer >= 1 (pixels per source "
                   "along x and y)", downsample)
    return int(downsample)


def source_index(events: np.ndarray, sensor_size, *, downsample: int = 1,
                 polarity: str = "split") -> np.ndarray:
    """(n,) source of each event (see the module docstring); -1 where the event's
    polarity is dropped (``polarity="on"`` or ``"off"``)."""
    c, h, w = source_shape(sensor_size, downsample=downsample, polarity=polarity)
    f = int(downsample)
    x = events["x"].astype(np.int64) // f
    y = events["y"].astype(np.int64) // f
    p = events["p"].astype(np.int64)
    idx = y * w + x
    if polarity == "split":
        return p * (h * w) + idx
    if polarity == "merge":
        return idx
    keep = p == (1 if polarity == "on" else 0)
    return np.where(keep, idx, -1)


def to_spike_trains(stream: EventStream, *, downsample: int = 1, polarity: str = "split",
                    start_ms: float = 0.0, stop_ms: float | None = None,
                    t0_us: int | None = None) -> SpikeTrains:
    """One spike train (ms) per source: pixel block and polarity channel.

    Parameters
    ----------
    stream : EventStream
        The events (µs).
    downsample : int
        Pixels per source along x and y (events of a block merge into one source).
    polarity : {"split", "merge", "on", "off"}
        Two channels (OFF then ON), one for both, or one polarity only.
    start_ms, stop_ms : float
        The window [start, stop) in ms after ``t0_us``; spike times are given from
        ``start_ms`` (so the first possible spike is at 0 ms). ``stop_ms`` defaults to
        just after the last event.
    t0_us : int, optional
        The recording's zero (µs); by default the first event's timestamp.

    Returns
    -------
    SpikeTrains
        ``channels · H' · W'`` trains (:func:`source_shape`), times in ms, ``t_stop``
        = the window's length.
    """
    if not isinstance(stream, EventStream):
        raise _bad("stream", "to_spike_trains", "an EventStream (spikeopt.io.read_events)",
                   type(stream).__name__)
    c, h, w = source_shape(stream.sensor_size, downsample=downsample, polarity=polarity)
    ev = stream.events
    zero = int(ev["t"][0]) if t0_us is None and ev.size else int(t0_us or 0)
    t_ms = (ev["t"] - zero).astype(np.float64) / 1000.0
    start = float(start_ms)
    if not math.isfinite(start) or start < 0:
        raise _bad("start_ms", "to_spike_trains", "finite and >= 0 ms", start_ms)
    stop = (float(t_ms[-1]) + 1e-3 if ev.size else start) if stop_ms is None else \
        float(stop_ms)
    if not stop > start:
        raise _bad("stop_ms", "to_spike_trains", f"> start_ms = {start} ms", stop_ms)
    src = source_index(ev, stream.sensor_size, downsample=downsample, polarity=polarity)
    keep = (src >= 0) & (t_ms >= start) & (t_ms < stop)
    src, times = src[keep], t_ms[keep] - start
    order = np.argsort(src, kind="stable")  # events are sorted by time already
    n = c * h * w
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=offsets[1:])
    return SpikeTrains(times[order], offsets, t_stop=stop - start, validate=False)
