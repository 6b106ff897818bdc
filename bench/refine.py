"""Benchmark: the held-out gain of a local refinement after the evolutionary search.

For each seed, one search as the config says (budget overridable), then each
refinement variant (method × loss) from the same search result: the training
loss before/after, whether the rule keeps it (training loss lower; with a
separate loss, the search's training loss not higher), and the held-out Γ
(and normalised Γ where the held-out stimulus has repeats) before and after.
The held-out numbers are reported, never used to decide.

    .venv/bin/python bench/refine.py examples/demo_adex.yaml --budget 400 --seeds 1,2,3
    .venv/bin/python bench/refine.py examples/qsnmc2007a.yaml --seeds 1
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

import spikeopt
from spikeopt.fitting import load_config
from spikeopt.fitting.problems import get_problem
from spikeopt.fitting.refine import run_refinement

VARIANTS = {
    "pattern / search loss": {"method": "pattern"},
    "cmaes / search loss": {"method": "cmaes"},
    "pattern / van Rossum 10 ms": {"method": "pattern",
                                   "loss": {"metric": "van_rossum", "tau_ms": 10.0}},
    "cmaes / van Rossum 10 ms": {"method": "cmaes",
                                 "loss": {"metric": "van_rossum", "tau_ms": 10.0}},
}


def held(scores: dict) -> tuple[float, float]:
    t = scores.get("test") or scores.get("train")
    return float(t["gamma"]), float(t.get("normalized_gamma", np.nan))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("config")
    ap.add_argument("--budget", type=int, default=None, help="search evaluations")
    ap.add_argument("--seeds", default="1")
    ap.add_argument("--evaluations", type=int, default=200, help="refinement evaluations")
    ap.add_argument("--top", type=int, default=4)
    ap.add_argument("--variants", default="0,1,2,3", help="indices into VARIANTS")
    args = ap.parse_args()
    names = list(VARIANTS)
    chosen = [names[int(i)] for i in args.variants.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in (int(s) for s in args.seeds.split(",")):
            cfg = load_config(args.config)
            cfg["output"] = str(Path(tmp) / f"seed{seed}")
            cfg["seed"] = seed
            cfg["report"] = {"gif": False, "validation": False}
            if args.budget:
                cfg["budget"] = {"evaluations": args.budget}
            t0 = time.perf_counter()
            result = spikeopt.fit(cfg, progress=False, report=False)
            t_search = time.perf_counter() - t0
            kind = get_problem(cfg)
            built = kind.build(cfg)
            g0, n0 = held(kind.outcome(cfg, result, built).scores)
            print(f"# seed {seed}: search {result.n_evaluations} evaluations in {t_search:.0f} s, "
                  f"training loss {result.best_loss:.4f}, held-out Γ {g0:.3f}"
                  + ("" if np.isnan(n0) else f", normalised Γ {n0:.3f}"), flush=True)
            for name in chosen:
                spec = {"evaluations": args.evaluations, "top": args.top, "step": 0.05,
                        **VARIANTS[name]}
                t0 = time.perf_counter()
                refined, info = run_refinement({**cfg, "refine": spec}, result, built,
                                               kind=kind.store_kind)
                t_ref = time.perf_counter() - t0
                g1, n1 = held(kind.outcome(cfg, refined, built).scores)
                kept = info["kept"]
                row = {"seed": seed, "variant": name, "kept": kept,
                       "train_before": info["train_loss_before"],
                       "train_after": info["train_loss_after"],
                       "gamma_before": g0, "gamma_after": g1, "ngamma_before": n0,
                       "ngamma_after": n1, "gain": (g1 - g0) if kept else 0.0,
                       "ngain": (n1 - n0) if kept else 0.0, "seconds": t_ref}
                rows.append(row)
                print(f"  {name:<28} train {row['train_before']:.4f} -> {row['train_after']:.4f}"
                      f"  kept {str(kept):<5}  held-out Γ {g0:.3f} -> {g1:.3f}"
                      + ("" if np.isnan(n0) else f"  normalised Γ {n0:.3f} -> {n1:.3f}")
                      + f"  ({t_ref:.0f} s)", flush=True)
    print("\n| variant | kept | held-out Γ before → refined (median) | gain as kept "
          "(median, min–max) | normalised Γ gain as kept (median) |")
    print("|---|---|---|---|---|")
    for name in chosen:
        rs = [r for r in rows if r["variant"] == name]
        gains = [r["gain"] for r in rs]
        ng = [r["ngain"] if r["kept"] else 0.0 for r in rs if not np.isnan(r["ngamma_before"])]
        ng = ng or [np.nan]
        print(f"| {name} | {sum(r['kept'] for r in rs)}/{len(rs)} | "
              f"{np.median([r['gamma_before'] for r in rs]):.3f} → "
              f"{np.median([r['gamma_after'] for r in rs]):.3f} | "
              f"{np.median(gains):+.3f} ({min(gains):+.3f}–{max(gains):+.3f}) | "
              + (f"{np.median(ng):+.3f} |" if not np.all(np.isnan(ng)) else "– |"))


if __name__ == "__main__":
    main()
