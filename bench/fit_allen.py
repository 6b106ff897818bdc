"""Allen Cell Types long squares: fit on the first 60 % of the step, predict the rest.

Protocol (issue 14; published in BENCHMARKS.md and docs/allen.md):
- data: ../shared/data/allen_celltypes_longsquare_10cells/allen_longsquare_10cells.npz,
  one 1-s long-square sweep per cell (10 cells, 50 kHz); spikes = 0-mV upward
  crossings of the recorded voltage; the voltage is corrected for the -14 mV
  liquid junction potential (only the voltage term and E_L see this);
- split (spikeopt.io.protocols.step_split): t_split = t_on + 0.6 (t_off - t_on),
  rounded down to the 0.1-ms grid (804.9 ms); training window [0, t_split):
  simulated from the sweep start (205 ms at 0 pA, then the step) and scored on
  every spike in it; held-out window [t_split, t_off] (400 ms);
- simulation: forward Euler at 0.1 ms, current averaged onto the 0.1-ms grid
  (lossless for a step), spike times from the 50-kHz trace;
- passive values fixed per cell: E_L = median pre-step voltage (LJP-corrected),
  tau_m and R_in from the source notebook (C = tau_m / R_in, g_L = 1 / R_in)
  where the model has those parameters; the rest is fitted within the bounds below
  (or the model's own bounds);
- objective: 1 - Γ (Δ = 4 ms) + 0.05 × SPIKE-distance on the training window;
  optional: + w × the normalised subthreshold voltage error (``--voltage-weight w``;
  the voltage decimated to the 0.1-ms grid), + c × the relative spike-count error
  (``--count-weight c``); both 0 by default (on cells 0, 1, 4 w = 0.05 or 0.2
  lowered the held-out Γ of izhikevich2007 from 0.26–0.56 to −0.18–0.08);
- CMA-ES (population 16, up to 9 IPOP restarts), at most ``--evaluations`` evaluations and
  ``--wall`` seconds of optimisation per fit (compilation is outside: it is
  warmed once per model);
- held-out scores (spikeopt.io.protocols.heldout_scores): Γ (Δ = 4 ms) over
  [t_split, t_off], spike counts, first ISI, mean ISI, adaptation index;
  baselines that know only the training window (rate_baselines): Poisson at the
  training rate, a regular train at that rate and one continuing the last ISI,
  both anchored at the last training spike.

    .venv/bin/python bench/fit_allen.py [--models adex,izhikevich2007,lif]
        [--cells 0,1,...] [--evaluations 10000] [--wall 45] [--json out.json]
    .venv/bin/python bench/fit_allen.py --report out.json   # tables of a saved run
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = (ROOT / ".." / "shared" / "data" / "allen_celltypes_longsquare_10cells"
        / "allen_longsquare_10cells.npz").resolve()
DT = 0.1
DELTA = 4.0

DEFAULT_MODELS = ["adex", "izhikevich2007", "lif", "mat", "glif1", "glif2", "glif3", "glif4",
                  "glif5", "adex_threshold"]


def fit_cell_model(rec, cell: int, name: str, split, *, evaluations: int, wall: float,
                   seed: int, voltage_weight: float, count_weight: float = 0.0) -> dict:
    import spikeopt
    from spikeopt.fitting.cell_objective import CellObjective
    from spikeopt.io.protocols import heldout_scores, model_space, passive_estimates

    t_on = split.t_on_ms
    passive = passive_estimates(rec, cell, t_on_ms=t_on)
    fixed, free = model_space(name, passive)
    fine = rec.select([cell])
    train = fine.crop(0.0, split.t_split_ms).resample(DT)
    data_train = spikeopt.SpikeTrains.from_list([split.train_spikes(fine.spikes[0])],
                                                t_stop=split.t_split_ms)
    terms = [{"metric": "gamma_factor", "delta_ms": DELTA, "tiebreak": 0.05}]
    if count_weight:
        terms.append({"metric": "features", "features": {"count": 1.0}, "weight": count_weight})
    if voltage_weight:
        terms.append({"metric": "voltage", "weight": voltage_weight})
    obj = CellObjective(name, train.current_pA, data_train, DT, terms, fixed=fixed,
                        sim_dt_ms=DT,
                        voltage_mV=train.voltage_mV if voltage_weight else None)
    t0 = time.perf_counter()
    res = spikeopt.optimize(obj, free, optimizer="cmaes", seed=seed,
                            budget={"evaluations": evaluations, "wall_time": wall},
                            optimizer_options={"popsize": 16, "restarts": 9})
    fit_s = time.perf_counter() - t0
    best = {k: np.array([v]) for k, v in res.best_params.items()}
    full = fine.resample(DT)
    sim = obj.simulate(best, stimulus=full.current_stimulus())
    model_spikes = sim.spikes[0]
    train_gamma = float(spikeopt.metrics.gamma_factor(
        split.train_spikes(model_spikes), data_train[0], delta=DELTA, t_start=0.0,
        t_stop=split.t_split_ms))
    row = {"cell": cell, "specimen_id": int(rec.annotations["specimen_id"][cell]),
           "model": name, "n_free": len(free), "evaluations": res.n_evaluations,
           "stop": res.stop_reason, "wall_s": fit_s, "best_loss": res.best_loss,
           "train_gamma": train_gamma,
           "n_train_data": int(data_train.counts()[0]),
           "n_train_model": int(split.train_spikes(model_spikes).size),
           "params": res.best_params, "fixed": fixed}
    row.update(heldout_scores(model_spikes, fine.spikes[0], split, delta_ms=DELTA))
    return row


def warm(name: str, rec, split) -> float:
    """Compile the model's kernels once (a 2-evaluation fit); returns seconds."""
    t0 = time.perf_counter()
    fit_cell_model(rec, 0, name, split, evaluations=2, wall=60.0, seed=0, voltage_weight=0.0)
    return time.perf_counter() - t0


def _median(rows, key):
    vals = [r[key] for r in rows if np.isfinite(r[key])]
    return float(np.median(vals)) if vals else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default=",".join(DEFAULT_MODELS),
                    help="comma-separated; names that spikeopt.models does not have are skipped")
    ap.add_argument("--cells", default="0,1,2,3,4,5,6,7,8,9")
    ap.add_argument("--evaluations", type=int, default=10000)
    ap.add_argument("--wall", type=float, default=45.0, help="optimisation seconds per fit")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--voltage-weight", type=float, default=0.0,
                    help="weight of the subthreshold voltage term (0: spikes only)")
    ap.add_argument("--count-weight", type=float, default=0.0,
                    help="weight of the relative spike-count error of the training window")
    ap.add_argument("--json", default=None, help="write every row (and baselines) here")
    ap.add_argument("--report", default=None, help="only print the tables of this --json file")
    args = ap.parse_args()
    if args.report:
        report(json.loads(Path(args.report).read_text()))
        return
    if not DATA.exists():
        raise SystemExit(f"Allen data not found at {DATA}")
    import spikeopt
    from spikeopt.io.protocols import load_allen_longsquare, rate_baselines, step_split

    rec = load_allen_longsquare(DATA)
    have = set(spikeopt.models.available())
    models = [m for m in args.models.split(",") if m in have]
    skipped = [m for m in args.models.split(",") if m not in have]
    if skipped:
        print(f"# skipped (not in spikeopt.models.available()): {', '.join(skipped)}")
    cells = [int(c) for c in args.cells.split(",")]
    splits = {c: step_split(float(rec.annotations["t_on_ms"][c]),
                            float(rec.annotations["t_off_ms"][c]), grid_ms=DT) for c in cells}
    base = {c: rate_baselines(rec.spikes[c], splits[c], delta_ms=DELTA, rng=args.seed)
            for c in cells}
    rows, compile_s = [], {}
    for name in models:
        compile_s[name] = warm(name, rec, splits[cells[0]])
        for c in cells:
            row = fit_cell_model(rec, c, name, splits[c], evaluations=args.evaluations,
                                 wall=args.wall, seed=args.seed,
                                 voltage_weight=args.voltage_weight,
                                 count_weight=args.count_weight)
            rows.append(row)
            print(json.dumps({k: v for k, v in row.items() if k not in ("params", "fixed")}),
                  flush=True)

    data = {"rows": rows, "baselines": {str(c): base[c] for c in cells},
            "heldout_spikes": {str(c): int(splits[c].heldout_spikes(rec.spikes[c]).size)
                               for c in cells},
            "compile_s": compile_s, "args": vars(args)}
    if args.json:
        Path(args.json).write_text(json.dumps(data, indent=1, default=float))
    report(data)


def report(data: dict) -> None:
    """Print the markdown tables of a run (``data`` as written by ``--json``)."""
    rows, base, args = data["rows"], data["baselines"], data["args"]
    models = list(dict.fromkeys(r["model"] for r in rows))
    cells = sorted({r["cell"] for r in rows})
    by = {(r["cell"], r["model"]): r for r in rows}
    data.setdefault("heldout_spikes", {str(r["cell"]): r["n_data"] for r in rows})
    print(f"\n# Allen long squares: train [0, t_split) with t_split = t_on + 0.6 (t_off - t_on),"
          f" held out [t_split, t_off]; Γ with Δ = {DELTA} ms; CMA-ES pop 16, <= "
          f"{args['evaluations']} evaluations or {args['wall']:.0f} s; dt {DT} ms; "
          f"seed {args['seed']}")
    for title, fmt in (("train Γ / held-out Γ",
                        lambda r: f"{r['train_gamma']:.2f} / {r['gamma']:.2f}"),
                       ("held-out spikes: model (data in column 2)",
                        lambda r: f"{r['n_model']}"),
                       ("wall (s) of the optimisation", lambda r: f"{r['wall_s']:.0f}")):
        print(f"\n{title}\n")
        print("| cell | data | " + " | ".join(models) + " |")
        print("|---|---|" + "---|" * len(models))
        for c in cells:
            cols = [fmt(by[c, m]) if (c, m) in by else "–" for m in models]
            print(f"| {c} | {data['heldout_spikes'][str(c)]} | " + " | ".join(cols) + " |")
    print("\n| model | free | median train Γ | median held-out Γ | median abs. count error "
          "| median first ISI error (ms) | median mean ISI error (ms) | median / max wall (s) "
          "| compile (s) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in models:
        rs = [r for r in rows if r["model"] == name]
        fi = _median([{"v": abs(r["model_first_isi_ms"] - r["data_first_isi_ms"])} for r in rs],
                     "v")
        mi = _median([{"v": abs(r["model_mean_isi_ms"] - r["data_mean_isi_ms"])} for r in rs],
                     "v")
        silent = sum(r["n_model"] == 0 for r in rs)
        print(f"| {name} | {rs[0]['n_free']} | {_median(rs, 'train_gamma'):.2f} | "
              f"{_median(rs, 'gamma'):.2f} | "
              f"{np.median([abs(r['count_error']) for r in rs]):.1f}"
              f"{f' ({silent} silent)' if silent else ''} | {fi:.0f} | {mi:.0f} | "
              f"{_median(rs, 'wall_s'):.0f} / {max(r['wall_s'] for r in rs):.0f} | "
              f"{data['compile_s'][name]:.0f} |")
    for key in ("poisson", "regular", "last_isi"):
        print(f"| baseline: {key} | – | – | "
              f"{np.median([base[str(c)][key] for c in cells]):.2f} | – | – | – | – | – |")
    print("\n| cell | held-out spikes | Poisson Γ | regular Γ | last-ISI Γ |")
    print("|---|---|---|---|---|")
    for c in cells:
        b = base[str(c)]
        print(f"| {c} | {data['heldout_spikes'][str(c)]} | {b['poisson']:.2f} | "
              f"{b['regular']:.2f} | {b['last_isi']:.2f} |")

if __name__ == "__main__":
    main()
