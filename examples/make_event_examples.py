"""Write the event-camera examples' recordings (run from anywhere):

* ``data/moving_bar_right.npz`` and ``data/moving_bar_left.npz`` — one synthetic
  recording each of a bright 3-pixel bar crossing a 16×16 sensor rightwards or
  leftwards (:func:`spikeopt.tasks.moving_bar`: ON events at the leading edge, OFF
  at the trailing edge, 1 ms timing jitter, 10 % of edges missed, 5 Hz background
  noise per pixel; seeds 1 and 2), in spikeopt's event ``.npz``;
* ``data/moving_bar_right.aedat4`` — the rightward recording again as AEDAT 4,
  written by dv-processing (iniVation's library; skipped with a note when it is not
  installed), so that the examples read a real camera format;
* ``data/bars/left_NN.*`` and ``data/bars/right_NN.*`` — 12 recordings per direction
  of a bar crossing a 12×12 sensor (:func:`spikeopt.tasks.motion.bar_recording`:
  speed 0.15 px/ms ± 20 %, up to 10 ms late, 1 ms jitter, 10 % of edges missed,
  2 Hz background noise per pixel), each starting at its own camera clock (1–60 s),
  every third one as AEDAT 4 (the rest ``.npz``; all ``.npz`` without
  dv-processing), for ``tasks/event_files.yaml``: a labelled folder of recordings.

``direction_of_motion.yaml`` (in ``tasks/``) draws its own recordings from its seed
with the same generator; ``event_network.yaml`` drives a small network with
``moving_bar_right.aedat4``. The files are small (< 30 kB, and 60 kB for
``bars/``) and committed; this script shows how they were made and rewrites them
identically.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from spikeopt.io import EventStream, read_events, save_events
from spikeopt.tasks import moving_bar
from spikeopt.tasks.motion import bar_recording

BAR = {"sensor_size": (16, 16), "bar_width": 3, "speed_px_per_ms": 0.15, "jitter_ms": 1.0,
       "p_miss": 0.1, "noise_hz": 5.0}


def write_aedat4(path: Path, stream) -> bool:
    """``stream`` as an AEDAT 4 file written by dv-processing; False without it."""
    try:
        import dv_processing as dv
    except ImportError:
        print(f"dv-processing is not installed: {path.name} not written "
              f"(pip install dv-processing)")
        return False
    config = dv.io.MonoCameraWriter.EventOnlyConfig("spikeopt-moving-bar",
                                                    tuple(stream.sensor_size))
    writer = dv.io.MonoCameraWriter(str(path), config)
    store = dv.EventStore()
    for e in stream.events:
        store.push_back(int(e["t"]), int(e["x"]), int(e["y"]), bool(e["p"]))
    writer.writeEvents(store)
    del writer  # flushes and closes the file
    return True


BARS = {"sensor_size": (12, 12), "bar_width": 3, "speed": 0.15, "speed_spread": 0.2,
        "jitter_ms": 1.0, "p_miss": 0.1, "noise_hz": 2.0}
PER_CLASS = 12


def write_bars(folder: Path) -> list[Path]:
    """``PER_CLASS`` recordings per direction (left, right) into ``folder``: seeded by
    (direction, index), each shifted to its own camera clock, every third AEDAT 4."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for ci, direction in enumerate(("left", "right")):
        for k in range(PER_CLASS):
            rng = np.random.default_rng([2026, ci, k])
            s = bar_recording(direction, rng, **BARS)
            ev = s.events.copy()
            ev["t"] += int(rng.integers(1_000_000, 60_000_000))  # the camera's clock
            s = EventStream(ev, s.sensor_size)
            path = folder / f"{direction}_{k:02d}.aedat4"
            if k % 3 != 2 or not write_aedat4(path, s):
                path = path.with_suffix(".npz")
                save_events(path, s)
            assert (read_events(path).events == s.events).all(), f"{path} round trip differs"
            written.append(path)
    return written


def main(argv=None) -> None:
    here = Path(__file__).resolve().parent
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=here, help="examples folder to write into")
    data = p.parse_args(argv).out / "data"
    data.mkdir(parents=True, exist_ok=True)
    streams = {d: moving_bar(d, rng=seed, **BAR) for d, seed in (("right", 1), ("left", 2))}
    for d, s in streams.items():
        save_events(data / f"moving_bar_{d}.npz", s)
        print(f"wrote {data / f'moving_bar_{d}.npz'}: {s}")
    path = data / "moving_bar_right.aedat4"
    if write_aedat4(path, streams["right"]):
        back = read_events(path)
        assert (back.events == streams["right"].events).all(), "AEDAT 4 round trip differs"
        print(f"wrote {path}: {back}")
    bars = write_bars(data / "bars")
    print(f"wrote {len(bars)} recordings into {data / 'bars'} "
          f"({sum(p.stat().st_size for p in bars) / 1000:.1f} kB)")


if __name__ == "__main__":
    main()
