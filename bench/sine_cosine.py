"""Benchmark: the sine/cosine task, spikeopt and SNN-Hawkes-Process's own loop.

spikeopt's modes from ``examples/tasks/``: the default (CMA-ES population 14,
3000 evaluations, smooth loss) with each loss of :mod:`spikeopt.tasks.base`,
and the faithful mode (SNN-Hawkes's loss and CMA-ES settings, 15 iterations).
The peer is SNN-Hawkes's torch network and pycma loop
(``bench/peers/snn_hawkes_sine_cosine.py`` in ``bench/peers/.venv-snn-hawkes``)
on its own budget. Per fit seed: wall time of the search (spikeopt: in this
process after a warm-up; the peer: its CMA-ES loop), train and test accuracy —
on fresh sines vs cosines (spikeopt's test set) and on upstream's 15 sines +
15 coin-flip trains. Medians over ``--seeds`` fit seeds.

    .venv/bin/python bench/sine_cosine.py [--seeds 10] [--no-peers] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import spikeopt
from spikeopt.optimizers import MaxGenerations
from spikeopt.tasks import SineCosineTask

ROOT = Path(__file__).resolve().parents[1]
PEER_PY = ROOT / "bench" / "peers" / ".venv-snn-hawkes" / "bin" / "python"
PEER = ROOT / "bench" / "peers" / "snn_hawkes_sine_cosine.py"


def spikeopt_fit(seed: int, *, faithful: bool, loss: str = "cross_entropy",
                 hawkes: bool = False) -> dict:
    task = SineCosineTask(seed=seed, faithful=faithful, loss=loss)
    opts = {"popsize": 14, **task.optimizer_defaults()["cmaes"]}
    budget = MaxGenerations(15) if faithful else 3000
    t0 = time.perf_counter()
    res = spikeopt.optimize(task, task.space, optimizer="cmaes", budget=budget, seed=seed,
                            optimizer_options=opts)
    wall = time.perf_counter() - t0
    sc = task.outcome(res.best_params)
    # the other test set of each mode: fresh cosines for faithful, coin flips for default
    other = SineCosineTask(seed=seed, faithful=not faithful)
    out = {"wall_s": wall, "evaluations": res.n_evaluations,
           "train_accuracy": sc["train_accuracy"]}
    cross = other.outcome(res.best_params)["test_accuracy"]
    out["test_sine_cosine"], out["test_upstream"] = ((cross, sc["test_accuracy"]) if faithful
                                                     else (sc["test_accuracy"], cross))
    if hawkes:  # the connectivity-recovery benchmark: Hawkes alpha against the true weights
        from spikeopt.tasks.wiring import hawkes_wiring

        t0 = time.perf_counter()
        h = hawkes_wiring(task.layers(res.best_params, task.test),
                          task.weight_matrix(res.best_params), task.unit_names(),
                          max_trials=100)
        out.update({f"hawkes_{k}": v for k, v in h["recovery"].items()},
                   hawkes_s=time.perf_counter() - t0)
    return out


def peer_fit(seed: int) -> dict | None:
    if not PEER_PY.exists():
        return None
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "peer.json"
        subprocess.run([str(PEER_PY), str(PEER), "--seed", str(seed), "--test-cosine",
                        "--json", str(path)], check=True, capture_output=True, timeout=900)
        r = json.loads(path.read_text())
    return {"wall_s": r["wall_s"], "evaluations": r["evaluations"],
            "train_accuracy": r.get("train_accuracy"),
            "test_upstream": r.get("test_upstream_accuracy"),
            "test_sine_cosine": r.get("test_cosine_accuracy")}


def _median(rows, key):
    vals = [r[key] for r in rows if r.get(key) is not None]
    return (float(np.median(vals)), float(np.min(vals)), float(np.max(vals))) if vals else None


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--peer-seeds", type=int, default=None,
                    help="peer fits (default: --seeds; each takes minutes)")
    ap.add_argument("--json", default=None)
    a = ap.parse_args(argv)
    print(f"spikeopt {spikeopt.__version__}, Python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs")
    spikeopt_fit(0, faithful=False)  # warm-up: numba's cache load
    seeds = range(1, a.seeds + 1)
    out = {}
    for loss in ("cross_entropy", "error_margin", "margin"):
        out[f"spikeopt default ({loss})"] = [
            spikeopt_fit(s, faithful=False, loss=loss, hawkes=loss == "cross_entropy")
            for s in seeds]
    out["spikeopt faithful"] = [spikeopt_fit(s, faithful=True) for s in seeds]
    if not a.no_peers:
        rows = [peer_fit(s) for s in range(1, (a.peer_seeds or a.seeds) + 1)]
        if rows[0] is not None:
            out["SNN-Hawkes (torch + pycma)"] = rows
    print(f"\nmedian [min–max] over {a.seeds} fit seeds")
    print(f"{'':34s} {'wall s':>18s} {'evals':>6s} {'train acc':>18s} "
          f"{'test sine/cos':>18s} {'test upstream':>18s}")
    for label, rows in out.items():
        cells = []
        for key, fmt in (("wall_s", ".2f"), ("evaluations", ".0f"), ("train_accuracy", ".3f"),
                         ("test_sine_cosine", ".3f"), ("test_upstream", ".3f")):
            m = _median(rows, key)
            cells.append("—" if m is None else
                         f"{m[0]:{fmt}} [{m[1]:{fmt}}–{m[2]:{fmt}}]" if key != "evaluations"
                         else f"{m[0]:{fmt}}")
        print(f"{label:34s} {cells[0]:>18s} {cells[1]:>6s} {cells[2]:>18s} {cells[3]:>18s} "
              f"{cells[4]:>18s}")
    rows = out["spikeopt default (cross_entropy)"]
    span = "{:.2f} [{:.2f}–{:.2f}]"
    print("\nWiring read by Hawkes (default mode, 100 test trials): AUC of alpha for "
          "excitatory synapses " + span.format(*_median(rows, "hawkes_auc_excitatory"))
          + ", Spearman over existing synapses "
          + span.format(*_median(rows, "hawkes_spearman_existing"))
          + ", fit time " + "{:.1f} s".format(_median(rows, "hawkes_s")[0]))
    if a.json:
        Path(a.json).write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    sys.exit(main())
