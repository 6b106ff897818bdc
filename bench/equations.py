"""Benchmark: a model from equation strings against the hand-written built-in model
of the same equations (AdEx and LIF), P candidates × 1 s at dt = 0.1 ms.

Both go through ``spikeopt.simulate`` with the same parameters and a noisy
current; the first call (JIT or loading numba's cache) is timed separately and
excluded from the median of the repeats. Prints seconds, the ratio
equations / built-in (target: <= 1.5) and whether the spikes are identical.

    .venv/bin/python bench/equations.py [--candidates 1000] [--repeats 7]
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numba
import numpy as np

from spikeopt import models, simulate, stimuli
from spikeopt.models import from_equations

T_MS, DT = 1000.0, 0.1

EQUATIONS = {
    "adex": dict(
        equations="""
            dv/dt = (-g_L*(v - E_L) + g_L*Delta_T*exp((v - V_T)/Delta_T) - w + I)/C : mV
            dw/dt = (a*(v - E_L) - w)/tau_w : pA
        """,
        threshold="v >= V_peak", reset="v = V_reset; w = w + b"),
    "lif": dict(
        equations="dv/dt = (E_L - v + R*I)/tau_m : mV (unless refractory)",
        threshold="v > V_th", reset="v = V_reset", refractory="t_ref"),
}
RANGES = {  # firing regimes; current (pA) mean and sd
    "adex": ({"C": (150.0, 300.0), "g_L": (8.0, 15.0), "a": (0.0, 4.0), "tau_w": (50.0, 300.0),
              "b": (0.0, 100.0), "V_T": (-52.0, -48.0), "V_peak": (-10.0, 10.0)},
             (400.0, 150.0)),
    "lif": ({"tau_m": (10.0, 30.0), "R": (80.0, 150.0), "t_ref": (0.0, 4.0)}, (250.0, 80.0)),
}


def timed(fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def bench(name: str, n: int, repeats: int) -> dict:
    spec = {k: {"unit": p.unit, "default": p.default, "low": p.low, "high": p.high}
            for k, p in models.get(name).parameters.items()}
    t_def, custom = timed(lambda: from_equations(f"{name}_eq", parameters=spec,
                                                 **EQUATIONS[name]))
    rng = np.random.default_rng(0)
    ranges, (mean, sd) = RANGES[name]
    params = {k: rng.uniform(lo, hi, n) for k, (lo, hi) in ranges.items()}
    stim = stimuli.ou_noise(mean, sd, 5.0, duration=T_MS, dt=DT, rng=1)
    row = {"model": name, "define_s": t_def}
    results = {}
    for label, model in (("builtin", name), ("equations", custom)):
        row[f"{label}_first_s"], results[label] = timed(
            lambda m=model: simulate(m, params, stim, dt=DT))
    # interleave the repeats so that load from other processes hits both alike
    times = {"builtin": [], "equations": []}
    for _ in range(repeats):
        for label, model in (("builtin", name), ("equations", custom)):
            times[label].append(timed(lambda m=model: simulate(m, params, stim, dt=DT))[0])
    for label in times:
        row[f"{label}_s"] = float(np.median(times[label]))
    row["ratio"] = row["equations_s"] / row["builtin_s"]
    a, b = results["builtin"].spikes, results["equations"].spikes
    row["identical"] = bool(np.array_equal(a.offsets, b.offsets)
                            and np.array_equal(a.times, b.times))
    row["spikes"] = int(a.times.size)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--candidates", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--models", default="adex,lif")
    args = ap.parse_args()
    steps = int(round(T_MS / DT))
    print(f"# {args.candidates} candidates x {T_MS:g} ms at dt = {DT} ms ({steps} steps); "
          f"median of {args.repeats}")
    print(f"# machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"numba {numba.__version__} with {numba.get_num_threads()} threads")
    print("\n| model | built-in (s) | equations (s) | ratio | identical spikes | "
          "first call built-in / equations (s) |")
    print("|---|---|---|---|---|---|")
    for name in args.models.split(","):
        r = bench(name, args.candidates, args.repeats)
        print(f"| {name} | {r['builtin_s']:.3f} | {r['equations_s']:.3f} | {r['ratio']:.2f}× | "
              f"{r['identical']} ({r['spikes']} spikes) | {r['builtin_first_s']:.2f} / "
              f"{r['equations_first_s']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
