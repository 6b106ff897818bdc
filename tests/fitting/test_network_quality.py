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


def _example(name: str, tmp_path, **changes) -> dict:
    cfg = yaml.safe_load((EXAMPLES / name).read_text())
    cfg.update(changes, network=str(EXAMPLES / cfg["network"]), output=str(tmp_path / name))
    return cfg


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_netpyne_tut2_ends_within_half_a_hz_of_17_on_fresh_seeds(tmp_path, seed):
    cfg = _example("netpyne_tut2_17hz.yaml", tmp_path, seed=seed)
    spikeopt.fit(cfg, progress=False, report=False)
    scores = json.loads((tmp_path / "netpyne_tut2_17hz.yaml" / "scores.json").read_text())
    rates = scores["mean_rate_hz"]  # S and M have 20 cells each: the pooled rate is their mean
    pooled = (rates["S"]["fitted_mean"] + rates["M"]["fitted_mean"]) / 2
    assert scores["validation_seeds"] == 5
    assert abs(pooled - 17.0) < 0.5, f"fit seed {seed}: {pooled:.2f} Hz on 5 fresh seeds"


SNO = ("projections.EE.weight.uniform.1", "projections.EE.connector.p",
       "projections.EI.weight.uniform.1", "projections.EI.connector.p")


def spikenetopt_statistics(genes, seed: int, k: int = 10) -> dict:
    """Population-mean rate and LV of E and I in ``k`` fresh wirings (fixed mode)."""
    params = {path: np.full(k, g) for path, g in zip(SNO, genes, strict=True)}
    res = spikeopt.simulate(library.spikenetopt(), params, t_stop=T_STOP, dt=0.1,
                            seed=list(np.random.SeedSequence(seed).spawn(k)))
    return {f"{pop}.{s}": np.array([np.mean(population_samples(s, res.population(pop, i),
                                                                  T_STOP)) for i in range(k)])
            for pop in ("E", "I") for s in ("rate", "lv")}


def test_spikenetopt_fixed_mode_reproduces_its_target_and_pins_the_mean_coupling(tmp_path):
    from scipy import stats

    cfg = _example("spikenetopt_fixed.yaml", tmp_path)
    cfg["target"]["spikes"] = {p: str(EXAMPLES / f) for p, f in cfg["target"]["spikes"].items()}
    spikeopt.fit(cfg, progress=False, report=False)
    best = json.loads((tmp_path / "spikenetopt_fixed.yaml" / "best_params.json").read_text())
    genes = [best["fitted"][p]["value"] for p in SNO]
    # what the raster pins down: the mean coupling σ·p of E→E and E→I (truth 0.4 each)
    assert genes[0] * genes[1] == pytest.approx(0.4, rel=0.08)
    assert genes[2] * genes[3] == pytest.approx(0.4, rel=0.08)
    truth, fit = spikenetopt_statistics((0.5, 0.8, 0.5, 0.8), 11), spikenetopt_statistics(
        genes, 12)
    for key in truth:  # the recorded instance, within the truth's own wiring-to-wiring spread
        pop, s = key.split(".")
        sp = spikeopt.io.load_spikes(EXAMPLES / "data" / f"spikenetopt_truth_{pop}.npz")
        recorded = np.mean(population_samples(s, sp, T_STOP))
        assert abs(fit[key].mean() - recorded) < 2 * truth[key].std(ddof=1), key
    # the validation SpikeNetOpt fails (its README: Welch t = 11.8 on E rates), with the
    # network instance as the unit: fitted and true networks on fresh wirings
    for key in ("E.rate", "I.rate"):
        assert stats.ttest_ind(fit[key], truth[key], equal_var=False).pvalue > 0.05, key
