"""Hypothesis strategies and settings shared by the metric tests."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

T_STOP = 100.0

# deterministic and modest: the whole tests/metrics folder stays well under a minute
SETTINGS = settings(
    derandomize=True,
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# spike times: anywhere in the window, plus values that hit edges, a coarse grid
# (coincident spikes across trains, duplicates within a train)
_time = st.one_of(
    st.floats(0.0, T_STOP, allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, T_STOP, 10.0, 25.0, 50.0, 50.5, 75.0]),
)


@st.composite
def trains(draw, max_size: int = 15):
    """A sorted float64 train in [0, T_STOP] ms, possibly empty, with duplicates."""
    return np.sort(np.asarray(draw(st.lists(_time, max_size=max_size)), dtype=np.float64))


@st.composite
def unique_trains(draw, max_size: int = 15):
    return np.unique(draw(trains(max_size=max_size)))
