"""Benchmark: speed-up of the parallel executors over serial on a CPU-bound objective.

One run per executor (serial, processes with 2 workers, dask LocalCluster with
2 single-threaded worker processes) of random search, population 16, on an
objective that costs ~20 ms of numpy work per candidate. Worker start-up is
excluded (one warm-up generation first); the median generation time is
compared, and the runs' histories are checked to be identical.

    .venv/bin/python bench/executors.py [--popsize 16] [--generations 6] [--work 20]
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

from spikeopt.run import DaskExecutor, ProcessExecutor, SerialExecutor, optimize

WORK = 20  # repetitions of the inner numpy loop per candidate (set from the command line)


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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--popsize", type=int, default=16)
    ap.add_argument("--generations", type=int, default=6)
    ap.add_argument("--work", type=int, default=20)
    args = ap.parse_args()
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f} at start")
    rows = []
    serial, ref = timed_run(SerialExecutor(), args.popsize, args.generations, args.work)
    rows.append(("serial", serial))
    histories = {}
    with ProcessExecutor(n_workers=2) as ex:
        t, res = timed_run(ex, args.popsize, args.generations, args.work)
        rows.append(("processes (2 workers)", t))
        histories["processes"] = res.history
    t0 = time.perf_counter()
    with DaskExecutor(n_workers=2, processes=True) as ex:
        start = time.perf_counter() - t0
        t, res = timed_run(ex, args.popsize, args.generations, args.work)
        rows.append(("dask LocalCluster (2 workers)", t))
        histories["dask"] = res.history
    for name, h in histories.items():
        same = h.drop(columns="eval_time").equals(ref.history.drop(columns="eval_time"))
        print(f"{name}: history identical to serial: {same}")
    print(f"dask cluster start-up: {start:.2f} s")
    print(f"population {args.popsize}, median generation time over {args.generations} "
          "generations (after one warm-up):")
    for name, t in rows:
        print(f"  {name:32s} {t * 1000:8.1f} ms  speed-up x{serial / t:.2f}")
    print(f"load average {os.getloadavg()[0]:.1f} at end")


if __name__ == "__main__":
    main()
