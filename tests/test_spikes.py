from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spikeopt import SpikeTrains
from spikeopt.errors import InvalidParameterError, ShapeError
from spikeopt.spikes import as_spike_trains

trains = st.lists(
    st.lists(st.floats(0, 1e4, allow_nan=False), max_size=20).map(sorted), max_size=12
)


@settings(max_examples=60, derandomize=True, deadline=None)
@given(trains)
def test_list_round_trip_counts_and_indexing(lists):
    s = SpikeTrains.from_list(lists)
    assert len(s) == len(lists)
    assert s.counts().tolist() == [len(t) for t in lists]
    for i, t in enumerate(lists):
        np.testing.assert_array_equal(s[i], t)
    assert [x.tolist() for x in s.to_list()] == [list(map(float, t)) for t in lists]
    assert s == SpikeTrains.from_list(lists)
    idx = np.arange(len(lists))[::-1]
    assert [x.tolist() for x in s.take(idx).to_list()] == [list(map(float, lists[i])) for i in idx]
    assert s.train_index().tolist() == [i for i, t in enumerate(lists) for _ in t]


def test_indexing_views_are_read_only_and_slices_are_containers():
    s = SpikeTrains.from_list([[1.0, 2.0], [], [3.0]])
    with pytest.raises(ValueError):
        s[0][0] = 5.0
    assert isinstance(s[1:], SpikeTrains) and s[1:].counts().tolist() == [0, 1]
    assert s[-1].tolist() == [3.0]
    with pytest.raises(IndexError):
        s[3]
    assert s[np.array([True, False, True])].counts().tolist() == [2, 1]


def test_restrict_concatenate_and_repr():
    s = SpikeTrains.from_list([[1.0, 5.0, 9.0], [2.0]], t_stop=10.0)
    r = s.restrict(2.0, 9.0, shift=True)
    assert [t.tolist() for t in r.to_list()] == [[3.0], [0.0]] and r.t_stop == 7.0
    c = SpikeTrains.concatenate([s, r])
    assert len(c) == 4 and c[3].tolist() == [0.0]
    text = repr(s)
    assert "n=2" in text and "spikes=4" in text and "t_stop=10 ms" in text


def test_equality_distinguishes_layout():
    a = SpikeTrains.from_list([[1.0], [2.0]])
    b = SpikeTrains.from_list([[1.0, 2.0], []])
    assert a != b and a == SpikeTrains.from_list([[1.0], [2.0]])


@pytest.mark.parametrize(
    ("times", "offsets", "exc", "pattern"),
    [
        ([1.0, np.nan], [0, 2], InvalidParameterError, "finite"),
        ([-1.0], [0, 1], InvalidParameterError, ">= 0 ms.*-1.0"),
        ([2.0, 1.0], [0, 2], InvalidParameterError, "sorted.*train 0"),
        ([1.0], [0, 2], ShapeError, "offsets"),
        ([1.0, 2.0], [0, 2, 1], ShapeError, "offsets"),
    ],
)
def test_validation_errors(times, offsets, exc, pattern):
    with pytest.raises(exc, match=pattern):
        SpikeTrains(times, offsets)


def test_decrease_across_trains_is_fine():
    s = SpikeTrains([5.0, 1.0], [0, 1, 2])
    assert s[1].tolist() == [1.0]


def test_as_spike_trains_accepts_the_common_forms():
    assert len(as_spike_trains(np.array([1.0, 2.0]))) == 1
    assert len(as_spike_trains([[1.0], [2.0, 3.0]])) == 2
    assert len(as_spike_trains([1.0, 2.0])) == 1
    with pytest.raises(ShapeError, match="2-D"):
        as_spike_trains(np.zeros((2, 2)))
