"""QSNMC 2007 challenge A: fit AdEx and Izhikevich 2007 to a real L5 pyramidal cell.

Protocol (published in BENCHMARKS.md):
- data: ../shared/data/qsnmc2007_challengeA_L5pyr_noise/challengeA_training.npz,
  8 frozen-noise stimuli (sets 00, 04, 05, 06, 08, 09, 11, 12) x 4 repeats,
  6.8 s each, sampled at 0.2 ms; spike times as provided by the organizers;
- training: all 4 repeats of sets 00, 04, 05, 06 (16 sweeps, each with its own
  recorded current); held out: sets 11 (reliable timing), 08, 09, 12;
- objective: 1 - Γ (Δ = 2 ms) + 0.05 x SPIKE-distance (+ w x the normalised
  subthreshold voltage error with ``--voltage-weight w``); simulation at 0.1 ms
  (forward Euler, current held per 0.2-ms sample);
- score on each held-out stimulus: the model under the first repeat's current,
  Γ against each of the 4 recorded repeats (mean), and Γ normalised by the
  repeats' intrinsic reliability R (mean Γ between repeats).

    .venv/bin/python bench/fit_qsnmc.py [--evaluations 4000] [--seeds 1,2,3]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

DATA = (Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
        / "qsnmc2007_challengeA_L5pyr_noise" / "challengeA_training.npz").resolve()

SETS = [0, 4, 5, 6, 8, 9, 11, 12]
TRAIN_SETS = [0, 4, 5, 6]
TEST_SETS = [11, 8, 9, 12]

MODELS = {
    "adex": {
        "fixed": {"V_peak": 0.0},
        "fit": {"C": [50.0, 500.0], "g_L": [2.0, 50.0], "E_L": [-80.0, -55.0],
                "V_T": [-60.0, -35.0], "Delta_T": [0.5, 6.0], "V_reset": [-80.0, -40.0],
                "a": [-5.0, 20.0], "tau_w": [5.0, 500.0], "b": [0.0, 300.0]},
    },
    "izhikevich2007": {
        "fixed": {},
        "fit": {"C": [30.0, 500.0], "k": [0.2, 3.0], "v_r": [-80.0, -55.0],
                "v_t": [-55.0, -30.0], "v_peak": [0.0, 50.0], "a": [0.001, 0.3],
                "b": [-10.0, 20.0], "c": [-70.0, -35.0], "d": [0.0, 400.0]},
    },
}


def sweeps_of(sets):
    return [4 * SETS.index(s) + r for s in sets for r in range(4)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--evaluations", type=int, default=4000)
    ap.add_argument("--seeds", default="1")
    ap.add_argument("--models", default="adex,izhikevich2007")
    ap.add_argument("--out", default=None, help="keep the run folders here")
    ap.add_argument("--voltage-weight", type=float, default=0.0,
                    help="add this weight x the subthreshold voltage error to 1 - Γ")
    args = ap.parse_args()
    if not DATA.exists():
        raise SystemExit(f"QSNMC data not found at {DATA}")
    import spikeopt

    work = Path(args.out or tempfile.mkdtemp(prefix="qsnmc_"))
    rec_path = DATA  # spikeopt.io reads the repeats layout directly (stimulus_id = set)
    objective = {"metric": "gamma_factor", "delta_ms": 2.0}
    if args.voltage_weight:
        objective = {"terms": [objective, {"metric": "voltage", "weight": args.voltage_weight}]}
    rows = []
    for model in args.models.split(","):
        for seed in [int(s) for s in args.seeds.split(",")]:
            cfg = {
                "data": {"path": str(rec_path), "train_sweeps": sweeps_of(TRAIN_SETS),
                         "test_sweeps": sweeps_of(TEST_SETS)},
                "model": model, **MODELS[model],
                "objective": objective,
                "optimizer": {"name": "cmaes", "popsize": 32},
                "budget": {"evaluations": args.evaluations},
                "simulation": {"dt_ms": 0.1},
                "seed": seed, "output": str(work / f"{model}_seed{seed}"),
                "report": {"gif": False, "validation": False},
            }
            t0 = time.perf_counter()
            res = spikeopt.fit(cfg, progress=False, overwrite=True)
            wall = time.perf_counter() - t0
            scores = json.loads((Path(cfg["output"]) / "scores.json").read_text())
            by = scores.get("test_by_stimulus", {})
            row = {"model": model, "seed": seed, "evaluations": res.n_evaluations,
                   "wall_s": wall, "train_gamma": scores["train"]["gamma"]}
            for s in TEST_SETS:
                b = by.get(str(s), {})
                row[f"set{s:02d}_norm_gamma"] = b.get("normalized_gamma", float("nan"))
                row[f"set{s:02d}_R"] = b.get("reliability", float("nan"))
            rows.append(row)
            print(json.dumps(row), flush=True)
    print("\n| model | seed | evaluations | wall (s) | train Γ | set 11 Γ/R | R(11) "
          "| set 08 Γ/R | set 09 Γ/R | set 12 Γ/R |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['model']} | {r['seed']} | {r['evaluations']} | {r['wall_s']:.1f} | "
              f"{r['train_gamma']:.3f} | {r['set11_norm_gamma']:.3f} | {r['set11_R']:.2f} | "
              f"{r['set08_norm_gamma']:.2f} | {r['set09_norm_gamma']:.2f} | "
              f"{r['set12_norm_gamma']:.2f} |")
    print(f"# run folders in {work}")


if __name__ == "__main__":
    main()
