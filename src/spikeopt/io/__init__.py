"""File input and output: spike files (npz, csv) and, later, recordings
(npz, NWB, Neo formats)."""

from .spikefiles import load_spikes, save_spikes

__all__ = ["load_spikes", "save_spikes"]
