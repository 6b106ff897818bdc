"""Benchmark: spike-train metrics, spikeopt against PySpike and Elephant.

For each metric, in one process and one run:

* batched — 1 000 candidate trains of ~50 spikes (Poisson, 50 Hz, 1 s) against
  one target: spikeopt's batched call ``f(candidates, target)`` against the peer
  called in a Python loop over the candidates (the peer's usual use);
* pair — one candidate against the target, one call each.

Prints the median time (JIT compilation excluded: one warm-up call first;
spikeopt and the peer take turns, so load changes hit both alike), the
throughput in pairs per second and the ratio spikeopt / peer. Elephant is
slow, so its loop runs over the first ``--peer-subset`` candidates and its
throughput is per pair (the ratio compares throughputs).

    .venv/bin/python bench/metrics.py [--candidates 1000] [--repeats 15] [--threads N]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings

import numba
import numpy as np

from spikeopt import SpikeTrains
from spikeopt import metrics as m

T_STOP = 1000.0
RATE_HZ = 50.0


def poisson_trains(rng, n: int) -> list[np.ndarray]:
    counts = rng.poisson(RATE_HZ * T_STOP / 1000.0, n)
    return [np.sort(rng.uniform(0.0, T_STOP, k)) for k in counts]


def jittered(rng, target: np.ndarray, n: int) -> list[np.ndarray]:
    """Candidates near the target (what an optimizer scores late in a fit)."""
    out = []
    for _ in range(n):
        keep = target[rng.random(target.size) < 0.8]
        t = np.concatenate([keep + rng.normal(0, 3.0, keep.size), rng.uniform(0, T_STOP, 10)])
        out.append(np.sort(np.clip(t, 0.0, T_STOP)))
    return out


def _clock(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def median_times(fns, repeats: int) -> list[float]:
    """Median time of each function; the functions take turns (one round = one call
    each), so a change in the machine's load hits all of them alike."""
    for fn in fns:
        fn()  # warm-up: JIT, caches
    ts = [[_clock(fn) for fn in fns] for _ in range(repeats)]
    return [float(x) for x in np.median(np.array(ts), axis=0)]


def _forced(fn, *, serial: bool):
    """``fn`` run with the batch kernel forced serial or threaded."""
    from spikeopt.metrics import _pairwise as pw

    def run():
        saved = pw.PARALLEL_MIN_NS, pw.QUIET_PARALLEL_MIN_NS
        pw.PARALLEL_MIN_NS = pw.QUIET_PARALLEL_MIN_NS = float("inf") if serial else 0.0
        try:
            return fn()
        finally:
            pw.PARALLEL_MIN_NS, pw.QUIET_PARALLEL_MIN_NS = saved

    return run


def peers(target: np.ndarray):
    """{metric: (peer name, f(candidate) for one candidate array)}."""
    import pyspike as spk
    import quantities as pq
    from elephant.spike_train_dissimilarity import van_rossum_distance, victor_purpura_distance

    st_target = spk.SpikeTrain(target, [0.0, T_STOP])
    target_q = target * pq.ms
    tau, q = 10.0 * pq.ms, 0.1 / pq.ms

    def pys(f):
        return lambda c: f(spk.SpikeTrain(c, [0.0, T_STOP]), st_target)

    return {
        "isi_distance": ("PySpike", pys(spk.isi_distance)),
        "spike_distance": ("PySpike", pys(spk.spike_distance)),
        "spike_sync": ("PySpike", pys(spk.spike_sync)),
        "van_rossum": (
            "Elephant",
            lambda c: van_rossum_distance([c * pq.ms, target_q], time_constant=tau)[0, 1],
        ),
        "victor_purpura": (
            "Elephant",
            lambda c: victor_purpura_distance([c * pq.ms, target_q], cost_factor=q)[0, 1],
        ),
        "gamma_factor": (None, None),
    }


def ours(name: str):
    kw = {
        "isi_distance": {"t_stop": T_STOP},
        "spike_distance": {"t_stop": T_STOP},
        "spike_sync": {"t_stop": T_STOP},
        "van_rossum": {"tau": 10.0},
        "victor_purpura": {"q": 0.1},
        "gamma_factor": {"delta": 2.0, "t_stop": T_STOP},
    }[name]
    f = getattr(m, name)
    return lambda a, b: f(a, b, **kw)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--candidates", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--peer-subset", type=int, default=100)
    ap.add_argument("--threads", type=int, default=None, help="numba threads (default: all)")
    ap.add_argument("--only", default=None, help="comma-separated metric names")
    ap.add_argument("--threading", action="store_true",
                    help="also time each batch forced serial and forced threaded, in turns")
    args = ap.parse_args()
    if args.threads:
        numba.set_num_threads(args.threads)
    warnings.simplefilter("ignore")

    rng = np.random.default_rng(2026)
    target = poisson_trains(rng, 1)[0]
    rows = jittered(rng, target, args.candidates // 2) + poisson_trains(
        rng, args.candidates - args.candidates // 2
    )
    cands = SpikeTrains.from_list(rows, t_stop=T_STOP)
    n = len(cands)
    n_peer = min(args.peer_subset, n)
    print(
        f"# {n} candidates ({cands.counts().mean():.1f} spikes on average) vs one target "
        f"({target.size} spikes), {T_STOP:g} ms; numba threads: {numba.get_num_threads()}, "
        f"cpus: {os.cpu_count()}, {platform.processor() or platform.machine()}"
    )
    header = (
        f"{'metric':<15} {'spikeopt batched':>17} {'pairs/s':>10} {'peer loop':>10} "
        f"{'peer pairs/s':>12} {'ratio':>7} | {'pair: spikeopt':>14} {'peer':>9} {'ratio':>6}"
    )
    print(header)
    print("-" * len(header))
    table = peers(target)
    if args.only:
        table = {k: v for k, v in table.items() if k in args.only.split(",")}
    for name, (peer_name, peer_f) in table.items():
        f = ours(name)

        def batch(f=f):
            return f(cands, target)

        def pair(f=f, reps=20):
            for _ in range(reps):
                f(rows[0], target)

        if peer_f is None:
            t_batch, t_pair = median_times([batch, pair], args.repeats)
            print(
                f"{name:<15} {t_batch * 1e3:>14.2f} ms {n / t_batch:>10.3g} {'(no peer)':>10} "
                f"{'':>12} {'':>7} | {t_pair / 20 * 1e6:>11.1f} µs"
            )
            continue
        sub = rows[:n_peer]

        def peer_batch(pf=peer_f, sub=sub):
            return [pf(c) for c in sub]

        def peer_pair(pf=peer_f, reps=20):
            for _ in range(reps):
                pf(rows[0])

        t_batch, t_peer, t_pair, t_peer_pair = median_times(
            [batch, peer_batch, pair, peer_pair], args.repeats
        )
        ours_rate, peer_rate = n / t_batch, n_peer / t_peer
        print(
            f"{name:<15} {t_batch * 1e3:>14.2f} ms {ours_rate:>10.3g} "
            f"{t_peer * n / n_peer:>8.3g} s {peer_rate:>12.3g} {ours_rate / peer_rate:>6.0f}× | "
            f"{t_pair / 20 * 1e6:>11.1f} µs {t_peer_pair / 20 * 1e6:>6.0f} µs "
            f"{t_peer_pair / t_pair:>5.0f}× ({peer_name})"
        )
        if args.threading:
            forced = [_forced(batch, serial=True), _forced(batch, serial=False), peer_batch]
            t_s, t_t, t_p = median_times(forced, args.repeats)
            peer_pair_s = t_p / n_peer
            print(f"{'':<15} serial {t_s * 1e3:.2f} ms ({peer_pair_s * n / t_s:.0f}× peer), "
                  f"threaded {t_t * 1e3:.2f} ms ({peer_pair_s * n / t_t:.0f}× peer); "
                  f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
