"""QSNMC 2007 challenge A: every spikeopt model fitted to a real L5 pyramidal cell.

Protocol (published in BENCHMARKS.md, "QSNMC 2007 A, issue 14"):
- data: ../shared/data/qsnmc2007_challengeA_L5pyr_noise/challengeA_training.npz,
  8 frozen-noise stimuli (sets 00, 04, 05, 06, 08, 09, 11, 12) x 4 repeats,
  6.8 s each, sampled at 0.2 ms; spike times as provided by the organizers;
- main protocol: train on all 4 repeats of sets 00, 04, 05, 06 (16 sweeps, each
  with its own recorded current), held out: set 11 (and 08, 09, 12, whose
  repeats are too unreliable for the normalised score to mean anything);
- cross-validation (``--cv``): leave one reliable set out — for each of the
  reliable sets 00, 04, 05, 11, train on the other three, test on it;
- objective: 1 - Γ (Δ = 2 ms, the challenge's precision) + 0.05 x
  SPIKE-distance, + w x the normalised subthreshold voltage error for the models
  whose voltage is a membrane potential (per-model weight in MODELS, or
  ``--voltage-weight``); simulation at ``--dt`` ms (forward Euler, current held
  per 0.2-ms sample);
- score on each held-out stimulus (the challenge's Γ_A): the model under the
  first repeat's current, Γ (Δ = 2 ms) against each of the 4 recorded repeats
  (mean), divided by the repeats' intrinsic reliability R (mean Γ between
  repeats);
- cost: wall time of the whole fit (report included) and its CPU time (all
  threads of the process: on an otherwise idle 2-core machine the wall time is
  about CPU / 2, numba's parallel layer running 2 threads).

    .venv/bin/python bench/fit_qsnmc.py [--models mat,adex] [--evaluations 3000]
        [--seeds 1,2,3] [--cv] [--train-current first_repeat]

``examples/qsnmc2007a.yaml`` is ``--models glif5 --dt 0.2 --evaluations 8000
--train-current first_repeat``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

DATA = (Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
        / "qsnmc2007_challengeA_L5pyr_noise" / "challengeA_training.npz").resolve()

TRAIN_SETS = [0, 4, 5, 6]
TEST_SETS = [11, 8, 9, 12]
RELIABLE = [0, 4, 5, 11]

_ADEX = {"C": [50.0, 500.0], "g_L": [2.0, 50.0], "E_L": [-80.0, -55.0],
         "V_T": [-60.0, -35.0], "Delta_T": [0.5, 6.0], "V_reset": [-80.0, -40.0],
         "a": [-5.0, 20.0], "tau_w": [5.0, 500.0], "b": [0.0, 300.0]}
_GLIF = {"C": [10.0, 500.0], "g_L": [1.0, 50.0], "E_L": [-85.0, -55.0],
         "theta_inf": [-65.0, -35.0], "t_ref": [0.5, 5.0]}
_GLIF_R = {"f_v": [0.0, 1.0], "delta_V": [-20.0, 30.0], "delta_theta_s": [0.0, 20.0],
           "b_s": [0.001, 1.0]}
_GLIF_ASC = {"A1": [-500.0, 500.0], "A2": [-500.0, 500.0], "k1": [0.001, 1.0],
             "k2": [0.001, 1.0]}

# per model: fixed values, fitted bounds (model units) and the voltage term's weight
MODELS = {
    "mat": {
        # v is a non-resetting integrator, not the membrane potential: no voltage term;
        # E_L only shifts v and omega together, so it is fixed
        "fixed": {"E_L": -70.0, "t_ref": 2.0},
        "fit": {"tau_m": [0.5, 50.0], "R": [10.0, 2000.0], "omega": [-70.0, 20.0],
                "alpha1": [0.0, 200.0], "alpha2": [-10.0, 50.0], "tau1": [2.0, 50.0],
                "tau2": [50.0, 1000.0]},
        "voltage_weight": 0.0,
    },
    "adex": {"fixed": {"V_peak": 0.0}, "fit": _ADEX, "voltage_weight": 0.2},
    "adex_threshold": {"fixed": {"V_peak": 0.0},
                       "fit": {**_ADEX, "tau_T": [1.0, 300.0], "delta_V_T": [0.0, 20.0]},
                       "voltage_weight": 0.2},
    "izhikevich2007": {
        "fixed": {},
        "fit": {"C": [30.0, 500.0], "k": [0.2, 3.0], "v_r": [-80.0, -55.0],
                "v_t": [-55.0, -30.0], "v_peak": [0.0, 50.0], "a": [0.001, 0.3],
                "b": [-10.0, 20.0], "c": [-70.0, -35.0], "d": [0.0, 400.0]},
        "voltage_weight": 0.2,
    },
    "glif1": {"fixed": {}, "fit": {**_GLIF, "V_reset": [-85.0, -55.0]}, "voltage_weight": 0.2},
    "glif2": {"fixed": {}, "fit": {**_GLIF, **_GLIF_R}, "voltage_weight": 0.2},
    "glif3": {"fixed": {"r1": 1.0, "r2": 1.0},
              "fit": {**_GLIF, "V_reset": [-85.0, -55.0], **_GLIF_ASC}, "voltage_weight": 0.2},
    "glif4": {"fixed": {"r1": 1.0, "r2": 1.0}, "fit": {**_GLIF, **_GLIF_R, **_GLIF_ASC},
              "voltage_weight": 0.2},
    "glif5": {"fixed": {"r1": 1.0, "r2": 1.0},
              "fit": {**_GLIF, **_GLIF_R, **_GLIF_ASC, "a_v": [-0.05, 0.1], "b_v": [0.001, 1.0]},
              "voltage_weight": 0.2},
}


# ``--refine``: after the search, a compass search on the van Rossum loss, kept only
# if it lowers that training loss (examples/qsnmc2007a.yaml does this)
REFINE = {"method": "pattern", "evaluations": 400, "top": 2,
          "loss": {"metric": "van_rossum", "tau_ms": 10.0}}


def config(model: str, train: list[int], test: list[int], *, evaluations: int, seed: int,
           output: str, dt_ms: float = 0.1, popsize: int = 32,
           voltage_weight: float | None = None, refine: bool = False,
           train_current: str = "per_sweep") -> dict:
    """The fit config of one model on one split (the protocol of the module docstring)."""
    spec = MODELS[model]
    w = spec["voltage_weight"] if voltage_weight is None else voltage_weight
    objective = {"metric": "gamma_factor", "delta_ms": 2.0}
    if w:
        objective = {"terms": [objective, {"metric": "voltage", "weight": w}]}
    cfg = {
        "data": {"path": str(DATA), "train_sets": train, "test_sets": test,
                 "train_current": train_current},
        "model": model, "fixed": spec["fixed"], "fit": spec["fit"],
        "objective": objective,
        "optimizer": {"name": "cmaes", "popsize": popsize},
        "budget": {"evaluations": evaluations},
        "simulation": {"dt_ms": dt_ms},
        "seed": seed, "output": output,
        "report": {"gif": False, "validation": False},
    }
    if refine:
        cfg["refine"] = REFINE
    return cfg


def run(cfg: dict) -> dict:
    import spikeopt

    t0, c0 = time.perf_counter(), time.process_time()
    res = spikeopt.fit(cfg, progress=False, overwrite=True)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    scores = json.loads((Path(cfg["output"]) / "scores.json").read_text())
    return {"evaluations": res.n_evaluations, "wall_s": wall, "cpu_s": cpu,
            "train_gamma": scores["train"]["gamma"],
            "by": scores.get("test_by_stimulus", {})}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--evaluations", type=int, default=3000)
    ap.add_argument("--seeds", default="1")
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--dt", type=float, default=0.1, help="simulation step (ms)")
    ap.add_argument("--popsize", type=int, default=32)
    ap.add_argument("--voltage-weight", type=float, default=None,
                    help="override every model's weight of the subthreshold voltage term")
    ap.add_argument("--refine", action="store_true",
                    help="refine the best candidates on the van Rossum loss (REFINE)")
    ap.add_argument("--train-current", default="per_sweep",
                    choices=["per_sweep", "first_repeat"],
                    help="data.train_current: every sweep under its own current, or one "
                         "simulation per stimulus scored against every repeat")
    ap.add_argument("--cv", action="store_true",
                    help="leave-one-reliable-set-out instead of the main protocol")
    ap.add_argument("--out", default=None, help="keep the run folders here")
    args = ap.parse_args()
    if not DATA.exists():
        raise SystemExit(f"QSNMC data not found at {DATA}")
    work = Path(args.out or tempfile.mkdtemp(prefix="qsnmc_"))
    splits = ([([s for s in RELIABLE if s != k], [k]) for k in RELIABLE] if args.cv
              else [(TRAIN_SETS, TEST_SETS)])
    rows = []
    for model in args.models.split(","):
        for seed in [int(s) for s in args.seeds.split(",")]:
            for train, test in splits:
                name = f"{model}_seed{seed}" + (f"_out{test[0]:02d}" if args.cv else "")
                cfg = config(model, train, test, evaluations=args.evaluations, seed=seed,
                             output=str(work / name), dt_ms=args.dt, popsize=args.popsize,
                             voltage_weight=args.voltage_weight, refine=args.refine,
                             train_current=args.train_current)
                r = run(cfg)
                b = r["by"].get(str(test[0]), {})
                row = {"model": model, "seed": seed, "train": train, "test": test[0],
                       "evaluations": r["evaluations"], "wall_s": round(r["wall_s"], 1),
                       "cpu_s": round(r["cpu_s"], 1),
                       "train_gamma": r["train_gamma"],
                       "gamma": b.get("gamma", float("nan")),
                       "R": b.get("reliability", float("nan")),
                       "norm_gamma": b.get("normalized_gamma", float("nan")),
                       "others": {k: v["normalized_gamma"] for k, v in r["by"].items()
                                  if k != str(test[0])}}
                rows.append(row)
                print(json.dumps(row), flush=True)
    print("\n| model | seed | train sets | test set | evaluations | wall (s) | CPU (s) "
          "| train Γ | Γ | R | **Γ/R** |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['model']} | {r['seed']} | {' '.join(f'{s:02d}' for s in r['train'])} | "
              f"{r['test']:02d} | {r['evaluations']} | {r['wall_s']:.1f} | {r['cpu_s']:.1f} | "
              f"{r['train_gamma']:.3f} | {r['gamma']:.3f} | {r['R']:.3f} | "
              f"**{r['norm_gamma']:.3f}** |")
    if args.cv:
        import numpy as np

        print("\n| model | mean Γ/R over the 4 held-out reliable sets |\n|---|---|")
        for model in dict.fromkeys(r["model"] for r in rows):
            v = [r["norm_gamma"] for r in rows if r["model"] == model]
            print(f"| {model} | {np.mean(v):.3f} ± {np.std(v):.3f} |")
    print(f"# run folders in {work}")


if __name__ == "__main__":
    main()
