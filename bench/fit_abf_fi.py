"""ABF step protocols: fit F–I curves on every other step amplitude, predict the rest.

Protocol (issue 14; published in BENCHMARKS.md and docs/allen.md):
- data: the three pClamp step protocols of ../shared/data/pyabf_current_clamp_steps/
  read with spikeopt.io.load_recording (Neo's AxonIO): voltage in mV from the
  ADC channel, current in pA = the protocol's command waveform (DAC 'Cmd 0',
  unit pA per the header), spikes = 0-mV upward crossings; the voltage is not
  corrected for a junction potential (none is documented);
- F–I curve (spikeopt.io.protocols.fi_curve): the test step is the first epoch
  (>= 50 ms of constant current) whose level differs between sweeps; spikes in
  [step start, step end) are counted, rate = count / step length, latency =
  first spike after onset;
- training: sweeps 0, 2, 4, ... (every other amplitude); held out: 1, 3, 5, ...;
- each sweep simulated from 100 ms before the step (or the sweep start) to the
  step end, with the recorded command current on the 0.1-ms grid, forward Euler
  at 0.1 ms; E_L (v_r) fixed to the median pre-step voltage of all sweeps;
  thresholds and resets bounded relative to it (spikeopt.io.protocols.model_space);
- baseline: the held-out rates linearly interpolated from the training sweeps' rates;
- objective (FIObjective): RMS rate error / RMS data rate + 0.5 × mean relative
  first-spike-latency error (capped at 1 per sweep);
- CMA-ES (population 16; up to 9 restarts at the same population, so that one
  generation stays short and the wall limit holds), at most ``--evaluations``
  evaluations or ``--wall`` seconds (compilation warmed once per model outside).

    .venv/bin/python bench/fit_abf_fi.py [--models adex,izhikevich2007,lif]
        [--evaluations 4000] [--wall 45] [--json out.json]
    .venv/bin/python bench/fit_abf_fi.py --report out.json   # tables of a saved run
"""

from __future__ import annotations

import argparse
import json
import time
from functools import partial
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = (ROOT / ".." / "shared" / "data" / "pyabf_current_clamp_steps").resolve()
FILES = ["171116sh_0018.abf", "2019_07_24_0055_fsi.abf", "18711001.abf"]
DT = 0.1
PRE_MS = 100.0


def prepare(path: Path):
    """(recording cropped around the step at DT, FICurve, pre_ms, E_L)."""
    from spikeopt.io import load_recording
    from spikeopt.io.protocols import fi_curve

    rec = load_recording(path)
    curve = fi_curve(rec)
    pre = min(PRE_MS, curve.t_start_ms)
    a = curve.t_start_ms - pre
    n_pre = max(int((pre - 5.0) / rec.dt_ms), 1)
    a0 = int(round(a / rec.dt_ms))
    e_l = float(np.median(rec.voltage_mV[:, a0:a0 + n_pre]))
    win = rec.crop(a, curve.t_stop_ms).resample(DT)
    return win, curve, pre, e_l


def subset(curve, idx):
    from spikeopt.io.protocols import FICurve

    return FICurve(curve.amplitudes_pA[idx], curve.counts[idx], curve.rates_Hz[idx],
                   curve.latency_ms[idx], curve.t_start_ms, curve.t_stop_ms,
                   curve.sweeps[idx])


def fit_file(path: Path, name: str, *, evaluations: int, wall: float, seed: int) -> dict:
    import spikeopt
    from spikeopt.io.protocols import FIObjective, model_space

    win, curve, pre, e_l = prepare(path)
    S = len(curve.rates_Hz)
    train, test = np.arange(0, S, 2), np.arange(1, S, 2)
    fixed, free = model_space(name, {"E_L": e_l})
    sim = partial(spikeopt.simulate, name, stimulus=win.current_stimulus(train), dt=DT)
    obj = FIObjective(sim, subset(curve, train), pre_ms=pre, fixed=fixed)
    t0 = time.perf_counter()
    res = spikeopt.optimize(obj, free, optimizer="cmaes", seed=seed,
                            budget={"evaluations": evaluations, "wall_time": wall},
                            optimizer_options={"popsize": 16, "restarts": 9,
                                               "incpopsize": 1.0})
    fit_s = time.perf_counter() - t0
    every = FIObjective(partial(spikeopt.simulate, name, stimulus=win.current_stimulus(), dt=DT),
                        curve, pre_ms=pre, fixed=fixed)
    rates, lat = every.rates_and_latency({k: np.array([v]) for k, v in res.best_params.items()})
    rates, lat = rates[0], lat[0]

    def rms(idx):
        return float(np.sqrt(np.mean((rates[idx] - curve.rates_Hz[idx]) ** 2)))

    return {"file": path.name, "model": name, "E_L": e_l, "n_free": len(free),
            "evaluations": res.n_evaluations, "wall_s": fit_s, "best_loss": res.best_loss,
            "step_ms": [curve.t_start_ms, curve.t_stop_ms],
            "amplitudes_pA": curve.amplitudes_pA.tolist(),
            "data_rates_Hz": curve.rates_Hz.tolist(), "model_rates_Hz": rates.tolist(),
            "data_latency_ms": curve.latency_ms.tolist(), "model_latency_ms": lat.tolist(),
            "train_sweeps": train.tolist(), "test_sweeps": test.tolist(),
            "rms_train_Hz": rms(train), "rms_test_Hz": rms(test),
            "params": res.best_params, "fixed": fixed}


def interpolation_rms(row: dict) -> float:
    """RMS error (Hz) on the held-out sweeps of the linear interpolation of the
    training sweeps' rates (a model-free baseline)."""
    amps, rates = np.asarray(row["amplitudes_pA"]), np.asarray(row["data_rates_Hz"])
    tr, te = row["train_sweeps"], row["test_sweeps"]
    pred = np.interp(amps[te], amps[tr], rates[tr])
    return float(np.sqrt(np.mean((pred - rates[te]) ** 2)))


def report(data: dict) -> None:
    """Print the markdown tables of a run (``data`` as written by ``--json``)."""
    rows, args = data["rows"], data["args"]
    models = list(dict.fromkeys(r["model"] for r in rows))
    files = list(dict.fromkeys(r["file"] for r in rows))
    print(f"\n# ABF step protocols: F–I fitted on even sweeps, predicted on odd sweeps; "
          f"CMA-ES pop 16, <= {args['evaluations']} evaluations or {args['wall']:.0f} s; "
          f"dt {DT} ms; seed {args['seed']}")
    print("| file | model | free | evals | wall (s) | RMS train (Hz) | RMS held-out (Hz) "
          "| interpolation baseline, held-out (Hz) |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['file']} | {r['model']} | {r['n_free']} | {r['evaluations']} | "
              f"{r['wall_s']:.1f} | {r['rms_train_Hz']:.1f} | {r['rms_test_Hz']:.1f} | "
              f"{interpolation_rms(r):.1f} |")
    for f in files:
        rs = [r for r in rows if r["file"] == f]
        print(f"\n# {f}: step {rs[0]['step_ms'][0]:.1f}–{rs[0]['step_ms'][1]:.1f} ms, "
              "rate in Hz (t = training sweep, h = held out)")
        print("| sweep | I (pA) | data | " + " | ".join(r["model"] for r in rs) + " |")
        print("|---|---|---|" + "---|" * len(rs))
        for k, amp in enumerate(rs[0]["amplitudes_pA"]):
            tag = "t" if k in rs[0]["train_sweeps"] else "h"
            print(f"| {k} {tag} | {amp:.0f} | {rs[0]['data_rates_Hz'][k]:.0f} | "
                  + " | ".join(f"{r['model_rates_Hz'][k]:.0f}" for r in rs) + " |")
    print("\n| model | compile (s) |\n|---|---|")
    for name in models:
        print(f"| {name} | {data['compile_s'][name]:.1f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="adex,izhikevich2007,lif")
    ap.add_argument("--files", default=",".join(FILES))
    ap.add_argument("--evaluations", type=int, default=4000)
    ap.add_argument("--wall", type=float, default=45.0, help="optimisation seconds per fit")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", default=None, help="write every row here")
    ap.add_argument("--report", default=None, help="only print the tables of this --json file")
    args = ap.parse_args()
    if args.report:
        report(json.loads(Path(args.report).read_text()))
        return
    if not DATA.exists():
        raise SystemExit(f"ABF data not found at {DATA}")
    import spikeopt

    have = set(spikeopt.models.available())
    models = [m for m in args.models.split(",") if m in have]
    files = [DATA / f for f in args.files.split(",")]
    rows, compile_s = [], {}
    for name in models:
        t0 = time.perf_counter()
        fit_file(files[0], name, evaluations=2, wall=60.0, seed=0)  # compile once
        compile_s[name] = time.perf_counter() - t0
        for f in files:
            row = fit_file(f, name, evaluations=args.evaluations, wall=args.wall,
                           seed=args.seed)
            rows.append(row)
            print(json.dumps({k: row[k] for k in ("file", "model", "evaluations", "wall_s",
                                                  "rms_train_Hz", "rms_test_Hz")}), flush=True)

    data = {"rows": rows, "compile_s": compile_s, "args": vars(args)}
    if args.json:
        Path(args.json).write_text(json.dumps(data, indent=1, default=float))
    report(data)

if __name__ == "__main__":
    main()
