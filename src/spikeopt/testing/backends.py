"""Conformance suite for simulator backends: every backend runs these cases.

A :class:`Case` is one simulation — a built-in model under a noisy current, a
small deterministic network (explicit wiring, delays, every synapse type,
STDP, the random connectors with spikeopt's draws) or a CUBA-like random
network driven by Poisson inputs — and the numba engine's result on it is the
reference. Two checks:

:func:`check_exact`
    the same spikes as the numba engine: every train the same number of spikes,
    each within ``tolerance_ms`` (default one step). For backends that follow
    spikeopt's numerics (Brian2); only cases with ``exact=True``.
:func:`check_statistics`
    the same statistics: per population (cells: all rows) the mean rate within
    ``rate_rtol`` (or ``rate_atol_hz``) and the mean ISI CV within ``cv_atol``.
    For backends with their own integrators or random streams (NEST, NEURON),
    and for random networks; every case.

A backend's test module parametrises over :data:`CASES`::

    import pytest
    from spikeopt.testing import backends as conformance

    @pytest.mark.parametrize("case", conformance.cases(exact=True), ids=str)
    def test_same_spikes(case):
        conformance.check_exact("brian2", case, backend_options={"target": "numpy"})

    @pytest.mark.parametrize("case", conformance.cases(), ids=str)
    def test_same_statistics(case):
        why = conformance.unsupported("nest", case)
        if why:
            pytest.skip(why)
        conformance.check_statistics("nest", case, simulate_options={"workers": 0})

Both checks raise AssertionError naming the case, the population or row and
what differed; they return a small report (dict) when they pass. The numba
reference of a case is computed once per process (:func:`reference`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from .. import backends as _backends
from .. import stimuli

__all__ = ["Case", "CASES", "cases", "reference", "unsupported", "check_exact",
           "check_statistics", "summary"]


@dataclass(frozen=True)
class Case:
    """One conformance simulation.

    ``model`` is a model name (then ``stimulus`` is the current, one row per
    candidate) or a network description (then ``seed`` and ``options`` go to
    the simulation). ``params``: {name or dotted path: value or (P,) values}.
    ``dt``/``t_stop`` in ms. ``exact``: deterministic, so the exact check
    applies. ``min_spikes``: the reference must fire at least this much (a
    silent case checks nothing). ``rate_rtol``, ``rate_atol_hz`` and
    ``cv_atol`` are the statistical tolerances.
    """

    name: str
    model: str | dict
    params: dict = field(default_factory=dict)
    stimulus: object = None
    dt: float = 0.1
    t_stop: float = 300.0
    seed: int = 0
    options: dict = field(default_factory=dict)
    exact: bool = True
    min_spikes: int = 20
    rate_rtol: float = 0.15
    rate_atol_hz: float = 1.0
    cv_atol: float = 0.1

    @property
    def is_network(self) -> bool:
        return isinstance(self.model, Mapping)

    def __str__(self) -> str:
        return self.name


# --------------------------------------------------------------------------- cases


def _random_list(rng, n_pre, n_post, p, w, d_max, dt, allow_self=True):
    """An explicit random connector: pairs, uniform weights, delays on the dt grid."""
    pre, post = np.nonzero(rng.random((n_pre, n_post)) < p)
    if not allow_self:
        keep = pre != post
        pre, post = pre[keep], post[keep]
    n = pre.size
    return {"rule": "from_list", "pre": pre.tolist(), "post": post.tolist(),
            "weight": rng.uniform(w[0], w[1], n).round(4).tolist(),
            "delay_ms": (rng.integers(0, int(round(d_max / dt)) + 1, n) * dt).tolist()}


def _input_spikes(rng, n_src, rate_hz, t_stop, dt):
    """Given spike trains on the dt grid (Bernoulli per step)."""
    n_steps = int(round(t_stop / dt))
    return [(np.flatnonzero(rng.random(n_steps) < rate_hz * dt * 1e-3) * dt).round(6).tolist()
            for _ in range(n_src)]


_CELL_RANGES = {  # parameter ranges where the models fire, OU current (mean, sd), size
    "izhikevich": ({"a": (0.01, 0.1), "b": (0.15, 0.25), "c": (-70.0, -50.0),
                    "d": (1.0, 8.0)}, (8.0, 4.0)),
    "izhikevich2007": ({"C": (80.0, 150.0), "k": (0.5, 1.2), "a": (0.01, 0.05),
                        "b": (-2.0, 4.0), "c": (-55.0, -45.0), "d": (50.0, 150.0)},
                       (150.0, 60.0)),
    "adex": ({"C": (150.0, 300.0), "g_L": (8.0, 15.0), "a": (0.0, 4.0), "tau_w": (50.0, 300.0),
              "b": (0.0, 100.0), "V_T": (-52.0, -48.0), "V_peak": (-10.0, 10.0)},
             (400.0, 150.0)),
    "lif": ({"tau_m": (10.0, 30.0), "R": (80.0, 150.0), "t_ref": (0.0, 4.0)}, (250.0, 80.0)),
    "hh": ({"gnabar": (0.1, 0.14), "gkbar": (0.03, 0.04), "gl": (0.0002, 0.0004)},
           (300.0, 150.0)),
    "traub_miles": ({"gNa": (6.0, 8.0), "gK": (1.2, 1.6)}, (1500.0, 300.0)),
    "mat": ({"alpha1": (5.0, 35.0), "alpha2": (0.2, 3.0), "omega": (-55.0, -45.0),
             "tau_m": (4.0, 8.0)}, (500.0, 250.0)),
    "glif1": ({"g_L": (6.0, 12.0), "V_reset": (-80.0, -70.0), "t_ref": (1.0, 4.0)},
              (300.0, 100.0)),
    "glif2": ({"g_L": (6.0, 12.0), "f_v": (0.1, 0.5), "delta_V": (5.0, 15.0),
               "delta_theta_s": (0.5, 3.0), "b_s": (0.01, 0.1)}, (300.0, 100.0)),
    "glif3": ({"g_L": (6.0, 12.0), "A1": (-20.0, 0.0), "A2": (-150.0, -50.0),
               "r1": (0.5, 1.0)}, (400.0, 120.0)),
    "glif4": ({"g_L": (6.0, 12.0), "f_v": (0.1, 0.5), "A2": (-150.0, -50.0),
               "delta_theta_s": (0.5, 3.0)}, (400.0, 120.0)),
    "glif5": ({"g_L": (6.0, 12.0), "a_v": (0.0, 0.01), "b_v": (0.05, 0.2),
               "A2": (-150.0, -50.0)}, (400.0, 120.0)),
    "adex_threshold": ({"C": (150.0, 300.0), "g_L": (8.0, 15.0), "a": (0.0, 4.0),
                        "b": (0.0, 60.0), "tau_T": (10.0, 50.0), "delta_V_T": (0.5, 4.0),
                        "V_peak": (-10.0, 10.0)}, (450.0, 150.0)),
}


def _cell_case(model: str, n: int, t_stop: float, dt: float, min_spikes: int) -> Case:
    rng = np.random.default_rng(12345)
    ranges, (mean, sd) = _CELL_RANGES[model]
    params = {k: rng.uniform(lo, hi, n) for k, (lo, hi) in ranges.items()}
    ou = stimuli.ou_noise(mean, sd, 5.0, duration=t_stop, n_sweeps=n, dt=dt, rng=7)
    stim = stimuli.from_array(ou.values, dt=dt, per_candidate=True)  # a current per neuron
    return Case(f"cell-{model}", model, params, stim, dt, t_stop, min_spikes=min_spikes)


_SYN = {  # synapse, excitatory weights, inhibitory weights, input weights
    "delta": ({"type": "delta"}, (0.5, 3.0), (-4.0, -1.0), (4.0, 8.0)),
    "exp_current": ({"type": "exp_current", "tau_ms": 5.0}, (50.0, 200.0), (-300.0, -100.0),
                    (200.0, 400.0)),
    "exp_conductance": ({"type": "exp_conductance", "tau_ms": 3.0, "E_rev_mV": 0.0},
                        (1.0, 6.0), (2.0, 8.0), (5.0, 12.0)),
    "exp2_conductance": ({"type": "exp2_conductance", "tau_rise_ms": 0.5, "tau_decay_ms": 5.0,
                          "E_rev_mV": 0.0}, (1.0, 6.0), (2.0, 8.0), (5.0, 12.0)),
}
_INHIB = {"exp_conductance": {"type": "exp_conductance", "tau_ms": 8.0, "E_rev_mV": -80.0},
          "exp2_conductance": {"type": "exp2_conductance", "tau_rise_ms": 1.0,
                               "tau_decay_ms": 10.0, "E_rev_mV": -80.0}}
_LIF = {"tau_m": 20.0, "R": 100.0, "E_L": -65.0, "V_th": -50.0, "V_reset": -65.0,
        "t_ref": 2.0}


def _lif_network(synapse: str, seed: int) -> Case:
    """E (10) + I (4) LIF under input spikes, explicit random wiring, delays 0–2 ms
    (exp_current: two candidates with different drives, a dotted-path parameter)."""
    rng = np.random.default_rng(seed)
    dt, t_stop = 0.1, 150.0
    exc, w_e, w_i, w_in = _SYN[synapse]
    inh = _INHIB.get(synapse, exc)
    spec = {
        "populations": {
            "E": {"model": "lif", "size": 10, "params": _LIF, "current": 100.0},
            "I": {"model": "lif", "size": 4, "params": {**_LIF, "t_ref": 1.0}},
        },
        "projections": {
            "EE": {"pre": "E", "post": "E", "synapse": exc,
                   "connector": _random_list(rng, 10, 10, 0.3, w_e, 2.0, dt, False)},
            "EI": {"pre": "E", "post": "I", "synapse": exc,
                   "connector": _random_list(rng, 10, 4, 0.5, w_e, 2.0, dt)},
            "IE": {"pre": "I", "post": "E", "synapse": inh,
                   "connector": _random_list(rng, 4, 10, 0.5, w_i, 1.0, dt)},
        },
        "inputs": {
            "stim": {"type": "spikes", "times_ms": _input_spikes(rng, 6, 40.0, t_stop, dt),
                     "target": "E", "synapse": exc,
                     "connector": _random_list(rng, 6, 10, 0.5, w_in, 1.0, dt)},
        },
    }
    params = {"populations.E.current": [100.0, 140.0]} if synapse == "exp_current" else {}
    return Case(f"net-lif-{synapse}", spec, params, dt=dt, t_stop=t_stop)


def _model_network(model: str) -> Case:
    """A recurrent network of a reduced model: current and conductance projections."""
    rng = np.random.default_rng({"izhikevich": 3, "izhikevich2007": 4, "adex": 5}[model])
    dt, t_stop = 0.1, 150.0
    current = {"izhikevich": 4.0, "izhikevich2007": 40.0, "adex": 300.0}[model]
    w_exc = {"izhikevich": (5.0, 10.0), "izhikevich2007": (200.0, 400.0),
             "adex": (300.0, 600.0)}[model]
    spec = {
        "populations": {"N": {"model": model, "size": 8, "current": current}},
        "projections": {
            "exc": {"pre": "N", "post": "N", "synapse": {"type": "exp_current", "tau_ms": 4.0},
                    "connector": _random_list(rng, 8, 8, 0.3, w_exc, 1.5, dt, False)},
            "inh": {"pre": "N", "post": "N",
                    "synapse": {"type": "exp_conductance", "tau_ms": 6.0, "E_rev_mV": -80.0},
                    "connector": _random_list(rng, 8, 8, 0.2, (1.0, 3.0), 1.0, dt, False)},
        },
        "inputs": {
            "kick": {"type": "spikes", "times_ms": _input_spikes(rng, 4, 50.0, t_stop, dt),
                     "target": "N", "synapse": {"type": "delta"},
                     "connector": _random_list(rng, 4, 8, 0.5, (5.0, 15.0), 0.5, dt)},
        },
    }
    return Case(f"net-{model}", spec, dt=dt, t_stop=t_stop)


def _point_network(model: str) -> Case:
    """A recurrent network of GLIF2 or MAT (Allen-style point neurons): current
    excitation, inhibition (a conductance onto GLIF2; a current onto MAT, whose v
    is not a membrane potential) and delta kicks from input spikes."""
    rng = np.random.default_rng({"glif2": 6, "mat": 7}[model])
    dt, t_stop = 0.1, 150.0
    current = {"glif2": 300.0, "mat": 450.0}[model]
    inh = ({"type": "exp_conductance", "tau_ms": 6.0, "E_rev_mV": -80.0}, (1.0, 3.0)) \
        if model == "glif2" else ({"type": "exp_current", "tau_ms": 6.0}, (-200.0, -50.0))
    spec = {
        "populations": {"N": {"model": model, "size": 8, "current": current}},
        "projections": {
            "exc": {"pre": "N", "post": "N", "synapse": {"type": "exp_current", "tau_ms": 4.0},
                    "connector": _random_list(rng, 8, 8, 0.3, (100.0, 250.0), 1.5, dt, False)},
            "inh": {"pre": "N", "post": "N", "synapse": inh[0],
                    "connector": _random_list(rng, 8, 8, 0.2, inh[1], 1.0, dt, False)},
        },
        "inputs": {
            "kick": {"type": "spikes", "times_ms": _input_spikes(rng, 4, 50.0, t_stop, dt),
                     "target": "N", "synapse": {"type": "delta"},
                     "connector": _random_list(rng, 4, 8, 0.5, (3.0, 8.0), 0.5, dt)},
        },
    }
    return Case(f"net-{model}", spec, dt=dt, t_stop=t_stop)


def _hh_network() -> Case:
    """NetPyNE-style single-compartment HH cells with Exp2Syn excitation at 0.025 ms."""
    rng = np.random.default_rng(21)
    dt, t_stop = 0.025, 40.0
    hh = {"gl": 0.003, "el": -70.0, "diam": 19.0, "L": 18.8}
    exp2 = {"type": "exp2_conductance", "tau_rise_ms": 0.1, "tau_decay_ms": 5.0,
            "E_rev_mV": 0.0}
    spec = {
        "populations": {"S": {"model": "hh", "size": 5, "params": hh},
                        "M": {"model": "hh", "size": 5, "params": hh}},
        "projections": {"SM": {"pre": "S", "post": "M", "synapse": exp2,
                               "connector": _random_list(rng, 5, 5, 0.6, (5.0, 10.0), 5.0, dt)}},
        "inputs": {"bg": {"type": "spikes", "times_ms": _input_spikes(rng, 10, 30.0, t_stop, dt),
                          "target": "S", "synapse": exp2,
                          "connector": _random_list(rng, 10, 5, 0.5, (8.0, 15.0), 2.0, dt)}},
    }
    return Case("net-hh-exp2", spec, dt=dt, t_stop=t_stop, min_spikes=10)


def _stdp_network() -> Case:
    """Pair STDP on a delta-synapse input projection and an exp_current recurrent
    one (the spikes follow the weights, so equal spikes mean equal plasticity)."""
    rng = np.random.default_rng(31)
    dt, t_stop = 0.1, 150.0

    def stdp(scale):
        return {"type": "stdp", "tau_plus_ms": 16.8, "tau_minus_ms": 33.7,
                "A_plus": 0.3 * scale, "A_minus": 0.35 * scale, "w_min": 0.0,
                "w_max": 8.0 * scale}

    lif = {"tau_m": 15.0, "R": 100.0, "E_L": -65.0, "V_th": -55.0, "V_reset": -65.0,
           "t_ref": 2.0}
    conn_in = _random_list(rng, 12, 6, 0.6, (3.0, 6.0), 0.0, dt)
    conn_in.pop("delay_ms")
    conn_rec = _random_list(rng, 6, 6, 0.4, (80.0, 320.0), 0.0, dt, False)
    conn_rec.pop("delay_ms")
    spec = {
        "populations": {"E": {"model": "lif", "size": 6, "params": lif, "current": 60.0}},
        "projections": {"rec": {"pre": "E", "post": "E",
                                "synapse": {"type": "exp_current", "tau_ms": 5.0},
                                "connector": conn_rec, "delay_ms": 1.0,
                                "plasticity": stdp(80.0)}},
        "inputs": {"x": {"type": "spikes", "times_ms": _input_spikes(rng, 12, 30.0, t_stop, dt),
                         "target": "E", "synapse": {"type": "delta"}, "connector": conn_in,
                         "delay_ms": 0.5, "plasticity": stdp(1.0)}},
    }
    return Case("net-stdp", spec, dt=dt, t_stop=t_stop)


def _random_connectors() -> Case:
    """fixed_indegree / fixed_probability / fixed_outdegree with drawn parameters,
    initial states, currents, weights and delays: exact for backends that take
    spikeopt's draws for the seed (Brian2's default wiring)."""
    lif = {"tau_m": {"uniform": [15.0, 25.0]}, "R": 100.0, "E_L": -65.0, "V_th": -50.0,
           "V_reset": -65.0, "t_ref": 2.0}
    spec = {
        "populations": {
            "E": {"model": "lif", "size": 30, "params": lif,
                  "current": {"uniform": [140.0, 170.0]},
                  "init": {"v": {"uniform": [-65.0, -55.0]}}},
            "I": {"model": "lif", "size": 10, "params": lif, "current": 100.0},
        },
        "projections": {
            "EE": {"pre": "E", "post": "E",
                   "connector": {"rule": "fixed_indegree", "n": 5, "allow_self": False},
                   "synapse": {"type": "exp_current", "tau_ms": 5.0},
                   "weight": {"uniform": [50.0, 150.0]}, "delay_ms": {"uniform": [0.5, 3.0]}},
            "EI": {"pre": "E", "post": "I", "connector": {"rule": "fixed_probability", "p": 0.3},
                   "synapse": {"type": "exp_current", "tau_ms": 5.0}, "weight": 120.0,
                   "delay_ms": 1.0},
            "IE": {"pre": "I", "post": "E", "connector": {"rule": "fixed_outdegree", "n": 8},
                   "synapse": {"type": "exp_conductance", "tau_ms": 8.0, "E_rev_mV": -80.0},
                   "weight": {"normal": [4.0, 1.0]}, "delay_ms": 0.5},
        },
    }
    return Case("net-random-connectors", spec, t_stop=150.0, seed=5)


def _cuba() -> Case:
    """A CUBA-like random E/I network (fixed in-degrees, exponential currents) in
    the asynchronous irregular state (~17 Hz, ISI CV ~0.75), driven by Poisson
    inputs: statistics only. Across seeds its rates vary by about 10 %."""
    lif = {"tau_m": 20.0, "R": 100.0, "E_L": -60.0, "V_th": -50.0, "V_reset": -60.0,
           "t_ref": 5.0}
    exc = {"type": "exp_current", "tau_ms": 5.0}
    inh = {"type": "exp_current", "tau_ms": 10.0}

    def proj(pre, post, n, syn, w):
        return {"pre": pre, "post": post, "connector": {"rule": "fixed_indegree", "n": n},
                "synapse": syn, "weight": w, "delay_ms": 1.0}

    def background(target):
        return {"type": "poisson", "size": 400, "rate_hz": 15.0, "target": target,
                "connector": {"rule": "fixed_indegree", "n": 20}, "synapse": exc,
                "weight": 110.0}

    spec = {
        "populations": {
            "E": {"model": "lif", "size": 160, "params": lif,
                  "init": {"v": {"uniform": [-60.0, -50.0]}}},
            "I": {"model": "lif", "size": 40, "params": lif,
                  "init": {"v": {"uniform": [-60.0, -50.0]}}},
        },
        "projections": {"EE": proj("E", "E", 16, exc, 30.0), "EI": proj("E", "I", 16, exc, 30.0),
                        "IE": proj("I", "E", 4, inh, -200.0),
                        "II": proj("I", "I", 4, inh, -200.0)},
        "inputs": {"bg_E": background("E"), "bg_I": background("I")},
    }
    return Case("net-cuba-poisson", spec, t_stop=400.0, seed=1, exact=False, min_spikes=500,
                rate_rtol=0.2, rate_atol_hz=1.0, cv_atol=0.1)


@lru_cache(maxsize=1)
def _all() -> tuple[Case, ...]:
    cells = [_cell_case("izhikevich", 16, 200.0, 0.1, 80),
             _cell_case("izhikevich2007", 16, 200.0, 0.1, 40),
             _cell_case("adex", 16, 200.0, 0.1, 40),
             _cell_case("lif", 16, 200.0, 0.1, 80),
             _cell_case("hh", 4, 40.0, 0.025, 8),
             _cell_case("traub_miles", 4, 10.0, 0.1, 4),
             _cell_case("mat", 16, 200.0, 0.1, 40),
             *(_cell_case(f"glif{n}", 16, 200.0, 0.1, 40) for n in range(1, 6)),
             _cell_case("adex_threshold", 16, 200.0, 0.1, 40)]
    nets = [_lif_network(s, 11 + i) for i, s in enumerate(_SYN)]
    nets += [_model_network(m) for m in ("izhikevich", "izhikevich2007", "adex")]
    nets += [_point_network(m) for m in ("glif2", "mat")]
    nets += [_hh_network(), _stdp_network(), _random_connectors(), _cuba()]
    return tuple(cells + nets)


def cases(*, exact: bool | None = None, network: bool | None = None) -> list[Case]:
    """The cases, optionally only the exact (deterministic) or the network ones."""
    return [c for c in _all() if (exact is None or c.exact == exact)
            and (network is None or c.is_network == network)]


CASES = _all()


# --------------------------------------------------------------------------- checks


def _run(case: Case, backend, backend_options: Mapping | None,
         simulate_options: Mapping | None = None):
    kw = dict(dt=case.dt, t_stop=case.t_stop, **(simulate_options or {}))
    if case.is_network:
        kw.update(seed=case.seed, **case.options)
        return _backends.simulate(case.model, case.params, backend=backend,
                                  backend_options=backend_options, **kw)
    return _backends.simulate(case.model, case.params, case.stimulus, backend=backend,
                              backend_options=backend_options, **kw)


_REFERENCES: dict[str, object] = {}


def unsupported(backend, case: Case, *, backend_options: Mapping | None = None) -> str | None:
    """Why ``backend`` cannot run ``case`` (its ``supports()`` sentence), or None."""
    sim = _backends.get(backend, **dict(backend_options or {}))
    return sim.supports(case.model)


def reference(case: Case):
    """The numba engine's result on ``case`` (computed once per process)."""
    if case.name not in _REFERENCES:
        _REFERENCES[case.name] = _run(case, "numba", None)
    return _REFERENCES[case.name]


def _groups(case: Case, res) -> dict[str, list]:
    """{group: [SpikeTrains per candidate]}: populations of a network, else "cells"."""
    if not case.is_network:
        return {"cells": [res.candidate(p) for p in range(res.n_candidates)]}
    names = list(case.model["populations"])
    return {n: [res.population(n, p) for p in range(res.n_candidates)] for n in names}


def check_exact(backend, case: Case, *, backend_options: Mapping | None = None,
                simulate_options: Mapping | None = None,
                tolerance_ms: float | None = None) -> dict:
    """Assert that ``backend`` gives the numba engine's spikes on ``case``.

    Every train (candidate × sweep row, or neuron of every population and
    candidate) must have the same number of spikes, each within
    ``tolerance_ms`` (default: one step, ``case.dt``) of the engine's.
    ``backend_options`` go to the backend's constructor, ``simulate_options``
    to :func:`spikeopt.backends.simulate` (e.g. ``workers=0``, ``timeout_s``).
    Returns ``{"spikes": n compared}``.
    """
    if not case.exact:
        raise ValueError(f"Case {case.name!r} is random (exact=False); use check_statistics.")
    tol = case.dt if tolerance_ms is None else float(tolerance_ms)
    ref, got = reference(case), _run(case, backend, backend_options, simulate_options)
    total = 0
    for group, trains in _groups(case, ref).items():
        other = _groups(case, got)[group]
        for p, (a_p, b_p) in enumerate(zip(trains, other, strict=True)):
            assert len(a_p) == len(b_p), (
                f"{case.name}: {group} of candidate {p} has {len(b_p)} trains on "
                f"{backend!r}, {len(a_p)} on the numba engine")
            for i in range(len(a_p)):
                a, b = a_p[i], b_p[i]
                assert a.size == b.size, (
                    f"{case.name}: {group}[{i}] of candidate {p}: {b.size} spikes on "
                    f"{backend!r}, {a.size} on the numba engine\n  numba {a[:8]}\n  "
                    f"{backend} {b[:8]}")
                if a.size:
                    worst = float(np.max(np.abs(a - b)))
                    assert worst <= tol + 1e-9, (
                        f"{case.name}: {group}[{i}] of candidate {p}: a spike {worst:g} ms "
                        f"away from the numba engine's (tolerance {tol:g} ms)")
                total += a.size
    assert total >= case.min_spikes, (
        f"{case.name}: the reference fired {total} spikes, fewer than {case.min_spikes}")
    return {"spikes": total}


def summary(trains_list, t_stop: float) -> tuple[float, float]:
    """(mean rate in Hz, mean ISI CV over trains with >= 3 spikes) of trains."""
    n, count, cvs = 0, 0, []
    for trains in trains_list:
        for i in range(len(trains)):
            t = trains[i]
            n += 1
            count += t.size
            if t.size >= 3:
                isi = np.diff(t)
                cvs.append(isi.std() / isi.mean())
    rate = count / max(n, 1) / (t_stop * 1e-3)
    return float(rate), float(np.mean(cvs)) if cvs else float("nan")


def check_statistics(backend, case: Case, *, backend_options: Mapping | None = None,
                     simulate_options: Mapping | None = None,
                     rate_rtol: float | None = None, rate_atol_hz: float | None = None,
                     cv_atol: float | None = None) -> dict:
    """Assert that ``backend``'s statistics on ``case`` are the numba engine's.

    Per population (cells: all rows together): the mean rate (Hz) within
    ``rate_rtol`` relative or ``rate_atol_hz`` absolute, whichever is larger,
    and the mean coefficient of variation of the inter-spike intervals within
    ``cv_atol`` (defaults: the case's); options as :func:`check_exact`.
    Returns ``{group: {"rate_hz": (numba, backend), "cv": (numba, backend)}}``.
    """
    rtol = case.rate_rtol if rate_rtol is None else float(rate_rtol)
    atol = case.rate_atol_hz if rate_atol_hz is None else float(rate_atol_hz)
    ctol = case.cv_atol if cv_atol is None else float(cv_atol)
    ref, got = reference(case), _run(case, backend, backend_options, simulate_options)
    report = {}
    total = 0
    for group, trains in _groups(case, ref).items():
        r_ref, cv_ref = summary(trains, case.t_stop)
        r_got, cv_got = summary(_groups(case, got)[group], case.t_stop)
        total += sum(int(t.counts().sum()) for t in trains)
        report[group] = {"rate_hz": (r_ref, r_got), "cv": (cv_ref, cv_got)}
        assert abs(r_got - r_ref) <= max(rtol * r_ref, atol), (
            f"{case.name}: {group} fires at {r_got:.3g} Hz on {backend!r}, {r_ref:.3g} Hz on "
            f"the numba engine (tolerance {rtol:.0%} or {atol:g} Hz)")
        if np.isfinite(cv_ref) or np.isfinite(cv_got):
            assert abs(cv_got - cv_ref) <= ctol, (
                f"{case.name}: {group} has ISI CV {cv_got:.3g} on {backend!r}, {cv_ref:.3g} on "
                f"the numba engine (tolerance {ctol:g})")
    assert total >= case.min_spikes, (
        f"{case.name}: the reference fired {total} spikes, fewer than {case.min_spikes}")
    return report
