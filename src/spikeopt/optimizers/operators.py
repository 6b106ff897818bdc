"""Small, injectable GA operators (selection, crossover, mutation, replacement).

Each operator is a frozen record with a ``__call__``; all work on gene
matrices (see :mod:`spikeopt.params`) and draw only from the ``rng`` passed
in. Mutation step sizes are relative to each gene's range
(``space.upper - space.lower``), so one setting fits genes in ms and in nS,
unless ``absolute=True`` (steps in gene units, as inspyred and Evolutionary.jl).

Selection     ``sel(F, n, rng) -> indices (n,)``  (F: (P,) losses, lower is better)
Crossover     ``cx(A, B, space, rng) -> (C1, C2)`` (paired parents, each (n, D))
Mutation      ``mut(X, space, rng) -> X'``
Replacement   ``rep(X, F, Xo, Fo) -> (X', F')`` (parents and offspring → next parents)

Every operator also has a registry name (:data:`OPERATORS`), so that a config
can give it as a plain mapping, ``{name: rank, pressure: 1.5}``, or a bare
name (``tournament``); :func:`make_operator` builds it.

>>> make_operator("selection", {"name": "rank", "pressure": 1.5})
RankSelection(pressure=1.5, variant='documented')
>>> make_operator("mutation", "uniform")
UniformMutation(width=0.5, rate=0.5, absolute=False)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

import numpy as np

from ..errors import ConfigError, InvalidParameterError, SpikeoptError

__all__ = [
    "TournamentSelection",
    "RankSelection",
    "TruncationSelection",
    "UniformCrossover",
    "BlendCrossover",
    "SBXCrossover",
    "IntermediateCrossover",
    "GaussianMutation",
    "PolynomialMutation",
    "UniformMutation",
    "GenerationalReplacement",
    "SteadyStateReplacement",
    "OPERATORS",
    "make_operator",
]


def _check_rate(name: str, value: float, where: str) -> float:
    v = float(value)
    if not 0.0 <= v <= 1.0:
        raise InvalidParameterError(
            f"The {name!r} parameter of {where} must be within [0, 1]. Got {value!r} instead."
        )
    return v


def _span(space) -> np.ndarray:
    return np.asarray(space.upper - space.lower, dtype=np.float64)


# -- selection ---------------------------------------------------------------
@dataclass(frozen=True)
class TournamentSelection:
    """Each pick is the best of ``size`` members drawn without replacement."""

    size: int = 2

    def __post_init__(self):
        if int(self.size) < 1:
            raise InvalidParameterError(
                f"The 'size' parameter of TournamentSelection must be >= 1. Got {self.size!r}."
            )

    def __call__(self, F: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
        P = F.shape[0]
        k = min(int(self.size), P)
        cand = np.argsort(rng.random((n, P)), axis=1)[:, :k]
        return cand[np.arange(n), np.argmin(F[cand], axis=1)]


@dataclass(frozen=True)
class RankSelection:
    """Linear ranking (roulette on ranks, with replacement).

    ``pressure=None`` (default): the best of P is drawn with weight P, the
    worst with 1. ``pressure`` s in [1, 2] (Baker 1985; Evolutionary.jl's
    ``ranklinear(s)``): rank i (0 = worst, P − 1 = best; ties by position) is
    drawn with probability ∝ (2 − s) + 2(s − 1)·i/(P − 1), so the best is
    drawn s times as often as the average member; s = 1 is uniform, s = 2
    never draws the worst.

    This is what Evolutionary.jl's ``ranklinear`` documents. Its code (0.9 to
    1.x) gives member j the weight of position ``sortperm(F)[j]`` instead of
    member j's rank, and the largest weight to the largest F; in its
    minimising GA (SpikeNetOpt.jl's) that favours the worse members (exactly
    reversed for a population sorted by loss) or scrambles the ranking.
    ``variant="evolutionary_jl"`` reproduces that code for faithful runs:
    member j gets (2 − s) + 2(s − 1)·``argsort(F)[j]``/(P − 1).
    """

    pressure: float | None = None
    variant: str = "documented"

    def __post_init__(self):
        if self.pressure is not None and not 1.0 <= float(self.pressure) <= 2.0:
            raise InvalidParameterError(
                "The 'pressure' parameter of RankSelection must be within [1, 2] (or None). "
                f"Got {self.pressure!r} instead."
            )
        if self.variant not in ("documented", "evolutionary_jl"):
            raise InvalidParameterError(
                "The 'variant' parameter of RankSelection must be 'documented' or "
                f"'evolutionary_jl'. Got {self.variant!r} instead."
            )
        if self.variant == "evolutionary_jl" and self.pressure is None:
            raise InvalidParameterError(
                "RankSelection(variant='evolutionary_jl') needs a 'pressure' in [1, 2]."
            )

    def __call__(self, F: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
        P = F.shape[0]
        order = np.argsort(F, kind="stable")
        w = np.empty(P)
        if self.variant == "evolutionary_jl":  # sortperm's positions used as ranks
            s = float(self.pressure)
            w[:] = (2.0 - s) + 2.0 * (s - 1.0) * order / max(P - 1, 1)
            if P == 1:
                w[:] = 1.0
        elif self.pressure is None:
            w[order] = np.arange(P, 0, -1, dtype=np.float64)
        else:
            s = float(self.pressure)
            rank = np.arange(P - 1, -1, -1, dtype=np.float64)  # best (order[0]) has P - 1
            w[order] = (2.0 - s) + 2.0 * (s - 1.0) * rank / max(P - 1, 1)
            if P == 1:
                w[:] = 1.0
        return rng.choice(P, size=n, p=w / w.sum())


@dataclass(frozen=True)
class TruncationSelection:
    """Draw uniformly among the best ``fraction`` of the population."""

    fraction: float = 0.5

    def __post_init__(self):
        if not 0.0 < float(self.fraction) <= 1.0:
            raise InvalidParameterError(
                "The 'fraction' parameter of TruncationSelection must be within (0, 1]. "
                f"Got {self.fraction!r} instead."
            )

    def __call__(self, F: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
        P = F.shape[0]
        keep = max(1, int(np.ceil(self.fraction * P)))
        best = np.argsort(F, kind="stable")[:keep]
        return best[rng.integers(0, keep, size=n)]


# -- crossover ---------------------------------------------------------------
def _crossed(n: int, rate: float, rng: np.random.Generator) -> np.ndarray:
    return (rng.random(n) < rate)[:, None]


@dataclass(frozen=True)
class UniformCrossover:
    """Each gene comes from the other parent with probability ``bias``
    (inspyred's ``uniform_crossover``); pairs cross with probability ``rate``."""

    rate: float = 1.0
    bias: float = 0.5

    def __post_init__(self):
        _check_rate("rate", self.rate, "UniformCrossover")
        _check_rate("bias", self.bias, "UniformCrossover")

    def __call__(self, A, B, space, rng):
        swap = (rng.random(A.shape) < self.bias) & _crossed(A.shape[0], self.rate, rng)
        return np.where(swap, B, A), np.where(swap, A, B)


@dataclass(frozen=True)
class BlendCrossover:
    """BLX-alpha: children uniform in the parents' interval widened by
    ``alpha`` times its length on both sides, clipped to the bounds."""

    alpha: float = 0.1
    rate: float = 1.0

    def __post_init__(self):
        _check_rate("rate", self.rate, "BlendCrossover")
        if float(self.alpha) < 0:
            raise InvalidParameterError(
                f"The 'alpha' parameter of BlendCrossover must be >= 0. Got {self.alpha!r}."
            )

    def __call__(self, A, B, space, rng):
        lo, hi = np.minimum(A, B), np.maximum(A, B)
        d = hi - lo
        lo, hi = lo - self.alpha * d, hi + self.alpha * d
        C1 = np.clip(lo + rng.random(A.shape) * (hi - lo), space.lower, space.upper)
        C2 = np.clip(lo + rng.random(A.shape) * (hi - lo), space.lower, space.upper)
        cross = _crossed(A.shape[0], self.rate, rng)
        return np.where(cross, C1, A), np.where(cross, C2, B)


@dataclass(frozen=True)
class SBXCrossover:
    """Simulated binary crossover with bounds (Deb & Agrawal 1995); each gene
    of a crossing pair is recombined with probability ``gene_rate``."""

    eta: float = 15.0
    rate: float = 0.9
    gene_rate: float = 0.5

    def __post_init__(self):
        _check_rate("rate", self.rate, "SBXCrossover")
        _check_rate("gene_rate", self.gene_rate, "SBXCrossover")
        if float(self.eta) < 0:
            raise InvalidParameterError(
                f"The 'eta' parameter of SBXCrossover must be >= 0. Got {self.eta!r}."
            )

    def __call__(self, A, B, space, rng):
        xl, xu = np.broadcast_to(space.lower, A.shape), np.broadcast_to(space.upper, A.shape)
        y1, y2 = np.minimum(A, B), np.maximum(A, B)
        d = y2 - y1
        active = (rng.random(A.shape) < self.gene_rate) & (d > 1e-14)
        active &= _crossed(A.shape[0], self.rate, rng)
        u = rng.random(A.shape)
        e = 1.0 / (self.eta + 1.0)
        safe = np.where(d > 1e-14, d, 1.0)

        def betaq(beta):
            alpha = 2.0 - beta ** -(self.eta + 1.0)
            with np.errstate(divide="ignore", invalid="ignore"):
                low = (u * alpha) ** e
                high = (1.0 / np.maximum(2.0 - u * alpha, 1e-300)) ** e
            return np.where(u <= 1.0 / alpha, low, high)

        c1 = 0.5 * (y1 + y2 - betaq(1.0 + 2.0 * (y1 - xl) / safe) * d)
        c2 = 0.5 * (y1 + y2 + betaq(1.0 + 2.0 * (xu - y2) / safe) * d)
        c1, c2 = np.clip(c1, xl, xu), np.clip(c2, xl, xu)
        flip = rng.random(A.shape) < 0.5
        c1, c2 = np.where(flip, c2, c1), np.where(flip, c1, c2)
        return np.where(active, c1, A), np.where(active, c2, B)


@dataclass(frozen=True)
class IntermediateCrossover:
    """Extended intermediate recombination (Mühlenbein & Schlierkamp-Voosen 1993;
    Evolutionary.jl's ``intermediate(d)``, ``IC(d)`` since 0.11): per gene
    ``C1 = B + α(A − B)`` and ``C2 = A + α'(B − A)`` with α, α' ~ U(−d, 1 + d)
    drawn per gene; pairs cross with probability ``rate`` (Evolutionary.jl's
    ``crossoverRate``, default 0.8), others pass on unchanged. Children are
    clipped to the bounds; ``clip=False`` leaves that to the mutation and the
    final repair, as Evolutionary.jl does (it clips only after mutating)."""

    d: float = 0.5
    rate: float = 0.8
    clip: bool = True

    def __post_init__(self):
        _check_rate("rate", self.rate, "IntermediateCrossover")
        if float(self.d) < 0:
            raise InvalidParameterError(
                f"The 'd' parameter of IntermediateCrossover must be >= 0. Got {self.d!r}."
            )

    def __call__(self, A, B, space, rng):
        d = float(self.d)
        C1 = B + rng.uniform(-d, 1.0 + d, A.shape) * (A - B)
        C2 = A + rng.uniform(-d, 1.0 + d, A.shape) * (B - A)
        if self.clip:
            C1, C2 = np.clip(C1, space.lower, space.upper), np.clip(C2, space.lower, space.upper)
        cross = _crossed(A.shape[0], self.rate, rng)
        return np.where(cross, C1, A), np.where(cross, C2, B)


# -- mutation ----------------------------------------------------------------
def _scale(space, absolute: bool):
    return 1.0 if absolute else _span(space)


@dataclass(frozen=True)
class GaussianMutation:
    """Each gene mutates with probability ``rate`` by a normal step of standard
    deviation ``stdev`` × the gene's range (``absolute=True``: ``stdev`` in gene
    units, inspyred's ``gaussian_mutation``); the result is clipped to the
    bounds. A discrete gene that would round back to its value moves by one step."""

    rate: float = 0.2
    stdev: float = 0.1
    absolute: bool = False

    def __post_init__(self):
        _check_rate("rate", self.rate, "GaussianMutation")
        if float(self.stdev) <= 0:
            raise InvalidParameterError(
                f"The 'stdev' parameter of GaussianMutation must be > 0. Got {self.stdev!r}."
            )

    def __call__(self, X, space, rng):
        mask = rng.random(X.shape) < self.rate
        step = rng.normal(0.0, 1.0, X.shape) * (self.stdev * _scale(space, self.absolute))
        disc = np.broadcast_to(space.discrete, X.shape)
        tiny = disc & (np.abs(step) < 0.5)
        step = np.where(tiny, np.where(step < 0, -1.0, 1.0), step)
        return np.clip(X + mask * step, space.lower, space.upper)


@dataclass(frozen=True)
class PolynomialMutation:
    """Deb's bounded polynomial mutation; ``rate=None`` mutates 1/D genes on average."""

    eta: float = 20.0
    rate: float | None = None

    def __post_init__(self):
        if self.rate is not None:
            _check_rate("rate", self.rate, "PolynomialMutation")
        if float(self.eta) < 0:
            raise InvalidParameterError(
                f"The 'eta' parameter of PolynomialMutation must be >= 0. Got {self.eta!r}."
            )

    def __call__(self, X, space, rng):
        rate = 1.0 / X.shape[1] if self.rate is None else self.rate
        mask = rng.random(X.shape) < rate
        span = np.where(_span(space) > 0, _span(space), 1.0)
        d1 = (X - space.lower) / span
        d2 = (space.upper - X) / span
        u = rng.random(X.shape)
        p = 1.0 / (self.eta + 1.0)
        left = 2.0 * u + (1.0 - 2.0 * u) * (1.0 - d1) ** (self.eta + 1.0)
        right = 2.0 * (1.0 - u) + 2.0 * (u - 0.5) * (1.0 - d2) ** (self.eta + 1.0)
        dq = np.where(u < 0.5, left**p - 1.0, 1.0 - right**p)
        return np.clip(X + mask * dq * span, space.lower, space.upper)


@dataclass(frozen=True)
class UniformMutation:
    """Each *individual* mutates with probability ``rate``: every one of its genes
    moves by U(−``width``, ``width``) × the gene's range (``absolute=True``: in
    gene units), then is clipped to the bounds. Evolutionary.jl's ``uniform(r)``
    under ``mutationRate`` (a per-chromosome probability) with ``absolute=True``."""

    width: float = 0.5
    rate: float = 0.5
    absolute: bool = False

    def __post_init__(self):
        _check_rate("rate", self.rate, "UniformMutation")
        if float(self.width) <= 0:
            raise InvalidParameterError(
                f"The 'width' parameter of UniformMutation must be > 0. Got {self.width!r}."
            )

    def __call__(self, X, space, rng):
        mask = (rng.random(X.shape[0]) < self.rate)[:, None]
        w = float(self.width)
        step = rng.uniform(-w, w, X.shape) * _scale(space, self.absolute)
        return np.clip(X + mask * step, space.lower, space.upper)


# -- replacement -------------------------------------------------------------
@dataclass(frozen=True)
class GenerationalReplacement:
    """The best P of the offspring plus the ``num_elites`` best parents
    (inspyred's ``generational_replacement``)."""

    num_elites: int = 1

    def __post_init__(self):
        if int(self.num_elites) < 0:
            raise InvalidParameterError(
                "The 'num_elites' parameter of GenerationalReplacement must be >= 0. "
                f"Got {self.num_elites!r} instead."
            )

    def __call__(self, X, F, Xo, Fo):
        P = X.shape[0]
        elite = np.argsort(F, kind="stable")[: min(int(self.num_elites), P)]
        pool_X = np.concatenate([Xo, X[elite]])
        pool_F = np.concatenate([Fo, F[elite]])
        if pool_X.shape[0] < P:  # fewer offspring than parents: keep the best parents too
            rest = np.argsort(F, kind="stable")[len(elite):]
            pool_X = np.concatenate([pool_X, X[rest]])
            pool_F = np.concatenate([pool_F, F[rest]])
        keep = np.argsort(pool_F, kind="stable")[:P]
        return pool_X[keep], pool_F[keep]


@dataclass(frozen=True)
class SteadyStateReplacement:
    """Offspring replace the worst parents (inspyred's
    ``steady_state_replacement``); use with a small ``num_offspring``."""

    def __call__(self, X, F, Xo, Fo):
        P = X.shape[0]
        n = min(Xo.shape[0], P)
        order = np.argsort(F, kind="stable")
        keep = order[: P - n]
        return np.concatenate([X[keep], Xo[:n]]), np.concatenate([F[keep], Fo[:n]])


# -- registry ------------------------------------------------------------------
OPERATORS: dict[str, dict[str, type]] = {
    "selection": {"tournament": TournamentSelection, "rank": RankSelection,
                  "truncation": TruncationSelection},
    "crossover": {"uniform": UniformCrossover, "blend": BlendCrossover, "sbx": SBXCrossover,
                  "intermediate": IntermediateCrossover},
    "mutation": {"gaussian": GaussianMutation, "polynomial": PolynomialMutation,
                 "uniform": UniformMutation},
    "replacement": {"generational": GenerationalReplacement,
                    "steady_state": SteadyStateReplacement},
}


def make_operator(role: str, spec, *, where: str = "GeneticAlgorithm"):
    """An operator from a config value: ``None`` stays None (the caller's default),
    an operator object is returned as is, a registry name gives the operator
    with its defaults, and ``{name: ..., **settings}`` the operator with those
    settings. ``role`` is ``selection``, ``crossover``, ``mutation`` or
    ``replacement``; unknown names and settings raise :class:`ConfigError`
    naming the allowed ones."""
    if role not in OPERATORS:
        raise InvalidParameterError(f"Unknown operator role {role!r}; allowed: "
                                    f"{sorted(OPERATORS)}.")
    if spec is None:
        return None
    table = OPERATORS[role]
    if isinstance(spec, str):
        spec = {"name": spec}
    if not isinstance(spec, Mapping):
        if callable(spec):
            return spec
        raise ConfigError(f"The {role!r} of {where} must be an operator, a name or a mapping "
                          f"{{name: ..., ...}} with name one of {sorted(table)}. Got {spec!r}.")
    settings = dict(spec)
    name = settings.pop("name", None)
    if name not in table:
        what = "needs a 'name'" if name is None else f"has an unknown name {name!r}"
        raise ConfigError(f"The {role!r} of {where} {what}; allowed: {sorted(table)}. "
                          f"Got {dict(spec)!r}.")
    cls = table[name]
    allowed = [f.name for f in fields(cls)]
    unknown = sorted(set(settings) - set(allowed))
    if unknown:
        raise ConfigError(f"The {role!r} of {where} ({name}) has unknown key(s) {unknown}; "
                          f"allowed: {['name', *allowed]}. Got {dict(spec)!r}.")
    try:
        return cls(**settings)
    except SpikeoptError:
        raise
    except (TypeError, ValueError) as e:
        raise InvalidParameterError(f"The {role!r} of {where} ({name}): {e}. "
                                    f"Got {dict(spec)!r}.") from None
