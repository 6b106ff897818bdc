"""Benchmark: one evaluation of GeNN_Autoparam's mushroom body, spikeopt against Brian2.

One evaluation = upstream's faithful protocol: 80 images × 50 ms at dt = 0.1 ms (40,000
steps), N_KC Kenyon cells, teacher and plasticity on. Timed:

1. spikeopt (``MushroomBodyTask(faithful=True)``): one candidate with N_KC = 1000, the
   hand-tuned genotype [800, 26, 0.00006, 0.4, 0.0044, 1.0], and a batch of 10
   candidates drawn from upstream's gene generators (one kernel call, prange over
   candidates); each figure includes drawing the candidate's connectivity, initial
   weights and input spikes. After one warm-up call (numba's cache load).
2. Brian2 (runtime mode, Cython target, float64): :func:`brian2_mushroom_body`, the
   same model and numbers written as Brian2 objects — the same discrete scheme as
   GeNN (25 Euler sub-steps per 0.1 ms step unrolled in a ``run_regularly``,
   synaptic events one step later), the same input spikes, connectivity and initial
   weights as spikeopt's run (so both simulate the same network). Timed: the 80
   ``run()`` calls of one evaluation (network construction and code generation
   reported separately; the Cython cache is warm after the first repeat).
3. Upstream's own figure: GeNN rebuilds and recompiles the model for every
   evaluation, "ONE SIMULATION DURATION = AVERAGE 2 MINUTES (DEPENDING ON CPUs)"
   (genn-autoparam.py), README: 3–4 h for the run on an i7-7700. Quoted, not measured
   (GeNN is not installed here).

    .venv/bin/python bench/mushroom_body.py [--repeats 3] [--brian2-repeats 1]
        [--ga] [--data PATH] [--json out.json]

``--ga`` also runs upstream's 110-evaluation microbial GA (faithful mode) and reports
its best fitness and wall time. :func:`brian2_mushroom_body` is also the reference of
``tests/tasks/test_mushroom_body_brian2.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np

from spikeopt.tasks.mushroom_body import GENES, HAND_TUNED, MushroomBodyTask

DATA = Path("/work/shared/data/genn_autoparam_glyphs/dataset.csv")
UPSTREAM_S_PER_EVAL = 120.0  # "AVERAGE 2 MINUTES", genn-autoparam.py


def _tm_code(current: str) -> str:
    """25 unrolled Euler sub-steps of GeNN's TraubMiles (mV, nA, µS, nF, ms)."""
    sub = """Imem = -(m**3*h*gNa*(V - ENa) + n**4*gK*(V - EK) + gl*(V - El) - Itot)
am = 0.32*(-52 - V)/(exp((-52 - V)/4) - 1)
bm = 0.28*(V + 25)/(exp((V + 25)/5) - 1)
m = m + (am*(1 - m) - bm*m)*mdt
ah = 0.128*exp((-48 - V)/18)
bh = 4/(exp((-25 - V)/5) + 1)
h = h + (ah*(1 - h) - bh*h)*mdt
an = 0.032*(-50 - V)/(exp((-50 - V)/5) - 1)
bn = 0.5*exp((-55 - V)/40)
n = n + (an*(1 - n) - bn*n)*mdt
V = V + Imem/C*mdt
"""
    return f"below = int(V < 0)\nItot = {current}\n" + sub * 25


def brian2_mushroom_body(n_kc, conn_ptr, conn_idx, pn_ptr, pn_idx, w0, genes, labels,
                         teacher_on, plastic, image_steps, blank_steps, dt=0.1,
                         target="cython", timings=None):
    """The mushroom body in Brian2, for one candidate (float64).

    ``conn_ptr`` (785,)/``conn_idx``: KC targets of each PN; ``pn_ptr`` (T + 1,)/
    ``pn_idx``: PN spikes per step; ``w0`` (4, n_kc) initial weights (µS); ``genes``:
    dict of the model values (``tau_ms``, ``a``, ``w_max_uS``, ``offset``,
    ``teacher_nA``); ``labels``/``teacher_on``/``plastic`` per slot. Returns
    ``kc_count`` (n_kc,), ``dn_steps``/``dn_ids`` (the DN spikes), ``dn_count``
    (S, 4) in the image windows, ``w`` (4, n_kc) final weights.
    """
    import brian2 as b2

    b2.start_scope()
    b2.prefs.codegen.target = target
    b2.defaultclock.dt = dt * b2.ms
    t0 = time.perf_counter()
    ns = {"gNa": 7.15, "ENa": 50.0, "gK": 1.43, "EK": -95.0, "gl": 0.02672, "El": -63.563,
          "C": 0.143, "mdt": dt / 25.0, "dec_pn": np.exp(-dt / 1.0),
          "dec_kd": np.exp(-dt / 10.0), "dec_ggn": np.exp(-dt / 20.0),
          "init_ggn": 20.0 * (1.0 - np.exp(-dt / 20.0)) / dt, "gPN": 0.0033555,
          "tau_": float(genes["tau_ms"]), "a_": float(genes["a"]),
          "wmax_": float(genes["w_max_uS"]), "off_": float(genes["offset"])}
    # KCs and DNs in one group (KC = MB[:n_kc], DN = MB[n_kc:]): one code block for both
    # halves Brian2's per-step overhead; the terms a neuron does not have are exact zeros
    eqs = ("V : 1\nm : 1\nh : 1\nn : 1\nbelow : 1\ngpn : 1\ngggn : 1\ngkd : 1\n"
           "Iteach : 1")
    MB = b2.NeuronGroup(n_kc + 4, eqs, threshold="V >= 0 and below > 0.5",
                        refractory=0 * b2.ms, namespace=ns)
    MB.run_regularly(_tm_code("gpn*(0 - V) + init_ggn*gggn + gkd*(0 - V) + Iteach")
                     + "gpn = gpn*dec_pn\ngggn = gggn*dec_ggn\ngkd = gkd*dec_kd",
                     when="groups")
    MB.V, MB.m, MB.h, MB.n = -60.0, 0.0529324, 0.3176767, 0.5961207
    KC, DN = MB[:n_kc], MB[n_kc:]
    T = len(pn_ptr) - 1
    steps = np.repeat(np.arange(T), np.diff(pn_ptr))
    PN = b2.SpikeGeneratorGroup(784, np.asarray(pn_idx, dtype=int), steps * dt * b2.ms)
    GGN = b2.NeuronGroup(1, "V : 1\nIin : 1", threshold="V >= 40", reset="V = 0",
                         namespace=ns)
    GGN.run_regularly("V = V + Iin\nIin = 0", when="groups")
    pnkc = b2.Synapses(PN, KC, on_pre="gpn_post += gPN", namespace=ns)
    pre = np.repeat(np.arange(784), np.diff(conn_ptr))
    pnkc.connect(i=pre, j=np.asarray(conn_idx, dtype=int))
    rule = "w + plastic*int(lag > 0)*(clip(w + a_*(exp(-lag/tau_) - off_), 0, wmax_) - w)"
    kcdn = b2.Synapses(KC, DN, "w : 1\nplastic : 1 (shared)", namespace=ns,
                       on_pre="gkd_post += w\nlag = (t + dt - lastspike_post)/ms\nw = " + rule,
                       on_post="lag = (t + dt - lastspike_pre)/ms\nw = " + rule)
    kcdn.connect(True)
    kcdn.w = np.asarray(w0, dtype=np.float64)[kcdn.j[:], kcdn.i[:]]
    kcggn = b2.Synapses(KC, GGN, on_pre="Iin_post += 1", namespace=ns)
    kcggn.connect(True)
    ggnkc = b2.Synapses(GGN, KC, on_pre="gggn_post += -5", namespace=ns)
    ggnkc.connect(True)
    mon = b2.SpikeMonitor(MB)
    net = b2.Network(PN, MB, GGN, pnkc, kcdn, kcggn, ggnkc, mon)
    net.run(0 * b2.ms, namespace={})
    t1 = time.perf_counter()
    spp = image_steps + blank_steps
    for lab, on, pl in zip(labels, teacher_on, plastic, strict=True):
        teach = float(genes["teacher_nA"]) if on else 0.0
        MB.Iteach[n_kc:] = np.where(np.arange(4) == lab, teach, -teach)
        kcdn.plastic = 1.0 if pl else 0.0
        net.run(spp * dt * b2.ms, namespace={})
    t2 = time.perf_counter()
    if timings is not None:
        timings.update(build_s=t1 - t0, run_s=t2 - t1)
    all_i = np.asarray(mon.i[:], dtype=np.int64)
    is_dn = all_i >= n_kc
    dn_steps = np.rint(np.asarray(mon.t / b2.ms)[is_dn] / dt).astype(np.int64)
    dn_ids = all_i[is_dn] - n_kc
    order = np.lexsort((dn_ids, dn_steps))
    dn_steps, dn_ids = dn_steps[order], dn_ids[order]
    S = len(labels)
    dn_count = np.zeros((S, 4), dtype=np.int64)
    slot, k = np.divmod(dn_steps, spp)
    np.add.at(dn_count, (slot[k < image_steps], dn_ids[k < image_steps]), 1)
    w = np.zeros((4, n_kc))
    w[kcdn.j[:], kcdn.i[:]] = kcdn.w[:]
    return {"kc_count": np.asarray(mon.count[:n_kc]), "dn_steps": dn_steps, "dn_ids": dn_ids,
            "dn_count": dn_count, "w": w}


def time_spikeopt(task, repeats: int) -> dict:
    """Median wall times of one evaluation (N_KC 1000; the hand-tuned genotype) and of
    a batch of 10 candidates from upstream's gene generators."""
    one = {g: np.array([v], dtype=float) for g, v in HAND_TUNED.items()}
    X = task.microbial_prior(np.random.default_rng(2024), 10)
    cases = {"n_kc_1000": dict(one, n_kc=np.array([1000.0])), "hand_tuned": one,
             "batch_10": {g: X[:, j] for j, g in enumerate(GENES)}}
    task(one, seeds=[np.random.SeedSequence(0)])  # warm-up: numba's cache
    res = {}
    for name, params in cases.items():
        P = len(params["n_kc"])
        wall, cpu = [], []
        for r in range(repeats):
            seeds = np.random.SeedSequence(100 + r).spawn(P)
            t0, c0 = time.perf_counter(), time.process_time()
            L = task(params, seeds=seeds)
            wall.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        res[name] = {"median_s": statistics.median(wall), "runs_s": wall,
                     "cpu_s": statistics.median(cpu),
                     "n_kc": params["n_kc"].astype(int).tolist(),
                     "fitness": (241.0 - L.F).tolist()}
        print(f"spikeopt {name:11s} median {res[name]['median_s']:7.2f} s wall, "
              f"{res[name]['cpu_s']:7.2f} s CPU  (n_kc {res[name]['n_kc']}; fitness "
              f"{res[name]['fitness']})", flush=True)
    res["batch_10"]["per_candidate_s"] = res["batch_10"]["median_s"] / 10
    return res


def time_brian2(task, repeats: int, target: str) -> dict:
    """Brian2 on the N_KC = 1000 candidate, with spikeopt's draws of the first repeat;
    also checks that both simulate the same spikes."""
    genes, _ = task.decode_genes({g: np.array([1000.0 if g == "n_kc" else v])
                                  for g, v in HAND_TUNED.items()})
    out = task.simulate(genes, [np.random.SeedSequence(100).spawn(1)[0]],
                        task.schedule("faithful"))
    g1 = {k: float(v[0]) for k, v in genes.items() if k != "n_kc"}
    runs = []
    for _ in range(repeats):
        tm = {}
        ref = brian2_mushroom_body(
            1000, out["conn_ptr"][0], out["conn_idx"], out["pn_ptr"][0], out["pn_idx"],
            out["w0"][0], g1, task.labels[out["rows"]], out["teacher"], out["plastic"],
            task.image_steps, task.blank_steps, task.dt, target=target, timings=tm)
        runs.append(tm)
        print(f"brian2   n_kc_1000   run {tm['run_s']:7.2f} s  build {tm['build_s']:.2f} s",
              flush=True)
    w, w_ref = out["w"][0][:, :1000].astype(float), ref["w"]
    return {"target": target, "run_s": statistics.median(t["run_s"] for t in runs),
            "runs": runs, "kc_spikes": int(ref["kc_count"].sum()),
            "same_kc_spike_counts": bool(np.array_equal(out["kc_count"][0][:1000],
                                                        ref["kc_count"])),
            "dn_spikes": int(len(ref["dn_steps"])),
            "same_dn_counts": bool(np.array_equal(out["dn_count"][0], ref["dn_count"])),
            "weights_max_rel_diff": float(np.abs(w - w_ref).max() / np.abs(w_ref).max())}


def run_ga(task, *, seed: int, evaluations: int = 110) -> dict:
    """Upstream's microbial GA (``task.optimizer_defaults()``) on the faithful task
    through spikeopt's runner (serial executor: each batch of up to 2 losers is one
    kernel call on the 2 cores); every evaluation on a fresh seed."""
    from spikeopt.run import optimize

    opts = task.optimizer_defaults()["microbial"]
    t0, c0 = time.perf_counter(), time.process_time()
    res = optimize(task, task.space, optimizer="microbial", optimizer_options=opts,
                   budget=evaluations, seed=seed)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    fit = 241.0 - res.history["loss"].to_numpy()
    return {"seed": seed, "best_fitness": float(fit.max()), "evaluations": len(fit),
            "wall_s": wall, "cpu_s": cpu, "best_params": res.best_params,
            "best_so_far": np.maximum.accumulate(fit).tolist(),
            "mean_n_kc": float(res.history["n_kc"].mean())
            if "n_kc" in res.history else None}


def run_default(data, *, seed: int, evaluations: int, max_kc: int) -> dict:
    """The default mode: CMA-ES on the training rows' loss, then :meth:`outcome` of the
    best candidate on fresh seeds (held-out accuracy, chance, linear baseline)."""
    from spikeopt.run import optimize

    task = MushroomBodyTask(data=data, seed=seed, max_kc=max_kc)
    t0 = time.perf_counter()
    res = optimize(task, task.space, optimizer="cmaes", budget=evaluations, seed=seed)
    wall = time.perf_counter() - t0
    out = task.outcome(res.best_params, seed=seed + 1000)
    return {"seed": seed, "evaluations": len(res.history), "wall_s": wall,
            "best_loss": res.best_loss, "best_params": res.best_params, "outcome": out}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parts", default="timing,brian2",
                    help="comma list of timing, brian2, ga, default")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--brian2-repeats", type=int, default=1)
    ap.add_argument("--brian2-target", default="cython")
    ap.add_argument("--data", default=str(DATA) if DATA.is_file() else None)
    ap.add_argument("--seeds", default="0", help="GA / default-mode seeds, e.g. 0,1,2")
    ap.add_argument("--default-evaluations", type=int, default=200)
    ap.add_argument("--default-max-kc", type=int, default=600)
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    import numba

    parts = set(args.parts.split(","))
    seeds = [int(x) for x in args.seeds.split(",")]
    task = MushroomBodyTask(faithful=True, data=args.data)
    res = {"machine": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
           "numba_threads": numba.get_num_threads(), "data": task.data_source,
           "upstream_s_per_evaluation": UPSTREAM_S_PER_EVAL}
    if "timing" in parts:
        res.update(time_spikeopt(task, args.repeats))
        s1000 = res["n_kc_1000"]["median_s"]
        print(f"upstream GeNN (~{UPSTREAM_S_PER_EVAL:.0f} s per evaluation incl. "
              f"recompilation, quoted) / spikeopt: {UPSTREAM_S_PER_EVAL / s1000:.0f}x")
    if "brian2" in parts:
        res["brian2_n_kc_1000"] = b2 = time_brian2(task, args.brian2_repeats,
                                                    args.brian2_target)
        if "timing" in parts:
            ratio = b2["run_s"] / res["n_kc_1000"]["median_s"]
            res["ratios"] = {"brian2_over_spikeopt": ratio,
                             "upstream_genn_over_spikeopt":
                                 UPSTREAM_S_PER_EVAL / res["n_kc_1000"]["median_s"]}
            print(f"ratio Brian2 / spikeopt (one evaluation, N_KC 1000): {ratio:.1f}x; same "
                  f"KC spikes {b2['same_kc_spike_counts']}, same DN counts "
                  f"{b2['same_dn_counts']}")
    if "ga" in parts:
        res["ga"] = []
        for s in seeds:
            g = run_ga(task, seed=s)
            res["ga"].append(g)
            print(f"faithful GA seed {s}: best fitness {g['best_fitness']:.1f} / 241 after "
                  f"{g['evaluations']} evaluations, {g['wall_s']:.0f} s wall, "
                  f"{g['cpu_s']:.0f} s CPU", flush=True)
    if "default" in parts:
        res["default"] = []
        for s in seeds:
            d = run_default(args.data, seed=s, evaluations=args.default_evaluations,
                            max_kc=args.default_max_kc)
            res["default"].append(d)
            o = d["outcome"]
            print(f"default seed {s}: test accuracy {o['test_accuracy']:.2f} (readout "
                  f"{o['test_accuracy_readout']:.2f}; chance "
                  f"{o['chance_level']:.2f}, linear baseline "
                  f"{o['linear_baseline_test_accuracy']:.2f}), train {o['train_accuracy']:.2f},"
                  f" {d['evaluations']} evaluations in {d['wall_s']:.0f} s", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=2, default=str))
    return res


if __name__ == "__main__":
    main()
