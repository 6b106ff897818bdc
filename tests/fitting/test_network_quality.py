"""Quality on generated ground truth (figures in BENCHMARKS.md): an E/I network
recovered from its raster, judged against the truth's own seed-to-seed spread
on the fitted statistics and on held-out ones (Fano factor, pairwise
correlation)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

import spikeopt
from spikeopt.network import library
from spikeopt.objectives import population_samples

EXAMPLES = Path(__file__).parents[2] / "examples"
T_STOP = 1000.0
TRUTH = {"w_ee_mV": 1.0, "w_ei_mV": 2.0, "w_ie_mV": -6.0}
PATHS = {"w_ee_mV": "projections.EE.weight.uniform.1",
         "w_ei_mV": "projections.EI.weight.uniform.1",
         "w_ie_mV": "projections.IE.weight.uniform.0"}


def seed_statistics(params: dict, seed: int, k: int = 8) -> dict:
    """Per statistic, its population mean in each of ``k`` independent networks."""
    res = spikeopt.simulate(library.ei_delta(**params), t_stop=T_STOP, dt=0.1,
                            seed=list(np.random.SeedSequence(seed).spawn(k)))
    out = {}
    for i in range(k):
        for pop in ("E", "I"):
            for s in ("rate", "cv", "lv", "fano", "correlation"):
                x = population_samples(s, res.population(pop, i), T_STOP)
                out.setdefault(f"{pop}.{s}", []).append(float(np.mean(x)))
    return {key: np.array(v) for key, v in out.items()}


def test_ei_network_is_recovered_within_the_truths_seed_spread(tmp_path):
    cfg = yaml.safe_load((EXAMPLES / "ei_recovery.yaml").read_text())
    cfg["output"] = str(tmp_path / "ei")
    spikeopt.fit(cfg | {"network": str(EXAMPLES / "networks" / "ei.yaml"),
                        "target": {"spikes": {p: str(EXAMPLES / "data" / f"ei_target_{p}.npz")
                                              for p in "EI"}}},
                 progress=False, report=False)
    best = json.loads((tmp_path / "ei" / "best_params.json").read_text())["fitted"]
    fitted = {k: best[path]["value"] for k, path in PATHS.items()}
    truth, fit = seed_statistics(TRUTH, 1), seed_statistics(fitted, 2)
    for key in truth:  # fitted and held-out statistics: within 2 s.d. of the truth's spread
        sd = truth[key].std(ddof=1)
        z = (fit[key].mean() - truth[key].mean()) / sd
        assert abs(z) < 2.0, f"{key}: fitted {fit[key].mean():.4g}, truth " \
                             f"{truth[key].mean():.4g} ± {sd:.2g} (z = {z:.2f})"
    # the weights themselves: E→I and I→E within 30 % of the truth
    assert fitted["w_ei_mV"] == pytest.approx(2.0, rel=0.3)
    assert fitted["w_ie_mV"] == pytest.approx(-6.0, rel=0.3)
