"""Benchmark: Hawkes log-likelihood evaluations per second and full MLE fit time,
spikeopt vs tick's HawkesExpKern in the same run (D = 10 and 50).

Data: a sparse exponential-kernel Hawkes process simulated by spikeopt (shared
decay 0.05 /ms, alpha entries 0.1-0.3, spectral radius <= 0.6), about 20 000
events for D = 10 and 50 000 for D = 50. Measured, medians over ``--repeats``:

* spikeopt, compiled recursive likelihood + analytic gradient (decay free: the
  path of the joint fit and of NUTS), value only, and the fixed-decay form on a
  precomputed design (what tick evaluates);
* spikeopt ``fit_mle``: decay fitted (profile + bounded search) and decay fixed
  at the truth (tick's setting), without the LRT;
* tick (in its own venv ``.venv-tick``, created here on first use: tick 0.8 from
  PyPI with numpydoc and six beside it), as a subprocess: ``ModelHawkesExpKernLogLik``
  loss+grad and loss evaluations/s, and ``HawkesExpKern`` fits (likelihood/SVRG and
  least-squares/AGD), decay fixed at the truth.

    .venv/bin/python bench/hawkes.py [--dims 10,50] [--repeats 3] [--no-tick]
    .venv/bin/python bench/hawkes.py --nuts [--repeats 1]

``--nuts``: both NUTS samplers of ``fit_mcmc`` on a 5-D process with the decay
free (31 parameters), ~3 000 events, 2 chains x (500 warm-up + 750 draws),
curvature mass init, diagonal mass: ``sampler="numba"`` (chains sequential and
in threads) and ``sampler="numpyro"`` (compiled likelihood via ``pure_callback``;
``--no-numpyro`` skips it). Wall and CPU time of the whole fit (starting MLE,
JAX compilation included), likelihood+gradient evaluations, CPU per evaluation,
a quiet-machine estimate (evaluations x the kernel's cost alone), max R-hat,
min ESS, divergences, mean acceptance statistic, the load average around each
run (the machine may be shared) and the numpyro / numba wall ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from spikeopt.hawkes import fit_mle, simulate, spectral_radius, stationary_rates
from spikeopt.hawkes.likelihood import expand_beta, loglik_arrays, prepare_events
from spikeopt.hawkes.mle import _Design, _target_nll

sys.path.insert(0, str(Path(__file__).resolve().parent / "peers"))
from timing import median_rate  # noqa: E402  (shared with the tick worker)

ROOT = Path(__file__).resolve().parents[1]
TICK_VENV = ROOT / ".venv-tick"
TICK_WORKER = ROOT / "bench" / "peers" / "tick_hawkes.py"
TICK_PACKAGES = ["tick==0.8.0.2", "numpydoc", "six"]
BETA = 0.05  # 1/ms


def ensure_tick_venv() -> Path:
    """Create ``.venv-tick`` with tick (binary wheel only) if it is missing."""
    py = TICK_VENV / "bin" / "python"
    if not py.exists():
        print(f"creating {TICK_VENV} (tick + numpydoc + six) ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(TICK_VENV)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--only-binary", "tick",
                        *TICK_PACKAGES], check=True)
    return py


def make_problem(D: int, n_events: int, seed: int):
    rng = np.random.default_rng(seed)
    alpha = np.zeros((D, D))
    per_row = 2 if D <= 10 else 3
    for i in range(D):
        alpha[i, rng.choice(D, per_row, replace=False)] = rng.uniform(0.1, 0.3, per_row)
    while spectral_radius(alpha) > 0.6:
        alpha *= 0.9
    mu = rng.uniform(2.0, 6.0, D)
    T = n_events / stationary_rates(mu, alpha).sum() * 1e3
    st = simulate(mu, alpha, BETA, T, rng=seed + 1)
    return st, mu, alpha


def bench_ours(st, mu, alpha, repeats: int) -> dict:
    ev = prepare_events(st)
    bm = expand_beta(BETA, ev.n_dim)
    mu_ms = mu * 1e-3
    out = {
        "loglik_grad_evals_per_s": median_rate(
            lambda: loglik_arrays(ev, mu_ms, alpha, bm, True)),
        "loglik_evals_per_s": median_rate(
            lambda: loglik_arrays(ev, mu_ms, alpha, bm, False)),
    }
    t0 = time.perf_counter()
    design = _Design(ev, bm)
    out["design_precompute_s"] = time.perf_counter() - t0
    X = np.column_stack([mu, alpha])

    def fixed_eval():
        for i in range(ev.n_dim):
            _target_nll(X[i], design.rows[i], design.C[i], design.T)

    out["fixed_decay_loglik_grad_evals_per_s"] = median_rate(fixed_eval)
    for name, kw in (("fit_decay_free", {}), ("fit_decay_fixed", {"beta": BETA})):
        times, maes = [], []
        for _ in range(repeats):
            t0 = time.perf_counter()
            est = fit_mle(st, test=False, **kw)
            times.append(time.perf_counter() - t0)
            maes.append(float(np.abs(est.alpha - alpha).mean()))
        out[name] = {"fit_s": float(np.median(times)), "alpha_mae": float(np.median(maes)),
                     "beta": float(est.beta)}
    return out


def run_tick(py: Path, st, mu, alpha, repeats: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data.npz"
        np.savez(path, times=st.times, offsets=st.offsets, t_stop=st.t_stop, mu=mu, alpha=alpha,
                 beta=BETA)
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
        res = subprocess.run([str(py), str(TICK_WORKER), str(path), str(repeats)],
                             capture_output=True, text=True, env=env, check=False)
    if res.returncode != 0:
        return {"error": res.stderr.strip().splitlines()[-1] if res.stderr else "failed"}
    return json.loads(res.stdout.strip().splitlines()[-1])


def _loadavg() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]  # 1-minute load average
    except OSError:
        return "n/a"


def nuts(repeats: int, numpyro: bool = True) -> None:
    """Both NUTS samplers on the same 5-D posterior, in the same run: wall and CPU
    time, likelihood+gradient evaluations, R-hat, ESS, divergences, ratios."""
    import spikeopt.hawkes.mcmc as mcmc
    from spikeopt.hawkes import fit

    st, mu, alpha = make_problem(5, 3000, 0)
    ev = prepare_events(st)
    calls = [0]
    kernel = mcmc.loglik_arrays

    def counted(*a):  # counts numpyro's likelihood+gradient evaluations (host callbacks)
        calls[0] += 1
        return kernel(*a)

    # the kernel alone, at the truth (same cost anywhere: the pass does not depend on
    # values): the fastest of 7 rounds of 300 calls in CPU time, the least disturbed
    # by other jobs on a shared machine
    bm = expand_beta(BETA, ev.n_dim)
    rounds = []
    for _ in range(7):
        c0 = time.process_time()
        for _ in range(300):
            loglik_arrays(ev, mu * 1e-3, alpha, bm, True)
        rounds.append((time.process_time() - c0) / 300)
    per_eval = min(rounds)
    print(f"# NUTS, D = 5, {st.times.size} events, decay free (31 parameters); 2 chains x "
          f"(500 warm-up + 750 draws), curvature mass init, diagonal mass; kernel alone "
          f"{per_eval * 1e3:.3f} ms CPU per likelihood+gradient (best of 7 x 300 calls); "
          f"{os.cpu_count()} CPUs")
    print("| sampler | wall s | CPU s | evaluations | CPU ms / evaluation | evaluations x kernel "
          "alone s | max R-hat | min ESS | min ESS / draw | divergences "
          "| accept stat | 1-min load before / after |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    settings = [("numba", "sequential"), ("numba", "threads")]
    if numpyro:
        settings.append(("numpyro", "sequential"))
    rows = {}
    for _ in range(repeats):
        for sampler, chain_method in settings:
            calls[0] = 0
            load0 = _loadavg()
            mcmc.loglik_arrays = counted
            t0, c0 = time.perf_counter(), time.process_time()
            try:
                kw = {"chain_method": chain_method} if sampler == "numba" else {}
                est = fit(st, method="mcmc", rng=0, num_warmup=500, num_samples=750,
                          num_chains=2, sampler=sampler, **kw)
            finally:
                mcmc.loglik_arrays = kernel
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            i = est.info
            n_eval = i["n_evaluations"] if sampler == "numba" else calls[0]
            label = f"{sampler} ({chain_method})" if sampler == "numba" else sampler
            rows[label] = wall
            print(f"| {label} | {wall:.1f} | {cpu:.1f} | {n_eval} | {cpu / n_eval * 1e3:.3f} | "
                  f"{n_eval * per_eval:.1f} | {i['max_rhat']:.4f} | {i['min_ess']:.0f} | "
                  f"{i['min_ess'] / 1500:.2f} | {i['divergences']} | {i['accept_stat']:.3f} | "
                  f"{load0} / {_loadavg()} |", flush=True)
    if "numpyro" in rows:
        for label, wall in rows.items():
            if label != "numpyro":
                print(f"# wall ratio numpyro / {label}: {rows['numpyro'] / wall:.2f}x")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dims", default="10,50")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-tick", action="store_true")
    ap.add_argument("--nuts", action="store_true", help="the NUTS timing only")
    ap.add_argument("--no-numpyro", action="store_true", help="(--nuts) the numba sampler only")
    args = ap.parse_args()
    if args.nuts:
        nuts(args.repeats, numpyro=not args.no_numpyro)
        return
    py = None if args.no_tick else ensure_tick_venv()
    print(f"# {platform.platform()}, {os.cpu_count()} CPUs, python {platform.python_version()}")
    # warm-up: numba compilation (cached on disk after the first run) is not timed
    w, wm, wa = make_problem(3, 500, 0)
    bench_ours(w, wm, wa, 1)
    results = {}
    for D in (int(x) for x in args.dims.split(",")):
        st, mu, alpha = make_problem(D, 20_000 if D <= 10 else 50_000, seed=D)
        row = {"D": D, "events": int(st.times.size), "ours": bench_ours(st, mu, alpha,
                                                                        args.repeats)}
        if py is not None:
            # tick's SVRG fit takes minutes at D = 50: one repeat there
            row["tick"] = run_tick(py, st, mu, alpha, args.repeats if D <= 10 else 1)
        results[D] = row
        print(json.dumps(row, indent=1), flush=True)
    print("\n| D | events | measure | spikeopt | tick | ratio |")
    print("|---|---|---|---|---|---|")
    for D, r in results.items():
        o, t = r["ours"], r.get("tick", {})
        rows = [
            ("loglik+grad evals/s (decay free / tick: fixed)", o["loglik_grad_evals_per_s"],
             t.get("loglik_grad_evals_per_s")),
            ("loglik+grad evals/s, fixed decay, precomputed",
             o["fixed_decay_loglik_grad_evals_per_s"], t.get("loglik_grad_evals_per_s")),
            ("MLE fit s, decay fixed (tick: likelihood SVRG)", o["fit_decay_fixed"]["fit_s"],
             t.get("likelihood_svrg", {}).get("fit_s")),
            ("MLE fit s, decay fitted (spikeopt only)", o["fit_decay_free"]["fit_s"], None),
            ("tick least-squares AGD fit s", None, t.get("least_squares_agd", {}).get("fit_s")),
        ]
        for label, a, b in rows:
            ratio = "" if a is None or b is None else (
                f"{a / b:.2f}x" if "evals" in label else f"{b / a:.2f}x")
            fa = "" if a is None else f"{a:.4g}"
            fb = "" if b is None else f"{b:.4g}"
            print(f"| {D} | {r['events']} | {label} | {fa} | {fb} | {ratio} |")
    print("\n(ratio > 1: spikeopt faster; alpha MAE per fit is in the JSON above)")


if __name__ == "__main__":
    main()
