"""Pins the public surface of spikeopt.io."""

import spikeopt.io

PUBLIC = {
    "Recording", "SpikeDetector", "detect_spikes", "load_mat_spikes", "load_neo_recording",
    "load_npz_recording", "load_nwb_recording", "load_recording", "load_spikes",
    "load_text_recording", "save_spikes", "EventStream", "read_events", "save_events",
    "to_spike_trains",
}


def test_io_exports():
    assert set(spikeopt.io.__all__) == PUBLIC
    for name in PUBLIC:
        assert hasattr(spikeopt.io, name), name


def test_heavy_readers_are_not_imported_by_spikeopt_io():
    import subprocess
    import sys

    code = ("import sys, spikeopt.io; "
            "print(any(m in sys.modules for m in ('pynwb', 'neo', 'hdmf', 'tonic', 'aedat', "
            "'expelliarmus')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False"
