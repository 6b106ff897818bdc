"""Self-check of the brian2modelfitting peer on an AdEx ground truth.

Runs from spikeopt's venv: spikeopt makes the recording (AdEx with hidden
parameters under OU noise current, 4 sweeps of 2 s at dt 0.1 ms) and scores
the peer's held-out spikes with its own Γ; the fit itself runs in .venv-b2mf.

    .venv/bin/python bench/peers/selfcheck_b2mf.py [--evaluations 4000] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

import spikeopt
from spikeopt.metrics import gamma_factor

sys.path.insert(0, str(Path(__file__).resolve().parent))
from b2mf import run_b2mf  # noqa: E402

TRUTH = {"a": 2.0, "b": 60.0, "tau_w": 120.0, "V_T": -50.0}
FIXED = {"C": 200.0, "g_L": 10.0}
BOUNDS = {"a": [0.0, 10.0], "b": [0.0, 200.0], "tau_w": [10.0, 300.0], "V_T": [-60.0, -40.0]}
DT, DURATION = 0.1, 2000.0


def make_recording(path: Path, rng: int = 1) -> None:
    stim = spikeopt.stimuli.ou_noise(300.0, 150.0, 5.0, duration=DURATION, n_sweeps=4,
                                     dt=DT, rng=rng)
    res = spikeopt.simulate("adex", {**FIXED, **TRUTH}, stim, dt=DT)
    np.savez(path, dt_ms=DT, current_pA=np.asarray(stim.values, dtype=float),
             spike_times_ms=np.asarray(res.spikes.times, dtype=float),
             spike_offsets=np.asarray(res.spikes.offsets, dtype=np.int64))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--evaluations", type=int, default=4000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data", default="/tmp/b2mf_selfcheck_adex.npz")
    ap.add_argument("--json", help="also write the peer's output here")
    ap.add_argument("--venv", help="peer venv (default: .venv-b2mf, built if missing)")
    ap.add_argument("--warm-cache", action="store_true",
                    help="reuse Brian2's Cython cache (default: a cold one, compilation counted)")
    args = ap.parse_args()

    data = Path(args.data)
    make_recording(data)
    z = np.load(data)
    times, offs = z["spike_times_ms"], z["spike_offsets"]
    trains = [times[offs[i]:offs[i + 1]] for i in range(len(offs) - 1)]
    print("spikes per sweep:", [len(t) for t in trains])

    job = {"data": str(data), "train_sweeps": [0, 1, 2], "test_sweeps": [3],
           "model": "adex", "fixed": FIXED, "fit": BOUNDS, "n_samples": 32,
           "evaluations": args.evaluations, "optimizer": "CMA", "delta_ms": 2.0,
           "seed": args.seed, "method": "euler", "fresh_cache": not args.warm_cache}
    out = run_b2mf(job, venv=args.venv)
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))

    t_stop = out["t_stop_ms"]
    g_test = [float(gamma_factor(np.asarray(m), trains[i], delta=2.0, t_stop=t_stop))
              for m, i in zip(out["test_spike_times_ms"], out["test_sweeps"], strict=True)]
    g_train = [float(gamma_factor(np.asarray(m), trains[i], delta=2.0, t_stop=t_stop))
               for m, i in zip(out["train_spike_times_ms"], out["train_sweeps"], strict=True)]
    print(f"versions: {out['versions']}")
    print(f"evaluations {out['n_evaluations']} ({out['n_rounds']} rounds x {out['n_samples']})")
    print(f"wall time: subprocess {out['subprocess_wall_s']:.1f} s, fit {out['fit_time_s']:.1f} s"
          f" (first round {out['first_round_s']:.1f} s, of which ~{out['codegen_time_s']:.1f} s"
          f" set-up/code generation; median round {out['median_round_s']:.3f} s)")
    print(f"train loss (b2mf GammaFactor error) {out['train_loss']:.4f}")
    print("train Γ (spikeopt):", np.round(g_train, 4).tolist())
    print("held-out Γ (spikeopt):", np.round(g_test, 4).tolist())
    for p, v in out["best_params"].items():
        print(f"  {p:6s} fit {v:9.3f}  truth {TRUTH[p]:9.3f}")


if __name__ == "__main__":
    main()
