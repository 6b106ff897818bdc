"""Regenerate ``examples/data/demo_adex.npz``: the ground truth of ``make demo``.

An AdEx cell with hidden parameters (printed below, and stored in the file's
``truth_*`` keys) under 4 sweeps of Ornstein–Uhlenbeck noise current, 2 s each,
sampled at 0.2 ms (5 kHz, like the QSNMC recordings) and simulated at 0.1 ms.
The file follows spikeopt's recording layout (docs/io.md).

    .venv/bin/python examples/make_demo_recording.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import spikeopt
from spikeopt import stimuli

TRUTH = {"C": 200.0, "g_L": 10.0, "a": 4.0, "b": 60.0, "tau_w": 120.0, "V_T": -50.0}
DATA_DT, SIM_DT, DURATION, SWEEPS = 0.2, 0.1, 2000.0, 4


def make(path: Path) -> Path:
    cur = stimuli.ou_noise(300.0, 150.0, 3.0, duration=DURATION, n_sweeps=SWEEPS, dt=DATA_DT,
                           rng=2026)
    res = spikeopt.simulate("adex", TRUTH, cur, dt=SIM_DT, record_v=True, v_every=2)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path,
        dt_ms=np.float64(DATA_DT),
        current_pA=cur.values.astype(np.float32),
        voltage_mV=res.v.astype(np.float32),
        spike_times_ms=res.spikes.times,
        spike_offsets=res.spikes.offsets,
        sweep_names=np.array([f"noise {i}" for i in range(SWEEPS)]),
        **{f"truth_{k}": np.float64(x) for k, x in TRUTH.items()},
    )
    rates = res.spikes.counts() / (DURATION / 1000.0)
    print(f"wrote {path}: {SWEEPS} sweeps x {DURATION:g} ms, rates {np.round(rates, 1)} Hz, "
          f"truth {TRUTH}")
    return path


if __name__ == "__main__":
    make(Path(__file__).resolve().parent / "data" / "demo_adex.npz")
