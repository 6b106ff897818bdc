"""Benchmark: the same work on backend="numba" and backend="brian2".

1. A single-cell batch: 200 AdEx candidates (the "adapting" preset with their own
   b and tau_w), one step current, 1 s at dt = 0.1 ms: one NeuronGroup of 200
   neurons in Brian2.
2. A CUBA network (library.cuba, 800 LIF by default, p = 0.02, exp_current),
   P candidates that differ in their inhibitory weight, 1 s at dt = 0.1 ms: one
   Brian2 network per candidate, spikeopt's wiring (so the same spikes).

Brian2 targets: ``numpy``; ``cython`` (first call compiles, or loads Brian2's
on-disk cache; then repeats); ``cpp_standalone``: the first call builds the
binary (C++ compilation), the next candidates and calls with the same structure
reuse it through ``run_args`` (reported apart: "first" = build + run,
"reused" = one more call). numba: median of ``--repeats`` after a warm-up call.
Prints medians and ratios brian2 / numba, and checks that every Brian2 target
gave the engine's spike counts.

    .venv/bin/python bench/backends_brian2.py [--n-cells 200] [--n-net 800] [--p-net 2]
        [--repeats 3] [--targets numpy,cython,cpp_standalone]
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time

import numpy as np

import spikeopt
from spikeopt import models, stimuli
from spikeopt.backends.brian2 import Brian2Backend
from spikeopt.network import library

T_MS, DT = 1000.0, 0.1


def cells(n: int, seed: int = 0) -> tuple[dict, stimuli.Stimulus]:
    rng = np.random.default_rng(seed)
    base = dict(models.get_preset("adex", "adapting"))
    amp = base.pop("current_pA")
    p = {k: np.full(n, v) for k, v in base.items()}
    p["b"] = rng.uniform(20.0, 100.0, n)
    p["tau_w"] = rng.uniform(100.0, 300.0, n)
    return p, stimuli.step(amp, duration=T_MS, t_on=50.0)


def timed(fn, repeats: int) -> tuple[float, object]:
    ts, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts)), out


def _check(name: str, ref, out) -> str:
    same = np.array_equal(ref.spikes.counts(), out.spikes.counts())
    if not same:
        print(f"# WARNING: {name} spike counts differ from the engine's")
    return "same spikes" if same else "DIFFERENT"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-cells", type=int, default=200)
    ap.add_argument("--n-net", type=int, default=800)
    ap.add_argument("--p-net", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--targets", default="numpy,cython,cpp_standalone")
    args = ap.parse_args()
    targets = args.targets.split(",")
    print(f"# {platform.processor() or platform.machine()}, Python {platform.python_version()}"
          f", spikeopt {spikeopt.__version__}; 1 s at dt = {DT} ms")

    # 1. cells -----------------------------------------------------------------
    params, stim = cells(args.n_cells)
    spikeopt.simulate("adex", params, stim, dt=DT)  # warm-up (numba cache)
    t_numba, ref = timed(lambda: spikeopt.simulate("adex", params, stim, dt=DT), args.repeats)
    rows = [("numba", t_numba, None, "reference")]
    for target in targets:
        with tempfile.TemporaryDirectory() as build:
            b = Brian2Backend(target=target, build_dir=build)

            def run(b=b):
                return spikeopt.simulate("adex", params, stim, dt=DT, backend=b)

            t0 = time.perf_counter()
            first_out = run()
            first = time.perf_counter() - t0
            t_rep, out2 = timed(run, args.repeats)
            _check(f"{target} (first call)", ref, first_out)
            note = _check(target, ref, out2)
            if target == "cpp_standalone":
                note += f"; {b.builds} build(s), {b.reuses} reuse(s)"
            rows.append((f"brian2 {target}", t_rep, first, note))
    print(f"\n## {args.n_cells} AdEx cells × 1 s (median of {args.repeats})\n")
    print("| simulator | first call (s) | repeated call (s) | / numba | check |")
    print("|---|---|---|---|---|")
    for name, t, first, note in rows:
        f = "" if first is None else f"{first:.2f}"
        print(f"| {name} | {f} | {t:.3f} | {t / t_numba:.1f} | {note} |")

    # 2. CUBA network ----------------------------------------------------------
    spec = library.cuba(args.n_net, p=0.02, delay_ms=0.5)
    w_i = np.linspace(-9.0, -7.0, args.p_net)
    net_params = {"projections.IE.weight": w_i, "projections.II.weight": w_i}
    kw = dict(t_stop=T_MS, dt=DT, seed=1, frozen=True)  # one wiring: a build serves all
    spikeopt.simulate(spec, net_params, **kw)
    t_numba, ref = timed(lambda: spikeopt.simulate(spec, net_params, **kw), args.repeats)
    rows = [("numba", t_numba, None, "reference")]
    for target in targets:
        with tempfile.TemporaryDirectory() as build:
            b = Brian2Backend(target=target, build_dir=build)

            def run(b=b):
                return spikeopt.backends.simulate(spec, net_params, backend=b, **kw)

            t0 = time.perf_counter()
            first_out = run()
            first = time.perf_counter() - t0
            builds = b.builds
            t_rep, out2 = timed(run, args.repeats)
            _check(f"{target} (first call)", ref, first_out)
            note = _check(target, ref, out2)
            if target == "cpp_standalone":
                note += (f"; first call {builds} build(s) for {args.p_net} candidates, "
                         f"then {b.reuses} reuse(s) in all")
            rows.append((f"brian2 {target}", t_rep, first, note))
    print(f"\n## CUBA {args.n_net} LIF × {args.p_net} candidates × 1 s "
          f"(median of {args.repeats}; rates {ref.mean_rate('E').round(1).tolist()} Hz)\n")
    print("| simulator | first call (s) | repeated call (s) | / numba | check |")
    print("|---|---|---|---|---|")
    for name, t, first, note in rows:
        f = "" if first is None else f"{first:.2f}"
        print(f"| {name} | {f} | {t:.3f} | {t / t_numba:.1f} | {note} |")


if __name__ == "__main__":
    main()
