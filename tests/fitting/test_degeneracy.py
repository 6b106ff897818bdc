"""The degeneracy view: near-optimal candidates and which parameters they pin down."""

from __future__ import annotations

import numpy as np
import pandas as pd

from spikeopt.fitting.report import degeneracy_figure, near_optimal


def test_a_parameter_the_loss_ignores_is_not_identified():
    rng = np.random.default_rng(0)
    n = 2000
    x, y, z = rng.uniform(0, 10, n), rng.uniform(-1, 1, n), rng.uniform(1, 100, n)
    loss = (x - 3.0) ** 2 + 1e-3 * (np.log(z) - np.log(10.0)) ** 2  # y is ignored
    hist = pd.DataFrame({"generation": np.arange(n) // 50, "x": x, "y": y, "z": z,
                         "loss": loss, "status": "ok"})
    hist.loc[5, "status"] = "failed"
    hist.loc[5, "loss"] = -1.0  # a failed row never counts as near-optimal
    space = {"x": {"low": 0.0, "high": 10.0, "unit": "ms"}, "y": {"low": -1.0, "high": 1.0},
             "z": {"low": 1.0, "high": 100.0, "log": True}}
    good, ranges = near_optimal(hist, space, fraction=0.05)
    assert len(good) == 100 and 5 not in good.index
    assert good["loss"].is_monotonic_increasing
    r = ranges.set_index("parameter")
    # the best 5 % of a quadratic in x: |x - 3| < sqrt(q), q the 5 % loss quantile
    half = np.sqrt(np.quantile(loss, 0.05))
    assert abs(r.loc["x", "share of bounds"] - 2 * half / 10.0) < 0.02
    assert r.loc["x", "verdict"] == "pinned"
    assert r.loc["y", "verdict"] == "not identified" and r.loc["y", "share of bounds"] > 0.9
    assert r.loc["z", "verdict"] == "not identified"  # the loss hardly sees z
    assert r.loc["x", "unit"] == "ms"
    fig = degeneracy_figure(good, space)
    assert len([a for a in fig.axes if a.get_visible()]) == 6  # 3 diagonal + 3 below
