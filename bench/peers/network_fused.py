"""Hand-fused numba kernels: one function simulates one whole network (peer of spikeopt's
batched network simulator), plus the definitions the other network peers share.

    .venv/bin/python bench/peers/network_fused.py [--repeats 7] [--json out.json]

Shared with ``network_brian2.py`` / ``network_nest.py`` / ``bench/network.py``:
``CUBA`` (parameters), ``SNO`` (SpikeNetOpt network parameters),
``spikenetopt_candidates(n)``, ``spike_stats``, ``run_in_subprocess``.

Public functions (all times in seconds, rates in Hz):

- ``cuba(seed=0, repeats=7) -> dict``: Brette et al. (2007) CUBA, 4000 LIF, 1 s at 0.1 ms.
  Keys: run_s (median over repeats of the kernel call), runs_s (all), build_s
  (connect_s + jit_s), connect_s (CSR built in numpy), jit_s (first call minus median
  call: numba compilation), rate_hz, cv, n_spikes, n_events, n_synapses.
- ``spikenetopt_loop(params=None, seed=0, repeats=1, parallel=False) -> dict``: the 32
  (or n) SpikeNetOpt networks, the single-network kernel called once per network
  (``parallel=True``: one call with a prange over the networks). Keys: total_s
  (connectivity + kernels, median over repeats; JIT excluded), run_s (kernels only),
  build_s (connectivity in numpy), jit_s, rates_E, rates_I ((n,) Hz), n_events ((n,)),
  n_synapses ((n,)).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numpy as np
from numba import njit, prange

T_MS, DT = 1000.0, 0.1
STEPS = int(round(T_MS / DT))

# Brette et al. (2007) CUBA as in Brian2's examples/CUBA.py (mV, ms)
CUBA = dict(N=4000, N_E=3200, taum=20.0, taue=5.0, taui=10.0, Vt=-50.0, Vr=-60.0, El=-49.0,
            we=60 * 0.27 / 10, wi=-20 * 4.5 / 10, p=0.02, t_ref=5.0)

# SpikeNetOpt-style network: E Izhikevich RS-like cells driven by a constant current,
# I cells without input; delta synapses (mV) with a one-step (0.1 ms) delay.
SNO = dict(N_E=200, N_I=50, a_E=0.02, b_E=0.2, c_E=-65.0, d_E=8.0, I_E=11.5,
           a_I=0.1, b_I=0.2, c_I=-65.0, d_I=2.0, I_I=0.0, v0=-65.0, v_th=30.0,
           p_ie=0.5, p_ii=0.5, w_ie=(-1.0, 0.0), w_ii=(-1.0, 0.0), delay=0.1)


def spikenetopt_candidates(n: int = 32) -> dict[str, np.ndarray]:
    """The candidate parameters: k = 0..n-1 (linear in k/(n-1)), each an (n,) array.

    sigma_ee: EE weights ~ U(0, sigma_ee); p_ee: EE connection probability; likewise
    E->I (sigma_ei, p_ei). IE and II are fixed (p 0.5, w ~ U(-1, 0), see ``SNO``).
    """
    x = np.arange(n) / max(n - 1, 1)
    return {"sigma_ee": 0.25 + 0.5 * x, "p_ee": 0.5 + 0.4 * x,
            "sigma_ei": 0.3 + 0.4 * x, "p_ei": 0.6 + 0.3 * x}


def spike_stats(i: np.ndarray, t_ms: np.ndarray, n: int, t_stop_ms: float = T_MS,
                outdeg: np.ndarray | None = None) -> dict:
    """Mean rate (Hz), mean CV of ISIs over neurons with >= 3 spikes, spike count and
    synaptic events (sum over spikes of the spiking neuron's out-degree)."""
    i = np.asarray(i, dtype=np.int64)
    t_ms = np.asarray(t_ms, dtype=np.float64)
    order = np.lexsort((t_ms, i))
    i, t_ms = i[order], t_ms[order]
    counts = np.bincount(i, minlength=n)
    cvs = []
    starts = np.concatenate([[0], np.cumsum(counts)])
    for k in np.flatnonzero(counts >= 3):
        isi = np.diff(t_ms[starts[k]:starts[k + 1]])
        m = isi.mean()
        if m > 0:
            cvs.append(isi.std() / m)
    out = {"rate_hz": float(counts.sum() / n / (t_stop_ms * 1e-3)),
           "cv": float(np.mean(cvs)) if cvs else float("nan"),
           "n_cv": len(cvs), "n_spikes": int(counts.sum())}
    if outdeg is not None:
        out["n_events"] = int(np.dot(counts, np.asarray(outdeg, dtype=np.int64)))
    return out


def run_in_subprocess(module: str, func: str, timeout: float | None = None, **kwargs) -> dict:
    """``module.func(**kwargs)`` (a module of bench/peers) in a fresh interpreter; returns
    its dict (numpy arrays come back as lists). Adds ``subprocess_wall_s``."""
    here = os.path.dirname(os.path.abspath(__file__))
    code = (f"import json, sys; sys.path.insert(0, {here!r}); "
            f"from {module} import {func} as f; from network_fused import _jsonable; "
            "print('@@JSON@@' + json.dumps(_jsonable(f(**json.loads(sys.argv[1])))))")
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-c", code, json.dumps(_jsonable(kwargs))],
                       capture_output=True, text=True, timeout=timeout)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(f"{module}.{func} failed (rc {p.returncode}):\n{p.stderr[-3000:]}")
    line = [x for x in p.stdout.splitlines() if x.startswith("@@JSON@@")][-1]
    out = json.loads(line[len("@@JSON@@"):])
    out["subprocess_wall_s"] = wall
    return out


def _jsonable(x):
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, np.generic):
        return x.item()
    return x


# ---------------------------------------------------------------- connectivity (numpy)

def bernoulli_pairs(rng: np.random.Generator, n_pre: int, n_post: int, p: float,
                    chunk: int = 500) -> tuple[np.ndarray, np.ndarray]:
    """All (pre, post) pairs, each kept with probability p (self-pairs allowed), sorted
    by pre then post."""
    ii, jj = [], []
    for a in range(0, n_pre, chunk):
        m = rng.random((min(chunk, n_pre - a), n_post), dtype=np.float32) < p
        i, j = np.nonzero(m)
        ii.append(i + a)
        jj.append(j)
    return np.concatenate(ii).astype(np.int64), np.concatenate(jj).astype(np.int64)


def to_csr(pre: np.ndarray, post: np.ndarray, w: np.ndarray, n: int):
    """(indptr, indices, weights) of outgoing connections, rows = presynaptic neurons."""
    order = np.argsort(pre, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(pre, minlength=n), out=indptr[1:])
    return (indptr, np.ascontiguousarray(post[order], dtype=np.int64),
            np.ascontiguousarray(w[order], dtype=np.float64))


def cuba_network(seed: int = 0):
    """CSR of the CUBA network (weights in mV, E rows first) and the initial v."""
    c = CUBA
    rng = np.random.default_rng([seed, 2007])
    pre, post = bernoulli_pairs(rng, c["N"], c["N"], c["p"])
    w = np.where(pre < c["N_E"], c["we"], c["wi"])
    v0 = c["Vr"] + rng.random(c["N"]) * (c["Vt"] - c["Vr"])
    return to_csr(pre, post, w, c["N"]), v0


def spikenetopt_network(sigma_ee: float, p_ee: float, sigma_ei: float, p_ei: float,
                        rng: np.random.Generator):
    """CSR (E = 0..N_E-1, I = N_E..N-1) of one SpikeNetOpt network."""
    s = SNO
    ne, ni = s["N_E"], s["N_I"]
    blocks = [(0, ne, 0, ne, p_ee, 0.0, sigma_ee), (0, ne, ne, ni, p_ei, 0.0, sigma_ei),
              (ne, ni, 0, ne, s["p_ie"], *s["w_ie"]), (ne, ni, ne, ni, s["p_ii"], *s["w_ii"])]
    pres, posts, ws = [], [], []
    for pre0, npre, post0, npost, p, lo, hi in blocks:
        i, j = bernoulli_pairs(rng, npre, npost, p)
        pres.append(i + pre0)
        posts.append(j + post0)
        ws.append(rng.uniform(lo, hi, i.size))
    return to_csr(np.concatenate(pres), np.concatenate(posts), np.concatenate(ws), ne + ni)


def spikenetopt_neurons():
    """Per-neuron a, b, c, d, I (E first)."""
    s = SNO
    ne, ni = s["N_E"], s["N_I"]
    return tuple(np.concatenate([np.full(ne, s[f"{k}_E"]), np.full(ni, s[f"{k}_I"])])
                 for k in ("a", "b", "c", "d", "I"))


# ---------------------------------------------------------------- kernels

@njit(cache=False, nogil=True)
def _cuba_kernel(v, indptr, indices, weights, n_exc, steps, dt, taum, taue, taui, vt, vr, el,
                 ref_steps, sp_i, sp_t):
    """CUBA in one function: Euler for v (clamped while refractory), exact decay of
    ge/gi, threshold, zero-delay delivery, reset -- Brian2's order within a step."""
    n = v.size
    ge = np.zeros(n)
    gi = np.zeros(n)
    ref = np.zeros(n, np.int64)
    de = np.exp(-dt / taue)
    di = np.exp(-dt / taui)
    k = dt / taum
    n_sp = 0
    n_ev = 0
    cap = sp_i.size
    for s in range(steps):
        for i in range(n):
            if ref[i] > 0:
                ref[i] -= 1
            else:
                v[i] += k * (ge[i] + gi[i] - (v[i] - el))
            ge[i] *= de
            gi[i] *= di
        for i in range(n):
            if ref[i] == 0 and v[i] > vt:
                if n_sp < cap:
                    sp_i[n_sp] = i
                    sp_t[n_sp] = s
                n_sp += 1
                a, b = indptr[i], indptr[i + 1]
                n_ev += b - a
                if i < n_exc:
                    for q in range(a, b):
                        ge[indices[q]] += weights[q]
                else:
                    for q in range(a, b):
                        gi[indices[q]] += weights[q]
                v[i] = vr
                ref[i] = ref_steps
    return n_sp, n_ev


@njit(cache=False, nogil=True)
def _izh_net_kernel(a, b, c, d, iext, indptr, indices, weights, steps, dt, v0, v_th, counts):
    """One Izhikevich network with delta synapses and a one-step delay, in one function.
    Per step (Brian2's order): forward Euler of v and u from the old values; threshold;
    the previous step's spikes add w to v; reset of this step's spikers. Fills the
    per-neuron spike counts; returns the number of synaptic events."""
    n = a.size
    v = np.full(n, v0)
    u = b * v
    prev = np.empty(n, np.int64)
    cur = np.empty(n, np.int64)
    n_prev = 0
    n_ev = 0
    for _s in range(steps):
        for i in range(n):
            vo = v[i]
            v[i] = vo + dt * (0.04 * vo * vo + 5.0 * vo + 140.0 - u[i] + iext[i])
            u[i] += dt * a[i] * (b[i] * vo - u[i])
        n_cur = 0
        for i in range(n):
            if v[i] >= v_th:
                cur[n_cur] = i
                n_cur += 1
        for q in range(n_prev):
            i = prev[q]
            for r in range(indptr[i], indptr[i + 1]):
                v[indices[r]] += weights[r]
            n_ev += indptr[i + 1] - indptr[i]
        for q in range(n_cur):
            i = cur[q]
            v[i] = c[i]
            u[i] += d[i]
            counts[i] += 1
        prev, cur = cur, prev
        n_prev = n_cur
    return n_ev


@njit(cache=False, parallel=True)
def _izh_nets_prange(a, b, c, d, iext, indptr, indices, weights, ptr_off, syn_off, steps, dt,
                     v0, v_th, counts, n_ev):
    """The single-network kernel over P networks with a prange (CSR of network k:
    indptr[ptr_off[k]:ptr_off[k+1]] into indices/weights[syn_off[k]:syn_off[k+1]])."""
    for k in prange(counts.shape[0]):
        ip = indptr[ptr_off[k]:ptr_off[k + 1]]
        n_ev[k] = _izh_net_kernel(a, b, c, d, iext, ip, indices[syn_off[k]:syn_off[k + 1]],
                                  weights[syn_off[k]:syn_off[k + 1]], steps, dt, v0, v_th,
                                  counts[k])


# ---------------------------------------------------------------- benchmarks

def cuba(seed: int = 0, repeats: int = 7) -> dict:
    c = CUBA
    t0 = time.perf_counter()
    (indptr, indices, weights), v0 = cuba_network(seed)
    connect_s = time.perf_counter() - t0
    ref_steps = int(round(c["t_ref"] / DT))
    cap = c["N"] * (STEPS // ref_steps + 1)
    sp_i = np.empty(cap, np.int64)
    sp_t = np.empty(cap, np.int64)

    def call():
        v = v0.copy()
        return _cuba_kernel(v, indptr, indices, weights, c["N_E"], STEPS, DT, c["taum"],
                            c["taue"], c["taui"], c["Vt"], c["Vr"], c["El"], ref_steps,
                            sp_i, sp_t)

    t0 = time.perf_counter()
    call()
    first = time.perf_counter() - t0
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        n_sp, n_ev = call()
        runs.append(time.perf_counter() - t0)
    run_s = float(np.median(runs))
    outdeg = np.diff(indptr)
    st = spike_stats(sp_i[:n_sp], sp_t[:n_sp] * DT, c["N"], T_MS, outdeg)
    assert st["n_events"] == n_ev and st["n_spikes"] == n_sp
    return dict(run_s=run_s, runs_s=runs, build_s=connect_s + max(first - run_s, 0.0),
                connect_s=connect_s, jit_s=max(first - run_s, 0.0), n_synapses=int(indices.size),
                repeats=repeats, **st)


def spikenetopt_loop(params: dict | None = None, seed: int = 0, repeats: int = 1,
                     parallel: bool = False) -> dict:
    params = spikenetopt_candidates() if params is None else params
    p = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    n_net = p["sigma_ee"].size
    a, b, c, d, iext = spikenetopt_neurons()
    nn = a.size
    ne = SNO["N_E"]

    def nets():
        return [spikenetopt_network(p["sigma_ee"][k], p["p_ee"][k], p["sigma_ei"][k],
                                    p["p_ei"][k], np.random.default_rng([seed, k]))
                for k in range(n_net)]

    # warm-up: JIT compilation on the first network
    t0 = time.perf_counter()
    ip, ix, w = spikenetopt_network(p["sigma_ee"][0], p["p_ee"][0], p["sigma_ei"][0],
                                    p["p_ei"][0], np.random.default_rng([seed, 0]))
    if parallel:
        _izh_nets_prange(a, b, c, d, iext, ip, ix, w, np.array([0, nn + 1]),
                         np.array([0, ix.size]), 10, DT, SNO["v0"], SNO["v_th"],
                         np.zeros((1, nn), np.int64), np.zeros(1, np.int64))
    else:
        _izh_net_kernel(a, b, c, d, iext, ip, ix, w, 10, DT, SNO["v0"], SNO["v_th"],
                        np.zeros(nn, np.int64))
    jit_s = time.perf_counter() - t0

    totals, runs, builds = [], [], []
    for _ in range(repeats):
        counts = np.zeros((n_net, nn), np.int64)
        n_ev = np.zeros(n_net, np.int64)
        t_start = time.perf_counter()
        if parallel:
            t0 = time.perf_counter()
            csr = nets()
            ptr_off = np.arange(n_net + 1) * (nn + 1)
            syn_off = np.concatenate([[0], np.cumsum([x[1].size for x in csr])])
            indptr = np.concatenate([x[0] for x in csr])
            indices = np.concatenate([x[1] for x in csr])
            weights = np.concatenate([x[2] for x in csr])
            build = time.perf_counter() - t0
            t0 = time.perf_counter()
            _izh_nets_prange(a, b, c, d, iext, indptr, indices, weights, ptr_off, syn_off,
                             STEPS, DT, SNO["v0"], SNO["v_th"], counts, n_ev)
            run = time.perf_counter() - t0
            n_syn = np.diff(syn_off)
        else:
            build = run = 0.0
            n_syn = np.zeros(n_net, np.int64)
            for k in range(n_net):
                t0 = time.perf_counter()
                ip, ix, w = spikenetopt_network(p["sigma_ee"][k], p["p_ee"][k],
                                                p["sigma_ei"][k], p["p_ei"][k],
                                                np.random.default_rng([seed, k]))
                t1 = time.perf_counter()
                n_ev[k] = _izh_net_kernel(a, b, c, d, iext, ip, ix, w, STEPS, DT, SNO["v0"],
                                          SNO["v_th"], counts[k])
                t2 = time.perf_counter()
                build += t1 - t0
                run += t2 - t1
                n_syn[k] = ix.size
        totals.append(time.perf_counter() - t_start)
        runs.append(run)
        builds.append(build)
    i_med = int(np.argsort(totals)[len(totals) // 2])
    t_s = T_MS * 1e-3
    return dict(total_s=totals[i_med], run_s=runs[i_med], build_s=builds[i_med], jit_s=jit_s,
                totals_s=totals, repeats=repeats, n_networks=n_net,
                threads=int(os.environ.get("NUMBA_NUM_THREADS", os.cpu_count())) if parallel
                else 1,
                rates_E=counts[:, :ne].sum(1) / ne / t_s, rates_I=counts[:, ne:].sum(1) / (nn - ne)
                / t_s, n_events=n_ev, n_synapses=n_syn)


def _print_cuba(name: str, r: dict) -> None:
    ev = r["n_events"] / r["run_s"]
    print(f"{name:<28} run {r['run_s']:8.3f} s  build {r['build_s']:7.2f} s  "
          f"rate {r['rate_hz']:6.2f} Hz  CV {r['cv']:.3f}  spikes {r['n_spikes']:>7}  "
          f"events {r['n_events']:>9} ({ev:.3g}/s)", flush=True)


def _print_loop(name: str, r: dict) -> None:
    rE, rI = np.asarray(r["rates_E"]), np.asarray(r["rates_I"])
    ev = int(np.sum(r["n_events"]))
    print(f"{name:<28} total {r['total_s']:8.2f} s  build {r['build_s']:6.2f} s "
          f"({100 * r['build_s'] / r['total_s']:.0f} %)  rate E {rE.mean():6.2f} "
          f"[{rE.min():.2f}..{rE.max():.2f}] Hz  I {rI.mean():6.2f} [{rI.min():.2f}.."
          f"{rI.max():.2f}] Hz  events {ev} ({ev / r['total_s']:.3g}/s of total)", flush=True)


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    import numba

    print(f"# hand-fused numba {numba.__version__}, numpy {np.__version__}, "
          f"{os.cpu_count()} cores, numba threads {numba.get_num_threads()}")
    res = {"cuba": cuba(repeats=args.repeats)}
    _print_cuba("fused numba CUBA", res["cuba"])
    res["sno_loop"] = spikenetopt_loop(repeats=3)
    _print_loop("fused numba 32 x loop", res["sno_loop"])
    res["sno_prange"] = spikenetopt_loop(repeats=3, parallel=True)
    _print_loop("fused numba prange(32)", res["sno_prange"])
    for k in ("sno_loop", "sno_prange"):
        print(f"# {k}: run {res[k]['run_s']:.3f} s, jit {res[k]['jit_s']:.2f} s, "
              f"rates_E " + " ".join(f"{x:.1f}" for x in res[k]["rates_E"]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(_jsonable(res), f, indent=1)
