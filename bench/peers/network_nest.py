"""NEST peers of spikeopt's network simulator: CUBA with ``iaf_psc_exp`` and the
SpikeNetOpt population with ``izhikevich``, one network after another.

    .venv/bin/python bench/peers/network_nest.py [--repeats 3] [--json out.json]

- ``cuba(threads=1, seed=0, repeats=3) -> dict``: per repeat ``ResetKernel`` / Create /
  Connect (``pairwise_bernoulli``, p = 0.02, autapses allowed) / ``Prepare`` (build_s),
  then ``Run(1000 ms)`` (run_s) and ``Cleanup``. Keys: run_s (median), runs_s, build_s
  (median), builds_s, rate_hz, cv, n_spikes, n_events, n_synapses, threads.
- ``spikenetopt_loop(params=None, seed=0, threads=1, consistent_integration=True) -> dict``:
  per network ``ResetKernel`` / build / ``Prepare`` (build share), ``Run(1000)``,
  ``Cleanup``. Keys as network_brian2's: total_s (= build_s + run_s), build_s, run_s,
  builds_s, runs_s, loop_wall_s (also the untimed read-out: spike counts and
  ``GetConnections`` for the out-degrees), rates_E, rates_I, n_events, n_synapses.

CUBA in NEST units. Brian2's model is ``dv/dt = (ge + gi - (v - El))/taum`` with ge, gi
(mV) jumping by we / wi and decaying with taue / taui. iaf_psc_exp is
``C_m dV/dt = -C_m (V - E_L)/tau_m + I_ex + I_in`` with I_ex jumping by the weight J (pA)
and decaying with tau_syn_ex. The two are the same ODE with ``I = ge * C_m / taum``, so
``J = w * C_m / tau_m``: we = 1.62 mV -> 1.62 * 250 / 20 = 20.25 pA, wi = -9 mV ->
-112.5 pA (the whole PSC, its integral J * tau_syn and hence the PSP, match exactly).
NEST needs a delay >= resolution: 0.1 ms (Brian2 and the fused kernel use 0).

Izhikevich: NEST's ``consistent_integration=True`` (its default) is the plain forward
Euler of both variables from the old values -- the scheme spikeopt, Brian2 and the fused
kernel use; ``False`` is the *published* scheme (v in two half steps, u from the new v),
which NEST documents as meant for dt = 1 ms. Delta input (mV) is added to V_m in the
step it arrives, before the threshold test.
"""

from __future__ import annotations

import json
import os
import sys
import time

os.environ.setdefault("PYNEST_QUIET", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from network_fused import (  # noqa: E402  (bench/peers beside this file)
    CUBA,
    DT,
    SNO,
    T_MS,
    _jsonable,
    _print_cuba,
    _print_loop,
    spike_stats,
    spikenetopt_candidates,
)


def _quiet(nest) -> None:
    if hasattr(nest, "VerbosityLevel"):  # NEST >= 3.10
        nest.verbosity = nest.VerbosityLevel.ERROR
    else:
        nest.set_verbosity("M_ERROR")


def _nest():
    import nest

    _quiet(nest)
    return nest


def _reset(nest, threads: int, seed: int) -> None:
    nest.ResetKernel()
    _quiet(nest)
    nest.SetKernelStatus({"resolution": DT, "local_num_threads": int(threads),
                          "rng_seed": int(seed) + 1, "print_time": False})


def cuba_weights_pA(c_m: float = 250.0) -> tuple[float, float]:
    """(J_exc, J_inh) in pA: the Brian2 jumps (mV) times C_m / tau_m."""
    return CUBA["we"] * c_m / CUBA["taum"], CUBA["wi"] * c_m / CUBA["taum"]


def _outdeg(nest, pop, n: int) -> np.ndarray:
    src = np.asarray(nest.GetConnections(source=pop, target=pop).get("source"), np.int64)
    return np.bincount(src - pop[0].global_id, minlength=n)


def cuba(threads: int = 1, seed: int = 0, repeats: int = 3) -> dict:
    nest = _nest()
    c = CUBA
    j_e, j_i = cuba_weights_pA(250.0)
    params = dict(tau_m=c["taum"], C_m=250.0, E_L=c["El"], V_th=c["Vt"], V_reset=c["Vr"],
                  t_ref=c["t_ref"], tau_syn_ex=c["taue"], tau_syn_in=c["taui"], I_e=0.0)
    conn = {"rule": "pairwise_bernoulli", "p": c["p"], "allow_autapses": True}
    runs, builds, stats = [], [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        _reset(nest, threads, seed)
        pop = nest.Create("iaf_psc_exp", c["N"], params=params)
        pop.V_m = nest.random.uniform(c["Vr"], c["Vt"])
        sr = nest.Create("spike_recorder")
        nest.Connect(pop[:c["N_E"]], pop, conn, {"weight": j_e, "delay": 0.1})
        nest.Connect(pop[c["N_E"]:], pop, conn, {"weight": j_i, "delay": 0.1})
        nest.Connect(pop, sr)
        nest.Prepare()
        t1 = time.perf_counter()
        nest.Run(T_MS)
        t2 = time.perf_counter()
        nest.Cleanup()
        builds.append(t1 - t0)
        runs.append(t2 - t1)
        if stats is None:
            ev = sr.get("events")
            outdeg = _outdeg(nest, pop, c["N"])
            stats = spike_stats(np.asarray(ev["senders"]) - pop[0].global_id,
                                np.asarray(ev["times"]), c["N"], T_MS, outdeg)
            stats["n_synapses"] = int(outdeg.sum())
    return dict(run_s=float(np.median(runs)), runs_s=runs, build_s=float(np.median(builds)),
                builds_s=builds, repeats=repeats, threads=threads,
                nest=nest.__version__, weights_pA=[j_e, j_i], **stats)


def spikenetopt_loop(params: dict | None = None, seed: int = 0, threads: int = 1,
                     consistent_integration: bool = True) -> dict:
    nest = _nest()
    s = SNO
    p = {k: np.asarray(v, dtype=np.float64)
         for k, v in (spikenetopt_candidates() if params is None else params).items()}
    n_net = p["sigma_ee"].size
    ne, ni = s["N_E"], s["N_I"]
    builds, runs = [], []
    rates_E, rates_I, n_ev, n_syn = (np.zeros(n_net) for _ in range(4))
    t_start = time.perf_counter()
    for k in range(n_net):
        t0 = time.perf_counter()
        _reset(nest, threads, seed * 100_003 + k)
        pops = {}
        for pop, n in (("E", ne), ("I", ni)):
            pops[pop] = nest.Create("izhikevich", n, params=dict(
                a=s[f"a_{pop}"], b=s[f"b_{pop}"], c=s[f"c_{pop}"], d=s[f"d_{pop}"],
                I_e=s[f"I_{pop}"], V_th=s["v_th"], V_m=s["v0"], U_m=s[f"b_{pop}"] * s["v0"],
                consistent_integration=consistent_integration))
        E, I = pops["E"], pops["I"]
        proj = [(E, E, p["p_ee"][k], 0.0, p["sigma_ee"][k]),
                (E, I, p["p_ei"][k], 0.0, p["sigma_ei"][k]),
                (I, E, s["p_ie"], *s["w_ie"]), (I, I, s["p_ii"], *s["w_ii"])]
        for pre, post, prob, lo, hi in proj:
            nest.Connect(pre, post,
                         {"rule": "pairwise_bernoulli", "p": float(prob), "allow_autapses": True},
                         {"weight": nest.random.uniform(float(lo), float(hi)),
                          "delay": s["delay"]})
        srE, srI = nest.Create("spike_recorder"), nest.Create("spike_recorder")
        nest.Connect(E, srE)
        nest.Connect(I, srI)
        nest.Prepare()
        t1 = time.perf_counter()
        nest.Run(T_MS)
        t2 = time.perf_counter()
        nest.Cleanup()
        builds.append(t1 - t0)
        runs.append(t2 - t1)
        neurons = E + I
        src = np.asarray(nest.GetConnections(source=neurons, target=neurons).get("source"))
        outdeg = np.bincount(src - E[0].global_id, minlength=ne + ni)
        cE = np.bincount(np.asarray(srE.get("events")["senders"]) - E[0].global_id,
                         minlength=ne)
        cI = np.bincount(np.asarray(srI.get("events")["senders"]) - I[0].global_id,
                         minlength=ni)
        rates_E[k] = cE.sum() / ne / (T_MS * 1e-3)
        rates_I[k] = cI.sum() / ni / (T_MS * 1e-3)
        n_ev[k] = int(cE @ outdeg[:ne] + cI @ outdeg[ne:])
        n_syn[k] = int(outdeg.sum())
    wall = time.perf_counter() - t_start
    return dict(total_s=float(sum(builds) + sum(runs)), build_s=float(sum(builds)),
                run_s=float(sum(runs)), loop_wall_s=wall,
                builds_s=builds, runs_s=runs, rates_E=rates_E, rates_I=rates_I,
                n_events=n_ev.astype(np.int64), n_synapses=n_syn.astype(np.int64),
                n_networks=n_net, threads=threads, nest=nest.__version__,
                consistent_integration=consistent_integration)


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    nest = _nest()
    print(f"# NEST {nest.__version__}, numpy {np.__version__}, {os.cpu_count()} cores; "
          f"CUBA weights {cuba_weights_pA()} pA")
    res = {}
    for th in (1, 2):
        res[f"cuba_{th}t"] = cuba(threads=th, repeats=args.repeats)
        _print_cuba(f"nest iaf_psc_exp CUBA {th} thr", res[f"cuba_{th}t"])
    res["sno_loop"] = spikenetopt_loop()
    _print_loop("nest izhikevich 32 x loop", res["sno_loop"])
    print("# rates_E " + " ".join(f"{x:.1f}" for x in res["sno_loop"]["rates_E"]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(_jsonable(res), f, indent=1)
