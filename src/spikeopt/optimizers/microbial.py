"""Harvey's microbial genetic algorithm (Harvey 2009, "The Microbial Genetic
Algorithm"), in generational or steady-state ask/tell form."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..errors import InvalidParameterError
from .base import Optimizer

__all__ = ["MicrobialGA"]

_MUTATIONS = ("gaussian", "redraw")
_TIES = ("first", "second")


class MicrobialGA(Optimizer):
    """Pairwise tournaments; the loser is infected by the winner and mutated.

    By default each generation draws ``popsize // 2`` disjoint pairs. In each pair the
    winner (lower loss) overwrites each gene of the loser with probability
    ``infection`` (0.5: uniform crossover), then one random gene of the loser
    mutates: continuous genes by a normal step of ``stdev`` × range, discrete
    (integer / categorical) genes by at least one step. Only the changed
    losers are asked for, so one generation costs ``popsize // 2`` evaluations
    (the first costs ``popsize``).

    Parameters
    ----------
    popsize : int
        Population size (>= 2).
    infection : float
        Probability that a gene of the loser is overwritten (when ``transfer`` is None).
    stdev : float
        The Gaussian mutation's standard deviation, as a fraction of each gene's range.
    transfer : int, optional
        Copy exactly ``transfer`` genes (distinct, at random) from the winner instead
        of the Bernoulli infection.
    mutation : {"gaussian", "redraw"}
        "redraw": the mutated gene takes a fresh value from ``prior`` (possibly a gene
        just copied).
    prior : callable, optional
        ``prior(rng, n) -> (n, D)`` parameter values in the space's order (log genes
        in their unit, not log10), within the bounds. When given it also draws the
        initial population; None: uniform over the space (:meth:`ParameterSpace.sample`).
        Configuration, not state: pass the same one to a resumed optimizer.
    tie : {"first", "second"}
        Which member of a pair wins a tie of losses.
    tournaments : int, optional
        None: the generational form above. An int k: the steady-state form — one
        tournament at a time between two distinct random members, only its loser
        re-evaluated (the winner keeps its recorded loss). An ask holds up to k
        consecutive tournaments as long as their pairs are disjoint, so that the
        tournaments of one batch cannot influence each other: every tournament's
        random choices are drawn in the same order whatever k, and the search is
        the sequential algorithm for every k (k only sets how many losers can be
        evaluated together; at most ``popsize // 2`` pairs can be disjoint).

    Examples
    --------
    Upstream GeNN_Autoparam's GA (population 10, 3 of 6 genes to the loser, one gene
    redrawn from the prior, ties to the second):

    >>> from spikeopt.params import ParameterSpace
    >>> space = ParameterSpace({f"g{i}": (0.0, 1.0) for i in range(6)})
    >>> ga = MicrobialGA(space, seed=0, popsize=10, transfer=3, mutation="redraw",
    ...                  prior=lambda rng, n: rng.random((n, 6)), tie="second",
    ...                  tournaments=2)
    >>> ga.ask().shape
    (10, 6)
    """

    name = "microbial"

    def __init__(self, space, *, seed, popsize: int = 50, infection: float = 0.5,
                 stdev: float = 0.1, transfer: int | None = None, mutation: str = "gaussian",
                 prior: Callable | None = None, tie: str = "first",
                 tournaments: int | None = None):
        super().__init__(space, seed=seed, popsize=popsize)
        if self.popsize < 2:
            raise InvalidParameterError(
                f"The 'popsize' parameter of MicrobialGA must be >= 2. Got {popsize!r} instead."
            )
        if not 0.0 <= float(infection) <= 1.0:
            raise InvalidParameterError(
                f"The 'infection' parameter of MicrobialGA must be within [0, 1]. "
                f"Got {infection!r} instead."
            )
        if float(stdev) <= 0:
            raise InvalidParameterError(
                f"The 'stdev' parameter of MicrobialGA must be > 0. Got {stdev!r} instead."
            )
        D = self.space.dim
        if transfer is not None and (isinstance(transfer, bool) or int(transfer) != transfer
                                     or not 0 <= int(transfer) <= D):
            raise InvalidParameterError(
                f"The 'transfer' parameter of MicrobialGA must be an integer within [0, {D}] "
                f"(genes copied from the winner) or None. Got {transfer!r} instead."
            )
        if mutation not in _MUTATIONS:
            raise InvalidParameterError(
                f"The 'mutation' parameter of MicrobialGA must be one of {list(_MUTATIONS)}. "
                f"Got {mutation!r} instead."
            )
        if prior is not None and not callable(prior):
            raise InvalidParameterError(
                "The 'prior' parameter of MicrobialGA must be a callable prior(rng, n) -> "
                f"(n, {D}) array or None. Got {prior!r} instead."
            )
        if tie not in _TIES:
            raise InvalidParameterError(
                f"The 'tie' parameter of MicrobialGA must be one of {list(_TIES)}. "
                f"Got {tie!r} instead."
            )
        if tournaments is not None and (isinstance(tournaments, bool)
                                        or int(tournaments) != tournaments
                                        or int(tournaments) < 1):
            raise InvalidParameterError(
                f"The 'tournaments' parameter of MicrobialGA must be an integer >= 1 (at "
                f"most popsize // 2 can be disjoint) or None. Got {tournaments!r} instead."
            )
        self.infection = float(infection)
        self.stdev = float(stdev)
        self.transfer = None if transfer is None else int(transfer)
        self.mutation = mutation
        self.prior = prior
        self.tie = tie
        self.tournaments = None if tournaments is None else int(tournaments)
        self.state = {"X": None, "F": None, "losers": None}
        if self.tournaments is not None:
            self.state["queued"] = None  # a drawn tournament that did not fit the last batch

    # -- operators -----------------------------------------------------------------
    def _sample_prior(self, n: int) -> np.ndarray:
        """(n, D) genes from the prior (uniform over the space without one)."""
        if self.prior is None:
            return self.space.sample(n, self.rng)
        V = np.asarray(self.prior(self.rng, n), dtype=np.float64)
        if V.shape != (n, self.space.dim):
            raise InvalidParameterError(
                f"MicrobialGA's prior(rng, {n}) must return shape ({n}, {self.space.dim}). "
                f"Got shape {V.shape}."
            )
        return self.space.encode({name: V[:, j] for j, name in enumerate(self.space.names)})

    def _initial(self) -> np.ndarray:
        return self._sample_prior(self.popsize)

    def _draw_transfer(self, n: int, D: int) -> np.ndarray:
        """(n, D) mask of the genes the losers take from the winners."""
        if self.transfer is None:
            return self.rng.random((n, D)) < self.infection
        mask = np.zeros((n, D), dtype=bool)
        for i in range(n):
            mask[i, self.rng.choice(D, size=self.transfer, replace=False)] = True
        return mask

    def _draw_mutation(self, n: int, D: int) -> tuple[np.ndarray, np.ndarray]:
        """(gene index, new gene value or Gaussian step) for n losers."""
        gene = self.rng.integers(0, D, size=n)
        if self.mutation == "redraw":
            value = np.array([self._sample_prior(1)[0, g] for g in gene])
        else:
            value = self.rng.normal(0.0, self.stdev, size=n)
        return gene, value

    def _mutate(self, child: np.ndarray, gene: np.ndarray, value: np.ndarray) -> None:
        rows = np.arange(len(gene))
        if self.mutation == "redraw":
            child[rows, gene] = value
            return
        span = self.space.upper - self.space.lower
        step = value * span[gene]
        disc = self.space.discrete[gene]
        step = np.where(disc & (np.abs(step) < 0.5), np.where(step < 0, -1.0, 1.0), step)
        child[rows, gene] = np.clip(
            child[rows, gene] + step, self.space.lower[gene], self.space.upper[gene]
        )

    def _winners(self, F, a, b):
        a_wins = F[a] <= F[b] if self.tie == "first" else F[a] < F[b]
        return np.where(a_wins, a, b), np.where(a_wins, b, a)

    # -- ask / tell ------------------------------------------------------------------
    def _ask(self) -> np.ndarray:
        X, F = self.state["X"], self.state["F"]
        if X is None:
            return self._initial()
        if self.tournaments is not None:
            return self._ask_steady(X, F)
        P, D = X.shape
        order = self.rng.permutation(P)[: 2 * (P // 2)]
        a, b = order[0::2], order[1::2]
        win, lose = self._winners(F, a, b)
        infect = self._draw_transfer(len(lose), D)
        child = np.where(infect, X[win], X[lose])
        gene, value = self._draw_mutation(len(lose), D)
        self._mutate(child, gene, value)
        self.state["losers"] = lose
        return child

    def _draw_tournament(self, P: int, D: int) -> dict:
        pair = self.rng.choice(P, size=2, replace=False)
        mask = self._draw_transfer(1, D)[0]
        gene, value = self._draw_mutation(1, D)
        return {"pair": pair, "mask": mask, "gene": int(gene[0]), "value": float(value[0])}

    def _ask_steady(self, X, F) -> np.ndarray:
        P, D = X.shape
        batch, used = [], set()
        while len(batch) < self.tournaments:
            t = self.state["queued"]
            self.state["queued"] = None
            if t is None:
                t = self._draw_tournament(P, D)
            if used & set(t["pair"].tolist()):  # it must see this batch's results
                self.state["queued"] = t
                break
            used |= set(t["pair"].tolist())
            batch.append(t)
        a = np.array([t["pair"][0] for t in batch])
        b = np.array([t["pair"][1] for t in batch])
        win, lose = self._winners(F, a, b)
        mask = np.array([t["mask"] for t in batch])
        child = np.where(mask, X[win], X[lose])
        self._mutate(child, np.array([t["gene"] for t in batch]),
                     np.array([t["value"] for t in batch]))
        self.state["losers"] = lose
        return child

    def _tell(self, X: np.ndarray, F: np.ndarray) -> None:
        if self.state["X"] is None:
            self.state.update({"X": X.copy(), "F": F.copy(), "losers": None})
            return
        lose = self.state["losers"]
        self.state["X"][lose] = X
        self.state["F"][lose] = F
        self.state["losers"] = None
