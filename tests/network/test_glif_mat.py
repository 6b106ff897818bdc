"""GLIF1–GLIF5 and MAT populations in networks: the same step as single-cell
simulation (bit-identical spikes), delta kicks of the analytic size at the
expected step, and the refusal of conductance synapses onto MAT."""

from __future__ import annotations

import numpy as np
import pytest

import spikeopt
from spikeopt.errors import ConfigError
from spikeopt.fitting import validate_config
from spikeopt.network import NETWORK_MODELS, Network

DT = 0.1
GLIFS = ("glif1", "glif2", "glif3", "glif4", "glif5")
# per neuron: (parameter name, values, constant current in pA); each neuron fires
DRIVE = {**{m: ("theta_inf", [-55.0, -52.0, -50.0], [300.0, 400.0, 600.0]) for m in GLIFS},
         "mat": ("omega", [-50.0, -45.0, -42.0], [400.0, 500.0, 600.0])}


def test_the_network_models_include_glif_and_mat():
    assert {*GLIFS, "mat"} <= set(NETWORK_MODELS)


@pytest.mark.parametrize("model", [*GLIFS, "mat"])
def test_unconnected_population_gives_the_single_cell_spikes(model):
    key, vals, cur = DRIVE[model]
    net = {"populations": {"P": {"model": model, "size": 3, "params": {key: vals},
                                 "current": cur}}}
    got = spikeopt.simulate(net, t_stop=300.0, dt=DT).population("P").to_list()
    ref = spikeopt.simulate(model, {key: vals}, np.tile(np.asarray(cur)[:, None], 3000),
                            dt=DT).spikes
    # the single-cell call runs P=3 candidates x S=3 sweeps: candidate j, sweep j
    ref = ref.to_list()
    for j in range(3):
        want = np.asarray(ref[4 * j])
        assert len(want) > 2
        assert np.array_equal(np.asarray(got[j]), want)


def _kick_net(model: str, weight: float, delay_ms: float = 2.0) -> dict:
    return {"populations": {"T": {"model": model, "size": 1}},
            "inputs": {"s": {"type": "spikes", "times_ms": [[10.0]], "target": "T",
                             "connector": {"rule": "all_to_all"}, "weight": weight,
                             "delay_ms": delay_ms}}}


@pytest.mark.parametrize("model,var,rest", [("glif2", "V", -78.85), ("mat", "v", -65.0)])
def test_delta_kick_raises_v_by_the_weight_after_the_delay(model, var, rest):
    res = spikeopt.simulate(_kick_net(model, 3.0), t_stop=20.0, dt=DT,
                            record_state={f"T.{var}": [0]})
    v = res.state(f"T.{var}")[0]
    k = 100 + 20  # the input spike's step + the delay; delivered at the end of step k
    assert np.all(v[:k + 1] == rest)  # at rest, forward Euler keeps v exactly
    assert v[k + 1] == pytest.approx(rest + 3.0, abs=1e-12)
    assert rest < v[-1] < rest + 3.0  # then it leaks back


@pytest.mark.parametrize("model", ["glif1", "glif4", "mat"])
def test_a_source_spike_makes_the_target_fire_one_step_after_arrival(model):
    key, vals, cur = DRIVE[model]
    net = {"populations": {"S": {"model": model, "size": 1, "params": {key: vals[2]},
                                 "current": cur[2]},
                           "T": {"model": model, "size": 1}},
           "projections": {"ST": {"pre": "S", "post": "T", "connector": {"rule": "all_to_all"},
                                  "weight": 40.0, "delay_ms": 1.5}}}
    res = spikeopt.simulate(net, t_stop=100.0, dt=DT)
    src = np.asarray(res.population("S").to_list()[0])
    tgt = np.asarray(res.population("T").to_list()[0])
    assert src.size >= 1
    assert tgt[0] == pytest.approx(src[0] + 1.5 + DT, abs=1e-9)


@pytest.mark.parametrize("model", GLIFS)
def test_current_and_conductance_synapses_onto_glif(model):
    spec = _kick_net(model, 0.0)
    spec["inputs"]["s"]["times_ms"] = [[5.0 + 2.0 * i for i in range(20)]]
    out = {}
    for syn, w in (("exp_current", {"type": "exp_current", "tau_ms": 5.0}),
                   ("exp_conductance", {"type": "exp_conductance", "tau_ms": 5.0,
                                        "E_rev_mV": 0.0})):
        spec["inputs"]["s"]["synapse"] = w
        spec["inputs"]["s"]["weight"] = 60.0 if syn == "exp_current" else 1.0
        res = spikeopt.simulate(spec, t_stop=60.0, dt=DT, record_state={"T.V": [0]})
        out[syn] = res.state("T.V")[0]
    for v in out.values():
        assert v.max() > -78.85 + 1.0  # depolarised by the input
        assert np.isfinite(v).all()


def test_conductance_synapses_onto_mat_are_refused():
    for syn in ({"type": "exp_conductance", "tau_ms": 5.0, "E_rev_mV": 0.0},
                {"type": "exp2_conductance", "tau_rise_ms": 1.0, "tau_decay_ms": 5.0,
                 "E_rev_mV": 0.0}):
        spec = _kick_net("mat", 1.0)
        spec["inputs"]["s"]["synapse"] = syn
        with pytest.raises(ConfigError, match=r"inputs\.s\.synapse.*'T'.*'mat'.*leaky "
                                              r"integrator"):
            Network.from_dict(spec)
        spec = {"populations": {"A": {"model": "glif2", "size": 2},
                                "M": {"model": "mat", "size": 2}},
                "projections": {"AM": {"pre": "A", "post": "M", "synapse": syn,
                                       "connector": {"rule": "all_to_all"}, "weight": 1.0}}}
        with pytest.raises(ConfigError, match=r"projections\.AM.*'M'.*'mat'"):
            Network.from_dict(spec)
    spec["projections"]["AM"]["synapse"] = {"type": "exp_current", "tau_ms": 5.0}
    Network.from_dict(spec)  # current synapses onto MAT are fine


def test_a_network_config_accepts_glif2(tmp_path):
    net = {"populations": {"E": {"model": "glif2", "size": 4, "current": 300.0,
                                 "params": {"theta_inf": -52.0}},
                           "M": {"model": "mat", "size": 2}},
           "projections": {"EM": {"pre": "E", "post": "M", "connector": {"rule": "all_to_all"},
                                  "synapse": {"type": "exp_current", "tau_ms": 5.0},
                                  "weight": 50.0}}}
    cfg = {"kind": "network", "network": net,
           "fit": {"populations.E.params.theta_inf": [-60.0, -45.0]},
           "objective": {"terms": [{"metric": "mean_rate", "populations": ["E"],
                                    "target_hz": 10.0}]},
           "simulation": {"t_stop_ms": 100.0, "dt_ms": 0.1},
           "optimizer": {"name": "cmaes", "popsize": 4}, "budget": {"evaluations": 8},
           "seed": 0, "output": "runs/x"}
    out = validate_config(cfg, base_dir=tmp_path)
    assert out["network"]["populations"]["E"]["model"] == "glif2"
    net["projections"]["EM"]["synapse"] = {"type": "exp_conductance", "tau_ms": 5.0,
                                           "E_rev_mV": 0.0}
    with pytest.raises(ConfigError, match="mat"):
        validate_config(cfg, base_dir=tmp_path)


def test_glif_drops_delta_kicks_while_refractory_mat_takes_every_kick():
    # kicks at 10 ms (40 mV: a spike), 12 ms (while refractory) and 20 ms, 3 mV each
    res = {}
    for model, var in (("glif1", "V"), ("mat", "v")):
        spec = _kick_net(model, 0.0, delay_ms=0.0)
        spec["inputs"]["s"]["connector"] = {"rule": "from_list", "pre": [0, 1, 2],
                                            "post": [0, 0, 0], "weight": [40.0, 3.0, 3.0]}
        spec["inputs"]["s"]["times_ms"] = [[10.0], [12.0], [20.0]]
        r = spikeopt.simulate(spec, t_stop=30.0, dt=DT, record_state={f"T.{var}": [0]})
        res[model] = (r.state(f"T.{var}")[0], np.asarray(r.population("T").to_list()[0]))
    v, spikes = res["glif1"]
    assert spikes.tolist() == [pytest.approx(10.1)]
    assert np.all(v[102:201] == -78.85)  # reset to V_reset = E_L, the 12 ms kick dropped
    assert v[201] == pytest.approx(-78.85 + 3.0, abs=1e-12)  # the 20 ms kick arrives
    v, spikes = res["mat"]
    assert spikes.tolist() == [pytest.approx(10.1)]
    leak = DT * (-65.0 - v[120]) / 5.0  # forward Euler, E_L = -65 mV, tau_m = 5 ms
    assert v[121] == pytest.approx(v[120] + leak + 3.0, abs=1e-12)  # never reset: it arrives
