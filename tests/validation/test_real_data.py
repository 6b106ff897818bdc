"""Real recordings compared with themselves (random halves of the neurons: no
difference expected) and with Poisson surrogates (same spike counts, random
times: rates equal, irregularity different).

Data: ``shared/data`` beside the repository (see each folder's SOURCE.txt);
the tests skip when it is absent.
"""

from __future__ import annotations

import numpy as np
import pytest

from spikeopt import SpikeTrains
from spikeopt.io.spikefiles import load_spikes
from spikeopt.validation import validate

from .conftest import require_data

APLYSIA = "aplysia_pedal_ganglion_population_spikes"
HIPPOCAMPUS = "rat_hippocampus_tetrode_16units"
APLYSIA_T_MS = 123_000.0  # recordings are ~122.7 s long
HIPPOCAMPUS_T_MS = 1_000_000.0  # ~1000 s


def split_halves(st: SpikeTrains, seed: int) -> tuple[SpikeTrains, SpikeTrains]:
    idx = np.random.default_rng(seed).permutation(len(st))
    h = len(st) // 2
    return st.take(np.sort(idx[:h])), st.take(np.sort(idx[h : 2 * h]))


def poisson_surrogate(st: SpikeTrains, t_stop: float, seed: int) -> SpikeTrains:
    """Each train replaced by the same number of uniformly random spike times."""
    rng = np.random.default_rng(seed)
    counts = st.restrict(0.0, t_stop).counts()
    return SpikeTrains.from_list([np.sort(rng.uniform(0.0, t_stop, k)) for k in counts])


def aplysia(name: str) -> SpikeTrains:
    folder = require_data(APLYSIA) / "spikes_bruno2017"
    return load_spikes(folder / f"{name}.mat")  # 'spks' rows: (neuron id, time in s)


def hippocampus() -> SpikeTrains:
    return load_spikes(require_data(HIPPOCAMPUS) / "all_unit.mat")  # cell array, s


def test_mat_files_load_as_documented():
    st = aplysia("Jun0214da01")
    assert len(st) == 136  # units per SOURCE.txt
    assert 10_892 <= st.times.size <= 27_421
    assert st.times.max() < APLYSIA_T_MS
    h = hippocampus()
    assert h.counts().tolist()[:4] == [3238, 2532, 1167, 1253]
    assert h.times.size == 35_112 and h.times.max() < HIPPOCAMPUS_T_MS


@pytest.mark.parametrize("prep", ["Jun0214da01", "May2214da01", "Sep2414da01"])
def test_aplysia_halves_do_not_differ(prep):
    a, b = split_halves(aplysia(prep), seed=1)
    rep = validate(a, b, tests=("rate", "cv", "lv", "lvr", "fano"), t_stop=APLYSIA_T_MS)
    assert rep.passed, str(rep)
    assert (rep.table["n_model"] >= 35).all()


def test_aplysia_differs_from_poisson_surrogate():
    data = aplysia("Jun0214da01")
    surrogate = poisson_surrogate(data, APLYSIA_T_MS, seed=2)
    rep = validate(surrogate, data, tests=("rate", "cv", "lv"), t_stop=APLYSIA_T_MS)
    assert rep.verdicts == {"rate": "pass", "cv": "fail", "lv": "fail"}
    lv_model, lv_data = (np.nanmean(x) for x in rep.samples["lv"])
    assert lv_model == pytest.approx(1.0, abs=0.05)  # Poisson
    assert lv_data < lv_model  # the locomotor rhythm makes the neurons more regular


def test_hippocampus_halves_do_not_differ():
    a, b = split_halves(hippocampus(), seed=3)
    rep = validate(a, b, t_stop=HIPPOCAMPUS_T_MS)  # rate, cv, lv, corr
    assert rep.verdicts == {"rate": "pass", "cv": "pass", "lv": "pass", "corr": "pass"}


def test_hippocampus_differs_from_poisson_surrogate():
    data = hippocampus()
    surrogate = poisson_surrogate(data, HIPPOCAMPUS_T_MS, seed=4)
    rep = validate(surrogate, data, tests=("rate", "cv", "lv"), t_stop=HIPPOCAMPUS_T_MS)
    assert rep.verdicts == {"rate": "pass", "cv": "fail", "lv": "fail"}
    lv_model, lv_data = (np.nanmean(x) for x in rep.samples["lv"])
    assert lv_data > lv_model  # bursty hippocampal units


def test_missing_data_folder_skips_with_the_reason():
    with pytest.raises(pytest.skip.Exception, match="no_such_dataset is absent"):
        require_data("no_such_dataset")
