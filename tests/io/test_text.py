"""Text/CSV recordings: the documented column layouts and their errors."""

from __future__ import annotations

import numpy as np
import pytest

from spikeopt import InvalidParameterError, ShapeError
from spikeopt.io import load_recording, load_text_recording, save_spikes
from spikeopt.spikes import SpikeTrains


def _write(path, header, rows, sep=","):
    lines = ([header] if header else []) + [sep.join(f"{x:.10g}" for x in r) for r in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_named_columns_with_units_are_converted(tmp_path, spiking_trace):
    t = np.arange(400) * 5e-5  # s
    v = spiking_trace([4.0, 12.0], dt_ms=0.05, n=400) / 1000.0  # V
    i = np.full(400, 0.25)  # nA
    p = _write(tmp_path / "s1.csv", "time_s,current_nA,voltage_V", np.column_stack([t, i, v]))
    rec = load_recording(p)
    assert rec.dt_ms == pytest.approx(0.05) and rec.n_samples == 400
    np.testing.assert_allclose(rec.current_pA, 250.0)
    assert rec.voltage_mV.min() == pytest.approx(-65.0)
    assert rec.spikes.counts().tolist() == [2] and rec.sweep_names == ("s1",)


def test_several_files_are_sweeps_and_lengths_follow_the_rule(tmp_path):
    rows = lambda n, a: np.column_stack([np.arange(n) * 0.1, np.full(n, a)])  # noqa: E731
    a = _write(tmp_path / "a.csv", "time (ms),current [pA]", rows(100, 10.0))
    b = _write(tmp_path / "b.csv", "time (ms),current [pA]", rows(80, 20.0))
    with pytest.raises(ShapeError, match=r"\[100, 80\].*length='crop'"):
        load_recording([a, b])
    rec = load_recording([a, b], length="crop")
    assert rec.current_pA.shape == (2, 80) and rec.sweep_names == ("a", "b")
    np.testing.assert_allclose(rec.current_pA[:, 0], [10.0, 20.0])
    assert rec.spikes is None


def test_long_format_groups_rows_by_sweep(tmp_path):
    rows = []
    for sweep, amp in ((7, 50.0), (3, -20.0)):
        for k in range(30):
            rows.append([sweep, k * 0.2, amp, -70.0])
    p = _write(tmp_path / "long.tsv", "sweep\ttime_ms\tcurrent_pA\tvoltage_mV", rows, sep="\t")
    rec = load_recording(p, delimiter="\t")
    assert rec.sweep_names == ("long:7", "long:3")
    np.testing.assert_allclose(rec.current_pA[:, 0], [50.0, -20.0])
    assert rec.dt_ms == pytest.approx(0.2) and rec.spikes.counts().tolist() == [0, 0]


def test_unit_line_header_as_in_qsnmc_challenge_b(tmp_path):
    body = "\n".join(f"{k * 0.00025:g}\t{10.0:g}\t{-70.0:g}" for k in range(40))
    p = tmp_path / "trace.asc"
    p.write_text('"s"\n"pA"\n"mV"\n' + body + "\n")
    rec = load_text_recording(p)
    assert rec.dt_ms == pytest.approx(0.25) and rec.n_samples == 40
    assert rec.current_pA[0, 0] == 10.0 and rec.voltage_mV[0, 0] == -70.0


def test_headerless_file_with_columns_and_dt(tmp_path):
    rows = np.column_stack([np.arange(50), np.full(50, 3.0), np.full(50, -60.0)])
    p = _write(tmp_path / "x.voltage", None, rows, sep=" ")
    with pytest.raises(InvalidParameterError, match="pass columns"):
        load_recording(p)
    with pytest.raises(InvalidParameterError, match="pass dt_ms"):
        load_recording(p, columns=("index", "current_pA", "voltage_mV"))
    rec = load_recording(p, columns=("index", "current_pA", "voltage_mV"), dt_ms=0.2)
    assert rec.duration_ms == pytest.approx(10.0) and rec.voltage_mV[0, 3] == -60.0


def test_spikes_from_a_spike_file(tmp_path):
    p = _write(tmp_path / "c.csv", "time_ms,current_pA",
               np.column_stack([np.arange(100) * 0.1, np.zeros(100)]))
    sp = save_spikes(tmp_path / "spk.csv", SpikeTrains.from_list([[1.0, 2.5]]))
    rec = load_recording(p, spikes=sp)
    np.testing.assert_allclose(rec.spikes[0], [1.0, 2.5])


@pytest.mark.parametrize("header, rows, options, match", [
    ("time_ms,voltage_mV", [[0, -70], [0.1, -70]], {}, "no current column"),
    ("time_ms,current_pA,temperature", [[0, 1, 2], [0.1, 1, 2]], {}, "'temperature'"),
    ("time_ms,current_mV", [[0, 1], [0.1, 1]], {}, "'mV' is not a current unit"),
    ("time_ms,current_pA", [[0, 1], [0.1, 1], [0.3, 1], [0.4, 1]], {},
     "not uniformly sampled; step 0.2 ms between rows 1 and 2"),
    ("time_ms,current_pA", [[0, 1], [0.1, 1], [0.2, 1]], {"dt_ms": 0.2},
     "dt_ms=0.2 was given but the time column steps 0.1 ms"),
    ("time_ms,current_pA,current_nA", [[0, 1, 1], [0.1, 1, 1]], {}, "appear twice"),
    ("index,current_pA", [[0, 1], [1, 1], [3, 1]], {"dt_ms": 0.1}, "jumps from 1 to 3"),
])
def test_bad_text_files_say_what_is_wrong(tmp_path, header, rows, options, match):
    p = _write(tmp_path / "bad.csv", header, rows)
    with pytest.raises(InvalidParameterError, match=match):
        load_recording(p, **options)


def test_mixed_sampling_across_files_is_refused(tmp_path):
    a = _write(tmp_path / "a.csv", "time_ms,current_pA", [[0, 1], [0.1, 1], [0.2, 1]])
    b = _write(tmp_path / "b.csv", "time_ms,current_pA", [[0, 1], [0.2, 1], [0.4, 1]])
    with pytest.raises(InvalidParameterError, match="a: 0.1, b: 0.2.*resample"):
        load_recording([a, b])
