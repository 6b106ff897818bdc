"""Pins the public surface: a change here is a deliberate API change."""

import spikeopt

CORE = {
    "ConfigError", "InvalidParameterError", "Parameter", "ParameterSpace", "ShapeError",
    "SimResult", "SimulationError", "SpikeTrains", "SpikeoptError", "UnknownNameError",
    "io", "metrics", "models", "simulate", "stimuli", "Network", "NetworkResult", "network",
}


def test_core_members_are_exported():
    assert CORE <= set(spikeopt.__all__)
    for name in spikeopt.__all__:
        assert hasattr(spikeopt, name), name


def test_simulate_is_the_function():
    assert callable(spikeopt.simulate) and spikeopt.simulate.__name__ == "simulate"


def test_network_is_the_class():
    assert spikeopt.Network is spikeopt.network.Network
