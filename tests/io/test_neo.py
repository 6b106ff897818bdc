"""Neo formats with a recorded current channel (a generated NeoMatlabIO file) and their
errors; the ABF command-waveform path is tested on real files in test_real_data.py."""

from __future__ import annotations

import numpy as np
import pytest

from spikeopt import InvalidParameterError
from spikeopt.io import load_neo_recording, load_recording

neo = pytest.importorskip("neo", reason="neo is in the io/test extras")
pq = pytest.importorskip("quantities")


def _write(path, segments, rate_khz=10.0):
    """segments: [[(name, values, unit)]] → a NeoMatlabIO .mat file."""
    block = neo.Block()
    for chans in segments:
        seg = neo.Segment()
        for name, values, unit in chans:
            seg.analogsignals.append(neo.AnalogSignal(
                np.asarray(values, dtype=float)[:, None] * pq.Quantity(1.0, unit),
                sampling_rate=rate_khz * pq.kHz, name=name))
        block.segments.append(seg)
    neo.io.NeoMatlabIO(str(path)).write_block(block)
    return path


def test_recorded_voltage_and_current_channels(tmp_path, spiking_trace):
    segs = [[("Vm", spiking_trace(t, dt_ms=0.1, n=300), "mV"),
             ("Im", np.full(300, amp), "nA")]
            for t, amp in (([], 0.05), ([5.0, 20.0], 0.2))]
    rec = load_recording(_write(tmp_path / "two.mat", segs))
    assert (rec.n_sweeps, rec.n_samples, rec.dt_ms) == (2, 300, pytest.approx(0.1))
    np.testing.assert_allclose(rec.current_pA[:, 0], [50.0, 200.0])
    assert rec.spikes.counts().tolist() == [0, 2]
    assert rec.metadata["current_source"] == "recorded channel"
    assert rec.metadata["format"] == "neo:NeoMatlabIO"
    assert load_neo_recording(tmp_path / "two.mat", sweeps=[1]).n_sweeps == 1


def test_channels_are_chosen_by_unit_and_name(tmp_path):
    segs = [[("Vdend", np.full(50, -0.060), "V"), ("Vsoma", np.full(50, -70.0), "mV"),
             ("Im", np.zeros(50), "pA")]]
    p = _write(tmp_path / "v2.mat", segs)
    assert load_recording(p).voltage_mV[0, 0] == pytest.approx(-60.0)  # the first: Vdend
    assert load_recording(p, voltage_channel=1).voltage_mV[0, 0] == pytest.approx(-70.0)
    assert load_recording(p, voltage_channel="Vsoma[0]").voltage_mV[0, 0] == -70.0
    with pytest.raises(InvalidParameterError, match="no voltage channel named 'Vx'"):
        load_recording(p, voltage_channel="Vx")
    with pytest.raises(InvalidParameterError, match="voltage_channel=5 but segment 0 has 2"):
        load_recording(p, voltage_channel=5)


def test_missing_current_without_protocol_is_explained(tmp_path):
    p = _write(tmp_path / "v.mat", [[("Vm", np.full(50, -70.0), "mV")]])
    with pytest.raises(InvalidParameterError, match="no current channel.*cannot rebuild"):
        load_recording(p)
    q = _write(tmp_path / "t.mat", [[("temp", np.full(50, 30.0), "degC")]])
    with pytest.raises(InvalidParameterError, match="no channel in a voltage or current unit"):
        load_recording(q)


def test_out_of_range_sweeps(tmp_path):
    p = _write(tmp_path / "s.mat", [[("Im", np.zeros(20), "pA")]])
    with pytest.raises(InvalidParameterError, match=r"sweep\(s\) \[3\] out of range"):
        load_neo_recording(p, sweeps=[3])
