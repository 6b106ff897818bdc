"""Benchmark: speed-up of the parallel executors over serial on a CPU-bound objective.

Runs of random search (population 16) on an objective that costs tens of ms
of numpy work per candidate, with the serial executor, processes (2 workers)
and a dask LocalCluster (2 single-threaded worker processes). The executors
are started once (start-up is reported apart), the runs are interleaved over
``--repeats`` rounds so that changes of machine load hit all of them, the first
generation of each run is a warm-up, and the median generation time is
compared. Every run's history must be identical to the serial one. The
machine's own ceiling (the same work split over two bare
``concurrent.futures`` processes, no spikeopt) is printed for comparison.

    .venv/bin/python bench/executors.py [--popsize 16] [--generations 4] [--work 40]
                                        [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from spikeopt.run import DaskExecutor, ProcessExecutor, SerialExecutor, optimize

WORK = 40  # repetitions of the inner numpy loop per candidate (set from the command line)


def busy(params):
    """CPU-bound: WORK × (sin·cos over 20 000 points) per candidate; minimum at (0.3, -0.2)."""
    x, y = np.asarray(params["x"]), np.asarray(params["y"])
    v = np.linspace(0.0, 1.0, 20000)
    acc = np.zeros(len(x))
    for i in range(len(x)):
        for _ in range(WORK):
            acc[i] += float(np.sum(np.sin(v * x[i]) * np.cos(v * y[i])))
    return (x - 0.3) ** 2 + (y + 0.2) ** 2 + 1e-15 * acc


class Busy:
    """Picklable wrapper carrying the work size to the workers."""

    def __init__(self, work):
        self.work = work

    def __call__(self, params):
        global WORK
        WORK = self.work
        return busy(params)


def timed_run(executor, popsize, generations, work):
    times = []
    res = optimize(Busy(work), {"x": (-1.0, 1.0), "y": (-1.0, 1.0)}, optimizer="random",
                   budget=popsize * (generations + 1), seed=0, executor=executor,
                   optimizer_options={"popsize": popsize},
                   callbacks=[lambda info: times.append(info.generation_seconds)])
    return np.median(times[1:]), res


def _raw_job(args):
    work, n = args
    p = {"x": np.full(n, 0.5), "y": np.full(n, 0.1)}
    t = time.perf_counter()
    Busy(work)(p)
    return time.perf_counter() - t


def ceiling(pool, work, popsize, repeats=3):
    """The machine's own parallel capacity on this objective, without spikeopt:
    the same population split over two bare ``concurrent.futures`` processes."""
    ratios = []
    for _ in range(repeats):
        t = time.perf_counter()
        _raw_job((work, popsize))
        one = time.perf_counter() - t
        t = time.perf_counter()
        list(pool.map(_raw_job, [(work, popsize // 2), (work, popsize - popsize // 2)]))
        ratios.append(one / (time.perf_counter() - t))
    return float(np.median(ratios))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--popsize", type=int, default=16)
    ap.add_argument("--generations", type=int, default=4)
    ap.add_argument("--work", type=int, default=40)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f} at start")
    t0 = time.perf_counter()
    executors = {"serial": SerialExecutor(), "processes (2 workers)": ProcessExecutor(2)}
    executors["processes (2 workers)"].map(abs, [1, 2])  # start the pool
    t1 = time.perf_counter()
    executors["dask LocalCluster (2 workers)"] = DaskExecutor(n_workers=2, processes=True)
    print(f"start-up: process pool {t1 - t0:.2f} s, dask cluster {time.perf_counter() - t1:.2f} s")
    # interleave the executors so that a change of machine load hits all of them
    times: dict[str, list[float]] = {k: [] for k in executors}
    ref = None
    try:
        for _ in range(args.repeats):
            for name, ex in executors.items():
                t, res = timed_run(ex, args.popsize, args.generations, args.work)
                times[name].append(t)
                h = res.history.drop(columns="eval_time")
                ref = h if ref is None else ref
                assert h.equals(ref), f"{name}: history differs from serial"
    finally:
        for ex in executors.values():
            ex.close()
    print("histories identical across executors: True")
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(_raw_job, [(1, 1), (1, 1)]))
        cap = ceiling(pool, args.work, args.popsize)
    print(f"machine ceiling (bare concurrent.futures, 2 processes, same work): x{cap:.2f}")
    serial = np.median(times["serial"])
    print(f"population {args.popsize}, ~{args.work} x 20k-point sin*cos per candidate; median "
          f"generation time over {args.repeats} interleaved runs of {args.generations} "
          "generations (after one warm-up each):")
    for name, ts in times.items():
        t = np.median(ts)
        ratios = ", ".join(f"{a / b:.2f}" for a, b in zip(times["serial"], ts, strict=True))
        print(f"  {name:32s} {t * 1000:8.1f} ms  speed-up x{serial / t:.2f}  "
              f"(per-round ratios {ratios})")
    print(f"load average {os.getloadavg()[0]:.1f} at end")


if __name__ == "__main__":
    main()
