"""From a :class:`Network` and per-candidate parameters to the flat arrays the
compiled kernels read.

Each candidate p gets its own value of every leaf (``params`` overrides the
description's numbers with (P,) arrays), its own neurons' parameters and
initial state (drawn here, with numpy, from the candidate's ``neurons``
stream), and its own stream seeds for the compiled code (connectivity per
link, noise per input, transmission failures). Streams derive from
``SeedSequence(seed, spawn_key=(1, generation, p))``; ``frozen`` networks give
every candidate the streams of candidate 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .. import models as _models
from .._rng import candidate_sequence
from ..errors import InvalidParameterError, ShapeError
from .connect import KINDS, RULES
from .spec import Network, Value

__all__ = ["Tables", "build_tables", "MODEL_IDS", "UPDATE_IDS", "SYNAPSE_IDS", "resolve_params"]

MODEL_IDS = {"lif": 0, "izhikevich": 1, "izhikevich2007": 2, "adex": 3, "hh": 4,
             "traub_miles": 5, "glif1": 7, "glif2": 8, "glif3": 9, "glif4": 10, "glif5": 11,
             "mat": 12}
# (model, update) -> kernel id of a step other than the model's standard one
UPDATE_IDS = {("izhikevich", "snnjl"): 6}
SYNAPSE_IDS = {"delta": 0, "exp_current": 1, "exp_conductance": 2, "exp2_conductance": 3}
_STDP_KEYS = ("tau_plus_ms", "tau_minus_ms", "A_plus", "A_minus", "w_min", "w_max")
_POISSON_KEYS = ("rate_hz", "noise", "start_ms", "stop_ms")


@dataclass
class Tables:
    """Flat arrays for the kernels (shapes in comments; P candidates, L links,
    C channels, S = populations + inputs sources)."""

    P: int
    pop_names: list
    input_names: list
    link_names: list
    src_n: np.ndarray  # (P, S) int64 sizes
    pop_model: np.ndarray  # (n_pop,) kernel step ids (MODEL_IDS, UPDATE_IDS)
    ns: np.ndarray  # (n_pop,) state variables per model
    npar: np.ndarray  # (n_pop,) parameters per model
    state: np.ndarray  # flat float64
    st_off: np.ndarray  # (P, n_pop)
    par: np.ndarray  # flat float64
    pr_off: np.ndarray  # (P, n_pop)
    iext: np.ndarray  # flat float64, one per neuron
    nrn_off: np.ndarray  # (P, n_pop + 1): offset of population q's neurons in iext
    link_src: np.ndarray
    link_tgt: np.ndarray
    link_rule: np.ndarray
    link_par: np.ndarray  # (P, L)
    link_flags: np.ndarray  # (L, 2) bool
    ex_off: np.ndarray
    ex_pre: np.ndarray
    ex_post: np.ndarray
    ex_w: np.ndarray
    ex_d: np.ndarray
    w_kind: np.ndarray
    w_a: np.ndarray
    w_b: np.ndarray
    w_clip: np.ndarray
    d_kind: np.ndarray
    d_a: np.ndarray
    d_b: np.ndarray
    release: np.ndarray  # (P, L)
    plastic: np.ndarray  # (L,) bool
    stdp: np.ndarray  # (P, L, 6)
    link_chan: np.ndarray  # (L,)
    chan_pop: np.ndarray  # (C,)
    chan_type: np.ndarray  # (C,)
    chan_par: np.ndarray  # (P, C, 4): tau1 ms, tau2 ms, E_rev mV, exp2 peak factor
    inp_kind: np.ndarray  # (n_inp,) 0 poisson, 1 given spikes
    inp_par: np.ndarray  # (P, n_inp, 4): rate Hz, noise, start ms, stop ms
    ev_off: np.ndarray  # (n_inp + 1,)
    ev_time: np.ndarray  # given spike times (ms), sorted per input
    ev_idx: np.ndarray
    conn_seeds: np.ndarray  # (P, L) uint64
    inp_seeds: np.ndarray  # (P, n_inp) uint64
    rel_seeds: np.ndarray  # (P,) uint64

    @property
    def n_pop(self) -> int:
        return len(self.pop_names)

    def pop_sizes(self, p: int) -> dict[str, int]:
        return {n: int(self.src_n[p, q]) for q, n in enumerate(self.pop_names)}


def resolve_params(net: Network, params: Mapping | None) -> tuple[dict[str, np.ndarray], int]:
    """Check the parameter paths and their values; return ``{path: (P,) float}``
    for the overridden leaves and P."""
    params = dict(params or {})
    arrays, lengths = {}, {}
    for path, v in params.items():
        net.check_path(path)
        a = np.asarray(v, dtype=np.float64)
        if a.ndim > 1:
            raise ShapeError(f"Network parameter {path!r} must be a scalar or a (P,) array. "
                             f"Got shape {a.shape}.")
        if not np.isfinite(a).all():
            raise InvalidParameterError(f"Network parameter {path!r} must be finite. Got {v!r}.")
        if net.is_integer(path) and (np.any(a != np.round(a)) or np.any(a < 0)):
            raise InvalidParameterError(f"Network parameter {path!r} is a count: it must hold "
                                        f"integers >= 0. Got {v!r}.")
        if a.ndim == 1:
            lengths[path] = a.size
        arrays[path] = a
    sizes = set(lengths.values())
    if len(sizes) > 1:
        raise ShapeError(f"Network parameters must share one length P. Got {lengths}.")
    P = sizes.pop() if sizes else 1
    out = {k: np.broadcast_to(a, (P,)).astype(np.float64) for k, a in arrays.items()}
    for k, a in out.items():
        bad = _range_error(k, a)
        if bad:
            raise InvalidParameterError(f"Network parameter {k!r}: {bad}")
    return out, P


def _range_error(path: str, a: np.ndarray) -> str:
    last = path.rsplit(".", 1)[-1]
    if last in ("p", "release_probability", "noise") and ((a < 0) | (a > 1)).any():
        return f"must be a probability in [0, 1]. Got {a.tolist()}."
    if last.startswith("tau") and (a <= 0).any():
        return f"must be > 0. Got {a.tolist()}."
    if path.endswith("delay_ms") and (a < 0).any():
        return f"must be >= 0. Got {a.tolist()}."
    if last == "rate_hz" and (a < 0).any():
        return f"must be >= 0 Hz. Got {a.tolist()}."
    return ""


def _streams(seed, generation: int, P: int, frozen: bool, n_words: int):
    """Per candidate: a numpy Generator for the neurons and n_words uint64 kernel seeds."""
    seqs = []
    if isinstance(seed, list | tuple | np.ndarray) and not isinstance(seed, np.integer):
        if len(seed) != P:
            raise ShapeError(f"The 'seed' parameter needs one seed per candidate ({P}). "
                             f"Got {len(seed)}.")
        for s in seed:
            seqs.append(s if isinstance(s, np.random.SeedSequence)
                        else np.random.SeedSequence(int(s)))
    else:
        seqs = [candidate_sequence(seed, generation, 0 if frozen else p) for p in range(P)]
    if frozen:
        seqs = [seqs[0]] * P
    gens, words = [], np.empty((P, max(n_words, 1)), dtype=np.uint64)
    for p, ss in enumerate(seqs):
        key = tuple(ss.spawn_key)
        gens.append(np.random.default_rng(np.random.SeedSequence(ss.entropy, spawn_key=key + (0,))))
        words[p] = np.random.SeedSequence(ss.entropy, spawn_key=key + (1,)).generate_state(
            max(n_words, 1), np.uint64)
    return gens, words


def _draw(v: Value, vals, p: int, n: int, rng, where: str = "") -> np.ndarray:
    if v.kind == "const":
        return np.full(n, vals(v.paths[0])[p])
    if v.kind == "list":
        if len(v.paths) != n:
            raise InvalidParameterError(f"{where}: a list needs one value per neuron ({n}). "
                                        f"Got {len(v.paths)}.")
        return np.array([vals(path)[p] for path in v.paths])
    a, b = vals(v.paths[0])[p], vals(v.paths[1])[p]
    return rng.uniform(a, b, n) if v.kind == "uniform" else rng.normal(a, b, n)


def build_tables(net: Network, params: Mapping | None, *, seed, generation: int = 0,
                 frozen: bool | None = None) -> Tables:
    """Everything the kernels need for P candidate networks (see :class:`Tables`)."""
    over, P = resolve_params(net, params)
    if not isinstance(seed, list | tuple | np.ndarray):
        from .._rng import check_seed

        seed = check_seed(seed)
    elif len(seed) != P and P == 1:
        P = len(seed)
        over = {k: np.broadcast_to(v, (P,)).copy() for k, v in over.items()}
    frozen = net.frozen if frozen is None else bool(frozen)

    def vals(path: str) -> np.ndarray:
        if path in over:
            return over[path]
        return np.full(P, net.leaves[path])

    pops, inputs = list(net.populations.values()), list(net.inputs.values())
    links = net.links()
    n_pop, n_inp, L = len(pops), len(inputs), len(links)
    src_index = {n: i for i, n in enumerate(net.sources)}
    src_n = np.zeros((P, n_pop + n_inp), dtype=np.int64)
    for q, pop in enumerate(pops):
        src_n[:, q] = vals(pop.size).astype(np.int64)
    for i, inp in enumerate(inputs):
        src_n[:, n_pop + i] = (vals(inp.size).astype(np.int64) if inp.type == "poisson"
                               else len(inp.times_ms))
    for p in range(P):
        if P > 1 or over:
            net.check_sizes({n: src_n[p, s] for s, n in enumerate(net.sources)})
    n_words = L + n_inp + 1
    gens, words = _streams(seed, generation, P, frozen, n_words)

    # neurons: parameters, initial state, injected current
    ms = [_models.get(pop.model) for pop in pops]
    ns = np.array([len(m.state) for m in ms], dtype=np.int64)
    npar = np.array([len(m.parameters) for m in ms], dtype=np.int64)
    st_off = np.zeros((P, n_pop), dtype=np.int64)
    pr_off = np.zeros((P, n_pop), dtype=np.int64)
    nrn_off = np.zeros((P, n_pop + 1), dtype=np.int64)
    states, pars, currents = [], [], []
    o_st = o_pr = o_n = 0
    for p in range(P):
        rng = gens[p]
        for q, (pop, m) in enumerate(zip(pops, ms, strict=True)):
            N = int(src_n[p, q])
            named = {}
            for name, spec in m.parameters.items():
                v = pop.params.get(name)
                named[name] = (np.full(N, spec.default) if v is None else
                               _draw(v, vals, p, N, rng, f"populations.{pop.name}.params.{name}"))
            st = np.asarray(m.init(named), dtype=np.float64).reshape(len(m.state), N)
            for name, v in pop.init.items():
                st[m.state.index(name)] = _draw(v, vals, p, N, rng,
                                                f"populations.{pop.name}.init.{name}")
            cur = (np.zeros(N) if pop.current is None else
                   _draw(pop.current, vals, p, N, rng, f"populations.{pop.name}.current"))
            st_off[p, q], pr_off[p, q], nrn_off[p, q] = o_st, o_pr, o_n
            states.append(st.ravel())
            pars.append(np.stack([named[k] for k in m.parameters]).ravel() if N else
                        np.zeros(0))
            currents.append(cur)
            o_st += st.size
            o_pr += len(m.parameters) * N
            o_n += N
        nrn_off[p, n_pop] = o_n
    def cat(xs):
        return (np.ascontiguousarray(np.concatenate(xs)) if xs else np.zeros(0))

    # links
    link_src = np.array([src_index[s] for _, s, _, _ in links], dtype=np.int64)
    link_tgt = np.array([src_index[t] for _, _, t, _ in links], dtype=np.int64)
    link_rule = np.array([RULES[lk.connector] for *_, lk in links], dtype=np.int64)
    link_par = np.zeros((P, L))
    link_flags = np.zeros((L, 2), dtype=np.bool_)
    ex_off = np.zeros(L + 1, dtype=np.int64)
    ex_pre, ex_post, ex_w, ex_d = [], [], [], []
    w_kind = np.zeros(L, dtype=np.int64)
    d_kind = np.zeros(L, dtype=np.int64)
    w_a, w_b, d_a, d_b = (np.zeros((P, L)) for _ in range(4))
    w_clip = np.zeros(L, dtype=np.bool_)
    release = np.ones((P, L))
    plastic = np.zeros(L, dtype=np.bool_)
    stdp = np.zeros((P, L, 6))
    link_chan = np.zeros(L, dtype=np.int64)
    chan_pop, chan_type, chan_rows = [], [], []
    delta_chan: dict[int, int] = {}
    for l, (_name, _s, _t, lk) in enumerate(links):
        for key in ("p", "n"):
            if key in lk.connector_leaves:
                link_par[:, l] = vals(lk.connector_leaves[key])
        link_flags[l, 0] = lk.connector_flags.get("allow_self", True)
        link_flags[l, 1] = lk.connector_flags.get("allow_multapses", False)
        n_ex = 0
        if lk.explicit is not None:
            ex = lk.explicit
            n_ex = ex["pre"].size
            ex_pre.append(ex["pre"])
            ex_post.append(ex["post"])
            ex_w.append(ex["weight"] if ex["weight"] is not None else np.full(n_ex, np.nan))
            ex_d.append(ex["delay_ms"] if ex["delay_ms"] is not None else np.full(n_ex, np.nan))
        ex_off[l + 1] = ex_off[l] + n_ex
        w_kind[l], d_kind[l] = KINDS[lk.weight.kind], KINDS[lk.delay.kind]
        w_a[:, l] = vals(lk.weight.paths[0])
        w_b[:, l] = vals(lk.weight.paths[-1])
        d_a[:, l] = vals(lk.delay.paths[0])
        d_b[:, l] = vals(lk.delay.paths[-1])
        if lk.delay.kind == "uniform" and (d_a[:, l] < 0).any():
            raise InvalidParameterError(f"{_name}: delays must be >= 0 ms.")
        w_clip[l] = lk.synapse in ("exp_conductance", "exp2_conductance")
        release[:, l] = vals(lk.release)
        if lk.plasticity is not None:
            plastic[l] = True
            for j, k in enumerate(_STDP_KEYS):
                stdp[:, l, j] = vals(lk.plasticity[k])
        tgt = int(link_tgt[l])
        sid = SYNAPSE_IDS[lk.synapse]
        if sid == 0:
            if tgt not in delta_chan:
                delta_chan[tgt] = len(chan_pop)
                chan_pop.append(tgt)
                chan_type.append(0)
                chan_rows.append(np.zeros((P, 4)))
            link_chan[l] = delta_chan[tgt]
            continue
        row = np.zeros((P, 4))
        sl = lk.synapse_leaves
        if sid in (1, 2):
            row[:, 0] = row[:, 1] = vals(sl["tau_ms"])
        else:
            row[:, 0], row[:, 1] = vals(sl["tau_rise_ms"]), vals(sl["tau_decay_ms"])
        if sid >= 2:
            row[:, 2] = vals(sl["E_rev_mV"])
        if sid == 3:
            t1, t2 = row[:, 0], row[:, 1]
            if (t1 >= t2).any():
                raise InvalidParameterError(f"{_name}: exp2_conductance needs tau_rise_ms < "
                                            "tau_decay_ms for every candidate.")
            tp = t1 * t2 / (t2 - t1) * np.log(t2 / t1)
            row[:, 3] = 1.0 / (-np.exp(-tp / t1) + np.exp(-tp / t2))
        if (row[:, :2] <= 0).any():
            raise InvalidParameterError(f"{_name}: synaptic time constants must be > 0 ms.")
        link_chan[l] = len(chan_pop)
        chan_pop.append(tgt)
        chan_type.append(sid)
        chan_rows.append(row)

    # inputs
    inp_kind = np.array([0 if i.type == "poisson" else 1 for i in inputs], dtype=np.int64)
    inp_par = np.zeros((P, n_inp, 4))
    ev_off = np.zeros(n_inp + 1, dtype=np.int64)
    ev_time, ev_idx = [], []
    for i, inp in enumerate(inputs):
        if inp.type == "poisson":
            for j, k in enumerate(_POISSON_KEYS):
                inp_par[:, i, j] = vals(inp.options[k])
            ev_off[i + 1] = ev_off[i]
            continue
        t = np.concatenate([np.asarray(tr, dtype=np.float64) for tr in inp.times_ms] or
                           [np.zeros(0)])
        idx = np.concatenate([np.full(len(tr), s, dtype=np.int64)
                              for s, tr in enumerate(inp.times_ms)] or [np.zeros(0, np.int64)])
        order = np.argsort(t, kind="stable")
        ev_time.append(t[order])
        ev_idx.append(idx[order])
        ev_off[i + 1] = ev_off[i] + t.size

    chan_par = (np.stack(chan_rows, axis=1) if chan_rows else np.zeros((P, 0, 4)))
    return Tables(
        P=P, pop_names=[p.name for p in pops], input_names=[i.name for i in inputs],
        link_names=[n for n, *_ in links], src_n=src_n,
        pop_model=np.array([UPDATE_IDS.get((p.model, p.update), MODEL_IDS[p.model])
                            for p in pops], dtype=np.int64), ns=ns,
        npar=npar, state=cat(states), st_off=st_off, par=cat(pars), pr_off=pr_off,
        iext=cat(currents), nrn_off=nrn_off, link_src=link_src, link_tgt=link_tgt,
        link_rule=link_rule, link_par=link_par, link_flags=link_flags, ex_off=ex_off,
        ex_pre=cat(ex_pre).astype(np.int64), ex_post=cat(ex_post).astype(np.int64),
        ex_w=cat(ex_w).astype(np.float64), ex_d=cat(ex_d).astype(np.float64), w_kind=w_kind,
        w_a=w_a, w_b=w_b, w_clip=w_clip, d_kind=d_kind, d_a=d_a, d_b=d_b, release=release,
        plastic=plastic, stdp=stdp, link_chan=link_chan,
        chan_pop=np.array(chan_pop, dtype=np.int64), chan_type=np.array(chan_type,
                                                                        dtype=np.int64),
        chan_par=np.ascontiguousarray(chan_par), inp_kind=inp_kind, inp_par=inp_par,
        ev_off=ev_off, ev_time=cat(ev_time).astype(np.float64),
        ev_idx=cat(ev_idx).astype(np.int64),
        conn_seeds=np.ascontiguousarray(words[:, :L]),
        inp_seeds=np.ascontiguousarray(words[:, L:L + n_inp]),
        rel_seeds=np.ascontiguousarray(words[:, L + n_inp]),
    )

