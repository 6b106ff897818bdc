"""The docstring examples of these modules run and print what they say."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["spikeopt.fitting.summary", "spikeopt.fitting.scaffold"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
