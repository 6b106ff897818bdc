"""Benchmark: N Izhikevich (2003) neurons for 1 s at dt = 0.1 ms.

Runs, in one process and one run: spikeopt (float64 and float32), a plain
numpy vectorised loop, Brian2 runtime (cython target) and Brian2
cpp_standalone, all with forward Euler and the same equations. Prints
neuron-steps per second (median of repeats; JIT / code-generation time
excluded and reported separately) and the ratio of spikeopt to each peer.

    .venv/bin/python bench/simulate.py [--sizes 1,100,1000,10000,100000] [--no-brian2]
    .venv/bin/python bench/simulate.py --single   # N = 1: fast path vs general path

``--single`` times one-candidate calls through ``simulate`` (its single-row
fast path) and through the general batched path (forced by ``initial={}``;
the same compiled kernel), taking turns, plus the bare kernel call.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time

import numpy as np

from spikeopt import simulate, stimuli

T_MS, DT = 1000.0, 0.1
STEPS = int(round(T_MS / DT))
I_EXT = 10.0


def population(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {"a": rng.uniform(0.02, 0.1, n), "b": np.full(n, 0.2),
            "c": rng.uniform(-65, -50, n), "d": rng.uniform(2, 8, n)}


def median_time(fn, repeats: int) -> float:
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts))


def run_spikeopt(p, dtype) -> tuple[float, int]:
    stim = stimuli.step(I_EXT, duration=T_MS, dt=DT)
    res = simulate("izhikevich", p, stim, dt=DT, dtype=dtype)  # warm-up (JIT)
    n = p["a"].size
    reps = 7 if n <= 10_000 else 3
    return median_time(lambda: simulate("izhikevich", p, stim, dt=DT, dtype=dtype), reps), int(
        res.spikes.times.size)


def run_numpy(p) -> tuple[float, int]:
    a, b, c, d = p["a"], p["b"], p["c"], p["d"]

    def loop():
        v = np.full(a.size, -65.0)
        u = b * v
        n_spikes = 0
        for _ in range(STEPS):
            vn = v + DT * (0.04 * v * v + 5.0 * v + 140.0 - u + I_EXT)
            u = u + DT * a * (b * v - u)
            s = vn >= 30.0
            v = np.where(s, c, vn)
            u = np.where(s, u + d, u)
            n_spikes += int(np.count_nonzero(s))
        return n_spikes

    n_sp = loop()
    reps = 3 if a.size <= 10_000 else 1
    return median_time(loop, reps), n_sp


EQS = """dv/dt = (0.04*v**2 + 5*v + 140 - u + I_ext)/ms : 1
du/dt = a*(b*v - u)/ms : 1
a : 1
b : 1
c : 1
d : 1"""


def brian2_group(b2, p):
    """The Izhikevich population in Brian2 with the same equations, and its monitor."""
    g = b2.NeuronGroup(p["a"].size, EQS, threshold="v >= 30", reset="v = c; u = u + d",
                       method="euler", dt=DT * b2.ms, namespace={"I_ext": I_EXT})
    g.a, g.b, g.c, g.d = p["a"], p["b"], p["c"], p["d"]
    g.v = -65.0
    g.u = "b*v"
    return g, b2.SpikeMonitor(g)


def run_brian2_runtime(p) -> tuple[float, int, float]:
    import brian2 as b2

    b2.start_scope()
    b2.set_device("runtime")
    b2.prefs.codegen.target = "cython"
    g, mon = brian2_group(b2, p)
    net = b2.Network(g, mon)
    t0 = time.perf_counter()
    net.run(1 * b2.ms)  # code generation + compilation
    compile_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    net.run(T_MS * b2.ms)
    return time.perf_counter() - t0, int(mon.num_spikes), compile_s


def run_brian2_standalone(p, workdir: str) -> tuple[float, int, float]:
    import brian2 as b2

    b2.start_scope()
    b2.set_device("cpp_standalone", directory=workdir, build_on_run=False)
    b2.device.reinit()
    b2.device.activate(directory=workdir, build_on_run=False)
    g, mon = brian2_group(b2, p)
    b2.Network(g, mon).run(T_MS * b2.ms)
    t0 = time.perf_counter()
    b2.device.build(directory=workdir, compile=True, run=True, debug=False)
    total = time.perf_counter() - t0
    run_s = float(b2.device._last_run_time)
    n_sp = int(mon.num_spikes)
    b2.device.reinit()
    b2.set_device("runtime")
    return run_s, n_sp, total - run_s


def single(repeats: int = 2000) -> None:
    """N = 1: the fast path, the general path and the bare kernel, taking turns."""
    from spikeopt.models import get
    from spikeopt.simulation import _drivers

    stim = stimuli.step(I_EXT, duration=T_MS, dt=DT)
    p = {k: float(v[0]) for k, v in population(1).items()}
    m = get("izhikevich")
    pr = np.array([[p[k]] for k in m.parameters])
    st0 = np.ascontiguousarray(m.init({k: pr[i] for i, k in enumerate(m.parameters)}))
    cur = stim.values.reshape(-1, 1)
    drv = _drivers.DRIVERS[m.step][1]

    def kernel():
        drv((pr, st0, cur, np.zeros(1, np.int64), DT, DT, STEPS, 500, 0, np.empty((500, 1)),
             np.zeros(1, np.int64), np.empty((1, 1)), np.full(1, -1, np.int64), 1))

    fns = {"simulate (fast path)": lambda: simulate("izhikevich", p, stim, dt=DT),
           "simulate (general path)": lambda: simulate("izhikevich", p, stim, dt=DT, initial={}),
           "kernel only": kernel}
    a = simulate("izhikevich", p, stim, dt=DT).spikes.times
    b = simulate("izhikevich", p, stim, dt=DT, initial={}).spikes.times
    assert np.array_equal(a, b), "the fast path must give the general path's spikes"
    ts = {k: [] for k in fns}
    for _ in range(repeats):
        for k, f in fns.items():
            t0 = time.perf_counter()
            f()
            ts[k].append(time.perf_counter() - t0)
    print(f"# N = 1 Izhikevich, {STEPS} steps, {repeats} calls each, taking turns; {a.size} spikes")
    for k, v in ts.items():
        med = float(np.median(v))
        print(f"{k:<26} median {med * 1e6:7.1f} µs  {STEPS / med:.3g} neuron-steps/s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1,100,1000,10000,100000")
    ap.add_argument("--no-brian2", action="store_true")
    ap.add_argument("--single", action="store_true", help="N = 1 fast vs general path only")
    args = ap.parse_args()
    if args.single:
        single()
        return
    sizes = [int(x) for x in args.sizes.split(",")]
    print(f"# Izhikevich 2003, {T_MS:g} ms at dt = {DT} ms ({STEPS} steps), forward Euler")
    print(f"# machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"python {platform.python_version()}, numpy {np.__version__}")
    rows = []
    for n in sizes:
        p = population(n)
        row = {"N": n}
        row["spikeopt f64"], sp64 = run_spikeopt(p, np.float64)
        row["spikeopt f32"], _ = run_spikeopt(p, np.float32)
        row["numpy loop"], spnp = run_numpy(p)
        if not args.no_brian2:
            try:
                row["brian2 cython"], spb, comp = run_brian2_runtime(p)
                with tempfile.TemporaryDirectory() as wd:
                    row["brian2 cpp_standalone"], sps, comp_s = run_brian2_standalone(p, wd)
                row["_b2_compile"] = (comp, comp_s)
                row["_spikes"] = (sp64, spnp, spb, sps)
            except Exception as exc:  # report, keep the rest of the table
                print(f"# brian2 failed at N={n}: {exc!r}")
        rows.append(row)
        rate = {k: n * STEPS / v for k, v in row.items() if not k.startswith("_") and k != "N"}
        print(f"N={n:>6}: " + "  ".join(f"{k} {v:.3g}/s" for k, v in rate.items()), flush=True)

    cols = [c for c in ["spikeopt f64", "spikeopt f32", "numpy loop", "brian2 cython",
                        "brian2 cpp_standalone"] if any(c in r for r in rows)]
    print("\n| N | " + " | ".join(f"{c} (neuron-steps/s)" for c in cols)
          + " | spikeopt f64 / numpy | spikeopt f64 / brian2 cpp_standalone |")
    print("|---" * (len(cols) + 3) + "|")
    for r in rows:
        n = r["N"]
        cells = [f"{n * STEPS / r[c]:.2e}" if c in r else "–" for c in cols]
        ratio_np = r["numpy loop"] / r["spikeopt f64"]
        ratio_sa = (r["brian2 cpp_standalone"] / r["spikeopt f64"]
                    if "brian2 cpp_standalone" in r else float("nan"))
        print(f"| {n} | " + " | ".join(cells) + f" | {ratio_np:.1f}× | {ratio_sa:.1f}× |")
    for r in rows:
        if "_b2_compile" in r:
            c1, c2 = r["_b2_compile"]
            s = r["_spikes"]
            print(f"# N={r['N']}: brian2 compile {c1:.1f} s (cython) / {c2:.1f} s (standalone); "
                  f"spikes spikeopt {s[0]}, numpy {s[1]}, brian2 {s[2]}, standalone {s[3]}")


if __name__ == "__main__":
    main()
