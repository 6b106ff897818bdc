"""``spikeopt validate``: files, run folders, .mat input, report files, exit codes."""

from __future__ import annotations

import argparse

import numpy as np
import pytest
import scipy.io

from spikeopt import SpikeTrains
from spikeopt.cli import validate as cmd
from spikeopt.errors import InvalidParameterError
from spikeopt.io.spikefiles import load_mat_spikes, load_spikes, save_spikes

from .conftest import gamma_trains, poisson_trains

T = 10_000.0


def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    cmd.add_arguments(parser)
    return cmd.run(parser.parse_args(argv))


@pytest.fixture
def files(rng, tmp_path):
    a = poisson_trains(rng, 30, 6.0, T)
    b = poisson_trains(rng, 30, 6.0, T)
    c = gamma_trains(rng, 30, 6.0, 8.0, T)
    return (
        save_spikes(tmp_path / "a.npz", a),
        save_spikes(tmp_path / "b.csv", b),
        save_spikes(tmp_path / "c.npz", c),
    )


def test_cli_prints_the_table_and_writes_the_report(files, tmp_path, capsys):
    a, b, _ = files
    out = tmp_path / "report"
    code = run_cli([str(a), str(b), "--tests", "rate,cv", "--out", str(out), "--t-stop", str(T)])
    assert code == 0
    text = capsys.readouterr().out
    assert "Student's t-test  datasize: 30 " in text and "firing rate [Hz]" in text
    for name in ("table.csv", "report.md", "report.html", "raster.png", "measure_cv.png"):
        assert (out / name).is_file()
    table = (out / "table.csv").read_text().splitlines()
    assert len(table) == 1 + 2 * 5


def test_cli_check_exit_code_and_markdown(files, capsys):
    a, b, c = files
    assert run_cli([str(a), str(c), "--tests", "cv", "--check"]) == 1
    assert run_cli([str(a), str(c), "--tests", "cv"]) == 0
    assert (
        run_cli(
            [
                str(a),
                str(b),
                "--tests",
                "rate",
                "--check",
                "--format",
                "markdown",
                "--stats",
                "welch_t,ks",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "| rate | Welch's t-test |" in out and "Student" not in out.split("| measure")[-1]


def test_run_folders(files, tmp_path):
    a, _, c = files
    run = tmp_path / "run"
    run.mkdir()
    (run / "best_spikes.npz").write_bytes(a.read_bytes())
    (run / "target_spikes.npz").write_bytes(c.read_bytes())
    assert cmd.resolve_inputs(str(run), None) == (
        run / "best_spikes.npz",
        run / "target_spikes.npz",
    )
    assert run_cli([str(run), "--tests", "lv", "--check"]) == 1
    with pytest.raises(InvalidParameterError, match="needs a TARGET"):
        cmd.resolve_inputs(str(a), None)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match="without model spikes"):
        cmd.resolve_inputs(str(empty), str(a))


def test_mat_layouts_round_trip(tmp_path):
    st = SpikeTrains.from_list([[1.5, 20.0], [], [3.25]])
    # (id, time in s) rows, MATLAB ids from 1, unsorted
    rows = np.array([[3, 0.00325], [1, 0.020], [1, 0.0015]])
    scipy.io.savemat(tmp_path / "rows.mat", {"spks": rows})
    assert load_spikes(tmp_path / "rows.mat") == st
    cells = np.empty((1, 3), dtype=object)
    cells[0, 0], cells[0, 1], cells[0, 2] = [[0.020], [0.0015]], np.zeros((0, 1)), [[0.00325]]
    scipy.io.savemat(tmp_path / "cells.mat", {"unit_t": cells})
    assert load_spikes(tmp_path / "cells.mat") == st
    scipy.io.savemat(tmp_path / "ms.mat", {"t": np.array([5.0, 2.0])})
    assert load_mat_spikes(tmp_path / "ms.mat", time_unit="ms").to_list()[0].tolist() == [2, 5]
    scipy.io.savemat(tmp_path / "two.mat", {"x": rows, "y": rows})
    with pytest.raises(InvalidParameterError, match="variable=... to choose"):
        load_spikes(tmp_path / "two.mat")
    assert len(load_mat_spikes(tmp_path / "two.mat", variable="y")) == 3


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="Not found"):
        cmd.resolve_inputs(str(tmp_path / "nope.npz"), str(tmp_path / "nope.npz"))


def test_through_the_spikeopt_command(files, capsys):
    from spikeopt.cli import main

    a, b, c = files
    assert main(["validate", str(a), str(b), "--tests", "rate", "--no-figures"]) == 0
    assert "firing rate [Hz]: pass" in capsys.readouterr().out
    assert main(["validate", str(a), str(c), "--tests", "cv", "--check"]) == 1
    # a user error is one line on stderr and exit status 2
    assert main(["validate", str(a), str(b), "--tests", "isi"]) == 2
    assert "Unknown validation measure 'isi'" in capsys.readouterr().err
