"""Benchmark: batched network simulation against Brian2, NEST and a hand-fused kernel.

Three measurements, spikeopt and the peers in the same run (peers in fresh
processes where their build caches matter; see bench/peers/README.md):

1. CUBA (Brette et al. 2007; 4000 LIF, 1 s at 0.1 ms): spikeopt's whole call
   (description -> connectivity -> simulation -> SpikeTrains) against Brian2
   runtime (cython) and cpp_standalone (run and build apart), NEST 3.10
   (``iaf_psc_exp``, 1 and 2 threads) and a hand-fused numba kernel.
2. 32 SpikeNetOpt networks (250 Izhikevich neurons each, own connectivity,
   1 s at 0.1 ms): one spikeopt call against the same 32 networks run one by one
   in Brian2 and NEST, and against the hand-fused single-network kernel (a loop
   of 32 calls, and one prange call).
3. Throughput: neuron-steps/s and synaptic events/s of each spikeopt row.

    .venv/bin/python bench/network.py [--repeats 5] [--no-peers] [--json out.json]

Medians of ``repeats`` calls after one warm-up call (numba's cache load); ratios
are peer time / spikeopt time (> 1: spikeopt faster).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers"))

import spikeopt  # noqa: E402
from spikeopt import metrics  # noqa: E402
from spikeopt.network import library  # noqa: E402

T_MS, DT = 1000.0, 0.1
STEPS = int(round(T_MS / DT))


def _median_call(fn, repeats: int) -> tuple[float, list[float], object]:
    out = fn()  # warm-up: numba's cache load (compiled once per machine)
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts)), ts, out


def spikeopt_cuba(repeats: int) -> dict:
    desc = library.cuba()
    seeds = iter(range(1000))
    t, ts, res = _median_call(lambda: spikeopt.simulate(desc, t_stop=T_MS, dt=DT,
                                                         seed=next(seeds)), repeats)
    sp = res.spikes
    cv = metrics.isi_cv(sp)
    return {"total_s": t, "runs_s": ts, "rate_hz": float(sp.counts().mean() / (T_MS * 1e-3)),
            "cv": float(np.nanmean(cv[sp.counts() >= 3])), "n_events": int(res.n_events.sum()),
            "neuron_steps": 4000 * STEPS}


def spikeopt_sno(params: dict, repeats: int) -> dict:
    net = spikeopt.Network.from_dict(library.spikenetopt())
    t, ts, res = _median_call(lambda: spikeopt.simulate(net, params, t_stop=T_MS, dt=DT,
                                                        seed=0), repeats)
    P = res.n_candidates
    return {"total_s": t, "runs_s": ts, "rates_E": res.mean_rate("E").tolist(),
            "rates_I": res.mean_rate("I").tolist(), "n_events": int(res.n_events.sum()),
            "neuron_steps": 250 * P * STEPS}


def _row(name: str, t: float, ref: float, extra: str = "") -> str:
    ratio = t / ref if ref > 0 else float("nan")
    return f"  {name:<44s} {t:9.3f} s   {ratio:7.1f}x   {extra}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--no-brian2", action="store_true")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    import numba
    from network_fused import run_in_subprocess, spikenetopt_candidates

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"numba {numba.__version__} ({numba.get_num_threads()} threads), "
          f"load {os.getloadavg()[0]:.2f}")
    out = {"load": os.getloadavg()[0]}
    # 1. CUBA ---------------------------------------------------------------
    ours = spikeopt_cuba(args.repeats)
    out["spikeopt_cuba"] = ours
    print(f"\nCUBA, 4000 LIF, 1 s at 0.1 ms  (spikeopt {ours['rate_hz']:.2f} Hz, "
          f"CV {ours['cv']:.2f}, {ours['n_events']:.3g} events)")
    print(f"  {'':<44s} {'time':>11s}   {'vs ours':>8s}")
    print(_row("spikeopt, whole call (build included)", ours["total_s"], ours["total_s"]))
    peers = {}
    if not args.no_peers:
        peers["fused numba kernel (run only)"] = run_in_subprocess(
            "network_fused", "cuba", repeats=args.repeats)
        if not args.no_brian2:
            peers["Brian2 cpp_standalone (run only)"] = run_in_subprocess(
                "network_brian2", "cuba", device="cpp_standalone", repeats=3)
            peers["Brian2 runtime cython (run only)"] = run_in_subprocess(
                "network_brian2", "cuba", device="runtime", repeats=3)
        for th in (1, 2):
            peers[f"NEST 3.10 iaf_psc_exp, {th} thread(s) (run only)"] = run_in_subprocess(
                "network_nest", "cuba", threads=th, repeats=3)
        for name, r in peers.items():
            extra = (f"build {r.get('build_s', float('nan')):.2f} s, {r['rate_hz']:.2f} Hz, "
                     f"CV {r.get('cv', float('nan')):.2f}")
            print(_row(name, r["run_s"], ours["total_s"], extra))
    out["cuba_peers"] = peers
    # 2. 32 SpikeNetOpt networks -------------------------------------------
    params = {k: np.asarray(v) for k, v in spikenetopt_candidates(32).items()}
    paths = {"sigma_ee": "projections.EE.weight.uniform.1", "p_ee": "projections.EE.connector.p",
             "sigma_ei": "projections.EI.weight.uniform.1", "p_ei": "projections.EI.connector.p"}
    sno_params = {paths[k]: v for k, v in params.items()}
    import resource

    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sno = spikeopt_sno(sno_params, args.repeats)
    sno["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sno["peak_rss_before_mb"] = rss0
    out["spikeopt_sno"] = sno
    print(f"\n32 SpikeNetOpt networks (200 E + 50 I Izhikevich), 1 s at 0.1 ms "
          f"(spikeopt E {np.mean(sno['rates_E']):.1f} Hz, I {np.mean(sno['rates_I']):.1f} Hz, "
          f"{sno['n_events']:.3g} events)")
    print(_row("spikeopt, one call for all 32", sno["total_s"], sno["total_s"],
               f"peak RSS {sno['peak_rss_mb']:.0f} MB (before: {sno['peak_rss_before_mb']:.0f})"))
    peers = {}
    if not args.no_peers:
        plist = {k: v.tolist() for k, v in params.items()}
        peers["fused kernel, 32 calls (build + run)"] = run_in_subprocess(
            "network_fused", "spikenetopt_loop", params=plist)
        peers["fused kernel, one prange call (build + run)"] = run_in_subprocess(
            "network_fused", "spikenetopt_loop", params=plist, parallel=True)
        if not args.no_brian2:
            peers["Brian2 cython, 32 networks one by one"] = run_in_subprocess(
                "network_brian2", "spikenetopt_loop", params=plist)
        peers["NEST 3.10, 32 networks one by one"] = run_in_subprocess(
            "network_nest", "spikenetopt_loop", params=plist)
        for name, r in peers.items():
            extra = (f"E {np.mean(r['rates_E']):.1f} Hz, I {np.mean(r['rates_I']):.1f} Hz"
                     + (f", build {r['build_s']:.2f} s" if "build_s" in r else ""))
            print(_row(name, r["total_s"], sno["total_s"], extra))
    out["sno_peers"] = peers
    # 3. throughput ---------------------------------------------------------
    print("\nThroughput (spikeopt)")
    for name, r in (("CUBA", ours), ("32 SpikeNetOpt networks", sno)):
        print(f"  {name:<26s} {r['neuron_steps'] / r['total_s']:.3g} neuron-steps/s, "
              f"{r['n_events'] / r['total_s']:.3g} synaptic events/s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1, default=float)


if __name__ == "__main__":
    main()
