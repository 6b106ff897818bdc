"""The config schema: JSON Schema that an independent validator (jsonschema) applies
to the shipped example configs, the command that prints it, and pydantic's
errors turned into messages that name the dotted key."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from spikeopt.cli import main
from spikeopt.errors import ConfigError
from spikeopt.fitting.schema import CellConfig, NetworkConfig, json_schema, parse

ROOT = Path(__file__).parents[2].joinpath("examples")
EXAMPLES = sorted(p for p in ROOT.rglob("*.yaml") if "networks" not in p.parts)

NETWORK = {"kind": "network", "network": "net.yaml", "seed": 3, "output": "runs/ei",
           "fit": {"projections.EE.weight.uniform.1": [0.0, 6.0]},
           "objective": {"terms": [{"metric": "rate_distribution", "populations": ["E", "I"]}]},
           "target": {"spikes": {"E": "target_E.npz"}},
           "simulation": {"t_stop_ms": 1000.0, "dt_ms": 0.1},
           "optimizer": {"name": "cmaes", "popsize": 16}, "budget": {"evaluations": 800}}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: str(p.relative_to(ROOT)))
def test_shipped_examples_satisfy_the_published_schema(path):
    cfg = yaml.safe_load(path.read_text())
    jsonschema.validate(cfg, json_schema())
    jsonschema.validate(cfg, json_schema(cfg.get("kind", "cell")))


def test_the_issue_config_and_shorthands_satisfy_the_schema():
    schema = json_schema("network")
    jsonschema.validate(NETWORK, schema)
    jsonschema.validate({**NETWORK, "optimizer": "ga", "budget": 50, "executor": "dask"},
                        schema)
    with pytest.raises(jsonschema.ValidationError, match="bogus"):
        jsonschema.validate({**NETWORK, "bogus": 1}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**NETWORK, "fit": {"x": [1.0]}}, schema)


def test_parse_fills_defaults_and_keeps_the_short_forms():
    cfg = parse(NetworkConfig, {**NETWORK, "optimizer": "ga", "budget": 50})
    assert cfg["optimizer"] == {"name": "ga"}
    assert cfg["budget"] == {"evaluations": 50}
    assert cfg["executor"] == {"name": "serial"}
    assert cfg["fit"] == {"projections.EE.weight.uniform.1": [0.0, 6.0]}
    assert cfg["simulation"]["n_seeds"] == 1 and cfg["simulation"]["dt_ms"] == 0.1
    log = parse(NetworkConfig, {**NETWORK, "fit": {"a": {"low": 1, "high": 9, "log": True}}})
    assert log["fit"]["a"] == {"low": 1.0, "high": 9.0, "log": True}


@pytest.mark.parametrize(("change", "message"), [
    ({"simulation": {"t_stop_ms": 0}},
     "config key 'simulation.t_stop_ms': Input should be greater than 0; got 0"),
    ({"simulation": {"dt_ms": 0.1}}, "config key 'simulation': missing required key 't_stop_ms'"),
    ({"budget": {}}, "config key 'budget': needs at least one of ['evaluations', "),
    ({"executor": {"name": "ray"}},
     "config key 'executor.name': allowed values are 'serial', 'processes' or 'dask'; "
     "got 'ray'"),
    ({"fit": {"a": [0.0, 1.0, 2.0]}}, "config key 'fit.a': bounds must be [low, high]; "
                                      "got [0.0, 1.0, 2.0]"),
    ({"fit": {"a": {"low": 0, "hi": 1}}}, "config key 'fit.a': unknown key 'hi'; allowed "
                                          "keys are ['high', 'integer', 'log', 'low', 'unit']"),
    ({"seed": True}, "config key 'seed': Input should be a valid integer; got True"),
    ({"target": {"spikes": {}}}, "config key 'target.spikes': Dictionary should have at least"),
])
def test_errors_name_the_dotted_key_the_rule_and_what_came(change, message):
    with pytest.raises(ConfigError) as info:
        parse(NetworkConfig, {**NETWORK, **change})
    assert str(info.value).startswith(message)  # typos first: 'hi' before 'missing high'


def test_every_bad_key_is_reported_at_once():
    with pytest.raises(ConfigError) as info:
        parse(CellConfig, {"modle": "adex", "seed": "x", "output": "o", "fit": {"a": [0, 1]},
                           "data": {"path": "r.npz", "train_sweeps": [0]}})
    lines = str(info.value).splitlines()
    assert lines[0].startswith("config: unknown key 'modle'; allowed keys are")
    assert any(ln.startswith("config: missing required key 'model'") for ln in lines)
    assert any(ln.startswith("config key 'seed':") for ln in lines)


def test_schema_command_prints_json_schema(tmp_path, capsys):
    assert main(["schema", "--kind", "cell"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "CellConfig"
    assert "gamma_factor" in json.dumps(schema)
    out = tmp_path / "s.json"
    assert main(["schema", "-o", str(out)]) == 0
    both = json.loads(out.read_text())
    assert {"CellConfig", "NetworkConfig"} <= set(both["$defs"])
