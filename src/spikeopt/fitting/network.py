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
streams (the seed of candidate 0 of that generation), so that candidates are
compared on the same wiring and noise.

A candidate whose simulation diverges, runs away or falls silent (the early
stops of ``simulation``) is returned with that reason: the runner records it as
failed and gives it its finite penalty. A silent population in a run that went
to the end scores the terms' finite penalty.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ..errors import ConfigError, InvalidParameterError
from ..network import Network
from ..objectives import NetworkTarget, NetworkTerm
from ..params import Parameter, ParameterSpace
from ..run import Losses
from ..simulation import simulate

__all__ = ["NetworkProblem"]


class NetworkProblem:
    """Score candidate networks against targets (see the module docstring).

    Parameters
    ----------
    network : Network or dict
        The description; the fitted numbers are overridden per candidate.
    fit : mapping of dotted path -> (low, high) or Parameter spec
        The fitted leaves and their bounds (in the leaf's unit).
    terms : sequence of NetworkTerm or term configs
    target : NetworkTarget or mapping of population -> SpikeTrains, optional
        Needed by distribution terms and by statistics without a number.
    t_stop_ms, dt_ms : float
        Simulated duration and step (ms).
    n_seeds : int
        Independent networks averaged per candidate.
    common_random_numbers : bool
        One set of streams per generation, shared by its candidates.
    multi_objective : bool
        Return (P, M), one column per term, instead of their weighted sum.
    simulation : mapping, optional
        Further keywords of :func:`spikeopt.simulate` (``max_rate_hz``,
        ``silence_ms``, ``rate_window_ms``...).
    """

    takes_seeds = True

    def __init__(self, network, fit: Mapping, terms: Sequence, *, target=None,
                 t_stop_ms: float, dt_ms: float = 0.1, n_seeds: int = 1,
                 common_random_numbers: bool = False, multi_objective: bool = False,
                 simulation: Mapping | None = None):
        self.network = Network.from_dict(network)
        spec = {}
        for path, bounds in dict(fit).items():
            self.network.check_path(path)
            spec[path] = bounds
            if self.network.is_integer(path) and isinstance(bounds, list | tuple):
                spec[path] = Parameter(bounds[0], bounds[1], integer=True)
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
        self.crn = bool(common_random_numbers)
        self.multi = bool(multi_objective)
        self.simulation = dict(simulation or {})
        self.objective_names = tuple(t.metric for t in self.terms) if self.multi else ("loss",)
        self.populations = sorted({p for t in self.terms for p in t.populations})

    def _streams(self, seeds) -> list[np.random.SeedSequence]:
        out = []
        for ss in seeds:
            if self.crn:  # candidate 0 of the same generation: SeedSequence(seed, (1, g, 0))
                ss = np.random.SeedSequence(ss.entropy, spawn_key=tuple(ss.spawn_key[:-1]) + (0,))
            out += [np.random.SeedSequence(ss.entropy, spawn_key=tuple(ss.spawn_key) + (k,))
                    for k in range(self.n_seeds)]
        return out

    def simulate(self, params: Mapping, seeds, **options):
        """The P·n_seeds networks of ``params`` (candidate-major), a NetworkResult."""
        K = self.n_seeds
        rep = {k: np.repeat(np.asarray(v, dtype=np.float64), K) for k, v in params.items()}
        opts = {"record": self.populations, **self.simulation, **options}
        return simulate(self.network, rep, t_stop=self.t_stop, dt=self.dt,
                        seed=self._streams(seeds), **opts)

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
