"""Recording: construction, checks, selection, cropping, resampling, npz round trip."""

from __future__ import annotations

import numpy as np
import pytest

from spikeopt import InvalidParameterError, ShapeError, SpikeTrains
from spikeopt.io import Recording, SpikeDetector, load_npz_recording, load_recording
from spikeopt.stimuli import Stimulus


def _rec(n_sweeps=4, n=1000, dt=0.1, **kw):
    rng = np.random.default_rng(1)
    cur = rng.normal(100.0, 20.0, (n_sweeps, n))
    spikes = [np.sort(rng.uniform(0, n * dt, i + 1)) for i in range(n_sweeps)]
    return Recording.from_arrays(current_pA=cur, dt_ms=dt, spike_times_ms=spikes, **kw)


def test_from_arrays_shapes_and_defaults():
    rec = Recording.from_arrays(current_pA=np.arange(50.0), dt_ms=0.5)
    assert (rec.n_sweeps, rec.n_samples, rec.duration_ms) == (1, 50, 25.0)
    assert rec.sweep_names == ("sweep_0",) and rec.stimulus_id.tolist() == [0]
    assert rec.spikes is None and rec.voltage_mV is None
    assert rec.units == {"current": "pA", "voltage": "mV", "time": "ms"}
    np.testing.assert_allclose(rec.times_ms[:3], [0.0, 0.5, 1.0])


def test_spikes_are_detected_from_voltage_unless_given(spiking_trace):
    v = np.stack([spiking_trace([2.0, 7.0], dt_ms=0.1, n=100),
                  spiking_trace([5.0], dt_ms=0.1, n=100)])
    rec = Recording.from_arrays(current_pA=np.zeros((2, 100)), dt_ms=0.1, voltage_mV=v)
    assert rec.spikes.counts().tolist() == [2, 1]
    assert rec.metadata["spike_source"].startswith("detected")
    peak = Recording.from_arrays(current_pA=np.zeros((2, 100)), dt_ms=0.1, voltage_mV=v,
                                 detect=SpikeDetector(time="peak"))
    np.testing.assert_allclose(peak.spikes[0], [2.0, 7.0])
    given = Recording.from_arrays(current_pA=np.zeros((2, 100)), dt_ms=0.1, voltage_mV=v,
                                  spike_times_ms=[[1.0], []])
    assert given.spikes.counts().tolist() == [1, 0]
    none = Recording.from_arrays(current_pA=np.zeros((2, 100)), dt_ms=0.1, voltage_mV=v,
                                 detect=False)
    assert none.spikes is None
    assert none.detect_spikes().spikes == rec.spikes


@pytest.mark.parametrize("kwargs, err, match", [
    ({"voltage_mV": np.zeros((2, 9))}, ShapeError, r"voltage_mV must have the shape .*\(2, 10\)"),
    ({"spike_times_ms": [[1.0]]}, ShapeError, "one train per sweep \\(2\\). Got 1"),
    ({"spike_times_ms": [[1.0], [1.5]], "dt_ms": 0.1}, InvalidParameterError,
     "sweep 1 has a spike at 1.5 ms"),
    ({"sweep_names": ["a", "a"]}, InvalidParameterError, "'a' repeats"),
    ({"sweep_names": ["a"]}, ShapeError, "sweep_names must have 2 entries"),
    ({"stimulus_id": [0, 1, 2]}, ShapeError, "stimulus_id must be 2 integers"),
    ({"annotations": {"cell": [1]}}, ShapeError, "annotation 'cell'"),
    ({"dt_ms": 0.0}, InvalidParameterError, "'dt_ms' parameter of Recording"),
])
def test_construction_errors_name_the_field(kwargs, err, match):
    args = {"current_pA": np.zeros((2, 10)), "dt_ms": 1.0} | kwargs
    with pytest.raises(err, match=match):
        Recording.from_arrays(**args)


def test_non_finite_current_names_sweep_and_sample():
    cur = np.zeros((3, 20))
    cur[2, 7] = np.inf
    with pytest.raises(InvalidParameterError, match="sweep 2 has inf at sample 7"):
        Recording.from_arrays(current_pA=cur, dt_ms=1.0)


def test_select_by_index_name_mask_and_slice():
    rec = _rec(annotations={"cell": np.array([10, 11, 12, 13])}, stimulus_id=[0, 0, 1, 1])
    sub = rec.select([3, 1])
    assert sub.sweep_names == ("sweep_3", "sweep_1")
    np.testing.assert_array_equal(sub.current_pA, rec.current_pA[[3, 1]])
    assert sub.spikes.counts().tolist() == [4, 2]
    assert sub.annotations["cell"].tolist() == [13, 11]
    assert sub.stimulus_id.tolist() == [1, 0]
    assert rec.select(["sweep_2"]).sweep_names == ("sweep_2",)
    assert rec.select(np.array([True, False, False, True])).n_sweeps == 2
    assert rec.select(slice(1, 3)).sweep_names == ("sweep_1", "sweep_2")
    assert rec.select([-1]).sweep_names == ("sweep_3",)
    with pytest.raises(InvalidParameterError, match="index 4 is out of range for 4"):
        rec.select([4])
    with pytest.raises(InvalidParameterError, match="Unknown sweep name"):
        rec.select(["nope"])
    with pytest.raises(InvalidParameterError, match="at least one sweep"):
        rec.select([])


def test_current_stimulus_and_repeat_groups():
    rec = _rec(stimulus_id=[5, 7, 5, 7])
    stim = rec.current_stimulus()
    assert isinstance(stim, Stimulus)
    assert stim.values.shape == (4, 1000) and stim.dt == 0.1 and stim.unit == "pA"
    np.testing.assert_array_equal(stim.values, rec.current_pA)
    assert rec.current_stimulus([2]).values.shape == (1, 1000)
    groups = rec.repeat_groups()
    assert {k: v.tolist() for k, v in groups.items()} == {5: [0, 2], 7: [1, 3]}


def test_crop_shifts_spikes_and_keeps_window():
    rec = Recording.from_arrays(current_pA=np.arange(200.0)[None], dt_ms=0.5,
                                spike_times_ms=[[4.0, 30.0, 60.0, 99.0]])
    c = rec.crop(25.0, 75.0)
    assert c.n_samples == 100 and c.current_pA[0, 0] == 50.0
    np.testing.assert_allclose(c.spikes[0], [5.0, 35.0])
    assert c.spikes.t_stop == 50.0
    with pytest.raises(InvalidParameterError, match="crop window"):
        rec.crop(50.0, 200.0)


def test_resample_keeps_charge_and_interpolates_voltage():
    dt = 0.1
    t = np.arange(1000) * dt
    cur = np.where((t >= 20.0) & (t < 60.0), 150.0, -10.0)[None]
    volt = (-70.0 + 0.1 * t)[None]  # linear: interpolation is exact
    rec = Recording.from_arrays(current_pA=cur, dt_ms=dt, voltage_mV=volt,
                                spike_times_ms=[[5.0, 99.95]])
    down = rec.resample(0.3)
    assert down.n_samples == 333 and down.dt_ms == 0.3
    # charge over the kept window (first 99.9 ms) is preserved exactly
    assert down.current_pA.sum() * 0.3 == pytest.approx(cur[0, :999].sum() * dt, rel=1e-12)
    np.testing.assert_allclose(down.voltage_mV[0], -70.0 + 0.1 * down.times_ms, atol=1e-9)
    assert down.spikes[0].tolist() == [5.0]  # 99.95 ms lies beyond the new 99.9 ms
    up = rec.resample(0.05)
    assert up.n_samples == 2000
    np.testing.assert_allclose(up.current_pA[0, ::2], cur[0])
    np.testing.assert_allclose(up.current_pA[0, 1::2], cur[0])
    assert rec.resample(0.1) is rec
    with pytest.raises(InvalidParameterError, match="longer than the sweeps"):
        rec.resample(500.0)


def test_stack_joins_and_checks():
    a, b = _rec(2, sweep_names=["a0", "a1"]), _rec(3, sweep_names=["b0", "b1", "b2"])
    both = Recording.stack([a, b])
    assert both.n_sweeps == 5 and both.sweep_names[-1] == "b2"
    assert both.stimulus_id.tolist() == [0, 1, 2, 3, 4]
    assert both.spikes.counts().tolist() == [1, 2, 1, 2, 3]
    short = _rec(1, n=500, sweep_names=["c"])
    with pytest.raises(ShapeError, match=r"\[1000, 500\]"):
        Recording.stack([a, short])
    assert Recording.stack([a, short], length="crop").n_samples == 500
    with pytest.raises(InvalidParameterError, match="share dt_ms"):
        Recording.stack([a, _rec(1, dt=0.2, sweep_names=["d"])])


def test_npz_round_trip(tmp_path, spiking_trace):
    v = np.stack([spiking_trace([3.0], dt_ms=0.1, n=300)] * 2)
    rec = Recording.from_arrays(current_pA=np.ones((2, 300)), dt_ms=0.1, voltage_mV=v,
                                sweep_names=["x", "y"], stimulus_id=[4, 4],
                                annotations={"cell": np.array([7, 8])})
    back = load_recording(rec.to_npz(tmp_path / "r.npz"))
    np.testing.assert_array_equal(back.current_pA, rec.current_pA)
    np.testing.assert_array_equal(back.voltage_mV, rec.voltage_mV)
    assert back.spikes == rec.spikes and back.metadata["spike_source"] == "given"
    assert back.sweep_names == ("x", "y") and back.stimulus_id.tolist() == [4, 4]
    assert back.annotations["cell"].tolist() == [7, 8] and back.dt_ms == 0.1


def test_npz_repeat_layout_and_unit_suffixes(tmp_path):
    cur_nA = np.full((2, 3, 50), 0.2)  # 2 stimuli x 3 repeats, in nA
    v = np.full((2, 3, 50), -0.065)    # in V
    offsets = np.array([0, 1, 1, 2, 2, 2, 3])
    np.savez(tmp_path / "rep.npz", dt_s=np.float64(1e-4), current_nA=cur_nA, voltage_V=v,
             set_id=np.array([3, 9]), spike_index=np.array([10, 20, 30]),
             spike_offsets=offsets, temperature_C=np.array([33.0, 34.0]))
    rec = load_npz_recording(tmp_path / "rep.npz", detect=False)
    assert rec.n_sweeps == 6 and rec.dt_ms == pytest.approx(0.1)
    assert rec.current_pA.max() == pytest.approx(200.0)
    assert rec.voltage_mV.max() == pytest.approx(-65.0)
    assert rec.stimulus_id.tolist() == [3, 3, 3, 9, 9, 9]
    assert rec.sweep_names[:4] == ("03-0", "03-1", "03-2", "09-0")
    assert rec.annotations["repeat"].tolist() == [0, 1, 2, 0, 1, 2]
    assert rec.annotations["temperature_C"].tolist() == [33.0] * 3 + [34.0] * 3
    np.testing.assert_allclose(rec.spikes.times, [1.0, 2.0, 3.0])
    assert rec.spikes.counts().tolist() == [1, 0, 1, 0, 0, 1]


@pytest.mark.parametrize("fields, err, match", [
    ({"current_pA": np.zeros((2, 5))}, InvalidParameterError, r"needs \['dt_ms'\]"),
    ({"dt_ms": 0.1, "spike_times_ms": np.zeros(1), "spike_offsets": np.array([0, 1])},
     InvalidParameterError, "looks like a spike file"),
    ({"dt_ms": 0.1, "current": np.zeros((2, 5))}, InvalidParameterError,
     "field 'current' has no unit"),
    ({"dt_ms": 0.1, "current_mV": np.zeros((2, 5))}, InvalidParameterError,
     "unit 'mV' is not a current unit"),
    ({"dt_ms": np.ones(2), "current_pA": np.zeros((2, 5))}, ShapeError, "must be a scalar"),
    ({"dt_ms": 0.1, "current_pA": np.zeros(5)}, ShapeError, r"Got \(5,\)"),
    ({"dt_ms": 0.1, "current_pA": np.zeros((2, 5)), "voltage_mV": np.zeros((2, 4))},
     ShapeError, r"field 'voltage_mV' must have the shape of 'current_pA' \(2, 5\)"),
    ({"dt_ms": 0.1, "current_pA": np.zeros((2, 5)), "spike_times_ms": np.zeros(1)},
     InvalidParameterError, "needs 'spike_offsets'"),
    ({"dt_ms": 0.1, "current_pA": np.zeros((2, 5)), "spike_times_ms": np.zeros(1),
      "spike_offsets": np.array([0, 1])}, ShapeError, "n_sweeps \\+ 1 = 3 entries. Got 2"),
    ({"dt_ms": 0.1, "current_pA": np.zeros((1, 5)), "spike_times_ms": np.array([2.0, 1.0]),
      "spike_offsets": np.array([0, 2])}, InvalidParameterError, "sorted within each train"),
    ({"dt_ms": 0.1, "current_pA": np.zeros((1, 5)), "spike_times_ms": np.array([0.7]),
      "spike_offsets": np.array([0, 1])}, InvalidParameterError,
     r"bad.npz: Spike times must lie within the sweep \(0 to 0.5 ms\); sweep 0"),
])
def test_bad_npz_files_say_what_is_wrong(tmp_path, fields, err, match):
    np.savez(tmp_path / "bad.npz", **fields)
    with pytest.raises(err, match=match):
        load_recording(tmp_path / "bad.npz")


def test_implausible_units_warn(tmp_path):
    np.savez(tmp_path / "volts.npz", dt_ms=0.1, current_pA=np.full((1, 50), 100.0),
             voltage_mV=np.full((1, 50), -0.07) + np.linspace(0, 0.01, 50))
    with pytest.warns(UserWarning, match="was the file's unit V"):
        load_recording(tmp_path / "volts.npz")
    np.savez(tmp_path / "amps.npz", dt_ms=0.1, current_pA=np.full((1, 50), 1e-10))
    with pytest.warns(UserWarning, match="current_pA peaks at"):
        load_recording(tmp_path / "amps.npz")


def test_missing_file_and_unknown_option(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        load_recording(tmp_path / "nothing.npz")
    _rec(1).to_npz(tmp_path / "ok.npz")
    with pytest.raises(TypeError, match="threshold"):
        load_recording(tmp_path / "ok.npz", threshold=3.0)


def test_spike_trains_are_spike_trains():
    rec = _rec(2)
    assert isinstance(rec.spikes, SpikeTrains) and rec.spikes.t_stop == rec.duration_ms
    assert "n_sweeps=2" in repr(rec)
