"""Seeds: one entry point for every random draw, and per-candidate streams.

Every stochastic function of spikeopt takes ``rng`` (or ``seed``) as an int, a
:class:`numpy.random.SeedSequence` or a :class:`numpy.random.Generator` and
normalises it once with :func:`check_rng`; ``None`` is refused, so no result
depends on an unseeded generator.

A run derives every stream from its one seed (see DESIGN.md): the optimizer's
from ``SeedSequence(seed, spawn_key=(0,))`` and candidate ``i`` of generation
``g`` from ``SeedSequence(seed, spawn_key=(1, g, i))``. A candidate's draws
therefore depend on (seed, g, i) only, never on how the population was cut into
chunks or which executor evaluated it.

>>> a = candidate_seeds(7, generation=3, n=4)
>>> b = candidate_seeds(7, generation=3, n=4)
>>> bool((a == b).all()), a.shape, a.dtype
(True, (4, 4), dtype('uint64'))
"""

from __future__ import annotations

import numpy as np

from .errors import InvalidParameterError

__all__ = ["check_rng", "check_seed", "optimizer_seed", "candidate_sequence", "candidate_seeds"]

_OPTIMIZER = 0
_CANDIDATE = 1


def check_rng(
    rng: int | np.random.Generator | np.random.SeedSequence | None,
) -> np.random.Generator:
    """Normalise a seed into a :class:`numpy.random.Generator`.

    ``None`` is refused on purpose: every random draw in spikeopt must be
    reproducible, so pass an int seed or a Generator.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, np.random.SeedSequence):
        return np.random.default_rng(rng)
    if rng is None:
        raise InvalidParameterError(
            "The 'rng' parameter must be an int seed or a numpy Generator (spikeopt never "
            "draws from an unseeded generator). Got None instead."
        )
    if isinstance(rng, int | np.integer) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise InvalidParameterError(
        f"The 'rng' parameter must be an int seed or a numpy Generator. Got {rng!r} instead."
    )


def check_seed(seed, *, name: str = "seed") -> int:
    """A non-negative int seed (``None`` and negative values are refused)."""
    if isinstance(seed, int | np.integer) and not isinstance(seed, bool) and seed >= 0:
        return int(seed)
    raise InvalidParameterError(
        f"The '{name}' parameter must be a non-negative int (spikeopt never draws from an "
        f"unseeded generator). Got {seed!r} instead."
    )


def optimizer_seed(seed: int) -> np.random.SeedSequence:
    """The optimizer's stream of a run: ``SeedSequence(seed, spawn_key=(0,))``."""
    return np.random.SeedSequence(check_seed(seed), spawn_key=(_OPTIMIZER,))


def candidate_sequence(seed: int, generation: int, i: int) -> np.random.SeedSequence:
    """Candidate ``i`` of generation ``generation``: ``SeedSequence(seed, spawn_key=(1, g, i))``."""
    return np.random.SeedSequence(check_seed(seed), spawn_key=(_CANDIDATE, int(generation), int(i)))


def candidate_seeds(seed: int, *, generation: int = 0, n: int, words: int = 4) -> np.ndarray:
    """(n, words) uint64 entropy of candidates ``0 … n-1`` of one generation, for
    compiled code that seeds its own per-candidate generators."""
    seed = check_seed(seed)
    out = np.empty((int(n), words), dtype=np.uint64)
    for i in range(int(n)):
        out[i] = candidate_sequence(seed, generation, i).generate_state(words, np.uint64)
    return out
