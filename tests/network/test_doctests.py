"""The examples in the network, seed and network-objective docstrings run and print what
they say."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["spikeopt.network", "spikeopt.network.spec", "spikeopt.network.library",
           "spikeopt.network.prng", "spikeopt._rng", "spikeopt.objectives.network",
           "spikeopt.fitting.schema"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
