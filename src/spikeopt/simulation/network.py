"""Simulate a population of candidate networks in one compiled call.

:func:`simulate_network` is what :func:`spikeopt.simulate` runs when it is
given a :class:`~spikeopt.network.Network` (or its description). The numerical
conventions (order of update, decay, threshold, delivery and reset within a
step) are those of :mod:`._network_kernel`; docs/network.md lists them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numba
import numpy as np

from ..errors import InvalidParameterError, UnknownNameError, check_positive
from ..network.connect import build_synapses
from ..network.spec import Network
from ..network.tables import Tables, build_tables
from ..spikes import SpikeTrains
from ._network_kernel import (
    FAIL_DIVERGED,
    FAIL_RUNAWAY,
    FAIL_SILENT,
    run_parallel,
    run_serial,
)

__all__ = ["simulate_network", "NetworkResult"]

REASONS = {FAIL_DIVERGED: "diverged", FAIL_RUNAWAY: "runaway", FAIL_SILENT: "silent"}


@dataclass
class NetworkResult:
    """Output of a network simulation of P candidates.

    Attributes
    ----------
    spikes : SpikeTrains
        One row per recorded neuron, candidate-major, populations in declared
        order (times in ms). Candidates may differ in size.
    failed : ndarray of bool, shape (P,)
        Candidates stopped early (see :attr:`reasons`).
    reasons : ndarray of str, shape (P,)
        ``""``, ``"diverged"`` (NaN or |state| >= 1e30), ``"runaway"`` (mean
        rate above ``max_rate_hz``) or ``"silent"`` (no spike for ``silence_ms``).
    fail_time : ndarray, shape (P,)
        Time (ms) of the stop, NaN where the candidate ran to the end.
    sizes : dict of str -> (P,) int
        Population sizes of each candidate.
    t_stop, dt : float
        Duration and step (ms).
    n_events : ndarray, shape (P,)
        Synaptic events delivered (a spike times the synapses it reaches).
    """

    spikes: SpikeTrains
    failed: np.ndarray
    reasons: np.ndarray
    fail_time: np.ndarray
    sizes: dict
    t_stop: float
    dt: float
    n_events: np.ndarray
    recorded: tuple
    rate_counts: np.ndarray | None = None
    rate_bin_ms: float = 1.0
    probes: dict = field(default_factory=dict)
    probe_data: np.ndarray | None = None
    probe_dt_ms: float = 0.0
    _tables: Tables | None = field(default=None, repr=False)
    _conn: tuple | None = field(default=None, repr=False)

    @property
    def n_candidates(self) -> int:
        return self.failed.size

    def _rows(self, name: str, candidate: int) -> tuple[int, int]:
        if name not in self.recorded:
            raise UnknownNameError(f"Population {name!r} was not recorded; recorded: "
                                   f"{list(self.recorded)}.")
        P = self.n_candidates
        if not 0 <= candidate < P:
            raise InvalidParameterError(f"candidate must be in [0, {P}). Got {candidate}.")
        per = np.array([self.sizes[n] for n in self.recorded]).T  # (P, n_rec)
        start = int(per[:candidate].sum())
        q = self.recorded.index(name)
        lo = start + int(per[candidate, :q].sum())
        return lo, lo + int(per[candidate, q])

    def population(self, name: str, candidate: int = 0) -> SpikeTrains:
        """SpikeTrains (ms) of population ``name`` in candidate network ``candidate``."""
        lo, hi = self._rows(name, candidate)
        return self.spikes[lo:hi]

    def candidate(self, candidate: int) -> SpikeTrains:
        """Every recorded neuron of one candidate."""
        lo, _ = self._rows(self.recorded[0], candidate)
        _, hi = self._rows(self.recorded[-1], candidate)
        return self.spikes[lo:hi]

    def rates(self, name: str) -> np.ndarray:
        """(P, n_bins) population rate in Hz (mean over the population's neurons)
        in bins of :attr:`rate_bin_ms`."""
        q = self._pop_index(name)
        n = np.maximum(self.sizes[name], 1)[:, None]
        return self.rate_counts[:, q, :] / n / (self.rate_bin_ms * 1e-3)

    def mean_rate(self, name: str) -> np.ndarray:
        """(P,) mean firing rate (Hz) of population ``name`` over the time each
        candidate ran (up to its early stop, if any)."""
        q = self._pop_index(name)
        total = self.rate_counts[:, q, :].sum(axis=1)
        ran = np.where(self.failed, self.fail_time + self.dt, self.t_stop)
        return total / np.maximum(self.sizes[name], 1) / (ran * 1e-3)

    def _pop_index(self, name: str) -> int:
        if self.rate_counts is None:
            raise InvalidParameterError("Population rates were not recorded (rate_bin_ms=None).")
        if name not in self.sizes:
            raise UnknownNameError(f"Unknown population {name!r}; populations: "
                                   f"{list(self.sizes)}.")
        return list(self.sizes).index(name)

    def _check_candidate(self, candidate: int) -> int:
        P = self.n_candidates
        if not 0 <= int(candidate) < P:
            raise InvalidParameterError(f"candidate must be in [0, {P}). Got {candidate}.")
        return int(candidate)

    def state(self, probe: str, candidate: int = 0) -> np.ndarray:
        """(n_neurons, n_samples) trace of ``probe`` (``"pop.var"``) every
        :attr:`probe_dt_ms`; NaN for indices beyond a candidate's size."""
        if probe not in self.probes:
            raise UnknownNameError(f"Unknown probe {probe!r}; recorded: {list(self.probes)}.")
        sl = self.probes[probe]
        return self.probe_data[self._check_candidate(candidate), sl, :]

    def connectivity(self, link: str, candidate: int = 0) -> dict[str, np.ndarray]:
        """Synapses of a projection or input in one candidate: ``pre``, ``post``
        (indices in their populations), ``weight`` (final, after plasticity) and
        ``delay_ms`` (rounded to whole steps)."""
        tb = self._tables
        if link not in tb.link_names:
            raise UnknownNameError(f"Unknown projection or input {link!r}; allowed: "
                                   f"{tb.link_names}.")
        l = tb.link_names.index(link)
        candidate = self._check_candidate(candidate)
        rp_off, syn_off, row_ptr, syn_post, syn_w, syn_d = self._conn
        n_pre = int(tb.src_n[candidate, tb.link_src[l]])
        rows = row_ptr[rp_off[candidate, l]:rp_off[candidate, l] + n_pre + 1]
        lo, hi = syn_off[candidate, l], syn_off[candidate, l + 1]
        return {"pre": np.repeat(np.arange(n_pre), np.diff(rows)),
                "post": syn_post[lo:hi].astype(np.int64), "weight": syn_w[lo:hi].copy(),
                "delay_ms": syn_d[lo:hi] * self.dt}


def _probes(record_state, net: Network, tables: Tables):
    """{"pop.var": indices} -> (probe_q, probe_r, probe_j, slices)."""
    qs, rs, js, slices = [], [], [], {}
    from .. import models as _models

    for key, idx in (record_state or {}).items():
        if not isinstance(key, str) or key.count(".") != 1:
            raise InvalidParameterError(f"record_state keys are 'population.variable'. "
                                        f"Got {key!r}.")
        pop, var = key.split(".")
        if pop not in net.populations:
            raise UnknownNameError(f"record_state: unknown population {pop!r}; allowed: "
                                   f"{list(net.populations)}.")
        m = _models.get(net.populations[pop].model)
        if var not in m.state:
            raise UnknownNameError(f"record_state: model {m.name!r} has no state {var!r}; "
                                   f"allowed: {list(m.state)}.")
        q = tables.pop_names.index(pop)
        idx = np.arange(int(tables.src_n[:, q].max())) if idx is None else np.asarray(idx)
        if idx.ndim != 1 or (idx < 0).any():
            raise InvalidParameterError(f"record_state[{key!r}]: neuron indices must be a 1-D "
                                        f"list of indices >= 0. Got {idx!r}.")
        start = len(qs)
        qs += [q] * idx.size
        rs += [m.state.index(var)] * idx.size
        js += idx.astype(np.int64).tolist()
        slices[key] = slice(start, len(qs))
    def as_i(x):
        return (np.asarray(x, dtype=np.int64))
    return as_i(qs), as_i(rs), as_i(js), slices


def simulate_network(net, params: Mapping | None = None, *, t_stop: float, dt: float = 0.1,
                     seed=0, generation: int = 0, frozen: bool | None = None,
                     record: Sequence[str] | None = None, record_state: Mapping | None = None,
                     state_every: int = 1, rate_bin_ms: float | None = 1.0,
                     max_rate_hz: float | None = None, rate_window_ms: float = 50.0,
                     silence_ms: float | None = None,
                     spike_capacity_hz: float = 100.0) -> NetworkResult:
    """Simulate P candidate networks (see :func:`spikeopt.simulate`)."""
    net = Network.from_dict(net)
    dt = check_positive("dt", dt, where="simulate")
    n_steps = int(round(check_positive("t_stop", t_stop, where="simulate") / dt))
    if n_steps < 1:
        raise InvalidParameterError(f"Nothing to simulate: t_stop / dt gives {n_steps} steps.")
    tb = build_tables(net, params, seed=seed, generation=generation, frozen=frozen)
    P, L = tb.P, len(tb.link_names)
    # connectivity: the flat CSR arrays of every candidate
    rp_off, syn_off, row_ptr, syn_post, syn_w, syn_d = build_synapses(
        tb, dt, parallel=P > 1 and numba.get_num_threads() > 1)
    # recording
    names = tb.pop_names
    record = tuple(names if record is None else record)
    for r in record:
        if r not in names:
            raise UnknownNameError(f"record: unknown population {r!r}; allowed: {names}.")
    rec_pop = np.array([n in record for n in names], dtype=np.bool_)
    record = tuple(n for n in names if n in record)
    n_rec_p = (tb.src_n[:, :tb.n_pop] * rec_pop).sum(axis=1)
    t_s = n_steps * dt * 1e-3
    cap = np.maximum(256, np.ceil(n_rec_p * t_s * spike_capacity_hz)).astype(np.int64)
    rate_every = 0 if rate_bin_ms is None else max(1, int(round(rate_bin_ms / dt)))
    n_bins = -(-n_steps // rate_every) if rate_every else 1
    out_rate = np.zeros((P, tb.n_pop, n_bins), dtype=np.int64)
    pq, pr_, pj, slices = _probes(record_state, net, tb)
    probe_every = int(state_every) if pq.size else 0
    if pq.size and probe_every < 1:
        raise InvalidParameterError(f"state_every must be >= 1. Got {state_every}.")
    n_samp = -(-n_steps // probe_every) if probe_every else 1
    out_probe = np.full((P, pq.size, n_samp), np.nan)
    win_steps = max(1, int(round(rate_window_ms / dt))) if max_rate_hz is not None else 0
    n_neurons = tb.src_n[:, :tb.n_pop].sum(axis=1)
    max_count = (np.full(P, np.inf) if max_rate_hz is None
                 else float(max_rate_hz) * n_neurons * win_steps * dt * 1e-3)
    silence_steps = 0 if silence_ms is None else max(1, int(round(silence_ms / dt)))
    fail_code = np.zeros(P, dtype=np.int64)
    fail_step = np.full(P, -1, dtype=np.int64)
    n_events = np.zeros(P, dtype=np.int64)
    out_n = np.zeros(P, dtype=np.int64)
    state0 = tb.state.copy()
    plastic = bool(tb.plastic.any())
    w0 = syn_w.copy() if plastic else syn_w

    def run(cands, cap_off, out_idx, out_step, state, weights):
        fn = run_parallel if cands.size > 1 and numba.get_num_threads() > 1 else run_serial
        fn(cands, n_steps, dt, tb.src_n, tb.pop_model, tb.ns, tb.npar, state, tb.st_off,
           tb.par, tb.pr_off, tb.iext, tb.nrn_off, tb.link_src, tb.link_tgt, tb.release,
           tb.plastic, tb.stdp, tb.link_chan, tb.chan_pop, tb.chan_type, tb.chan_par,
           tb.inp_kind, tb.inp_par, tb.ev_off, tb.ev_time, tb.ev_idx, tb.inp_seeds,
           tb.rel_seeds, rp_off, syn_off, row_ptr, syn_post, weights, syn_d, rec_pop, cap_off,
           out_idx, out_step, out_n, rate_every, out_rate, pq, pr_, pj, probe_every, out_probe,
           max_count, win_steps, silence_steps, fail_code, fail_step, n_events)

    cap_off = np.concatenate([[0], np.cumsum(cap)]).astype(np.int64)
    out_idx = np.empty(int(cap_off[-1]), dtype=np.int32)
    out_step = np.empty(int(cap_off[-1]), dtype=np.int32)
    run(np.arange(P, dtype=np.int64), cap_off, out_idx, out_step, tb.state, syn_w)
    over = np.flatnonzero(out_n > cap)
    if over.size:  # re-run only the candidates whose spikes overflowed, with exact room
        cap2 = cap.copy()
        cap2[over] = out_n[over]
        cap2[np.setdiff1d(np.arange(P), over)] = 0
        off2 = np.concatenate([[0], np.cumsum(cap2)]).astype(np.int64)
        idx2 = np.empty(int(off2[-1]), dtype=np.int32)
        step2 = np.empty(int(off2[-1]), dtype=np.int32)
        out_rate[over] = 0
        w2 = w0.copy() if plastic else syn_w
        run(over.astype(np.int64), off2, idx2, step2, state0.copy(), w2)
        if plastic:
            for p in over:
                syn_w[syn_off[p, 0]:syn_off[p, L]] = w2[syn_off[p, 0]:syn_off[p, L]]
        keep = [(out_idx[cap_off[p]:cap_off[p] + min(out_n[p], cap[p])],
                 out_step[cap_off[p]:cap_off[p] + min(out_n[p], cap[p])]) if p not in set(over)
                else (idx2[off2[p]:off2[p + 1]], step2[off2[p]:off2[p + 1]]) for p in range(P)]
    else:
        keep = [(out_idx[cap_off[p]:cap_off[p] + out_n[p]],
                 out_step[cap_off[p]:cap_off[p] + out_n[p]]) for p in range(P)]
    spikes = _to_trains(keep, n_rec_p, dt, n_steps * dt)
    failed = fail_code != 0
    reasons = np.array([REASONS.get(int(c), "") for c in fail_code], dtype=object)
    fail_time = np.where(failed, fail_step * dt, np.nan)
    sizes = {n: tb.src_n[:, q].copy() for q, n in enumerate(names)}
    return NetworkResult(spikes, failed, reasons, fail_time, sizes, n_steps * dt, dt, n_events,
                         record, out_rate if rate_every else None,
                         (rate_every * dt) if rate_every else 0.0, slices,
                         out_probe if pq.size else None, probe_every * dt, tb,
                         (rp_off, syn_off, row_ptr, syn_post, syn_w, syn_d))


def _to_trains(keep, n_rec_p, dt: float, t_stop: float) -> SpikeTrains:
    """Per-candidate (row, step) events -> one SpikeTrains, rows candidate-major."""
    row0 = np.concatenate([[0], np.cumsum(n_rec_p)]).astype(np.int64)
    rows = np.concatenate([k[0].astype(np.int64) + row0[p] for p, k in enumerate(keep)]
                          or [np.zeros(0, np.int64)])
    steps = np.concatenate([k[1] for k in keep] or [np.zeros(0, np.int32)])
    counts = np.bincount(rows, minlength=int(row0[-1]))
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    times = np.empty(rows.size)
    _scatter_times(rows, steps, offsets, float(dt), times)
    return SpikeTrains(times, offsets, t_stop=t_stop, validate=False)


@numba.njit(cache=True)
def _scatter_times(rows, steps, offsets, dt, times):
    """Counting sort by row (stable: events are in time order within a candidate)."""
    fill = offsets[:-1].copy()
    for e in range(rows.size):
        r = rows[e]
        times[fill[r]] = steps[e] * dt
        fill[r] += 1
