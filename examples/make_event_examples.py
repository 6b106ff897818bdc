"""Write the event-camera examples' recordings (run from anywhere):

* ``data/moving_bar_right.npz`` and ``data/moving_bar_left.npz`` — one synthetic
  recording each of a bright 3-pixel bar crossing a 16×16 sensor rightwards or
  leftwards (:func:`spikeopt.tasks.moving_bar`: ON events at the leading edge, OFF
  at the trailing edge, 1 ms timing jitter, 10 % of edges missed, 5 Hz background
  noise per pixel; seeds 1 and 2), in spikeopt's event ``.npz``;
* ``data/moving_bar_right.aedat4`` — the rightward recording again as AEDAT 4,
  written by dv-processing (iniVation's library; skipped with a note when it is not
  installed), so that the examples read a real camera format.

``direction_of_motion.yaml`` (in ``tasks/``) draws its own recordings from its seed
with the same generator; ``event_network.yaml`` drives a small network with
``moving_bar_right.aedat4``. The files are small (< 30 kB) and committed; this
script shows how they were made and rewrites them identically.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from spikeopt.io import read_events, save_events
from spikeopt.tasks import moving_bar

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


if __name__ == "__main__":
    main()
