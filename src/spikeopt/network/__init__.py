"""Spiking network descriptions (populations, projections, inputs)."""
