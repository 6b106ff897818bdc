"""Benchmark: fitting networks, spikeopt and the peers in the same run.

1. NetPyNE's tut_optimization (tut2 network to 17 Hz): NetPyNE + inspyred on
   NEURON (``bench/peers/netpyne_tut2_fit.py`` in ``bench/peers/.venv-netpyne``)
   against spikeopt's faithful mode (``examples/netpyne_tut2_faithful.yaml``:
   inspyred's GA, 50 evaluations, one fixed wiring) and its default
   (``examples/netpyne_tut2_17hz.yaml``). Per fit: the wall time of the whole
   search, the evaluations and the wall time until the first candidate within
   ±1 Hz of 17 Hz as the optimiser sees it, and (spikeopt) the best candidate's
   rate on 5 fresh seeds. Ratios are peer time / spikeopt time.
2. A SpikeNetOpt-size fit (200 E + 50 I Izhikevich network, 800 evaluations,
   ``examples/spikenetopt_fixed.yaml``): wall time; then SpikeNetOpt's own
   validation in its correct form (network instances, not neurons, as the unit):
   the fixed and the faithful fit (``examples/spikenetopt_faithful.yaml``) against
   the truth on 10 fresh wirings each, Welch's t on the population rates, and
   the genes against the truth (0.5, 0.8, 0.5, 0.8).
3. The same small network fit serially and on a Dask LocalCluster (2 workers):
   identical histories.

    .venv/bin/python bench/network_fit.py [--seeds 5] [--peer-seeds 3] [--no-peers]
                                          [--json out.json]

spikeopt runs in this process after one warm-up fit (numba's cache load); the
peer runs in its own venv, one process per seed (its imports are not timed).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

import spikeopt

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
PEER_PY = ROOT / "bench" / "peers" / ".venv-netpyne" / "bin" / "python"
PEER = ROOT / "bench" / "peers" / "netpyne_tut2_fit.py"
TARGET_HZ = 17.0


def _config(name: str, out: Path, **changes) -> dict:
    cfg = yaml.safe_load((EXAMPLES / name).read_text())
    cfg.update(changes)
    for key in ("network",):
        if isinstance(cfg.get(key), str):
            cfg[key] = str(EXAMPLES / cfg[key])
    if cfg.get("target"):
        cfg["target"]["spikes"] = {p: str(EXAMPLES / f) for p, f in
                                   cfg["target"]["spikes"].items()}
    cfg["output"] = str(out)
    return cfg


def _elapsed_by_generation(run_dir: Path) -> dict[int, float]:
    con = sqlite3.connect(run_dir / "history.sqlite")
    try:
        return dict(con.execute("SELECT generation, elapsed FROM checkpoints").fetchall())
    finally:
        con.close()


def _rate_error_hz(cfg: dict, loss: np.ndarray) -> np.ndarray:
    """|rate - 17 Hz| of each evaluation from its loss (the config's one mean_rate term)."""
    term = cfg["objective"]["terms"][0]
    if term.get("loss") == "absolute":
        return loss
    return TARGET_HZ * np.sqrt(loss)  # squared relative error


def spikeopt_tut2(name: str, seed: int) -> dict:
    with tempfile.TemporaryDirectory() as d:
        cfg = _config(name, Path(d) / "run", seed=seed)
        t0 = time.perf_counter()
        res = spikeopt.fit(cfg, progress=False, overwrite=True, report=False)
        wall = time.perf_counter() - t0
        scores = json.loads((Path(d) / "run" / "scores.json").read_text())
        el = _elapsed_by_generation(Path(d) / "run")
        h = res.history
        err = _rate_error_hz(cfg, h["loss"].to_numpy(float))
        hit = np.flatnonzero((h["status"] == "ok").to_numpy() & (err <= 1.0))
        rates = scores["mean_rate_hz"]
        fresh = np.mean([rates[p]["fitted_mean"] for p in rates])
        return {"wall_s": wall, "search_s": max(el.values()), "evaluations": res.n_evaluations,
                "evals_to_1hz": int(hit[0]) + 1 if hit.size else None,
                "time_to_1hz_s": el[int(h["generation"].iloc[hit[0]])] if hit.size else None,
                "best_error_hz": float(err[np.nanargmin(h["loss"].to_numpy(float))]),
                "fresh_rate_hz": float(fresh)}


def peer_tut2(seed: int) -> dict | None:
    if not PEER_PY.exists():
        return None
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "peer.json"
        subprocess.run([str(PEER_PY), str(PEER), "--seed", str(seed), "--max-evaluations", "50",
                        "--json", str(out)], check=True, capture_output=True, timeout=900)
        r = json.loads(out.read_text())
    return {"wall_s": r["wall_s"], "search_s": r["wall_s"], "evaluations": r["evaluations"],
            "evals_to_1hz": r["evals_to_1hz"], "time_to_1hz_s": r["time_to_1hz_s"],
            "best_error_hz": r["best"]["fitness"], "fresh_rate_hz": None}


def _median(rows: list[dict], key: str):
    vals = [r[key] for r in rows if r.get(key) is not None]
    return float(np.median(vals)) if vals else None


def _fmt(v, spec=".3g"):
    return "—" if v is None else format(v, spec)


def tut2_section(seeds: int, peer_seeds: int, peers: bool) -> dict:
    out = {}
    for label, name in (("spikeopt faithful", "netpyne_tut2_faithful.yaml"),
                        ("spikeopt default", "netpyne_tut2_17hz.yaml")):
        spikeopt_tut2(name, 0)  # warm-up: numba's cache load
        out[label] = [spikeopt_tut2(name, s) for s in range(1, seeds + 1)]
    if peers:
        rows = [peer_tut2(s) for s in range(1, peer_seeds + 1)]
        if rows[0] is not None:
            out["NetPyNE + inspyred (NEURON)"] = rows
    print("\n1. NetPyNE tut2 to 17 Hz (medians over fit seeds)")
    print(f"{'':30s} {'search s':>9s} {'evals':>6s} {'evals→±1Hz':>11s} {'s→±1Hz':>8s} "
          f"{'best |err| Hz':>13s} {'fresh-seed rate':>15s} {'n ±1Hz':>7s}")
    for label, rows in out.items():
        n_hit = sum(r["evals_to_1hz"] is not None for r in rows)
        print(f"{label:30s} {_fmt(_median(rows, 'search_s')):>9s} "
              f"{_fmt(_median(rows, 'evaluations')):>6s} "
              f"{_fmt(_median(rows, 'evals_to_1hz')):>11s} "
              f"{_fmt(_median(rows, 'time_to_1hz_s')):>8s} "
              f"{_fmt(_median(rows, 'best_error_hz')):>13s} "
              f"{_fmt(_median(rows, 'fresh_rate_hz'), '.2f'):>15s} {n_hit:>3d}/{len(rows)}")
    peer = out.get("NetPyNE + inspyred (NEURON)")
    if peer:
        for label in ("spikeopt faithful", "spikeopt default"):
            a, b = _median(peer, "search_s"), _median(out[label], "search_s")
            ta, tb = _median(peer, "time_to_1hz_s"), _median(out[label], "time_to_1hz_s")
            print(f"ratio peer/{label}: whole search {a / b:.1f}x"
                  + (f", time to ±1 Hz {ta / tb:.1f}x" if ta and tb else ""))
    return out


def spikenetopt_section() -> dict | None:
    name = "spikenetopt_fixed.yaml"
    if not (EXAMPLES / name).exists():
        return None
    with tempfile.TemporaryDirectory() as d:
        cfg = _config(name, Path(d) / "warm", budget={"evaluations": 32})
        spikeopt.fit(cfg, progress=False, overwrite=True, report=False)
        cfg = _config(name, Path(d) / "run")
        t0 = time.perf_counter()
        res = spikeopt.fit(cfg, progress=False, overwrite=True, report=False)
        wall = time.perf_counter() - t0
        search = max(_elapsed_by_generation(Path(d) / "run").values())
        fixed = [float(v) for v in res.best_params.values()]
        cfg = _config("spikenetopt_faithful.yaml", Path(d) / "faithful")
        faithful = [float(v) for v in spikeopt.fit(cfg, progress=False, overwrite=True,
                                                   report=False).best_params.values()]
    print(f"\n2. SpikeNetOpt-size fit ({res.n_evaluations} evaluations): search {search:.1f} s, "
          f"whole fit with fresh-seed scoring {wall:.1f} s (target < 30 s)")
    out = {"search_s": search, "wall_s": wall, "evaluations": res.n_evaluations}
    truth = _sno_statistics(False, (0.5, 0.8, 0.5, 0.8), 11)
    truth_f = _sno_statistics(True, (0.5, 0.8, 0.5, 0.8), 11)
    from scipy import stats

    for label, genes, faithful_net, ref in (("fixed", fixed, False, truth),
                                            ("faithful", faithful, True, truth_f)):
        fit = _sno_statistics(faithful_net, genes, 12)
        row = {"genes": genes, "sigma_p": [genes[0] * genes[1], genes[2] * genes[3]]}
        for key in fit:
            t = stats.ttest_ind(fit[key], ref[key], equal_var=False)
            row[key] = {"fit": float(fit[key].mean()), "truth": float(ref[key].mean()),
                        "truth_sd": float(ref[key].std(ddof=1)), "welch_t": float(t.statistic),
                        "p": float(t.pvalue)}
        out[label] = row
        print(f"   {label:8s} genes {np.round(genes, 3).tolist()} (σ·p {row['sigma_p'][0]:.3f}, "
              f"{row['sigma_p'][1]:.3f}; truth 0.4, 0.4); "
              + "; ".join(f"{k} {row[k]['fit']:.3g} vs {row[k]['truth']:.3g} "
                          f"(Welch t {row[k]['welch_t']:.2f}, p {row[k]['p']:.2g})"
                          for k in ("E.rate", "I.rate")))
    return out


def _sno_statistics(faithful: bool, genes, seed: int, k: int = 10) -> dict:
    """Population-mean rates of E and I over ``k`` fresh wirings of SpikeNetOpt's
    network at ``genes`` (the faithful network at 1 ms, the fixed one at 0.1 ms)."""
    from spikeopt.network import library

    paths = ("projections.EE.weight.uniform.1", "projections.EE.connector.p",
             "projections.EI.weight.uniform.1", "projections.EI.connector.p")
    params = {p: np.full(k, g) for p, g in zip(paths, genes, strict=True)}
    res = spikeopt.simulate(library.spikenetopt(faithful=faithful), params, t_stop=1000.0,
                            dt=1.0 if faithful else 0.1,
                            seed=list(np.random.SeedSequence(seed).spawn(k)))
    return {f"{p}.rate": res.mean_rate(p) for p in ("E", "I")}


def dask_section() -> dict:
    with tempfile.TemporaryDirectory() as d:
        base = _config("ei_recovery.yaml", Path(d) / "serial", budget={"evaluations": 96})
        t0 = time.perf_counter()
        a = spikeopt.fit(base, progress=False, overwrite=True, report=False)
        ts = time.perf_counter() - t0
        dask = dict(base, output=str(Path(d) / "dask"),
                    executor={"name": "dask", "workers": 2})
        t0 = time.perf_counter()
        b = spikeopt.fit(dask, progress=False, overwrite=True, report=False)
        td = time.perf_counter() - t0
    same = bool(np.array_equal(a.history["loss"].to_numpy(), b.history["loss"].to_numpy()))
    print(f"\n3. E/I fit, 96 evaluations: serial {ts:.1f} s, Dask LocalCluster (2 workers) "
          f"{td:.1f} s; identical histories: {same}")
    return {"serial_s": ts, "dask_s": td, "identical": same}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5, help="spikeopt fit seeds per mode")
    ap.add_argument("--peer-seeds", type=int, default=3, help="NetPyNE GA seeds")
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--json", default=None)
    a = ap.parse_args(argv)
    print(f"spikeopt {spikeopt.__version__}, Python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs, {platform.processor() or platform.machine()}")
    out = {"tut2": tut2_section(a.seeds, a.peer_seeds, not a.no_peers),
           "spikenetopt": spikenetopt_section(), "dask": dask_section()}
    if a.json:
        Path(a.json).write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    sys.exit(main())
