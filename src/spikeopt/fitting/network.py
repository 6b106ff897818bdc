"""The network problem: fit numbers of a network description to target spikes or statistics.

A :class:`NetworkProblem` is the Problem of DESIGN.md for ``kind: network``: a
:class:`~spikeopt.params.ParameterSpace` over dotted paths of the description
(``projections.EE.weight.uniform.1``), and a callable
``problem(params, seeds=...) -> losses`` that simulates all P candidate networks
in one call — each from its own seed, so that wiring and noise differ between
candidates and generations but never depend on chunking — and scores them with
:class:`~spikeopt.objectives.NetworkTerm` s.

Stochastic networks: ``n_seeds`` > 1 averages every candidate's loss over that
many independent networks (the candidate's seed's children);
``common_random_numbers`` gives every candidate of a generation the same
streams (``"generation"`` or ``true``: the seed of candidate 0 of that
generation), so that candidates are compared on the same wiring and noise, or
every candidate of the whole run (``"run"``: the seed of candidate 0 of
generation 0; NetPyNE's fixed seeds, a deterministic fitness that can overfit
one wiring).

A candidate whose simulation diverges, runs away or falls silent (the early
stops of ``simulation``) is returned with that reason: the runner records it as
failed and gives it its finite penalty. A silent population in a run that went
to the end scores the terms' finite penalty.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ..backends import simulate
from ..errors import ConfigError, InvalidParameterError
from ..network import Network
from ..objectives import NetworkTarget, NetworkTerm
from ..params import Parameter, ParameterSpace
from ..run import Losses

__all__ = ["NetworkProblem", "leaf_unit", "unit_factor"]

_PREFIX = {"p": -12, "n": -9, "u": -6, "µ": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9}
_BASE = ("Hz", "Ohm", "S", "A", "V", "F", "s", "m")


def unit_factor(given: str, leaf: str, *, where: str = "unit") -> float:
    """The factor from ``given`` to the description's ``leaf`` unit, both an SI prefix
    and the same base (``unit_factor("uS", "nS") == 1000``), so that bounds can be
    written in the unit a user's source uses (NetPyNE's µS weights)."""
    if given == leaf:
        return 1.0

    def split(u):
        for base in _BASE:
            if u.endswith(base) and u[: -len(base)] in _PREFIX:
                return _PREFIX[u[: -len(base)]], base
        return None, u

    (fg, bg), (fl, bl) = split(given), split(leaf)
    if fg is None or fl is None or bg != bl:
        raise ConfigError(f"config key {where!r}: unit {given!r} cannot be converted to the "
                          f"leaf's unit {leaf!r}; give the bounds in {leaf!r} or an SI-prefixed "
                          f"form of it")
    return 10.0 ** (fg - fl)


class NetworkProblem:
    """Score candidate networks against targets (see the module docstring).

    Parameters
    ----------
    network : Network or dict
        The description; the fitted numbers are overridden per candidate.
    fit : mapping of dotted path -> (low, high) or Parameter spec
        The fitted leaves and their bounds: in the leaf's unit, or in the spec's
        ``unit`` (an SI-prefixed form of it, e.g. ``uS`` for an ``nS`` weight), in
        which the optimizer then works and the results are reported.
    terms : sequence of NetworkTerm or term configs
    target : NetworkTarget or mapping of population -> SpikeTrains, optional
        Needed by distribution terms and by statistics without a number.
    t_stop_ms, dt_ms : float
        Simulated duration and step (ms).
    n_seeds : int
        Independent networks averaged per candidate.
    common_random_numbers : bool or {"generation", "run"}
        One set of streams per generation (``True``) or per run, shared by the
        candidates.
    multi_objective : bool
        Return (P, M), one column per term, instead of their weighted sum.
    simulation : mapping, optional
        Further keywords of :func:`spikeopt.simulate` (``max_rate_hz``,
        ``silence_ms``, ``rate_window_ms``...).
    backend : str or mapping, optional
        The simulator: ``"numba"`` (default) or a config's ``{name, workers,
        timeout_s, options}`` (see docs/backends.md).
    """

    takes_seeds = True

    def __init__(self, network, fit: Mapping, terms: Sequence, *, target=None,
                 t_stop_ms: float, dt_ms: float = 0.1, n_seeds: int = 1,
                 common_random_numbers: bool | str = False, multi_objective: bool = False,
                 simulation: Mapping | None = None, backend="numba"):
        self.network = Network.from_dict(network)
        self.backend = backend
        spec, self.factors = {}, {}
        for path, bounds in dict(fit).items():
            self.network.check_path(path)
            unit = leaf_unit(self.network, path)
            if isinstance(bounds, list | tuple):
                spec[path] = Parameter(bounds[0], bounds[1], unit=unit,
                                       integer=self.network.is_integer(path))
            elif isinstance(bounds, Mapping):
                bounds = {"unit": unit, **bounds}
                self.factors[path] = unit_factor(bounds["unit"], unit, where=f"fit.{path}")
                spec[path] = bounds
            else:
                spec[path] = bounds
        if not spec:
            raise ConfigError("'fit' names no parameter: give dotted paths with bounds.")
        self.space = ParameterSpace(spec)
        self.terms = [t if isinstance(t, NetworkTerm) else NetworkTerm.from_config(t)
                      for t in terms]
        if not self.terms:
            raise ConfigError("The network objective needs at least one term.")
        for t in self.terms:
            unknown = [p for p in t.populations if p not in self.network.populations]
            if unknown:
                raise ConfigError(f"Term {t.metric!r} names unknown population(s) {unknown}; "
                                  f"the network has {list(self.network.populations)}.")
        if target is not None and not isinstance(target, NetworkTarget):
            target = NetworkTarget(dict(target), float(t_stop_ms))
        if target is None and any(t.needs_target_spikes for t in self.terms):
            raise ConfigError("These terms compare with target spikes: give 'target'.")
        self.target = target
        self.t_stop = float(t_stop_ms)
        self.dt = float(dt_ms)
        if int(n_seeds) < 1:
            raise InvalidParameterError(f"n_seeds must be >= 1. Got {n_seeds!r}.")
        self.n_seeds = int(n_seeds)
        crn = {True: "generation", False: None}.get(common_random_numbers, common_random_numbers)
        if crn not in (None, "generation", "run"):
            raise InvalidParameterError(
                "common_random_numbers must be false, true, 'generation' or 'run'. Got "
                f"{common_random_numbers!r}.")
        self.crn = crn
        self.multi = bool(multi_objective)
        self.simulation = dict(simulation or {})
        self.objective_names = tuple(t.metric for t in self.terms) if self.multi else ("loss",)
        self.populations = sorted({p for t in self.terms for p in t.populations})

    def _streams(self, seeds) -> list[np.random.SeedSequence]:
        out = []
        for ss in seeds:
            if self.crn:  # candidate 0 of this generation (1, g, 0), or of generation 0 (1, 0, 0)
                key = ss.spawn_key[:-1] + (0,) if self.crn == "generation" else (1, 0, 0)
                ss = np.random.SeedSequence(ss.entropy, spawn_key=tuple(key))
            out += [np.random.SeedSequence(ss.entropy, spawn_key=tuple(ss.spawn_key) + (k,))
                    for k in range(self.n_seeds)]
        return out

    def simulate(self, params: Mapping, seeds, **options):
        """The P·n_seeds networks of ``params`` (candidate-major), a NetworkResult."""
        K = self.n_seeds
        rep = {k: np.repeat(np.asarray(v, dtype=np.float64) * self.factors.get(k, 1.0), K)
               for k, v in params.items()}
        opts = {"record": self.populations, **self.simulation, **options}
        return simulate(self.network, rep, t_stop=self.t_stop, dt=self.dt,
                        seed=self._streams(seeds), backend=self.backend, **opts)

    def __call__(self, params: Mapping, *, seeds) -> Losses:
        """(P,) or (P, M) losses, with the simulation's reason for every candidate
        stopped early (``"runaway at 312.4 ms"``): the runner records it as failed."""
        P, K = len(seeds), self.n_seeds
        res = self.simulate(params, seeds)
        cols = [t.evaluate(res, self.target).reshape(P, K).mean(axis=1) for t in self.terms]
        L = np.stack(cols, axis=1)
        reasons = []
        for p in range(P):
            bad = [f"{res.reasons[i]} at {res.fail_time[i]:.1f} ms"
                   for i in range(p * K, (p + 1) * K) if res.failed[i]]
            reasons.append("simulation: " + "; ".join(bad) if bad else "")
        return Losses(L if self.multi else L.sum(axis=1), reasons)


def leaf_unit(net: Network, path: str) -> str:
    """The unit of a leaf of the description, from where it sits."""
    from .. import models
    from ..network.spec import SYNAPSES

    parts = path.split(".")
    last = parts[-1] if not parts[-1].isdigit() else parts[-2]
    if parts[0] == "populations":
        pop = net.populations[parts[1]]
        m = models.get(pop.model)
        if parts[2] == "size":
            return "neurons"
        if parts[2] == "params":
            return m.parameters[parts[3]].unit
        if parts[2] == "current":
            return m.current_unit
        return "mV" if parts[3] in ("v", "V") else ""
    for suffix, unit in (("_ms", "ms"), ("_mV", "mV"), ("_hz", "Hz")):
        if last.endswith(suffix) or any(p.endswith(suffix) for p in parts[2:3]):
            return unit
    if "weight" in parts:
        link = (net.projections[parts[1]].link if parts[0] == "projections"
                else net.inputs[parts[1]].link)
        return SYNAPSES[link.synapse][1]
    return {"p": "1", "n": "synapses", "release_probability": "1", "noise": "1",
            "size": "sources"}.get(last, "")
