"""Shared fixtures of the recording I/O tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

# the shared data folder sits beside the repository root: <root>/../shared/data
DATA_DIR = Path(__file__).resolve().parents[3] / "shared" / "data"


def require_data(*parts: str) -> Path:
    """The path ``shared/data/<parts...>``, or skip the test with the reason."""
    path = DATA_DIR.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data {path} is absent (tests reading real recordings need it)")
    return path


def spiking_trace(spike_times_ms, *, dt_ms: float, n: int, rest_mV: float = -65.0,
                  peak_mV: float = 30.0, width_samples: int = 2) -> np.ndarray:
    """A flat trace at ``rest_mV`` with a spike of ``width_samples`` samples at
    ``peak_mV`` starting at each given time (rounded up to a sample)."""
    v = np.full(n, rest_mV)
    for t in spike_times_ms:
        k = int(np.ceil(t / dt_ms - 1e-9))
        v[k : k + width_samples] = peak_mV
    return v


@pytest.fixture(name="spiking_trace", scope="session")
def _spiking_trace():
    """The :func:`spiking_trace` helper (conftest modules are not importable here)."""
    return spiking_trace


@pytest.fixture(name="require_data", scope="session")
def _require_data():
    """The :func:`require_data` helper."""
    return require_data


@pytest.fixture
def rng():
    return np.random.default_rng(20261122)
