"""File input and output: spike files (npz, csv) and, later, recordings
(npz, NWB, Neo formats)."""

from .spikefiles import load_mat_spikes, load_spikes, save_spikes

__all__ = ["load_mat_spikes", "load_spikes", "save_spikes"]
