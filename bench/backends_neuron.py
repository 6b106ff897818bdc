"""Benchmark: the NEURON backend against the numba engine, and a fit on NEURON.

1. NetPyNE's tut2 network (20 + 20 HH cells, NetStim background, Exp2Syn;
   1000 ms at dt 0.025 ms): wall time per network evaluation on the numba
   engine (one network; a batch of ``--seeds``) and on NEURON (in this process,
   ``workers=0``; and ``workers=2`` worker processes, their start included), and
   the S and M rates over the same seeds (same wirings and cell draws, different
   Poisson draws).
2. A single-cell ``hh`` batch (``--cells`` candidates, gnabar spread, 100 pA,
   1000 ms at 0.025 ms): wall time on both engines.
3. ``--fit``: NetPyNE's tut_optimization target (mean rate of all 40 cells
   17 Hz; genes S→M probability, weight, delay) fitted with spikeopt's CMA-ES
   (population 10, 50 evaluations, a new wiring per evaluation) on NEURON
   (``workers=2``: fresh worker processes every generation; and ``workers=0``,
   in this process like NetPyNE's loop) and on the numba engine; ``--peer`` also runs NetPyNE's own
   inspyred loop (``bench/peers/netpyne_tut2_fit.py`` in
   ``bench/peers/.venv-netpyne``). Per fit: evaluations and wall time until the
   first evaluation within ±1 Hz, and the whole wall time.

    .venv/bin/python bench/backends_neuron.py [--seeds 8] [--cells 64] [--fit] [--peer]
                                              [--json out.json]

Medians of ``--repeats`` runs after a warm-up (numba's cache load, NEURON's start).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import spikeopt
from spikeopt import stimuli
from spikeopt.fitting.network import NetworkProblem
from spikeopt.network import library

ROOT = Path(__file__).resolve().parents[1]
PEER_PY = ROOT / "bench" / "peers" / ".venv-netpyne" / "bin" / "python"
PEER = ROOT / "bench" / "peers" / "netpyne_tut2_fit.py"
DT = 0.025
T_STOP = 1000.0
TARGET_HZ = 17.0


def _median_wall(fn, repeats: int) -> float:
    walls = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        walls.append(time.perf_counter() - t0)
    return float(statistics.median(walls))


def bench_network(n_seeds: int, repeats: int) -> dict:
    net = library.netpyne_tut2()
    seeds = list(range(1, n_seeds + 1))
    one = {"projections.SM.weight": np.full(1, 10.0)}
    many = {"projections.SM.weight": np.full(n_seeds, 10.0)}

    def numba(p, s):
        return spikeopt.simulate(net, p, t_stop=T_STOP, dt=DT, seed=s)

    def neuron(p, s, workers):
        return spikeopt.simulate(net, p, t_stop=T_STOP, dt=DT, seed=s, backend="neuron",
                                 workers=workers)

    numba(one, [1])
    neuron(one, [1], 0)  # warm-ups: numba's cache, NEURON's start in this process
    out = {
        "numba_one_s": _median_wall(lambda: numba(one, [1]), repeats),
        "numba_batch_per_net_s": _median_wall(lambda: numba(many, seeds), repeats) / n_seeds,
        "neuron_inprocess_per_net_s": _median_wall(lambda: neuron(one, [1], 0), repeats),
    }
    t0 = time.perf_counter()
    rn = neuron(many, seeds, 2)
    out["neuron_workers2_per_net_s"] = (time.perf_counter() - t0) / n_seeds
    rb = numba(many, seeds)
    for pop in ("S", "M"):
        for tag, r in (("neuron", rn), ("numba", rb)):
            rates = r.mean_rate(pop)
            out[f"{tag}_{pop}_hz"] = [float(rates.mean()), float(rates.std(ddof=1))]
    out["seeds"] = n_seeds
    return out


def bench_cells(n_cells: int, repeats: int) -> dict:
    stim = stimuli.step(100.0, duration=T_STOP, t_on=10.0, dt=DT)
    params = {"gnabar": np.linspace(0.1, 0.3, n_cells)}

    def numba():
        return spikeopt.simulate("hh", params, stim, dt=DT)

    def neuron(workers):
        return spikeopt.simulate("hh", params, stim, dt=DT, backend="neuron", workers=workers)

    numba()
    neuron(0)
    a, b = numba().spikes.counts(), neuron(0).spikes.counts()
    return {"cells": n_cells, "numba_s": _median_wall(numba, repeats),
            "neuron_inprocess_s": _median_wall(lambda: neuron(0), repeats),
            "neuron_workers2_s": _median_wall(lambda: neuron(2), 1),
            "max_count_difference": int(np.abs(a - b).max()), "spikes": int(a.sum())}


class _Recorder:
    """The tut_optimization fitness |17 - rate| (rate over all 40 cells) of every
    evaluation, with the wall time at its end."""

    takes_seeds = True

    def __init__(self, problem: NetworkProblem):
        self.problem = problem
        self.space = problem.space
        self.errors: list[float] = []
        self.t: list[float] = []
        self.t0 = time.perf_counter()

    def __call__(self, params, *, seeds):
        res = self.problem.simulate(params, seeds)
        rate = (res.mean_rate("S") + res.mean_rate("M")) / 2.0  # 20 + 20 cells
        err = np.abs(TARGET_HZ - rate)
        now = time.perf_counter() - self.t0
        self.errors += err.tolist()
        self.t += [now] * err.size
        return err


def _summary(errors, times, wall) -> dict:
    hit = next((i for i, e in enumerate(errors) if e <= 1.0), None)
    return {"evaluations": len(errors), "wall_s": wall, "best_error_hz": float(min(errors)),
            "evals_to_1hz": None if hit is None else hit + 1,
            "time_to_1hz_s": None if hit is None else float(times[hit])}


def bench_fit(backend, seed: int) -> dict:
    fit = {"projections.SM.connector.p": [0.01, 0.5], "projections.SM.weight": [1.0, 100.0],
           "projections.SM.delay_ms": [1.0, 20.0]}
    problem = NetworkProblem(library.netpyne_tut2(), fit, [
        {"metric": "mean_rate", "populations": ["S", "M"], "pooled": True,
         "target_hz": TARGET_HZ}], t_stop_ms=T_STOP, dt_ms=DT, backend=backend)
    rec = _Recorder(problem)
    t0 = time.perf_counter()
    spikeopt.optimize(rec, rec.space, optimizer="cmaes", budget=50, seed=seed,
                      optimizer_options={"popsize": 10})
    return _summary(rec.errors, rec.t, time.perf_counter() - t0)


def bench_peer(seed: int) -> dict | None:
    if not PEER_PY.exists():
        return None
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "peer.json"
        subprocess.run([str(PEER_PY), str(PEER), "--seed", str(seed), "--max-evaluations", "50",
                        "--json", str(out)], check=True, cwd=tmp)
        data = json.loads(out.read_text())
    errors = [e["fitness"] for e in data["per_eval"]]
    return {**_summary(errors, [e["t_s"] for e in data["per_eval"]], data["wall_s"]),
            "median_eval_s": data.get("median_eval_s")}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--cells", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--fit", action="store_true")
    ap.add_argument("--peer", action="store_true")
    ap.add_argument("--fit-seed", type=int, default=1)
    ap.add_argument("--json", default=None)
    opt = ap.parse_args()
    from importlib import metadata

    out = {"versions": {"spikeopt": spikeopt.__version__, "neuron": metadata.version("neuron"),
                        "python": sys.version.split()[0], "machine": platform.machine()}}
    net = out["network"] = bench_network(opt.seeds, opt.repeats)
    print(f"tut2, {T_STOP:g} ms at {DT} ms, wall per network evaluation:")
    print(f"  numba, one network          {net['numba_one_s']:8.3f} s")
    print(f"  numba, batch of {opt.seeds:<3d}         {net['numba_batch_per_net_s']:8.3f} s")
    print(f"  NEURON, in this process     {net['neuron_inprocess_per_net_s']:8.3f} s  "
          f"({net['neuron_inprocess_per_net_s'] / net['numba_batch_per_net_s']:.1f}x batch)")
    print(f"  NEURON, 2 workers (starts)  {net['neuron_workers2_per_net_s']:8.3f} s")
    for pop in ("S", "M"):
        a, b = net[f"neuron_{pop}_hz"], net[f"numba_{pop}_hz"]
        print(f"  rate {pop}: NEURON {a[0]:.2f} ± {a[1]:.2f} Hz, numba {b[0]:.2f} ± {b[1]:.2f} Hz "
              f"({opt.seeds} seeds)")
    cells = out["cells"] = bench_cells(opt.cells, opt.repeats)
    print(f"hh batch, {opt.cells} candidates x {T_STOP:g} ms: numba {cells['numba_s']:.3f} s, "
          f"NEURON {cells['neuron_inprocess_s']:.3f} s in process "
          f"({cells['neuron_inprocess_s'] / cells['numba_s']:.0f}x), "
          f"{cells['neuron_workers2_s']:.3f} s on 2 workers; "
          f"spike counts differ by <= {cells['max_count_difference']}")
    if opt.fit:
        out["fit"] = {"neuron_workers2": bench_fit({"name": "neuron", "workers": 2},
                                                   opt.fit_seed),
                      "neuron_inprocess": bench_fit({"name": "neuron", "workers": 0},
                                                    opt.fit_seed),
                      "numba": bench_fit("numba", opt.fit_seed)}
        if opt.peer:
            out["fit"]["netpyne_inspyred"] = bench_peer(opt.fit_seed)
        print("tut_optimization (17 Hz, 50 evaluations):")
        for name, r in out["fit"].items():
            if r is None:
                print(f"  {name}: peer venv missing (bench/peers/setup_netpyne_venv.sh)")
                continue
            print(f"  {name:18s} wall {r['wall_s']:7.1f} s, best |17 - rate| "
                  f"{r['best_error_hz']:.2f} Hz, within 1 Hz after {r['evals_to_1hz']} "
                  f"evaluations / {r['time_to_1hz_s'] or float('nan'):.1f} s")
    if opt.json:
        Path(opt.json).write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
