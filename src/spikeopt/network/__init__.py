"""Spiking network descriptions: populations, projections (connectors,
synapses, plasticity) and inputs, with every number addressable by its dotted
path so that each candidate network of a population can get its own value.

>>> from spikeopt.network import Network
>>> net = Network.from_dict({"populations": {"E": {"model": "izhikevich", "size": 20}}})
>>> net
Network(E: izhikevich × 20; 0 projections, 0 inputs)

See docs/network.md for the description format and :func:`spikeopt.simulate`
for simulating a population of candidate networks.
"""

from . import library
from .connect import RULES
from .spec import (
    CONNECTORS,
    NETWORK_MODELS,
    SYNAPSES,
    UPDATES,
    Input,
    Network,
    Population,
    Projection,
)

__all__ = ["Network", "Population", "Projection", "Input", "CONNECTORS", "SYNAPSES", "library",
           "NETWORK_MODELS", "UPDATES", "RULES"]
