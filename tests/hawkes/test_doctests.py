"""The examples in the hawkes docstrings run and print what they say."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["spikeopt.hawkes", "spikeopt.hawkes.likelihood", "spikeopt.hawkes.simulate",
           "spikeopt.hawkes.mle", "spikeopt.hawkes.diagnostics", "spikeopt.hawkes.nuts"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
