"""Benchmark: reading event files, events → spike sources, and the direction-of-motion
example's fit.

1. Read speed (events/s) of :func:`spikeopt.io.read_events` against the library it
   calls, used directly on the same file, for every format: AEDAT 2.0 and 3.1
   (``tonic.io``'s header + address readers), AEDAT 4 (``aedat.Decoder``, which
   ``tonic.io.read_aedat4`` wraps; tonic's own function is timed too), Prophesee EVT 3
   and DAT (``expelliarmus.Wizard``) and spikeopt's ``.npz`` (``numpy.load``).
   The files are written here: ``--events`` random events on a 346×260 sensor
   (AEDAT 2.0/3.1 by hand per the specs, AEDAT 4 by dv-processing, EVT 3 / DAT by
   expelliarmus).
2. :func:`spikeopt.io.to_spike_trains` on the same events (split polarities, 2×2
   down-sampling): events/s.
3. ``examples/tasks/direction_of_motion.yaml`` fitted end to end (``spikeopt.fit``:
   data, evolution, held-out scoring, report): wall time, held-out accuracy.

    .venv/bin/python bench/events.py [--events 1000000] [--repeats 5] [--fits 1]

Medians of ``repeats`` calls after one warm-up call; ratio = direct library time /
spikeopt time (1.0: no overhead; < 1: spikeopt slower by that factor).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import struct
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from simulate import median_time  # bench/simulate.py: the shared timer
from spikeopt.io import EventStream, read_events, save_events, to_spike_trains
from spikeopt.io.events import make_events

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent / "examples" / "tasks" / "direction_of_motion.yaml"
SENSOR = (346, 260)


def _median(fn, repeats: int) -> float:
    """Median wall time (s) of ``repeats`` calls after one warm-up call."""
    fn()
    return median_time(fn, repeats)


def random_events(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return make_events(x=rng.integers(0, SENSOR[0], n), y=rng.integers(0, SENSOR[1], n),
                       p=rng.integers(0, 2, n), t_us=np.sort(rng.integers(0, 10**7, n)))


def write_files(ev: np.ndarray, folder: Path) -> dict:
    """The same events in every format (AEDAT 2.0 with a 128×128 address layout keeps
    x, y < 128)."""
    import dv_processing as dv
    from expelliarmus import Wizard

    files = {}
    small = ev.copy()
    small["x"] %= 128
    small["y"] %= 128
    addr = (small["x"].astype(np.uint32) << 8) | (small["y"].astype(np.uint32) << 1) | small["p"]
    body = np.empty(ev.size, dtype=[("a", ">u4"), ("t", ">u4")])
    body["a"], body["t"] = addr, small["t"]
    files["aedat2"] = folder / "a2.aedat"
    files["aedat2"].write_bytes(b"#!AER-DAT2.0\r\n" + body.tobytes())

    out = [b"#!AER-DAT3.1\r\n#Format: RAW\r\n#!END-HEADER\r\n"]
    for k in range(0, ev.size, 4096):
        e = ev[k:k + 4096]
        b = np.empty(e.size, dtype=[("d", "<u4"), ("t", "<i4")])
        b["d"] = ((e["x"].astype(np.uint32) << 17) | (e["y"].astype(np.uint32) << 2)
                  | (e["p"].astype(np.uint32) << 1) | 1)
        b["t"] = e["t"]
        out += [struct.pack("<hhiiiiii", 1, 1, 8, 4, 0, e.size, e.size, e.size), b.tobytes()]
    files["aedat3"] = folder / "a3.aedat"
    files["aedat3"].write_bytes(b"".join(out))

    files["aedat4"] = folder / "a.aedat4"
    w = dv.io.MonoCameraWriter(str(files["aedat4"]),
                               dv.io.MonoCameraWriter.EventOnlyConfig("bench", SENSOR))
    for k in range(0, ev.size, 100_000):
        store = dv.EventStore()
        for e in ev[k:k + 100_000].tolist():
            store.push_back(e[3], e[0], e[1], bool(e[2]))
        w.writeEvents(store)
    del w

    arr = np.zeros(ev.size, dtype=[("t", "<i8"), ("x", "<i2"), ("y", "<i2"), ("p", "u1")])
    for f in ("t", "x", "y", "p"):
        arr[f] = ev[f]
    for enc, name in (("evt3", "a.raw"), ("dat", "a.dat")):
        files[enc] = folder / name
        Wizard(encoding=enc).save(str(files[enc]), arr)
    files["npz"] = save_events(folder / "a.npz", EventStream(ev, SENSOR))
    return files


def direct_readers(files: dict) -> dict:
    """The underlying library on its own, as a user of it would call it."""
    import aedat
    import tonic.io as tio
    from expelliarmus import Wizard

    def aer(path):
        def read():
            version, start, _ = tio.read_aedat_header_from_file(str(path))
            return tio.get_aer_events_from_file(str(path), version, start)
        return read

    def aedat4():
        d = aedat.Decoder(str(files["aedat4"]))
        return np.concatenate([p["events"] for p in d if "events" in p])

    def npz():
        with np.load(files["npz"]) as z:
            return {k: z[k] for k in z.files}

    return {"aedat2": ("tonic.io", aer(files["aedat2"])),
            "aedat3": ("tonic.io", aer(files["aedat3"])),
            "aedat4": ("aedat.Decoder", aedat4),
            "aedat4 (tonic.io.read_aedat4)": ("tonic.io.read_aedat4",
                                              lambda: tio.read_aedat4(str(files["aedat4"]))),
            "evt3": ("expelliarmus", lambda: Wizard(encoding="evt3",
                                                    fpath=str(files["evt3"])).read()),
            "dat": ("expelliarmus", lambda: Wizard(encoding="dat",
                                                   fpath=str(files["dat"])).read()),
            "npz": ("numpy.load", npz)}


def bench_reading(n: int, repeats: int) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        ev = random_events(n)
        files = write_files(ev, Path(tmp))
        for fmt, (lib, direct) in direct_readers(files).items():
            key = fmt.split()[0]
            t_direct = _median(direct, repeats)
            row = {"format": fmt, "events": n, "library": lib,
                   "library_Mev_s": n / t_direct / 1e6}
            if fmt == key:
                kw = {"format": key}
                t_ours = _median(lambda key=key, kw=kw: read_events(files[key], **kw), repeats)
                row.update({"spikeopt_Mev_s": n / t_ours / 1e6, "ratio": t_direct / t_ours})
            rows.append(row)
        stream = EventStream(ev, SENSOR)
        t = _median(lambda: to_spike_trains(stream, downsample=2), repeats)
        rows.append({"format": "to_spike_trains (2×2, split)", "events": n,
                     "spikeopt_Mev_s": n / t / 1e6})
    return rows


def bench_fit(fits: int) -> list[dict]:
    import yaml

    import spikeopt

    out = []
    for k in range(fits):
        for report in (True, False):
            cfg = yaml.safe_load(EXAMPLE.read_text())
            with tempfile.TemporaryDirectory() as tmp:
                cfg["output"] = str(Path(tmp) / "run")
                t0 = time.perf_counter()
                spikeopt.fit(cfg, progress=False, report=report)
                wall = time.perf_counter() - t0
                scores = json.loads((Path(tmp) / "run" / "scores.json").read_text())
            out.append({"fit": k, "report": report, "wall_s": wall,
                        "test_accuracy": scores["test_accuracy"],
                        "test_trials": scores["test_trials"], "chance": scores["chance"],
                        "evaluations": cfg["budget"]["evaluations"]})
    return out


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--events", type=int, default=1_000_000)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--fits", type=int, default=1, help="example fits (0: skip)")
    p.add_argument("--json", type=Path, default=None)
    a = p.parse_args(argv)
    cpu = platform.processor() or platform.machine()
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {cpu}, "
          f"{os.cpu_count()} CPUs, load average "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}, Python {sys.version.split()[0]}")
    rows = bench_reading(a.events, a.repeats)
    print(f"\nreading {a.events:,} events (medians of {a.repeats}; Mev/s = 10^6 events/s)")
    print(f"{'format':32s} {'library':22s} {'library Mev/s':>13s} {'spikeopt Mev/s':>14s} "
          f"{'ratio':>6s}")
    for r in rows:
        lib = f"{r['library_Mev_s']:13.2f}" if "library_Mev_s" in r else f"{'':13s}"
        ours = f"{r['spikeopt_Mev_s']:14.2f}" if "spikeopt_Mev_s" in r else f"{'':14s}"
        ratio = f"{r['ratio']:6.2f}" if "ratio" in r else ""
        print(f"{r['format']:32s} {r.get('library', ''):22s} {lib} {ours} {ratio}")
    fits = bench_fit(a.fits) if a.fits else []
    if fits:
        print(f"\n{EXAMPLE.name} ({fits[0]['evaluations']} evaluations, spikeopt.fit end to "
              f"end; held-out accuracy {sorted({f['test_accuracy'] for f in fits})} on "
              f"{fits[0]['test_trials']} recordings, chance {fits[0]['chance']})")
        for report in (True, False):
            walls = [f["wall_s"] for f in fits if f["report"] == report]
            print(f"  {'with' if report else 'without'} the report: median wall "
                  f"{np.median(walls):.1f} s over {len(walls)} fit(s) "
                  f"({', '.join(f'{w:.1f}' for w in walls)})")
    if a.json:
        a.json.write_text(json.dumps({"reading": rows, "fits": fits}, indent=2))


if __name__ == "__main__":
    main()
