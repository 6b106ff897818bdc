"""A cell config's ``model`` written as equations: checked like a built-in model,
scored exactly like the built-in it transcribes, and errors naming the key."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from spikeopt.errors import ConfigError
from spikeopt.fitting.cell import build_objective, build_space
from spikeopt.fitting.config import validate_config

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _config(**change):
    cfg = yaml.safe_load((EXAMPLES / "equations_adex.yaml").read_text())
    cfg.update(change)
    return validate_config(cfg, base_dir=EXAMPLES)


def test_equation_model_scores_like_the_builtin_it_transcribes():
    cfg = _config()
    builtin = validate_config({**yaml.safe_load((EXAMPLES / "demo_adex.yaml").read_text())},
                              base_dir=EXAMPLES)
    space = build_space(cfg)
    assert space.to_config() == build_space(builtin).to_config()
    rng = np.random.default_rng(3)
    X = space.sample(8, rng)
    params = space.decode(X)
    got = build_objective(cfg)(params)
    ref = build_objective(builtin)(params)
    np.testing.assert_array_equal(got, ref)
    assert np.isfinite(got).all() and np.ptp(got) > 0


def test_equation_model_errors_name_the_key():
    cfg = yaml.safe_load((EXAMPLES / "equations_adex.yaml").read_text())
    cfg["model"]["equations"]["equations"] = ("dv/dt = (E_L - v + I - w)/C : mV\n"
                                              "dw/dt = (a*(v - E_L) - w)/tau_w : pA")
    with pytest.raises(ConfigError, match=r"'model.equations'.*Inconsistent units"):
        validate_config(cfg, base_dir=EXAMPLES)
    cfg = yaml.safe_load((EXAMPLES / "equations_adex.yaml").read_text())
    cfg["fit"]["tau"] = [1.0, 2.0]
    with pytest.raises(ConfigError, match=r"'fit.tau'.*no such parameter"):
        validate_config(cfg, base_dir=EXAMPLES)
    cfg = yaml.safe_load((EXAMPLES / "equations_adex.yaml").read_text())
    cfg["model"] = {"equations": cfg["model"]["equations"], "neuron": {"file": "x.hoc"}}
    with pytest.raises(ConfigError, match="exactly one of 'equations' or 'neuron'"):
        validate_config(cfg, base_dir=EXAMPLES)
