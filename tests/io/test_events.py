"""Event files: every format read back exactly as an independent writer wrote it
(AEDAT 2.0, 3.1 and N-MNIST by hand from the format specs, AEDAT 4 with
dv-processing, Prophesee DAT / EVT 2 / EVT 3 with expelliarmus), and events turned
into spike sources."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from spikeopt.errors import InvalidParameterError
from spikeopt.io import EventStream, read_events, save_events, to_spike_trains
from spikeopt.io.events import make_events, source_shape


def some_events(n=300, size=(16, 12), seed=0, t0=1000):
    rng = np.random.default_rng(seed)
    t = t0 + np.sort(rng.integers(0, 50_000, n))
    return make_events(x=rng.integers(0, size[0], n), y=rng.integers(0, size[1], n),
                       p=rng.integers(0, 2, n), t_us=t)


def same(a: np.ndarray, b: np.ndarray):
    for f in ("x", "y", "p", "t"):
        np.testing.assert_array_equal(a[f], b[f], err_msg=f)


def write_aedat2(path, ev):
    """AEDAT 2.0 (jAER): '#' header lines, then big-endian (uint32 address, uint32 µs)
    pairs; DVS128 address = y << 8 | x << 1 | p as tonic decodes it (x bits 8-14,
    y bits 1-7, p bit 0)."""
    addr = (ev["x"].astype(np.uint32) << 8) | (ev["y"].astype(np.uint32) << 1) | ev["p"]
    body = np.empty(ev.size, dtype=[("a", ">u4"), ("t", ">u4")])
    body["a"], body["t"] = addr, ev["t"]
    path.write_bytes(b"#!AER-DAT2.0\r\n# This is a raw AE data file\r\n" + body.tobytes())


def write_aedat31(path, ev, *, per_packet=100, overflow=0):
    """AEDAT 3.1: text header ending '#!END-HEADER', then packets of a 28-byte header
    (int16 type, int16 source, int32 event size, ts offset, ts overflow, capacity,
    number, valid) and polarity events (uint32 data: bit 0 valid, bit 1 polarity,
    y bits 2-16, x bits 17-31; int32 timestamp)."""
    out = [b"#!AER-DAT3.1\r\n#Format: RAW\r\n#Source 1: DVS128\r\n#!END-HEADER\r\n"]
    for k in range(0, ev.size, per_packet):
        e = ev[k:k + per_packet]
        data = ((e["x"].astype(np.uint32) << 17) | (e["y"].astype(np.uint32) << 2)
                | (e["p"].astype(np.uint32) << 1) | 1)
        body = np.empty(e.size, dtype=[("d", "<u4"), ("t", "<i4")])
        body["d"], body["t"] = data, e["t"] - (overflow << 31)
        out.append(struct.pack("<hhiiiiii", 1, 1, 8, 4, overflow, e.size, e.size, e.size))
        out.append(body.tobytes())
    path.write_bytes(b"".join(out))


def write_nmnist(path, ev):
    """N-MNIST: 5 bytes per event: x, y, then p (bit 7) and a 23-bit µs timestamp."""
    raw = np.zeros((ev.size, 5), dtype=np.uint8)
    raw[:, 0], raw[:, 1] = ev["x"], ev["y"]
    t = ev["t"].astype(np.uint32)
    raw[:, 2] = (ev["p"].astype(np.uint32) << 7) | ((t >> 16) & 0x7F)
    raw[:, 3], raw[:, 4] = (t >> 8) & 0xFF, t & 0xFF
    path.write_bytes(raw.tobytes())


def test_aedat2_by_the_spec(tmp_path):
    pytest.importorskip("tonic")
    ev = some_events(size=(128, 128))
    write_aedat2(tmp_path / "a.aedat", ev)
    s = read_events(tmp_path / "a.aedat")
    same(s.events, ev)
    assert s.sensor_size == (128, 128)
    # DAVIS346 (jAER): x mirrored in bits 12-21, y mirrored in bits 22-30, p bit 11
    ev = some_events(size=(346, 260), seed=1)
    addr = (((345 - ev["x"].astype(np.uint32)) << 12) | ((259 - ev["y"].astype(np.uint32))
                                                         << 22) | (ev["p"].astype(np.uint32) << 11))
    body = np.empty(ev.size, dtype=[("a", ">u4"), ("t", ">u4")])
    body["a"], body["t"] = addr, ev["t"]
    (tmp_path / "d.aedat").write_bytes(b"#!AER-DAT2.0\r\n" + body.tobytes())
    s = read_events(tmp_path / "d.aedat", camera="davis346")
    same(s.events, ev)
    assert s.sensor_size == (346, 260)


def test_aedat31_by_the_spec_with_timestamp_overflow(tmp_path):
    pytest.importorskip("tonic")
    ev = some_events(size=(40, 30), t0=(1 << 31) + 5)
    write_aedat31(tmp_path / "a.aedat", ev, per_packet=64, overflow=1)
    s = read_events(tmp_path / "a.aedat", sensor_size=(40, 30))
    same(s.events, ev)
    bad = tmp_path / "frame.aedat"
    bad.write_bytes(b"#!AER-DAT3.1\r\n#!END-HEADER\r\n" +
                    struct.pack("<hhiiiiii", 2, 1, 12, 0, 0, 1, 1, 1) + bytes(12))
    with pytest.raises(InvalidParameterError, match=r"polarity-event packets.*\(2, 12\)"):
        read_events(bad)


def test_aedat4_written_by_dv_processing(tmp_path):
    dv = pytest.importorskip("dv_processing")
    pytest.importorskip("aedat")
    ev = some_events(size=(16, 12))
    writer = dv.io.MonoCameraWriter(str(tmp_path / "a.aedat4"),
                                    dv.io.MonoCameraWriter.EventOnlyConfig("test", (16, 12)))
    store = dv.EventStore()
    for e in ev:
        store.push_back(int(e["t"]), int(e["x"]), int(e["y"]), bool(e["p"]))
    writer.writeEvents(store)
    del writer  # closes the file
    s = read_events(tmp_path / "a.aedat4")
    same(s.events, ev)
    assert s.sensor_size == (16, 12)


@pytest.mark.parametrize("encoding,suffix", [("dat", ".dat"), ("evt2", ".raw"),
                                             ("evt3", ".raw")])
def test_prophesee_written_by_expelliarmus(tmp_path, encoding, suffix):
    ex = pytest.importorskip("expelliarmus")
    ev = some_events(size=(64, 48))
    arr = np.zeros(ev.size, dtype=[("t", "<i8"), ("x", "<i2"), ("y", "<i2"), ("p", "u1")])
    for f in ("t", "x", "y", "p"):
        arr[f] = ev[f]
    path = tmp_path / f"a{suffix}"
    ex.Wizard(encoding=encoding).save(str(path), arr)
    s = read_events(path, format=encoding)
    same(s.events, ev)


def test_nmnist_by_the_spec_and_our_npz(tmp_path):
    pytest.importorskip("tonic")
    ev = some_events(size=(34, 34), t0=0)
    write_nmnist(tmp_path / "a.bin", ev)
    s = read_events(tmp_path / "a.bin")
    same(s.events, ev)
    assert s.sensor_size == (34, 34)
    save_events(tmp_path / "a.npz", s)
    back = read_events(tmp_path / "a.npz")
    same(back.events, ev)
    assert back.sensor_size == (34, 34)


def test_bad_input_names_the_parameter(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_events(tmp_path / "none.aedat4")
    (tmp_path / "a.txt").write_text("x")
    with pytest.raises(InvalidParameterError, match="'format' parameter.*'.txt'"):
        read_events(tmp_path / "a.txt")
    with pytest.raises(InvalidParameterError, match="'format'.*Got 'avi'"):
        read_events(tmp_path / "a.txt", format="avi")
    np.savez(tmp_path / "b.npz", x=[1])
    with pytest.raises(InvalidParameterError, match=r"Missing \['p', 'sensor_size', 't_us'"):
        read_events(tmp_path / "b.npz")
    s = EventStream(some_events(20), (16, 12))
    with pytest.raises(InvalidParameterError, match="'downsample'.*Got 0"):
        to_spike_trains(s, downsample=0)
    with pytest.raises(InvalidParameterError, match="'polarity'.*Got 'both'"):
        to_spike_trains(s, polarity="both")
    with pytest.raises(InvalidParameterError, match="must lie on the 4×4 sensor"):
        EventStream(some_events(20), (4, 4))


def test_sources_per_pixel_and_polarity():
    ev = make_events(x=[0, 1, 5, 5, 2], y=[0, 0, 3, 3, 1], p=[1, 1, 0, 1, 0],
                     t_us=[1000, 1500, 2000, 2600, 9000])
    s = EventStream(ev, (6, 4))
    st = to_spike_trains(s)
    assert len(st) == 2 * 4 * 6
    on, off = 24, 0
    assert st[on + 0].tolist() == [0.0] and st[on + 1].tolist() == [0.5]
    assert st[off + 3 * 6 + 5].tolist() == [1.0] and st[on + 3 * 6 + 5].tolist() == [1.6]
    ds = to_spike_trains(s, downsample=2, polarity="merge")
    assert source_shape((6, 4), downsample=2, polarity="merge") == (1, 2, 3)
    assert ds[0].tolist() == [0.0, 0.5] and ds[1].tolist() == [8.0]
    assert ds[1 * 3 + 2].tolist() == [1.0, 1.6]
    assert to_spike_trains(s, polarity="off").counts().sum() == 2
    win = to_spike_trains(s, start_ms=0.8, stop_ms=2.0)
    assert win.t_stop == pytest.approx(1.2)
    assert sorted(win.times.round(6).tolist()) == [0.2, 0.8]


# -- an event file as a network's input population --------------------------------------
def event_network(file, **extra):
    return {"populations": {"E": {"model": "lif", "size": 8, "params": {"t_ref": 0.0}}},
            "inputs": {"retina": {"type": "events", "file": file, "downsample": 2,
                                  "target": "E", "connector": {"rule": "one_to_one"},
                                  "synapse": {"type": "delta"}, "weight": 30.0,
                                  "delay_ms": 1.5, **extra}}}


def test_event_input_spikes_arrive_after_the_delay(tmp_path):
    """Each source spike at t (ms) kicks its one_to_one target by 30 mV (threshold 20 mV
    above rest) and makes it fire in the step of t + 1.5 ms."""
    import spikeopt
    from spikeopt.errors import ConfigError
    from spikeopt.fitting.network_config import load_network
    from spikeopt.network import Network

    ev = make_events(x=[0, 3, 2, 1, 3], y=[0, 0, 1, 1, 1], p=[1, 1, 0, 1, 0],
                     t_us=[2000, 7500, 13000, 20200, 31000])
    save_events(tmp_path / "rec.npz", EventStream(ev, (4, 4)))
    net = load_network(event_network("rec.npz"), base=tmp_path)
    with pytest.raises(ConfigError, match="inputs.retina: an event recording .type: events"):
        Network.from_dict(event_network("rec.npz"))
    st = to_spike_trains(EventStream(ev, (4, 4)), downsample=2)
    arrays = event_network("rec.npz")  # numpy trains are taken as they are
    arrays["inputs"]["retina"] = {**arrays["inputs"]["retina"], "type": "spikes",
                                  "times_ms": st.to_list()}
    del arrays["inputs"]["retina"]["file"], arrays["inputs"]["retina"]["downsample"]
    assert Network.from_dict(arrays).inputs["retina"].times_ms == net.inputs["retina"].times_ms
    assert net.inputs["retina"].type == "spikes" and len(net.inputs["retina"].times_ms) == 8
    src = to_spike_trains(EventStream(ev, (4, 4)), downsample=2)
    res = spikeopt.simulate(net, t_stop=40.0, dt=0.1, seed=1)
    out = res.population("E")
    for i in range(8):
        np.testing.assert_allclose(out[i], src[i] + 1.5, atol=0.1 + 1e-9)
    assert out.counts().sum() == 5


def test_network_config_names_an_event_file(tmp_path):
    import shutil
    from pathlib import Path

    from spikeopt.errors import ConfigError
    from spikeopt.fitting.config import validate_config

    pytest.importorskip("aedat")
    data = Path(__file__).resolve().parents[2] / "examples" / "data"
    shutil.copy(data / "moving_bar_right.aedat4", tmp_path / "bar.aedat4")
    net = event_network("bar.aedat4", downsample=8, polarity="on")
    net["populations"]["E"]["size"] = 4
    cfg = {"kind": "network", "network": net, "fit": {"inputs.retina.weight": [0.0, 40.0]},
           "objective": {"terms": [{"metric": "mean_rate", "populations": ["E"],
                                    "target_hz": 50.0}]},
           "simulation": {"t_stop_ms": 150.0}, "seed": 1, "output": "run"}
    out = validate_config(cfg, base_dir=tmp_path)
    assert out["network"]["inputs"]["retina"]["file"] == str(tmp_path / "bar.aedat4")
    with pytest.raises(ConfigError, match=r"network.inputs.retina.file': file not found"):
        validate_config({**cfg, "network": event_network("nope.aedat4")}, base_dir=tmp_path)
    with pytest.raises(ConfigError, match=r"unknown key\(s\) \['downsampel'\]; allowed: .*'file'"):
        validate_config({**cfg, "network": event_network("bar.aedat4", downsampel=2)},
                        base_dir=tmp_path)
    bad = event_network("bar.aedat4", downsample=0)
    with pytest.raises(ConfigError, match=r"'downsample' parameter.*Got 0"):
        validate_config({**cfg, "network": bad}, base_dir=tmp_path)
    # the network file may live elsewhere: its event file is relative to it
    (tmp_path / "nets").mkdir()
    shutil.copy(data / "moving_bar_right.npz", tmp_path / "nets" / "bar.npz")
    import yaml

    (tmp_path / "nets" / "net.yaml").write_text(yaml.safe_dump(
        {**net, "inputs": {"retina": {**net["inputs"]["retina"], "file": "bar.npz"}}}))
    validate_config({**cfg, "network": "nets/net.yaml"}, base_dir=tmp_path)


def test_docstring_examples_and_the_install_hint(tmp_path, monkeypatch):
    import doctest
    import sys

    from spikeopt.io import events

    result = doctest.testmod(events, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
    write_aedat2(tmp_path / "a.aedat", some_events(10, size=(128, 128)))
    monkeypatch.setitem(sys.modules, "tonic", None)
    monkeypatch.setitem(sys.modules, "tonic.io", None)
    with pytest.raises(ImportError, match=r"needs tonic: pip install 'spikeopt\[events\]'"):
        read_events(tmp_path / "a.aedat")
