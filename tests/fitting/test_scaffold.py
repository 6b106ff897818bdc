"""``spikeopt init``: a starter folder per kind whose config validates as written, and
runs (the cell kind, the fastest, through ``spikeopt.fit``)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml

from spikeopt.cli import main
from spikeopt.fitting import load_config, validate_config
from spikeopt.fitting.scaffold import KINDS, scaffold


@pytest.mark.parametrize("kind", KINDS)
def test_init_writes_a_valid_commented_config_a_readme_and_its_data(tmp_path, kind):
    path = scaffold(kind, tmp_path / kind)
    folder = path.parent
    text = path.read_text()
    assert text.startswith("# yaml-language-server: $schema=config.schema.json")
    assert text.count("#") >= 8  # commented
    cfg = load_config(path)  # the schema and the kind's own checks
    assert cfg["kind"] == kind and cfg["output"] == str((folder / "run").resolve())
    raw = yaml.safe_load(text)
    assert validate_config(raw, base_dir=folder)["kind"] == kind
    schema = json.loads((folder / "config.schema.json").read_text())
    assert "properties" in schema and "fit" in schema["properties"]
    readme = (folder / "README.md").read_text()
    assert "spikeopt fit config.yaml" in readme and "config.schema.json" in readme
    if kind == "cell":
        rec = np.load(folder / "data" / "recording.npz")
        assert rec["current_pA"].shape[0] == 3 and float(rec["truth_a"]) == 4.0
    if kind == "network":
        assert (folder / "network.yaml").exists()
        assert all((folder / "data" / f"target_{p}.npz").exists() for p in ("E", "I"))
    with pytest.raises(FileExistsError, match="overwrite"):
        scaffold(kind, folder)


def test_the_cell_starter_runs(starter_cell_run):
    cfg, result, out = starter_cell_run
    assert result.n_evaluations == 48
    for name in ("report.html", "best_params.json", "scores.json", "history.sqlite"):
        assert (out / name).exists(), name


def test_init_command(tmp_path, capsys):
    assert main(["init", "task", str(tmp_path / "t")]) == 0
    assert "spikeopt fit" in capsys.readouterr().out
    assert main(["init", "task", str(tmp_path / "t")]) == 2
    assert "overwrite" in capsys.readouterr().err
    assert main(["init", "task", str(tmp_path / "t"), "--overwrite"]) == 0
    with pytest.raises(SystemExit):
        main(["init", "neuron", str(tmp_path / "n")])
