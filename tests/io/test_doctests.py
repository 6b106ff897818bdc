"""The examples in the io docstrings run and print what they say."""

from __future__ import annotations

import doctest

import pytest

from spikeopt.io import detect, load, protocols, recording


@pytest.mark.parametrize("module", [detect, recording, load, protocols], ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
