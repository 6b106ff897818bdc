"""The issue's example network and parameters, shared by the network tests."""

EXAMPLE = {
    "populations": {
        "E": {"model": "izhikevich", "size": 200,
              "params": {"a": 0.02, "b": 0.2, "c": -65.0, "d": 8.0}, "current": 11.5},
        "I": {"model": "izhikevich", "size": 50,
              "params": {"a": 0.1, "b": 0.2, "c": -65.0, "d": 2.0}},
    },
    "projections": {
        "EE": {"pre": "E", "post": "E", "connector": {"rule": "fixed_probability", "p": 0.8},
               "synapse": {"type": "delta"}, "weight": {"uniform": [0.0, 0.5]},
               "delay_ms": 0.1},
        "IE": {"pre": "I", "post": "E", "connector": {"rule": "fixed_probability", "p": 0.5},
               "synapse": {"type": "delta"}, "weight": {"uniform": [-1.0, 0.0]},
               "delay_ms": 0.1},
    },
    "inputs": {
        "bg": {"type": "poisson", "size": 200, "rate_hz": 1600.0, "target": "E",
               "connector": {"rule": "one_to_one"}, "synapse": {"type": "delta"},
               "weight": 2.0, "delay_ms": 0.1},
    },
}
EXAMPLE_PARAMS = {"projections.EE.weight.uniform.1": [0.2, 0.5, 0.9],
                  "projections.EE.connector.p": [0.8, 0.5, 0.3]}
