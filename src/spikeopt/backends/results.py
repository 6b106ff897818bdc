"""Build and join the result types of the numba engine from other simulators.

A per-candidate backend returns one candidate's result; :func:`join_cells` and
:func:`join_networks` put P of them (failed ones as empty placeholders with
their reason) back into one :class:`~spikeopt.SimResult` or
:class:`~spikeopt.NetworkResult`, as if the numba engine had run them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ..simulation import NetworkResult, SimResult
from ..spikes import SpikeTrains

__all__ = ["cell_result", "network_result", "join_cells", "join_networks", "early_stop"]


def cell_result(trains: Sequence[np.ndarray], *, t_stop: float, dt: float,
                v: np.ndarray | None = None, v_dt: float | None = None,
                n_candidates: int = 1) -> SimResult:
    """A SimResult from spike-time arrays (ms), one per row (candidate-major)."""
    sp = SpikeTrains.from_list([np.asarray(t, dtype=np.float64) for t in trains], t_stop=t_stop)
    n = len(sp)
    return SimResult(sp, v, float(v_dt if v_dt is not None else dt), np.zeros(n, dtype=bool),
                     np.full(n, np.nan), int(n_candidates), n // int(n_candidates),
                     float(t_stop))


def network_result(populations: Mapping[str, SpikeTrains], *, t_stop: float, dt: float,
                   rate_bin_ms: float | None = 1.0, n_events: int = 0,
                   recorded: Sequence[str] | None = None) -> NetworkResult:
    """A one-candidate NetworkResult from each population's SpikeTrains (ms).

    ``populations`` lists every population in the description's order (those not
    in ``recorded`` still count towards the population rates).
    """
    names = list(populations)
    recorded = tuple(names if recorded is None else recorded)
    sizes = {n: np.array([len(populations[n])], dtype=np.int64) for n in names}
    spikes = SpikeTrains.concatenate([populations[n] for n in recorded]) if recorded \
        else SpikeTrains.empty(0, t_stop=t_stop)
    rate_counts = None
    if rate_bin_ms is not None:
        every = max(1, int(round(rate_bin_ms / dt)))
        n_steps = int(round(t_stop / dt))
        n_bins = -(-n_steps // every)
        rate_counts = np.zeros((1, len(names), n_bins), dtype=np.int64)
        for q, n in enumerate(names):
            steps = np.floor(populations[n].times / dt + 0.5).astype(np.int64)
            np.add.at(rate_counts[0, q], np.clip(steps // every, 0, n_bins - 1), 1)
        rate_bin_ms = every * dt
    return NetworkResult(spikes, np.zeros(1, dtype=bool), np.array([""], dtype=object),
                         np.full(1, np.nan), sizes, float(t_stop), float(dt),
                         np.array([int(n_events)], dtype=np.int64), recorded, rate_counts,
                         float(rate_bin_ms or 0.0))


def join_cells(parts: Sequence[SimResult | None], reasons: Sequence[str], *, n_sweeps: int,
               t_stop: float, dt: float) -> SimResult:
    """P one-candidate SimResults (None where the candidate failed) → one SimResult
    with ``reasons`` (P,) set; a failed candidate has empty, failed rows."""
    P, S = len(parts), int(n_sweeps)
    trains, failed, fail_time, vs = [], [], [], []
    v_dt = dt
    with_v = any(p is not None and p.v is not None for p in parts)
    n_rec = next((p.v.shape[1] for p in parts if p is not None and p.v is not None), 0)
    for p in parts:
        if p is None:
            trains.append(SpikeTrains.empty(S, t_stop=t_stop))
            failed.append(np.ones(S, dtype=bool))
            fail_time.append(np.zeros(S))
            if with_v:
                vs.append(np.full((S, n_rec), np.nan))
            continue
        trains.append(p.spikes)
        failed.append(p.failed)
        fail_time.append(p.fail_time)
        if with_v:
            vs.append(p.v if p.v is not None else np.full((S, n_rec), np.nan))
            v_dt = p.v_dt
    return SimResult(SpikeTrains.concatenate(trains), np.concatenate(vs) if with_v else None,
                     v_dt, np.concatenate(failed), np.concatenate(fail_time), P, S, t_stop,
                     np.array(list(reasons), dtype=object))


def join_networks(parts: Sequence[NetworkResult | None], reasons: Sequence[str], *,
                  names: Sequence[str], t_stop: float, dt: float,
                  rate_bin_ms: float | None = 1.0) -> NetworkResult:
    """P one-candidate NetworkResults (None where the candidate failed: no spikes,
    size 0, its reason) → one NetworkResult."""
    done = [p for p in parts if p is not None]
    template = done[0] if done else None
    recorded = template.recorded if template is not None else tuple(names)
    every = max(1, int(round(rate_bin_ms / dt))) if rate_bin_ms is not None else 0
    n_bins = -(-int(round(t_stop / dt)) // every) if every else 0
    spikes, sizes, rc = [], {n: [] for n in names}, []
    failed, why, fail_time, n_events = [], [], [], []
    for p, reason in zip(parts, reasons, strict=True):
        if p is None:
            for n in names:
                sizes[n].append(0)
            rc.append(np.zeros((1, len(names), n_bins), dtype=np.int64))
            failed.append(True)
            why.append(reason or "failed")
            fail_time.append(0.0)
            n_events.append(0)
            continue
        spikes.append(p.spikes)
        for n in names:
            sizes[n].append(int(p.sizes[n][0]))
        if every:
            rc.append(p.rate_counts)
        failed.append(bool(p.failed[0]))
        why.append(str(p.reasons[0]))
        fail_time.append(float(p.fail_time[0]))
        n_events.append(int(p.n_events[0]))
    sp = SpikeTrains.concatenate(spikes) if spikes else SpikeTrains.empty(0, t_stop=t_stop)
    return NetworkResult(sp, np.array(failed), np.array(why, dtype=object), np.array(fail_time),
                         {n: np.array(v, dtype=np.int64) for n, v in sizes.items()},
                         float(t_stop), float(dt), np.array(n_events, dtype=np.int64), recorded,
                         np.concatenate(rc) if every else None, every * dt if every else 0.0)


def early_stop(per_step: np.ndarray, n_neurons: int, dt: float, *, max_rate_hz=None,
               rate_window_ms: float = 50.0, silence_ms=None) -> tuple[str, int]:
    """The numba engine's early stops, judged after a run on another simulator.

    ``per_step`` (n_steps,) counts the network's spikes at each step. ``"runaway"``:
    the spikes of a window of ``rate_window_ms`` exceed ``max_rate_hz`` per neuron
    (the stop is the window's last step); ``"silent"``: ``silence_ms`` without a
    spike (the stop is the step that completes the gap). Returns (reason, step),
    the earlier of the two (runaway on a tie), or ("", -1).
    """
    n_steps = per_step.size
    stops = []
    if max_rate_hz is not None:
        win = max(1, int(round(rate_window_ms / dt)))
        limit = float(max_rate_hz) * n_neurons * win * dt * 1e-3
        n_win = n_steps // win
        counts = per_step[:n_win * win].reshape(n_win, win).sum(axis=1)
        over = np.flatnonzero(counts > limit)
        if over.size:
            stops.append((int(over[0]) * win + win - 1, "runaway"))
    if silence_ms is not None:
        gap = max(1, int(round(silence_ms / dt)))
        last = np.maximum.accumulate(np.where(per_step > 0, np.arange(n_steps), 0))
        quiet = np.flatnonzero(np.arange(n_steps) - last >= gap)
        if quiet.size:
            stops.append((int(quiet[0]), "silent"))
    if not stops:
        return "", -1
    step, reason = min(stops)
    return reason, step

