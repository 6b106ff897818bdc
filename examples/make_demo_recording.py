"""Regenerate ``examples/data/demo_adex.npz``: the ground truth of ``make demo``.

An AdEx cell with hidden parameters (printed below, and stored in the file's
``truth_*`` keys) under 4 sweeps of Ornstein–Uhlenbeck noise current, 2 s each,
sampled at 0.2 ms (5 kHz, like the QSNMC recordings) and simulated at 0.1 ms.
The file follows spikeopt's recording layout (docs/io.md). ``spikeopt init cell``
writes a smaller one (3 sweeps) with the same function,
:func:`spikeopt.fitting.scaffold.demo_recording`.

    .venv/bin/python examples/make_demo_recording.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from spikeopt.fitting.scaffold import ADEX_TRUTH, demo_recording


def make(path: Path) -> Path:
    info = demo_recording(path, truth=ADEX_TRUTH, duration_ms=2000.0, n_sweeps=4,
                          data_dt_ms=0.2, sim_dt_ms=0.1, rng=2026)
    print(f"wrote {path}: 4 sweeps x 2000 ms, rates {np.round(info['rates_hz'], 1)} Hz, "
          f"truth {info['truth']}")
    return path


if __name__ == "__main__":
    make(Path(__file__).resolve().parent / "data" / "demo_adex.npz")
