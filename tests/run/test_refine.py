"""refine(): a local search from given starts; resume continues it exactly."""

import numpy as np
import pytest

from spikeopt.errors import InvalidParameterError, ShapeError
from spikeopt.optimizers.refine import LocalCMAES, PatternSearch
from spikeopt.run import refine, resume

SPACE = {"x": (-1.0, 1.0), "y": {"low": 0.1, "high": 10.0, "log": True}}


def bowl(p):
    return (p["x"] - 0.3) ** 2 + (np.log(p["y"]) - np.log(2.0)) ** 2


@pytest.mark.parametrize("method", ["pattern", "cmaes"])
def test_refine_improves_on_the_starts(method):
    starts = {"x": [0.1, -0.5], "y": [3.0, 0.5]}
    ref = refine(bowl, SPACE, starts, method=method, evaluations=150, seed=3)
    h = ref.result.history
    assert h[h["generation"] == 0]["x"].tolist() == pytest.approx(starts["x"])
    assert ref.start_loss == pytest.approx(float(bowl({k: np.array(v[:1]) for k, v in
                                                       starts.items()})[0]))
    assert ref.improved and ref.best_loss < 1e-3 * ref.start_loss
    assert ref.best_params["x"] == pytest.approx(0.3, abs=0.02)
    assert ref.best_params["y"] == pytest.approx(2.0, rel=0.05)


@pytest.mark.parametrize("method", ["pattern", "cmaes"])
def test_resume_after_refinement_is_exact(method, tmp_path):
    starts = {"x": [0.1, -0.5], "y": [3.0, 0.5]}
    whole = refine(bowl, SPACE, starts, method=method, evaluations=80, seed=1)
    refine(bowl, SPACE, starts, method=method, evaluations=30, seed=1, run_dir=tmp_path)
    cont = resume(tmp_path, bowl, budget=80)
    cols = ["generation", "x", "y", "loss"]
    assert cont.history[cols].equals(whole.result.history[cols])


def test_pattern_search_stops_when_its_steps_are_spent():
    ref = refine(bowl, SPACE, {"x": [0.3], "y": [2.0]}, method="pattern", evaluations=10_000)
    assert ref.result.stop_reason.startswith("pattern search")
    assert not ref.improved  # the start is the optimum
    assert ref.result.n_evaluations < 200


def test_refine_rejects_bad_arguments():
    with pytest.raises(InvalidParameterError, match="method"):
        refine(bowl, SPACE, {"x": [0.0], "y": [1.0]}, method="adam")
    with pytest.raises(InvalidParameterError, match="step"):
        PatternSearch(SPACE, starts={"x": [0.0], "y": [1.0]}, step=2.0)
    with pytest.raises(ShapeError):
        LocalCMAES(SPACE, starts=np.zeros((2, 3)), seed=0)
