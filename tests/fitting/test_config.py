from __future__ import annotations

from pathlib import Path

import pytest

from spikeopt.errors import ConfigError
from spikeopt.fitting import load_config, validate_config

BASE = {
    "data": {"path": "rec.npz", "train_sweeps": [0, 1], "test_sweeps": [2]},
    "model": "adex",
    "fixed": {"C": 200.0},
    "fit": {"a": [0.0, 10.0], "tau_w": {"low": 10.0, "high": 300.0, "log": True}},
    "seed": 1,
    "output": "runs/x",
}


def _with(**changes):
    cfg = {k: (dict(v) if isinstance(v, dict) else v) for k, v in BASE.items()}
    for dotted, value in changes.items():
        node = cfg
        *path, last = dotted.split("__")
        for p in path:
            node = node[p]
        if value is None:
            node.pop(last)
        else:
            node[last] = value
    return cfg


def test_defaults_and_absolute_paths(tmp_path):
    cfg = validate_config(BASE, base_dir=tmp_path)
    assert cfg["data"]["path"] == str(tmp_path / "rec.npz")
    assert cfg["output"] == str(tmp_path / "runs" / "x")
    assert cfg["optimizer"] == {"name": "cmaes", "popsize": 32}
    assert cfg["budget"] == {"evaluations": 4000}
    assert cfg["executor"] == {"name": "serial"}
    assert cfg["objective"]["metric"] == "gamma_factor"


@pytest.mark.parametrize(("changes", "pattern"), [
    ({"modle": "adex"}, "unknown key.*'modle'.*allowed keys.*'model'"),
    ({"model": None}, "missing required key.*'model'"),
    ({"model": "no_such_model"}, "'model'.*Unknown model 'no_such_model'.*adex"),
    ({"data__train": [0]}, "'data'.*unknown key.*'train'.*train_sweeps"),
    ({"data__train_sweeps": [0, -1]}, "'data.train_sweeps.1'.*greater than or equal to 0.*-1"),
    ({"data__test_sweeps": [1]}, "'data.test_sweeps'.*\\[1\\].*also training"),
    ({"fit__zz": [0, 1]}, "'fit.zz'.*no such parameter.*'tau_w'"),
    ({"fit__a": [10.0, 0.0]}, "'fit.a'.*low < high.*nS.*\\[10.0, 0.0\\]"),
    ({"fit__C": [1.0, 2.0]}, "'fit.C'.*also in 'fixed'"),
    ({"fixed__C": "big"}, "'fixed.C'.*valid number.*'big'"),
    ({"optimizer": {"name": "pso"}}, "'optimizer.name'.*allowed values.*cmaes.*'pso'"),
    ({"budget": {"evals": 10}}, "'budget'.*unknown key.*'evals'.*evaluations"),
    ({"budget": {"evaluations": -5}}, "'budget.evaluations'.*greater than 0.*-5"),
    ({"executor": "ray"}, "'executor.name'.*serial.*'ray'"),
    ({"objective": {"metric": "gamma_factor", "delta": 2}},
     "'objective'.*Unknown option.*'delta'.*delta_ms"),
    ({"seed": "one"}, "'seed'.*integer.*'one'"),
])
def test_bad_configs_name_the_key_and_the_allowed_values(changes, pattern):
    with pytest.raises(ConfigError, match=pattern):
        validate_config(_with(**changes))


def test_yaml_file_paths_are_relative_to_the_file(tmp_path):
    import yaml

    (tmp_path / "sub").mkdir()
    path = tmp_path / "sub" / "fit.yaml"
    path.write_text(yaml.safe_dump(BASE))
    cfg = load_config(path)
    assert Path(cfg["data"]["path"]) == tmp_path / "sub" / "rec.npz"
    with pytest.raises(FileNotFoundError):
        load_config(tmp_path / "missing.yaml")
    (tmp_path / "bad.yaml").write_text("data: [unclosed")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(tmp_path / "bad.yaml")


def test_the_shipped_example_configs_validate():
    root = Path(__file__).resolve().parents[2] / "examples"
    import yaml

    for path in (p for p in root.rglob("*.yaml") if "networks" not in p.parts):
        data = (yaml.safe_load(path.read_text()).get("data") or {}).get("path", "")
        outside = (path.parent / data).resolve()
        if data and not outside.is_relative_to(root.parent) and not outside.exists():
            continue  # data beside the clone (../shared/data), absent here
        cfg = load_config(path)  # files it names must exist
        if cfg["kind"] == "cell":
            assert Path(cfg["data"]["path"]).exists(), path
