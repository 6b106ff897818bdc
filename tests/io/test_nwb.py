"""NWB recordings: a small file written with pynwb in the Allen Cell Types layout."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from spikeopt import InvalidParameterError, ShapeError
from spikeopt.io import load_nwb_recording, load_recording

pynwb = pytest.importorskip("pynwb", reason="pynwb is in the io/test extras")

DT_MS = 0.05


def _write_nwb(path, sweeps, *, rates=None, stim_lengths=None, sweep_numbers=True):
    """sweeps: [(amplitude pA, voltage in mV array)]; voltage stored as mV-scaled ints
    (conversion 1e-3 → volts), current as pA (conversion 1e-12 → amperes)."""
    from pynwb.icephys import CurrentClampSeries, CurrentClampStimulusSeries

    nwb = pynwb.NWBFile(session_description="spikeopt test", identifier="t1",
                        session_start_time=datetime(2026, 1, 1, tzinfo=UTC))
    dev = nwb.create_device(name="amp")
    el = nwb.create_icephys_electrode(name="elec0", description="patch", device=dev)
    for k, (amp, v) in enumerate(sweeps):
        rate = 1000.0 / DT_MS if rates is None else rates[k]
        n_stim = v.size if stim_lengths is None else stim_lengths[k]
        cur = np.zeros(n_stim)
        cur[n_stim // 4 : 3 * n_stim // 4] = amp
        num = {"sweep_number": np.uint32(10 + k)} if sweep_numbers else {}
        nwb.add_stimulus(CurrentClampStimulusSeries(
            name=f"data_{k:05d}_DA0", data=cur, electrode=el, gain=1.0, rate=rate,
            conversion=1e-12, stimulus_description=f"LongSquare{amp:g}", **num))
        nwb.add_acquisition(CurrentClampSeries(
            name=f"data_{k:05d}_AD0", data=v, electrode=el, gain=1.0, rate=rate,
            conversion=1e-3, stimulus_description=f"LongSquare{amp:g}", **num))
    with pynwb.NWBHDF5IO(str(path), "w") as io:
        io.write(nwb)
    return path


@pytest.fixture
def sweeps(spiking_trace):
    return [(amp, spiking_trace(times, dt_ms=DT_MS, n=2000, rest_mV=-72.0))
            for amp, times in ((50.0, []), (150.0, [30.0, 55.0, 80.0]), (250.0, [26.0, 40.0]))]


def test_allen_layout_is_read_in_pa_mv_ms(tmp_path, sweeps):
    rec = load_recording(_write_nwb(tmp_path / "cell.nwb", sweeps))
    assert (rec.n_sweeps, rec.n_samples) == (3, 2000)
    assert rec.dt_ms == pytest.approx(DT_MS)
    np.testing.assert_allclose(rec.current_pA.max(axis=1), [50.0, 150.0, 250.0])
    np.testing.assert_allclose(rec.voltage_mV, np.stack([v for _, v in sweeps]))
    assert rec.spikes.counts().tolist() == [0, 3, 2]
    assert rec.annotations["sweep_number"].tolist() == [10, 11, 12]
    assert rec.annotations["stimulus_description"][1] == "LongSquare150"
    assert rec.sweep_names[0] == "data_00000_AD0"
    assert rec.metadata["source_units"] == {"voltage": "volts", "current": "amperes"}


def test_selection_by_sweep_number_and_description(tmp_path, sweeps):
    p = _write_nwb(tmp_path / "cell.nwb", sweeps)
    rec = load_nwb_recording(p, sweep_numbers=[12, 10])
    np.testing.assert_allclose(rec.current_pA.max(axis=1), [250.0, 50.0])
    assert load_nwb_recording(p, stimulus_description="square150").n_sweeps == 1
    with pytest.raises(InvalidParameterError, match=r"sweep number\(s\) \[99\] not found"):
        load_nwb_recording(p, sweep_numbers=[99])


def test_pairing_by_order_without_sweep_numbers(tmp_path, sweeps):
    rec = load_recording(_write_nwb(tmp_path / "c.nwb", sweeps, sweep_numbers=False))
    np.testing.assert_allclose(rec.current_pA.max(axis=1), [50.0, 150.0, 250.0])


def test_mismatched_sampling_and_lengths_are_named(tmp_path, sweeps):
    p = _write_nwb(tmp_path / "r.nwb", sweeps, rates=[20000.0, 20000.0, 10000.0])
    with pytest.raises(InvalidParameterError, match="different sampling intervals"):
        load_recording(p)
    assert load_nwb_recording(p, sweep_numbers=[10, 11]).n_sweeps == 2
    q = _write_nwb(tmp_path / "l.nwb", sweeps, stim_lengths=[2000, 1999, 2000])
    with pytest.raises(ShapeError, match="'data_00001_AD0' has 2000 voltage samples but its "
                                         "stimulus 'data_00001_DA0' has 1999"):
        load_recording(q)


def test_different_sweep_lengths_crop_on_request(tmp_path, spiking_trace):
    sw = [(100.0, spiking_trace([], dt_ms=DT_MS, n=n)) for n in (2000, 1500)]
    p = _write_nwb(tmp_path / "len.nwb", sw)
    with pytest.raises(ShapeError, match=r"\[2000, 1500\]"):
        load_recording(p)
    assert load_recording(p, length="crop").n_samples == 1500


def test_a_file_without_current_clamp_is_refused(tmp_path):
    from pynwb import TimeSeries

    nwb = pynwb.NWBFile(session_description="x", identifier="x",
                        session_start_time=datetime(2026, 1, 1, tzinfo=UTC))
    nwb.add_acquisition(TimeSeries(name="lfp", data=np.zeros(10), unit="volts", rate=1000.0))
    with pynwb.NWBHDF5IO(str(tmp_path / "x.nwb"), "w") as io:
        io.write(nwb)
    with pytest.raises(InvalidParameterError, match="no CurrentClampSeries.*TimeSeries"):
        load_recording(tmp_path / "x.nwb")
