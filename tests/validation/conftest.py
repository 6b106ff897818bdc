"""Shared fixtures of the validation tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from spikeopt import SpikeTrains

# the shared data folder sits beside the repository root: <root>/../shared/data
DATA_DIR = Path(__file__).resolve().parents[3] / "shared" / "data"


def poisson_trains(rng, n: int, rate_hz, t_stop: float) -> SpikeTrains:
    """n homogeneous Poisson trains (rates in Hz, scalar or (n,)) on [0, t_stop) ms."""
    rates = np.broadcast_to(np.asarray(rate_hz, dtype=float), (n,))
    trains = [np.sort(rng.uniform(0.0, t_stop, rng.poisson(r * t_stop / 1e3))) for r in rates]
    return SpikeTrains.from_list(trains, t_stop=t_stop)


def gamma_trains(rng, n: int, rate_hz: float, shape: float, t_stop: float) -> SpikeTrains:
    """n renewal trains with gamma ISIs (CV = 1/sqrt(shape)) at ``rate_hz`` Hz."""
    mean_isi = 1e3 / rate_hz
    k = int(2 * t_stop / mean_isi) + 20
    trains = []
    for _ in range(n):
        t = np.cumsum(rng.gamma(shape, mean_isi / shape, k)) + rng.uniform(0, mean_isi)
        trains.append(t[t < t_stop])
    return SpikeTrains.from_list(trains, t_stop=t_stop)


def scipy_reference(test: str, x, y):
    """``scipy.stats`` called directly for the test key ``test`` (the reference)."""
    from scipy import stats as sps

    return {
        "student_t": lambda: sps.ttest_ind(x, y),
        "welch_t": lambda: sps.ttest_ind(x, y, equal_var=False),
        "ks": lambda: sps.ks_2samp(x, y),
        "mannwhitney": lambda: sps.mannwhitneyu(x, y),
        "levene": lambda: sps.levene(x, y),
    }[test]()


@pytest.fixture
def rng():
    return np.random.default_rng(20261122)


def require_data(name: str) -> Path:
    """The folder ``shared/data/<name>``, or skip the test with the reason."""
    path = DATA_DIR / name
    if not path.is_dir():
        pytest.skip(f"shared data folder {path} is absent (tests reading real data need it)")
    return path
