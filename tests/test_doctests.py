"""The docstring examples of these modules run and print what they say (one list for
the whole package)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "spikeopt._rng", "spikeopt.simulation", "spikeopt.backends", "spikeopt.backends.base",
    "spikeopt.backends.neuron", "spikeopt.backends._neuron_cells", "spikeopt.export.nest",
    "spikeopt.network", "spikeopt.network.spec", "spikeopt.network.library",
    "spikeopt.network.prng", "spikeopt.objectives.network",
    "spikeopt.fitting.schema", "spikeopt.fitting.summary", "spikeopt.fitting.scaffold",
    "spikeopt.run.live", "spikeopt.run.callbacks", "spikeopt.run.refinement",
    "spikeopt.optimizers.terminators", "spikeopt.optimizers.operators",
    "spikeopt.optimizers.ga", "spikeopt.optimizers.microbial",
    "spikeopt.tasks.base", "spikeopt.tasks.glyphs", "spikeopt.tasks.mushroom_body",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
