"""One candidate of a network description, resolved into numbers for Brian2.

:func:`resolve` runs spikeopt's own builder (:func:`spikeopt.network.tables.
build_tables` and the compiled connectivity of :mod:`spikeopt.network.connect`)
for P candidates and returns, per candidate, every neuron's parameters,
initial state and constant current and every link's synapses (pre, post,
weight, delay rounded to whole steps): the wiring and draws the numba engine
simulates for that seed, so that Brian2 can run the same network.

With ``wiring="brian2"`` the links keep their rule and value specs instead
(``connect(p=...)``, ``rand()``): Brian2 draws the synapses, weights and delays
itself (independent statistics). Neuron values are spikeopt's draws in both
cases, Poisson inputs are Brian2's in both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import models as _models
from ..network.connect import KINDS, RULES, build_synapses
from ..network.spec import Network
from ..network.tables import build_tables

__all__ = ["Pop", "Link", "Source", "Candidate", "resolve", "WIRINGS"]

WIRINGS = ("spikeopt", "brian2")
_KIND_NAMES = {v: k for k, v in KINDS.items()}
_RULE_NAMES = {v: k for k, v in RULES.items() if k != "from_matrix"}
_STDP_KEYS = ("tau_plus_ms", "tau_minus_ms", "A_plus", "A_minus", "w_min", "w_max")


@dataclass
class Pop:
    """``n`` neurons of ``model``: parameters and initial state by spikeopt name
    ((n,) arrays in the model's units), constant current (n,) in its current unit."""

    name: str
    model: str
    n: int
    params: dict[str, np.ndarray]
    state: dict[str, np.ndarray]
    current: np.ndarray


@dataclass
class Link:
    """A projection or an input's connection, onto channel ``synapse`` of ``target``.

    ``pre``/``post``/``weight``/``delay_ms`` are per-synapse arrays when the
    wiring is given (delays on the dt grid, ms); otherwise None and ``rule``,
    ``rule_options`` and the ``(kind, a, b)`` specs say how Brian2 draws them.
    ``tau1_ms``/``tau2_ms`` are the channel's time constants (exp2: rise, decay),
    ``E_rev_mV`` its reversal potential, ``factor`` exp2's peak normalisation.
    """

    name: str
    source: str
    target: str
    synapse: str
    tau1_ms: float = 0.0
    tau2_ms: float = 0.0
    E_rev_mV: float = 0.0
    factor: float = 1.0
    pre: np.ndarray | None = None
    post: np.ndarray | None = None
    weight: np.ndarray | None = None
    delay_ms: np.ndarray | None = None
    rule: str = "from_list"
    rule_options: dict = field(default_factory=dict)
    weight_spec: tuple = ("const", 0.0, 0.0)
    delay_spec: tuple = ("const", 0.0, 0.0)
    clip_weight: bool = False  # conductances: weights clipped at 0 nS
    release: float = 1.0
    stdp: dict | None = None


@dataclass
class Source:
    """An input's spike sources: given spikes (``index``, ``step``: one spike of
    source index[k] at step[k]) or Poisson (NetStim noise 1) at ``rate_hz``
    between ``start_ms`` and ``stop_ms``."""

    name: str
    type: str
    n: int
    index: np.ndarray | None = None
    step: np.ndarray | None = None
    rate_hz: float = 0.0
    noise: float = 1.0
    start_ms: float = 0.0
    stop_ms: float = float("inf")


@dataclass
class Candidate:
    pops: list[Pop]
    sources: list[Source]
    links: list[Link]


def _wiring(tb, dt: float):
    """spikeopt's synapses of every candidate (the engine's CSR arrays)."""
    rp_off, syn_off, row_ptr, syn_post, syn_w, syn_d = build_synapses(tb, dt, parallel=False)

    def link(p: int, l: int):
        n = int(tb.src_n[p, tb.link_src[l]])
        rows = row_ptr[rp_off[p, l]:rp_off[p, l] + n + 1]
        lo, hi = syn_off[p, l], syn_off[p, l + 1]
        return (np.repeat(np.arange(n, dtype=np.int64), np.diff(rows)),
                syn_post[lo:hi].astype(np.int64), syn_w[lo:hi].copy(),
                syn_d[lo:hi].astype(np.float64) * dt)

    return link


def resolve(net, params, *, seed, generation: int = 0, frozen: bool | None = None,
            dt: float, wiring: str = "spikeopt") -> list[Candidate]:
    """The P candidates of ``net`` with ``params`` ({dotted path: (P,)}), in numbers."""
    if wiring not in WIRINGS:
        raise ValueError(f"The 'wiring' option must be one of {list(WIRINGS)}. Got {wiring!r}.")
    net = Network.from_dict(net)
    tb = build_tables(net, params, seed=seed, generation=generation, frozen=frozen)
    wires = _wiring(tb, dt) if wiring == "spikeopt" else None
    links = net.links()
    out = []
    for p in range(tb.P):
        pops = []
        for q, pop in enumerate(net.populations.values()):
            m = _models.get(pop.model)
            n = int(tb.src_n[p, q])
            par = tb.par[tb.pr_off[p, q]:tb.pr_off[p, q] + len(m.parameters) * n]
            st = tb.state[tb.st_off[p, q]:tb.st_off[p, q] + len(m.state) * n]
            par, st = par.reshape(len(m.parameters), n), st.reshape(len(m.state), n)
            pops.append(Pop(pop.name, pop.model, n,
                            {k: par[i].copy() for i, k in enumerate(m.parameters)},
                            {k: st[i].copy() for i, k in enumerate(m.state)},
                            tb.iext[tb.nrn_off[p, q]:tb.nrn_off[p, q] + n].copy()))
        sources = []
        for i, inp in enumerate(net.inputs.values()):
            n = int(tb.src_n[p, len(pops) + i])
            if inp.type == "spikes":
                lo, hi = tb.ev_off[i], tb.ev_off[i + 1]
                # the engine's step of a given time: the first k with t < (k + 0.5)*dt
                step = np.floor(tb.ev_time[lo:hi] / dt + 0.5).astype(np.int64)
                sources.append(Source(inp.name, "spikes", n, tb.ev_idx[lo:hi].copy(), step))
            else:
                rate, noise, start, stop = (float(x) for x in tb.inp_par[p, i])
                sources.append(Source(inp.name, "poisson", n, rate_hz=rate, noise=noise,
                                      start_ms=start, stop_ms=stop))
        lks = []
        for l, (name, src, tgt, lk) in enumerate(links):
            tau1, tau2, e_rev, f = (float(x) for x in tb.chan_par[p, tb.link_chan[l]]) \
                if lk.synapse != "delta" else (0.0, 0.0, 0.0, 1.0)
            stdp = (dict(zip(_STDP_KEYS, (float(x) for x in tb.stdp[p, l]), strict=True))
                    if tb.plastic[l] else None)
            link = Link(name, src, tgt, lk.synapse, tau1, tau2, e_rev, f if f else 1.0,
                        release=float(tb.release[p, l]), stdp=stdp,
                        clip_weight=bool(tb.w_clip[l]))
            if wires is not None:
                link.pre, link.post, link.weight, link.delay_ms = wires(p, l)
            else:
                link.rule = _RULE_NAMES[int(tb.link_rule[l])]
                link.rule_options = {"p": float(tb.link_par[p, l]), "n": int(tb.link_par[p, l]),
                                     "allow_self": bool(tb.link_flags[l, 0]),
                                     "allow_multapses": bool(tb.link_flags[l, 1]),
                                     "same": src == tgt}
                lo, hi = tb.ex_off[l], tb.ex_off[l + 1]
                if link.rule == "from_list":
                    link.pre, link.post = tb.ex_pre[lo:hi].copy(), tb.ex_post[lo:hi].copy()
                    if not np.isnan(tb.ex_w[lo:hi]).any():
                        link.weight = tb.ex_w[lo:hi].copy()
                    if not np.isnan(tb.ex_d[lo:hi]).any():
                        link.delay_ms = np.floor(tb.ex_d[lo:hi] / dt + 0.5) * dt
                link.weight_spec = (_KIND_NAMES[int(tb.w_kind[l])], float(tb.w_a[p, l]),
                                    float(tb.w_b[p, l]))
                link.delay_spec = (_KIND_NAMES[int(tb.d_kind[l])], float(tb.d_a[p, l]),
                                   float(tb.d_b[p, l]))
            lks.append(link)
        out.append(Candidate(pops, sources, lks))
    return out
