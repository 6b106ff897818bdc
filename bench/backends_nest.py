"""Benchmark: the same work on backend="numba" and backend="nest".

1. A single-cell batch: 200 LIF (or AdEx) candidates with different parameters,
   one step current, 1 s at dt = 0.1 ms.
2. A CUBA network (library.cuba, 800 or 4000 LIF, exp_current, p = 0.02),
   P candidates (different inhibitory weights), 1 s at dt = 0.1 ms.

numba runs all candidates in one compiled call (after a warm-up call for the
JIT). NEST runs one candidate per kernel in ``--workers`` worker processes
(``spikeopt.simulate(..., backend="nest", workers=W)``); its wall time includes
starting the workers (importing spikeopt and NEST), which is reported
separately from a run with one trivial candidate; ``workers=0`` (NEST in this
process, one candidate after the other) shows NEST's own cost. Prints the median of
``--repeats`` wall times and the ratio nest / numba, plus the mean rates as a
check that both did the same work.

    .venv/bin/python bench/backends_nest.py [--model lif|adex] [--n-cells 200]
        [--n-net 800] [--p-net 4] [--workers 2] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

import spikeopt
from spikeopt import models, stimuli
from spikeopt.network import library

T_MS, DT = 1000.0, 0.1


def cells(model: str, n: int, seed: int = 0) -> tuple[dict, stimuli.Stimulus]:
    rng = np.random.default_rng(seed)
    if model == "lif":
        p = {"tau_m": rng.uniform(10.0, 30.0, n), "R": rng.uniform(80.0, 150.0, n)}
        return p, stimuli.step(300.0, duration=T_MS, t_on=50.0)
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="lif", choices=["lif", "adex"])
    ap.add_argument("--n-cells", type=int, default=200)
    ap.add_argument("--n-net", type=int, default=800)
    ap.add_argument("--p-net", type=int, default=4, help="candidate networks")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    from importlib.metadata import version  # NEST itself is imported by the workers only

    print(f"# spikeopt {spikeopt.__version__}, NEST {version('nest-simulator')}, "
          f"numpy {np.__version__}, "
          f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}; "
          f"workers={args.workers}, repeats={args.repeats}")
    nest_kw = dict(backend="nest", workers=args.workers)

    # worker start-up: one trivial candidate per worker
    tiny = stimuli.step(0.0, duration=1.0)
    t_start, _ = timed(lambda: spikeopt.simulate("lif", {"tau_m": [10.0] * args.workers}, tiny,
                                                 dt=DT, **nest_kw), 1)
    print(f"worker start-up (W={args.workers}, one 1 ms candidate each): {t_start:.2f} s")

    # 1. single cells
    p, stim = cells(args.model, args.n_cells)
    spikeopt.simulate(args.model, p, stim, dt=DT)  # JIT warm-up
    t_numba, ref = timed(lambda: spikeopt.simulate(args.model, p, stim, dt=DT), args.repeats)
    t_nest, res = timed(lambda: spikeopt.simulate(args.model, p, stim, dt=DT, **nest_kw),
                        args.repeats)
    t_here, _ = timed(lambda: spikeopt.simulate(args.model, p, stim, dt=DT, backend="nest",
                                                workers=0), args.repeats)
    print(f"cells: {args.n_cells} {args.model} x {T_MS:g} ms | numba {t_numba * 1e3:8.1f} ms | "
          f"nest W={args.workers} {t_nest * 1e3:8.1f} ms ({t_nest / t_numba:.0f}x) | "
          f"nest in-process {t_here * 1e3:8.1f} ms ({t_here / t_numba:.0f}x) | "
          f"mean count numba {ref.spikes.counts().mean():.2f}, "
          f"nest {res.spikes.counts().mean():.2f}")

    # 2. CUBA networks
    net = library.cuba(n=args.n_net, p=0.02, delay_ms=0.1)
    params = {"projections.IE.weight": np.linspace(-9.0, -6.0, args.p_net)}
    kw = dict(t_stop=T_MS, dt=DT, seed=1)
    spikeopt.simulate(net, params, **kw)  # JIT warm-up
    t_numba, ref = timed(lambda: spikeopt.simulate(net, params, **kw), args.repeats)
    t_nest, res = timed(lambda: spikeopt.simulate(net, params, **kw, **nest_kw), args.repeats)
    t_here, _ = timed(lambda: spikeopt.simulate(net, params, **kw, backend="nest", workers=0),
                      args.repeats)
    print(f"CUBA: {args.p_net} x {args.n_net} LIF x {T_MS:g} ms | numba {t_numba * 1e3:8.1f} ms | "
          f"nest W={args.workers} {t_nest * 1e3:8.1f} ms ({t_nest / t_numba:.0f}x) | "
          f"nest in-process {t_here * 1e3:8.1f} ms ({t_here / t_numba:.0f}x) | "
          f"E rate numba {np.round(ref.mean_rate('E'), 1).tolist()} Hz, "
          f"nest {np.round(res.mean_rate('E'), 1).tolist()} Hz")


if __name__ == "__main__":
    main()
