"""Per-candidate seeds: candidate i of generation g gets SeedSequence(seed, (1, g, i)),
whatever the chunking or the executor."""

from __future__ import annotations

import numpy as np
import pytest

from spikeopt import optimize
from spikeopt.errors import InvalidParameterError
from spikeopt.optimizers import RandomSearch

from .objectives import noisy_sphere, seed_keys

SPACE = {"x": (-1.0, 1.0), "y": (-1.0, 1.0)}


def test_each_candidate_gets_its_spawn_key():
    res = optimize(seed_keys, SPACE, optimizer="random", optimizer_options={"popsize": 5},
                   budget=15, seed=3)
    h = res.history
    np.testing.assert_array_equal(h["loss"].to_numpy(),
                                  h["generation"].to_numpy() * 1000.0 + h["idx"].to_numpy())


@pytest.mark.parametrize("executor,chunk", [("serial", 1), ("serial", 3), ("processes", None)])
def test_seeded_noise_does_not_depend_on_chunking(executor, chunk):
    ref = optimize(noisy_sphere, SPACE, optimizer="random", optimizer_options={"popsize": 6},
                   budget=18, seed=11).history
    other = optimize(noisy_sphere, SPACE, optimizer="random", optimizer_options={"popsize": 6},
                     budget=18, seed=11, executor=executor, chunk_size=chunk).history
    np.testing.assert_array_equal(ref["loss"].to_numpy(), other["loss"].to_numpy())


def test_an_objective_with_seeds_needs_a_run_seed():
    from spikeopt.params import ParameterSpace

    opt = RandomSearch(ParameterSpace(SPACE), seed=1)
    with pytest.raises(InvalidParameterError, match="per-candidate seeds"):
        optimize(noisy_sphere, SPACE, optimizer=opt, budget=4)
