"""examples/qsnmc2007a.yaml: the QSNMC 2007 challenge A protocol on the real data
(skipped where the data folder beside the clone is absent)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "qsnmc2007a.yaml"
DATA = (EXAMPLE.parents[2] / "shared" / "data" / "qsnmc2007_challengeA_L5pyr_noise"
        / "challengeA_training.npz")

pytestmark = pytest.mark.skipif(
    not DATA.exists(), reason=f"QSNMC 2007 data not found at {DATA} (the clone's sibling "
                              "folder shared/data); the example reads it from there")


def test_example_selects_the_challenge_sets():
    from spikeopt.fitting import load_config

    cfg = load_config(EXAMPLE)
    assert Path(cfg["data"]["path"]) == DATA.resolve()
    assert cfg["data"]["train_sets"] == [0, 4, 5, 6] and cfg["data"]["test_sets"] == [11]
    assert cfg["data"]["train_sweeps"] == list(range(16))  # 4 sets x 4 repeats
    assert cfg["data"]["test_sweeps"] == [24, 25, 26, 27]  # set 11 is the 7th stimulus
    terms = cfg["objective"].get("terms", [cfg["objective"]])
    gamma = next(t for t in terms if t["metric"] == "gamma_factor")
    assert gamma["delta_ms"] == 2.0  # the challenge's precision


def test_example_writes_the_normalized_gamma_of_set_11(tmp_path):
    import spikeopt
    from spikeopt.fitting import load_config

    cfg = load_config(EXAMPLE)
    cfg.update(output=str(tmp_path / "run"), budget={"evaluations": 16},
               optimizer={"name": "cmaes", "popsize": 8})
    assert cfg["data"]["train_current"] == "first_repeat"
    spikeopt.fit(cfg, progress=False, report=False)
    scores = json.loads((tmp_path / "run" / "scores.json").read_text())
    set11 = scores["test_by_stimulus"]["11"]
    assert set11["repeats"] == [24, 25, 26, 27]
    assert 0.9 < set11["reliability"] < 0.95  # the data's own: 0.92 (SOURCE.txt)
    assert 0.0 <= set11["normalized_gamma"] <= 1.2
    assert scores["test"]["normalized_gamma"] == set11["normalized_gamma"]
