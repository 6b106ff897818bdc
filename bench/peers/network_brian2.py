"""Brian2 peers of spikeopt's network simulator: CUBA (runtime/cython and cpp_standalone)
and the SpikeNetOpt population simulated one network after another (runtime/cython).

    .venv/bin/python bench/peers/network_brian2.py [--repeats 3] [--json out.json]

Each measurement runs in a fresh interpreter (``run_in_subprocess``) when called from the
script, so that Brian2's in-process caches and device state do not leak between rows.

- ``cuba(device="runtime"|"cpp_standalone", seed=0, repeats=3, fresh_cache=False,
  connectivity="brian2") -> dict``. Keys: run_s (median over repeats), runs_s, build_s,
  rate_hz, cv, n_spikes, n_events, n_synapses, and:
  * runtime: build_s = network construction (incl. ``connect``, which generates and
    compiles its own code) + ``net.run(0 ms)`` (code generation / Cython compilation or
    cache loading of every code object); run_s = ``net.run(1 s)`` of a network that has
    been built and run for 0 ms (repeats: a fresh network each, same process; the first
    network's numbers are ``build_first_s`` / ``run_first_s``). ``fresh_cache=True``
    uses an empty Cython cache directory (what a first-time user pays).
  * cpp_standalone: build_s = ``device.build(compile=True, run=False)`` (code generation +
    make); run_s = Brian2's own ``_last_run_time`` (the simulation loop inside the binary,
    median over ``repeats`` executions of the binary); ``binary_wall_s`` = wall time of
    ``device.run`` (process start, synapse creation, loop, writing results).
  The standalone project directory (a temporary one) is removed unless
  ``keep_workdir=True``. ``connectivity="numpy"`` uses network_fused's numpy
  connectivity and initial v instead of Brian2's ``connect(p=0.02)`` (same network as
  the fused kernel).
- ``spikenetopt_loop(params=None, seed=0, fresh_cache=False) -> dict``: per network
  ``start_scope`` / build / ``run(0 ms)`` / ``run(1 s)``. Keys: total_s (= build_s +
  run_s), build_s (sum of start_scope + construction + run(0 ms)), run_s (sum of
  run(1 s)), builds_s, runs_s (per network), loop_wall_s (also the untimed read-out of
  spikes and out-degrees), rates_E, rates_I, n_events, n_synapses. ``constants``: see
  ``_sno_net``.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from network_fused import (  # noqa: E402  (bench/peers beside this file)
    CUBA,
    DT,
    SNO,
    T_MS,
    _jsonable,
    _print_cuba,
    _print_loop,
    cuba_network,
    run_in_subprocess,
    spike_stats,
    spikenetopt_candidates,
)

CUBA_EQS = """
dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
dge/dt = -ge/taue : volt
dgi/dt = -gi/taui : volt
"""

IZH_EQS = """
dv/dt = (0.04*v**2 + 5*v + 140 - u + I)/ms : 1
du/dt = a*(b*v - u)/ms : 1
a : 1 (constant)
b : 1 (constant)
c : 1 (constant)
d : 1 (constant)
I : 1 (constant)
"""


def _setup(b2, device: str, workdir: str | None, fresh_cache: bool) -> None:
    b2.prefs.codegen.target = "cython"
    b2.prefs.codegen.runtime.cython.multiprocess_safe = False
    if fresh_cache:
        b2.prefs.codegen.runtime.cython.cache_dir = tempfile.mkdtemp(prefix="b2cy_")
    if device == "cpp_standalone":
        b2.set_device("cpp_standalone", directory=workdir, build_on_run=False)
    else:
        b2.set_device("runtime")


def _cuba_net(b2, seed: int, connectivity: str):
    c = CUBA
    ms, mV = b2.ms, b2.mV
    ns = dict(taum=c["taum"] * ms, taue=c["taue"] * ms, taui=c["taui"] * ms, Vt=c["Vt"] * mV,
              Vr=c["Vr"] * mV, El=c["El"] * mV, we=c["we"] * mV, wi=c["wi"] * mV)
    b2.defaultclock.dt = DT * ms  # one clock: a per-object clock gets a new name per network
    b2.seed(seed)
    P = b2.NeuronGroup(c["N"], CUBA_EQS, threshold="v>Vt", reset="v = Vr",
                       refractory=c["t_ref"] * ms, method="exact", namespace=ns,
                       name="P")
    P.ge = 0 * mV
    P.gi = 0 * mV
    Ce = b2.Synapses(P, P, on_pre="ge += we", namespace=ns, name="Ce")
    Ci = b2.Synapses(P, P, on_pre="gi += wi", namespace=ns, name="Ci")
    if connectivity == "numpy":
        (indptr, indices, _), v0 = cuba_network(seed)
        pre = np.repeat(np.arange(c["N"]), np.diff(indptr))
        e = pre < c["N_E"]
        Ce.connect(i=pre[e], j=indices[e])
        Ci.connect(i=pre[~e], j=indices[~e])
        P.v = v0 * mV
    else:
        P.v = "Vr + rand() * (Vt - Vr)"
        Ce.connect(f"i<{c['N_E']}", p=c["p"])
        Ci.connect(f"i>={c['N_E']}", p=c["p"])
    mon = b2.SpikeMonitor(P, name="mon")
    return b2.Network(P, Ce, Ci, mon, name="net"), mon, (Ce, Ci)


def _outdeg(syns, n: int) -> np.ndarray:
    return sum(np.bincount(np.asarray(s.i[:]), minlength=n) for s in syns)


def cuba(device: str = "runtime", seed: int = 0, repeats: int = 3, fresh_cache: bool = False,
         connectivity: str = "brian2", keep_workdir: bool = False) -> dict:
    import brian2 as b2

    c = CUBA
    b2.start_scope()
    if device == "cpp_standalone":
        workdir = tempfile.mkdtemp(prefix="b2sa_cuba_")
        _setup(b2, device, workdir, fresh_cache)
        t0 = time.perf_counter()
        net, mon, syns = _cuba_net(b2, seed, connectivity)
        net.run(T_MS * b2.ms)
        b2.device.build(directory=workdir, compile=True, run=False, debug=False)
        build_s = time.perf_counter() - t0
        runs, walls = [], []
        for _ in range(repeats):
            t0 = time.perf_counter()
            b2.device.run(directory=workdir, with_output=False)
            walls.append(time.perf_counter() - t0)
            runs.append(float(b2.device._last_run_time))
        st = spike_stats(mon.i[:], mon.t[:] / b2.ms, c["N"], T_MS, _outdeg(syns, c["N"]))
        n_syn = int(sum(len(s) for s in syns))
        if not keep_workdir:
            shutil.rmtree(workdir, ignore_errors=True)
        return dict(run_s=float(np.median(runs)), runs_s=runs, build_s=build_s,
                    binary_wall_s=float(np.median(walls)), binary_walls_s=walls,
                    n_synapses=n_syn, repeats=repeats,
                    device=device, brian2=b2.__version__, connectivity=connectivity,
                    workdir=workdir, **st)
    _setup(b2, device, None, fresh_cache)
    runs, builds, stats = [], [], None
    for _ in range(repeats):
        b2.start_scope()
        t0 = time.perf_counter()
        net, mon, syns = _cuba_net(b2, seed, connectivity)
        net.run(0 * b2.ms)
        builds.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        net.run(T_MS * b2.ms)
        runs.append(time.perf_counter() - t0)
        if stats is None:
            stats = spike_stats(mon.i[:], mon.t[:] / b2.ms, c["N"], T_MS,
                                _outdeg(syns, c["N"]))
            stats["n_synapses"] = int(sum(len(s) for s in syns))
    return dict(run_s=float(np.median(runs)), runs_s=runs, build_s=builds[0],
                build_first_s=builds[0], builds_s=builds, run_first_s=runs[0], repeats=repeats,
                device=device, brian2=b2.__version__, fresh_cache=fresh_cache,
                connectivity=connectivity, **stats)


def _sno_net(b2, k: int, p: dict, seed: int, constants: str = "shared"):
    """One SpikeNetOpt network. ``constants="shared"``: the candidate's connection
    probabilities and weight bounds are shared (scalar) model variables, so every
    network has the same generated code (compiled once, then taken from Brian2's cache);
    ``"literal"``: they are written into the strings as numbers, as a casual user would,
    and Brian2 generates and compiles new code for every candidate."""
    s = SNO
    ms = b2.ms
    b2.defaultclock.dt = DT * ms
    b2.seed(seed * 100_003 + k)
    shared = constants == "shared"
    eqs = IZH_EQS + ("p_from_E : 1 (shared, constant)\np_from_I : 1 (shared, constant)\n"
                     if shared else "")
    groups = {}
    for pop in ("E", "I"):
        g = b2.NeuronGroup(s[f"N_{pop}"], eqs, threshold="v >= v_th",
                           reset="v = c; u += d", method="euler",
                           namespace={"v_th": s["v_th"]}, name=pop)
        g.a, g.b, g.c, g.d, g.I = (s[f"{x}_{pop}"] for x in ("a", "b", "c", "d", "I"))
        g.v = s["v0"]
        g.u = "b*v"
        groups[pop] = g
    E, I = groups["E"], groups["I"]
    proj = [("EE", E, E, p["p_ee"][k], 0.0, p["sigma_ee"][k]),
            ("EI", E, I, p["p_ei"][k], 0.0, p["sigma_ei"][k]),
            ("IE", I, E, s["p_ie"], *s["w_ie"]),
            ("II", I, I, s["p_ii"], *s["w_ii"])]
    syns = []
    for nm, pre, post, prob, lo, hi in proj:
        model = "w : 1 (constant)"
        if shared:
            model += "\nw_lo : 1 (shared, constant)\nw_span : 1 (shared, constant)"
        S = b2.Synapses(pre, post, model, on_pre="v_post += w",
                        delay=s["delay"] * ms, name=nm)
        if shared:
            setattr(post, f"p_from_{pre.name}", float(prob))
            S.connect(p=f"p_from_{pre.name}_post")
            S.w_lo = float(lo)
            S.w_span = float(hi) - float(lo)
            S.w = "w_lo + rand()*w_span"
        else:
            S.connect(p=float(prob))
            S.w = f"{float(lo)!r} + rand()*{float(hi) - float(lo)!r}"
        syns.append(S)
    mE, mI = b2.SpikeMonitor(E, name="mE"), b2.SpikeMonitor(I, name="mI")
    return b2.Network(E, I, *syns, mE, mI, name="net"), mE, mI, syns


def spikenetopt_loop(params: dict | None = None, seed: int = 0, fresh_cache: bool = False,
                     constants: str = "shared") -> dict:
    import brian2 as b2

    p = {k: np.asarray(v, dtype=np.float64)
         for k, v in (spikenetopt_candidates() if params is None else params).items()}
    n_net = p["sigma_ee"].size
    ne, ni = SNO["N_E"], SNO["N_I"]
    _setup(b2, "runtime", None, fresh_cache)
    builds, runs = [], []
    rates_E, rates_I, n_ev, n_syn = (np.zeros(n_net) for _ in range(4))
    t_start = time.perf_counter()
    for k in range(n_net):
        t0 = time.perf_counter()
        b2.start_scope()
        net, mE, mI, syns = _sno_net(b2, k, p, seed, constants)
        net.run(0 * b2.ms)
        t1 = time.perf_counter()
        net.run(T_MS * b2.ms)
        t2 = time.perf_counter()
        builds.append(t1 - t0)
        runs.append(t2 - t1)
        cE = np.bincount(np.asarray(mE.i[:]), minlength=ne)
        cI = np.bincount(np.asarray(mI.i[:]), minlength=ni)
        outE = sum(np.bincount(np.asarray(S.i[:]), minlength=ne) for S in syns[:2])
        outI = sum(np.bincount(np.asarray(S.i[:]), minlength=ni) for S in syns[2:])
        rates_E[k] = cE.sum() / ne / (T_MS * 1e-3)
        rates_I[k] = cI.sum() / ni / (T_MS * 1e-3)
        n_ev[k] = int(cE @ outE + cI @ outI)
        n_syn[k] = sum(len(S) for S in syns)
    wall = time.perf_counter() - t_start
    return dict(total_s=float(sum(builds) + sum(runs)), build_s=float(sum(builds)),
                run_s=float(sum(runs)), loop_wall_s=wall,
                builds_s=builds, runs_s=runs, rates_E=rates_E, rates_I=rates_I,
                n_events=n_ev.astype(np.int64), n_synapses=n_syn.astype(np.int64),
                n_networks=n_net, brian2=b2.__version__, fresh_cache=fresh_cache,
                constants=constants)


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--cold", action="store_true",
                    help="also measure runtime CUBA with an empty Cython cache")
    ap.add_argument("--no-standalone", action="store_true")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    import brian2

    print(f"# Brian2 {brian2.__version__}, numpy {np.__version__}, {os.cpu_count()} cores; "
          f"one fresh process per row")
    res = {}
    if args.cold:
        res["cuba_runtime_cold"] = run_in_subprocess("network_brian2", "cuba", repeats=1,
                                                     fresh_cache=True)
        _print_cuba("brian2 cython CUBA (cold)", res["cuba_runtime_cold"])
    res["cuba_runtime"] = run_in_subprocess("network_brian2", "cuba", repeats=args.repeats)
    _print_cuba("brian2 cython CUBA", res["cuba_runtime"])
    if not args.no_standalone:
        res["cuba_standalone"] = run_in_subprocess("network_brian2", "cuba",
                                                   device="cpp_standalone",
                                                   repeats=args.repeats)
        r = res["cuba_standalone"]
        _print_cuba("brian2 cpp_standalone CUBA", r)
        print(f"#   standalone binary wall (start + synapses + loop + results) "
              f"{r['binary_wall_s']:.3f} s", flush=True)
    res["sno_loop"] = run_in_subprocess("network_brian2", "spikenetopt_loop")
    _print_loop("brian2 cython 32 x loop", res["sno_loop"])
    print("# rates_E " + " ".join(f"{x:.1f}" for x in res["sno_loop"]["rates_E"]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(_jsonable(res), f, indent=1)
