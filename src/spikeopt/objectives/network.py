"""Loss terms for networks: target statistics and distribution distances per population.

A :class:`NetworkTerm` scores P simulated candidate networks against a target
(recorded or ground-truth spikes per population, or plain numbers such as
17 Hz) and returns a (P,) loss, lower is better. The simulated result is any
object with ``population(name, candidate) -> SpikeTrains``, ``n_candidates``
and ``t_stop`` (ms) — :class:`spikeopt.NetworkResult` is one. Neurons are never
matched by index: the distribution terms compare per-neuron *samples* (rates,
ISI CVs, LVs, pairwise spike-count correlations) of model and target.

Metrics (``NETWORK_METRICS``)
-----------------------------
``mean_rate``, ``cv``, ``lv``, ``fano``, ``synchrony``
    Statistic targets: ``((x - target) / scale)²`` averaged over the
    populations, with x the population mean of the per-neuron sample (the mean
    pairwise spike-count correlation for ``synchrony``), ``target`` given as
    ``target`` (``target_hz`` for rates) or taken from the target spikes, and
    ``scale = max(|target|, floor)`` (floors: 1 Hz, 0.1, 0.1, 0.1, 0.05). A
    smooth loss: 0.01 is a 10 % miss. ``loss: absolute`` gives ``|x - target|``
    in the statistic's unit instead (NetPyNE's ``|17 - rate|`` Hz fitness).
``spike_distance``
    SpikeNetOpt's neuron-by-neuron SPIKE-distance between model and target
    neuron i (meaningful only with frozen wiring and noise). ``variant:
    standard`` (default): the SPIKE-distance on [0, t_stop] of equal-sized
    populations; silent trains are penalised (``silent: penalise``) or, as
    upstream, scored perfect (``silent: perfect``); ``reduce: mean`` or ``sum``.
    ``variant: spike_train_difference``: SpikeNetOpt.jl's shipped loss exactly
    (see :func:`spike_train_difference`; ``silent`` and ``reduce`` do not apply).
``rate_distribution``, ``cv_distribution``, ``lv_distribution``, ``correlation_distribution``
    ``distance: wasserstein`` (default): the 1-Wasserstein distance between the
    model's and the target's per-neuron samples divided by the target sample's
    standard deviation (floored as above), so that 1 is "off by one spread";
    ``distance: ks``: the two-sample Kolmogorov–Smirnov statistic, in [0, 1].

A population without a usable sample (no spikes, or no neuron with the three
spikes an ISI CV needs) scores :data:`PENALTY`, a finite value larger than any
ordinary miss, so that an optimizer moves away from silence without ever
seeing an infinity.

>>> import numpy as np
>>> from spikeopt import SpikeTrains
>>> class Result:  # any object with population(), n_candidates and t_stop
...     n_candidates, t_stop = 2, 1000.0
...     def population(self, name, candidate):
...         rate = (10.0, 20.0)[candidate]
...         return SpikeTrains.from_list([np.arange(0.0, 1000.0, 1000.0 / rate)] * 5, t_stop=1000.0)
>>> term = NetworkTerm("mean_rate", ("E",), options={"target_hz": 10.0})
>>> term.evaluate(Result()).tolist()
[0.0, 1.0]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats as _stats

from .. import metrics
from ..errors import ConfigError
from ..spikes import SpikeTrains

__all__ = ["NetworkTerm", "NetworkTarget", "NETWORK_METRICS", "population_samples", "PENALTY",
           "spike_train_difference"]

PENALTY = 100.0

_FLOOR = {"rate": 1.0, "cv": 0.1, "lv": 0.1, "fano": 0.1, "correlation": 0.05}


def _rates(sp: SpikeTrains, t_stop: float, o: Mapping) -> np.ndarray:
    return metrics.firing_rate(sp, t_stop=t_stop)


def _cvs(sp: SpikeTrains, t_stop: float, o: Mapping) -> np.ndarray:
    x = metrics.isi_cv(sp, t_stop=t_stop)
    return x[sp.counts() >= 3]


def _lvs(sp: SpikeTrains, t_stop: float, o: Mapping) -> np.ndarray:
    x = metrics.lv(sp, t_stop=t_stop)
    return x[sp.counts() >= 3]


def _fanos(sp: SpikeTrains, t_stop: float, o: Mapping) -> np.ndarray:
    return metrics.fano_factor(sp, window=float(o.get("window_ms", 100.0)), t_stop=t_stop)


def _correlations(sp: SpikeTrains, t_stop: float, o: Mapping) -> np.ndarray:
    """Pairwise spike-count correlations (bins of ``bin_ms``, default 5 ms) among up to
    ``max_neurons`` (default 100) of the population's active neurons (the first ones)."""
    active = np.flatnonzero(sp.counts() > 0)[: int(o.get("max_neurons", 100))]
    if active.size < 2:
        return np.zeros(0)
    c = metrics.correlation_coefficient(sp.take(active), bin_size=float(o.get("bin_ms", 5.0)),
                                        t_stop=t_stop)
    iu = np.triu_indices(active.size, k=1)
    x = c[iu]
    return x[np.isfinite(x)]


# sample name -> function(SpikeTrains, t_stop_ms, options) -> 1-D per-neuron (or per-pair) sample
SAMPLES = {"rate": _rates, "cv": _cvs, "lv": _lvs, "fano": _fanos, "correlation": _correlations}

# metric -> (kind, sample)
NETWORK_METRICS = {
    "mean_rate": ("statistic", "rate"),
    "cv": ("statistic", "cv"),
    "lv": ("statistic", "lv"),
    "fano": ("statistic", "fano"),
    "synchrony": ("statistic", "correlation"),
    "rate_distribution": ("distribution", "rate"),
    "cv_distribution": ("distribution", "cv"),
    "lv_distribution": ("distribution", "lv"),
    "correlation_distribution": ("distribution", "correlation"),
    "spike_distance": ("paired", None),
}
_OPTIONS = {"target", "target_hz", "distance", "bin_ms", "max_neurons", "window_ms", "silent",
            "reduce", "pooled", "variant", "loss"}
_VARIANTS = ("standard", "spike_train_difference")


def population_samples(sample: str, spikes: SpikeTrains, t_stop: float,
                       options: Mapping | None = None) -> np.ndarray:
    """The per-neuron (per-pair for ``correlation``) sample of one population, NaN dropped."""
    x = np.asarray(SAMPLES[sample](spikes, float(t_stop), options or {}), dtype=np.float64)
    return x[np.isfinite(x)]


@dataclass
class NetworkTarget:
    """Target spikes per population (ms), e.g. a recording or a ground-truth run.

    ``spikes`` maps population names to :class:`SpikeTrains` (one row per
    neuron); ``t_stop`` is the observed duration in ms.
    """

    spikes: Mapping[str, SpikeTrains]
    t_stop: float
    _cache: dict = field(default_factory=dict, repr=False)

    def sample(self, sample: str, population: str, options: Mapping) -> np.ndarray:
        key = (sample, population, tuple(sorted((k, str(v)) for k, v in options.items())))
        if key not in self._cache:
            if population not in self.spikes:
                raise ConfigError(f"The target has no spikes for population {population!r}; "
                                  f"it has {sorted(self.spikes)}.")
            self._cache[key] = population_samples(sample, self.spikes[population], self.t_stop,
                                                  options)
        return self._cache[key]


@dataclass(frozen=True)
class NetworkTerm:
    """One network loss term (see the module docstring for the metrics).

    Parameters
    ----------
    metric : str
        A key of ``NETWORK_METRICS``.
    populations : sequence of str
        The populations scored (the loss is their mean).
    weight : float
    options : mapping
        ``target`` / ``target_hz`` (statistics), ``distance`` (``wasserstein`` or
        ``ks``), ``bin_ms`` and ``max_neurons`` (correlations), ``window_ms`` (Fano),
        ``pooled`` (one sample from all listed populations instead of their mean
        loss), ``silent`` and ``reduce`` (``spike_distance``).
    """

    metric: str
    populations: tuple
    weight: float = 1.0
    options: Mapping = field(default_factory=dict)

    def __post_init__(self):
        if self.metric not in NETWORK_METRICS:
            raise ConfigError(f"Unknown network metric {self.metric!r}; allowed: "
                              f"{sorted(NETWORK_METRICS)}.")
        pops = (self.populations,) if isinstance(self.populations, str) else self.populations
        if not pops:
            raise ConfigError(f"Metric {self.metric!r} needs at least one population.")
        object.__setattr__(self, "populations", tuple(pops))
        bad = set(self.options) - _OPTIONS
        if bad:
            raise ConfigError(f"Unknown option(s) {sorted(bad)} for metric {self.metric!r}; "
                              f"allowed: {sorted(_OPTIONS)}.")
        if self.options.get("loss", "squared_relative") not in ("squared_relative", "absolute"):
            raise ConfigError(f"'loss' must be 'squared_relative' or 'absolute'. Got "
                              f"{self.options['loss']!r}.")
        dist = self.options.get("distance", "wasserstein")
        if dist not in ("wasserstein", "ks"):
            raise ConfigError(f"'distance' must be 'wasserstein' or 'ks'. Got {dist!r}.")
        if self.options.get("silent", "penalise") not in ("penalise", "perfect"):
            raise ConfigError(f"'silent' must be 'penalise' or 'perfect'. Got "
                              f"{self.options['silent']!r}.")
        if self.options.get("reduce", "mean") not in ("mean", "sum"):
            raise ConfigError(f"'reduce' must be 'mean' or 'sum'. Got {self.options['reduce']!r}.")
        variant = self.options.get("variant", "standard")
        if variant not in _VARIANTS:
            raise ConfigError(f"'variant' of metric {self.metric!r} must be one of "
                              f"{list(_VARIANTS)}. Got {variant!r}.")
        if variant != "standard":
            if self.metric != "spike_distance":
                raise ConfigError(f"'variant: {variant}' applies to metric 'spike_distance' "
                                  f"only. Got metric {self.metric!r}.")
            both = sorted({"silent", "reduce"} & set(self.options))
            if both:
                raise ConfigError(f"'variant: {variant}' fixes how silent neurons and the sum "
                                  f"are scored; drop option(s) {both}.")

    @classmethod
    def from_config(cls, spec: Mapping) -> NetworkTerm:
        """``{"metric": "mean_rate", "populations": ["S", "M"], "target_hz": 17.0}`` → term."""
        if not isinstance(spec, Mapping) or "metric" not in spec:
            raise ConfigError(f"A network term needs a 'metric' (one of "
                              f"{sorted(NETWORK_METRICS)}). Got {spec!r}.")
        spec = dict(spec)
        metric = spec.pop("metric")
        pops = spec.pop("populations", None)
        if pops is None:
            raise ConfigError(f"Network term {metric!r} needs 'populations'.")
        weight = float(spec.pop("weight", 1.0))
        return cls(metric, tuple([pops] if isinstance(pops, str) else pops), weight, spec)

    @property
    def needs_target_spikes(self) -> bool:
        kind, _ = NETWORK_METRICS[self.metric]
        return kind != "statistic" or ("target" not in self.options
                                          and "target_hz" not in self.options)

    def evaluate(self, result, target: NetworkTarget | None = None) -> np.ndarray:
        """(P,) weighted loss of the P candidates of ``result``."""
        kind, sample = NETWORK_METRICS[self.metric]
        if self.needs_target_spikes and target is None:
            raise ConfigError(f"Metric {self.metric!r} needs target spikes (or a 'target').")
        P = int(result.n_candidates)
        loss = np.zeros(P)
        o = self.options
        if o.get("pooled", False) and kind != "paired":
            return self.weight * self._pooled(result, target, kind, sample, P)
        upstream = o.get("variant", "standard") == "spike_train_difference"
        for pop in self.populations:
            if kind == "paired" and upstream:
                ref, dt = _upstream_inputs(result, target, pop)
                for p in range(P):
                    loss[p] += spike_train_difference(ref, result.population(pop, p), dt=dt)
                continue
            if kind == "paired":
                for p in range(P):
                    loss[p] += _paired_loss(result.population(pop, p), target, pop,
                                            float(result.t_stop), o)
                continue
            ref = None if not self.needs_target_spikes else target.sample(sample, pop, o)
            for p in range(P):
                x = population_samples(sample, result.population(pop, p), result.t_stop, o)
                loss[p] += (_statistic_loss(x, ref, sample, o) if kind == "statistic"
                            else _distribution_loss(x, ref, sample, o))
        return self.weight * loss / len(self.populations)


    def notes(self, result, target: NetworkTarget | None = None) -> list[str]:
        """Per candidate, what upstream would have done differently ("" where nothing).

        ``variant: spike_train_difference`` scores a candidate whose population
        is all silent with the target's train count, where SpikeNetOpt.jl's
        ``get_trains`` would crash (the maximum of an empty list): the note is
        ``"E: all silent, would crash upstream"``. These are notes, not
        failures: the loss is the one given.
        """
        P = int(result.n_candidates)
        out = [""] * P
        if self.options.get("variant", "standard") != "spike_train_difference":
            return out
        for p in range(P):
            silent = [q for q in self.populations if result.population(q, p).times.size == 0]
            out[p] = "; ".join(f"{q}: all silent, would crash upstream" for q in silent)
        return out

    def _pooled(self, result, target, kind, sample, P) -> np.ndarray:
        """One sample from all listed populations together (NetPyNE's mean rate of
        "all S and M cells")."""
        o = self.options
        ref = None
        if self.needs_target_spikes:
            ref = np.concatenate([target.sample(sample, q, o) for q in self.populations])
        loss = np.zeros(P)
        for p in range(P):
            x = np.concatenate([population_samples(sample, result.population(q, p),
                                                   result.t_stop, o) for q in self.populations])
            loss[p] = (_statistic_loss(x, ref, sample, o) if kind == "statistic"
                       else _distribution_loss(x, ref, sample, o))
        return loss


def _statistic_loss(x: np.ndarray, ref, sample: str, o: Mapping) -> float:
    if "target_hz" in o:
        goal = float(o["target_hz"])
    elif "target" in o:
        goal = float(o["target"])
    else:
        if ref.size == 0:
            raise ConfigError(f"The target spikes give no {sample} sample to aim at.")
        goal = float(ref.mean())
    if x.size == 0:
        return PENALTY
    if o.get("loss") == "absolute":
        return float(abs(x.mean() - goal))
    scale = max(abs(goal), _FLOOR[sample])
    return float(((x.mean() - goal) / scale) ** 2)


def _distribution_loss(x: np.ndarray, ref: np.ndarray, sample: str, o: Mapping) -> float:
    if ref.size == 0:
        raise ConfigError(f"The target spikes give no {sample} sample to compare with.")
    if x.size == 0:
        return PENALTY
    if o.get("distance", "wasserstein") == "ks":
        return float(_stats.ks_2samp(x, ref).statistic)
    scale = max(float(ref.std()), _FLOOR[sample])
    return float(_stats.wasserstein_distance(x, ref)) / scale


def _paired_loss(model: SpikeTrains, target: NetworkTarget, pop: str, t_stop: float,
                 o: Mapping) -> float:
    """SpikeNetOpt's loss: the SPIKE-distance of model neuron i to target neuron i.

    ``silent: penalise`` (default) scores a pair where one train is empty as 1
    (the largest distance) and two empty trains as 0; ``silent: perfect``
    reproduces SpikeNetOpt.jl, where any empty train scores 0. ``reduce``:
    ``mean`` (default) or ``sum`` (SpikeNetOpt) over the neurons.
    """
    if pop not in target.spikes:
        raise ConfigError(f"The target has no spikes for population {pop!r}.")
    ref = target.spikes[pop]
    if len(model) != len(ref):  # neuron identity needs equal sizes
        return PENALTY
    d = np.asarray(metrics.spike_distance(model, ref, t_stop=t_stop), dtype=np.float64)
    m, r = model.counts() > 0, ref.counts() > 0
    if o.get("silent", "penalise") == "perfect":
        d = np.where(m & r, d, 0.0)
    else:
        d = np.where(m & r, d, np.where(m | r, 1.0, 0.0))
    return float(d.sum() if o.get("reduce", "mean") == "sum" else d.mean())


def _upstream_inputs(result, target: NetworkTarget, pop: str) -> tuple[SpikeTrains, float]:
    if pop not in target.spikes:
        raise ConfigError(f"The target has no spikes for population {pop!r}.")
    dt = getattr(result, "dt", None)
    if dt is None:
        raise ConfigError("'variant: spike_train_difference' counts spike times in simulation "
                          "steps: the result needs a 'dt' (ms), as NetworkResult has.")
    return target.spikes[pop], float(dt)


def _highest_firing(trains: SpikeTrains) -> int:
    """The number of trains up to and including the highest-numbered one that fired."""
    active = np.flatnonzero(trains.counts() > 0)
    return int(active[-1]) + 1 if active.size else 0


def spike_train_difference(truth: SpikeTrains, candidate: SpikeTrains, *, dt: float) -> float:
    """SpikeNetOpt.jl's network loss (``src/utils.jl`` ``spike_train_difference`` on
    ``src/sdo_network.jl`` ``get_trains``), reproduced exactly.

    Each population becomes a list of trains from neuron 0 up to its
    highest-numbered neuron that fired (neurons above it drop out), with spike
    times as SpikingNeuralNetworks.jl records them: the step number counted
    from 1 (t/dt + 1; the SPIKE-distance does not depend on the unit, so this
    is ``t + dt`` in ms). For i < min(len(truth list), len(candidate list)):
    if both trains are non-empty, d_i is SpikeSynchrony.jl's
    ``SPIKE_distance_profile`` on [0, T_i], T_i the last spike of either,
    averaged by the trapezoid rule; otherwise d_i = 0 (silence counts as a
    perfect match). The loss is Σ d_i; a candidate list that is empty (an
    all-silent population, where upstream's ``get_trains`` crashes) scores the
    truth list's length.

    SpikeSynchrony.jl adds auxiliary spikes at 0 and T_i to *both* trains and
    counts them as ordinary spikes (Kreuz et al. 2013), which is the
    SPIKE-distance of the trains with those two spikes added; PySpike's edge
    correction (Kreuz et al. 2017), used by :func:`spikeopt.metrics.spike_distance`
    on plain trains, gives other values.

    Parameters
    ----------
    truth, candidate : SpikeTrains
        One row per neuron, times in ms.
    dt : float
        The simulation step (ms) the times come from.

    Examples
    --------
    >>> truth = SpikeTrains.from_list([[10.0, 30.0], [], [5.0]], t_stop=50.0)
    >>> spike_train_difference(truth, truth, dt=1.0)
    0.0
    >>> spike_train_difference(truth, SpikeTrains.from_list([[], [], []], t_stop=50.0), dt=1.0)
    3.0
    >>> round(spike_train_difference(truth, SpikeTrains.from_list([[12.0, 30.0]], t_stop=50.0),
    ...                              dt=1.0), 4)
    0.0639
    """
    n_truth, n_cand = _highest_firing(truth), _highest_firing(candidate)
    if n_cand == 0:
        return float(n_truth)
    pairs = []
    for i in range(min(n_truth, n_cand)):
        a, b = truth[i], candidate[i]
        if a.size and b.size:
            a, b = np.unique(a) + dt, np.unique(b) + dt
            end = max(a[-1], b[-1])  # both trains get spikes at 0 and T: scaled to [0, 1]
            pairs.append((np.unique(np.concatenate([[0.0], a, [end]])) / end,
                          np.unique(np.concatenate([[0.0], b, [end]])) / end))
    if not pairs:
        return 0.0
    A = SpikeTrains.from_list([x for x, _ in pairs], t_stop=1.0)
    B = SpikeTrains.from_list([y for _, y in pairs], t_stop=1.0)
    return float(np.sum(metrics.spike_distance(A, B, t_start=0.0, t_stop=1.0)))


def terms_from_config(specs: Sequence) -> list[NetworkTerm]:
    """A list of term configs → NetworkTerms (errors name the metric and the option)."""
    return [t if isinstance(t, NetworkTerm) else NetworkTerm.from_config(t) for t in specs]
