"""Small, injectable GA operators (selection, crossover, mutation, replacement).

Each operator is a frozen record with a ``__call__``; all work on gene
matrices (see :mod:`spikeopt.params`) and draw only from the ``rng`` passed
in. Mutation step sizes are relative to each gene's range
(``space.upper - space.lower``), so one setting fits genes in ms and in nS.

Selection     ``sel(F, n, rng) -> indices (n,)``  (F: (P,) losses, lower is better)
Crossover     ``cx(A, B, space, rng) -> (C1, C2)`` (paired parents, each (n, D))
Mutation      ``mut(X, space, rng) -> X'``
Replacement   ``rep(X, F, Xo, Fo) -> (X', F')`` (parents and offspring → next parents)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InvalidParameterError

__all__ = [
    "TournamentSelection",
    "RankSelection",
    "TruncationSelection",
    "UniformCrossover",
    "BlendCrossover",
    "SBXCrossover",
    "GaussianMutation",
    "PolynomialMutation",
    "GenerationalReplacement",
    "SteadyStateReplacement",
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
    """Linear ranking: the best of P is drawn with weight P, the worst with 1."""

    def __call__(self, F: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
        P = F.shape[0]
        order = np.argsort(F, kind="stable")
        w = np.empty(P)
        w[order] = np.arange(P, 0, -1, dtype=np.float64)
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


# -- mutation ----------------------------------------------------------------
@dataclass(frozen=True)
class GaussianMutation:
    """Each gene mutates with probability ``rate`` by a normal step of standard
    deviation ``stdev`` × the gene's range; the result is clipped to the bounds.
    A discrete gene that would round back to its value moves by one step."""

    rate: float = 0.2
    stdev: float = 0.1

    def __post_init__(self):
        _check_rate("rate", self.rate, "GaussianMutation")
        if float(self.stdev) <= 0:
            raise InvalidParameterError(
                f"The 'stdev' parameter of GaussianMutation must be > 0. Got {self.stdev!r}."
            )

    def __call__(self, X, space, rng):
        mask = rng.random(X.shape) < self.rate
        step = rng.normal(0.0, 1.0, X.shape) * (self.stdev * _span(space))
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
