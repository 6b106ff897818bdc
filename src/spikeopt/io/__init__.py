"""File input and output: spike files (npz, csv, mat) and current-clamp recordings
(npz, text columns, NWB, Neo formats such as ABF), with spike detection from voltage;
event-camera recordings (AEDAT 2/3.1/4, Prophesee, N-MNIST, npz) as spike sources.

pynwb and neo are imported only when an NWB or Neo file is read; tonic, aedat and
expelliarmus only when an event file of their format is read."""

from .detect import SpikeDetector, detect_spikes
from .events import EventStream, read_events, save_events, to_spike_trains
from .load import load_recording
from .neo_io import load_neo_recording
from .npz import load_npz_recording
from .nwb import load_nwb_recording
from .recording import Recording
from .spikefiles import load_mat_spikes, load_spikes, save_spikes
from .text import load_text_recording

__all__ = [
    "EventStream",
    "Recording",
    "SpikeDetector",
    "detect_spikes",
    "load_mat_spikes",
    "load_neo_recording",
    "load_npz_recording",
    "load_nwb_recording",
    "load_recording",
    "load_spikes",
    "load_text_recording",
    "read_events",
    "save_events",
    "save_spikes",
    "to_spike_trains",
]
