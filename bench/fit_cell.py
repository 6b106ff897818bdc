"""Peer comparison: spikeopt.fit vs brian2modelfitting's SpikeFitter, same job.

The job of issue 5: an AdEx cell with hidden parameters (a = 4 nS, b = 60 pA,
tau_w = 120 ms, V_T = -50 mV; C = 200 pF and g_L = 10 nS fixed) under
Ornstein–Uhlenbeck current, 3 training sweeps of 2 s and 1 held-out sweep,
sampled and simulated at 0.1 ms with forward Euler; 4 free parameters,
CMA-ES with population 32, 4 000 evaluations, Γ with Δ = 2 ms. Both fits run
in fresh processes (spikeopt: ``python -m spikeopt fit``; the peer in its own
venv, see bench/peers/README.md), so start-up and compilation count for both.
Held-out Γ is computed with spikeopt.metrics.gamma_factor for both.

    .venv/bin/python bench/fit_cell.py [--seeds 1,2,3] [--evaluations 4000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import spikeopt
from spikeopt import metrics, stimuli

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "peers"))

TRUTH = {"C": 200.0, "g_L": 10.0, "a": 4.0, "b": 60.0, "tau_w": 120.0, "V_T": -50.0}
FIXED = {"C": 200.0, "g_L": 10.0}
BOUNDS = {"a": [0.0, 10.0], "b": [0.0, 200.0], "tau_w": [10.0, 300.0], "V_T": [-60.0, -40.0]}
DT = 0.1


def make_recording(path: Path, seed: int) -> spikeopt.SpikeTrains:
    cur = stimuli.ou_noise(300.0, 150.0, 3.0, duration=2000.0, n_sweeps=4, dt=DT, rng=seed)
    res = spikeopt.simulate("adex", TRUTH, cur, dt=DT)
    np.savez(path, dt_ms=DT, current_pA=cur.values, spike_times_ms=res.spikes.times,
             spike_offsets=res.spikes.offsets)
    return res.spikes


def run_spikeopt(rec: Path, out: Path, seed: int, evaluations: int) -> dict:
    import yaml

    cfg = {"data": {"path": str(rec), "train_sweeps": [0, 1, 2], "test_sweeps": [3]},
           "model": "adex", "fixed": FIXED, "fit": BOUNDS,
           "objective": {"metric": "gamma_factor", "delta_ms": 2.0},
           "optimizer": {"name": "cmaes", "popsize": 32},
           "budget": {"evaluations": evaluations}, "seed": seed, "output": str(out),
           "report": {"gif": False, "validation": False}}
    path = out.parent / f"{out.name}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "spikeopt", "fit", str(path), "--no-progress",
                    "--overwrite"], check=True, capture_output=True)
    wall = time.perf_counter() - t0
    best = json.loads((out / "best_params.json").read_text())
    test = spikeopt.io.load_spikes(out / "best_spikes.npz")
    return {"wall_s": wall, "evaluations": best["evaluations"],
            "params": {k: v["value"] for k, v in best["fitted"].items()},
            "test_spikes": test[0]}


def run_peer(rec: Path, seed: int, evaluations: int) -> dict:
    from b2mf import run_b2mf

    out = run_b2mf({"data": str(rec), "train_sweeps": [0, 1, 2], "test_sweeps": [3],
                    "model": "adex", "fixed": FIXED, "fit": BOUNDS, "n_samples": 32,
                    "evaluations": evaluations, "optimizer": "CMA", "delta_ms": 2.0,
                    "seed": seed, "method": "euler", "fresh_cache": True})
    return {"wall_s": out["subprocess_wall_s"], "evaluations": out["n_evaluations"],
            "codegen_s": out.get("codegen_time_s"), "params": out["best_params"],
            "test_spikes": np.asarray(out["test_spike_times_ms"][0])}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--evaluations", type=int, default=4000)
    ap.add_argument("--no-peer", action="store_true")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="fit_cell_"))
    rows = []
    for seed in [int(s) for s in args.seeds.split(",")]:
        rec = work / f"rec{seed}.npz"
        target = make_recording(rec, seed)
        ours = run_spikeopt(rec, work / f"spikeopt{seed}", seed, args.evaluations)
        row = {"seed": seed, "spikeopt_s": ours["wall_s"], "spikeopt_evals": ours["evaluations"],
               "spikeopt_gamma": float(metrics.gamma_factor(ours["test_spikes"], target[3],
                                                            delta=2.0, t_stop=2000.0)),
               "spikeopt_params": ours["params"]}
        if not args.no_peer:
            peer = run_peer(rec, seed, args.evaluations)
            row.update({"b2mf_s": peer["wall_s"], "b2mf_evals": peer["evaluations"],
                        "b2mf_codegen_s": peer["codegen_s"],
                        "b2mf_gamma": float(metrics.gamma_factor(peer["test_spikes"], target[3],
                                                                 delta=2.0, t_stop=2000.0)),
                        "b2mf_params": peer["params"]})
        rows.append(row)
        print(json.dumps(row), flush=True)
    print(f"\n# AdEx ground truth, 4 parameters, 3 x 2 s training sweeps, dt {DT} ms, "
          f"CMA-ES pop 32, {args.evaluations} evaluations; wall time of a fresh process")
    print("| seed | spikeopt wall (s) | held-out Γ | brian2modelfitting wall (s) | its codegen (s) "
          "| held-out Γ | speed-up |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        if "b2mf_s" in r:
            print(f"| {r['seed']} | {r['spikeopt_s']:.1f} | {r['spikeopt_gamma']:.3f} | "
                  f"{r['b2mf_s']:.1f} | {r['b2mf_codegen_s'] or float('nan'):.1f} | "
                  f"{r['b2mf_gamma']:.3f} | {r['b2mf_s'] / r['spikeopt_s']:.1f}× |")
        else:
            print(f"| {r['seed']} | {r['spikeopt_s']:.1f} | {r['spikeopt_gamma']:.3f} | – | – | – "
                  "| – |")
    if rows and "b2mf_s" in rows[0]:
        so = np.median([r["spikeopt_s"] for r in rows])
        pe = np.median([r["b2mf_s"] for r in rows])
        print(f"| median | {so:.1f} | {np.median([r['spikeopt_gamma'] for r in rows]):.3f} | "
              f"{pe:.1f} | | {np.median([r['b2mf_gamma'] for r in rows]):.3f} | {pe / so:.1f}× |")


if __name__ == "__main__":
    main()
