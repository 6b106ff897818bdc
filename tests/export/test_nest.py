"""Round trips of spikeopt.export.nest: write a PyNEST script, run it in a fresh
interpreter, and get the NEST backend's spikes exactly (same plan, same NEST)
and spikeopt's own up to NEST's one-dt spike stamp."""

from __future__ import annotations

import doctest
import importlib.util
import subprocess
import sys

import numpy as np
import pytest

import spikeopt
from spikeopt import stimuli
from spikeopt.backends.nest import NestBackend, trains_from_events
from spikeopt.export import nest as export_nest
from spikeopt.export.nest import pynest_script
from spikeopt.network import library

pytestmark = pytest.mark.skipif(importlib.util.find_spec("nest") is None,
                                reason="NEST is not installed: pip install 'spikeopt[nest]'")
DT = 0.1


def _run(src: str, tmp_path, name: str) -> dict:
    script, out = tmp_path / f"{name}.py", tmp_path / f"{name}.npz"
    script.write_text(src)
    proc = subprocess.run([sys.executable, str(script), str(out)], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with np.load(out) as z:
        return {k: z[k] for k in z.files}


def test_cell_script_reproduces_the_backend_and_spikeopt(tmp_path):
    rng = np.random.default_rng(2)
    stim = stimuli.from_array(9.0 + 6.0 * rng.standard_normal((2, 2000)), dt=DT)
    p = {"a": 0.02, "b": 0.2, "c": -55.0, "d": 4.0}
    src = pynest_script("izhikevich", p, stimulus=stim, dt=DT, seed=5, record_v=True,
                        v_every=10)
    assert "import spikeopt" not in src and "consistent_integration" in src
    got = _run(src, tmp_path, "cell")
    backend = NestBackend()
    backend.reset()
    res = backend.cell_candidate("izhikevich", p, stim, dt=DT, t_stop=None, record_v=True,
                                 v_every=10, initial=None)
    trains = trains_from_events(got["cell_senders"], got["cell_times"], 2)
    assert np.array_equal(np.concatenate(trains), res.spikes.times)
    ref = spikeopt.simulate("izhikevich", p, stim, dt=DT)
    np.testing.assert_allclose(np.concatenate(trains), ref.spikes.times + DT, atol=1e-9)
    assert got["v"].size == 2 * (200 - 1)  # NEST's samples at 1 ms, ..., 199 ms


def _network() -> dict:
    net = library.cuba(n=300, p=0.05, delay_ms=0.1)
    net["projections"]["EE"]["weight"] = {"uniform": [0.5, 3.0]}
    net["projections"]["IE"]["delay_ms"] = {"normal": [1.0, 0.5]}
    syn = {"type": "exp_current", "tau_ms": 5.0}
    net["inputs"] = {
        "bg": {"type": "poisson", "size": 50, "rate_hz": 20.0, "target": "E", "synapse": syn,
               "connector": {"rule": "fixed_indegree", "n": 5}, "weight": 2.0, "delay_ms": 0.5},
        "kick": {"type": "spikes", "times_ms": [[1.0, 5.0], [3.0]], "target": "I", "synapse": syn,
                 "connector": {"rule": "from_list", "pre": [0, 1, 1], "post": [0, 3, 3]},
                 "weight": 5.0, "delay_ms": 0.3},
        "net": {"type": "poisson", "size": 20, "rate_hz": 50.0, "noise": 0.5, "target": "I",
                "synapse": syn, "connector": {"rule": "fixed_probability", "p": 0.3},
                "weight": {"uniform": [1.0, 5.0]}}}
    return net


def test_network_script_reproduces_the_backend(tmp_path):
    net, params = _network(), {"projections.EI.weight": 2.0}
    src = pynest_script(net, params, dt=DT, t_stop=200.0, seed=11)
    for call in ("pairwise_bernoulli", "parrot_neuron", "spike_generator", "fixed_indegree",
                 "nest.random.uniform(min=0.5, max=3.0)", "nest.math.max(nest.random.normal("):
        assert call in src, call
    got = _run(src, tmp_path, "net")
    backend = NestBackend()
    backend.reset()
    res = backend.network_candidate(net, params, t_stop=200.0, dt=DT, seed=11)
    for pop in ("E", "I"):
        n = int(res.sizes[pop][0])
        trains = trains_from_events(got[f"{pop}_senders"], got[f"{pop}_times"], n)
        mine = res.population(pop)
        assert [t.size for t in trains] == mine.counts().tolist()
        assert np.array_equal(np.concatenate(trains), mine.times)
    assert res.spikes.times.size > 100


def test_delta_network_script_spikes_as_spikeopt(tmp_path):
    net = {"populations": {"A": {"model": "izhikevich", "size": 3, "current": [5.0, 6.0, 7.0]},
                           "B": {"model": "izhikevich", "size": 2}},
           "projections": {"AB": {"pre": "A", "post": "B", "synapse": {"type": "delta"},
                                  "connector": {"rule": "all_to_all"}, "weight": 20.0,
                                  "delay_ms": 1.0}}}
    got = _run(pynest_script(net, {}, dt=DT, t_stop=150.0, seed=3), tmp_path, "delta")
    ref = spikeopt.simulate(net, {}, t_stop=150.0, dt=DT, seed=3)
    for pop, n in (("A", 3), ("B", 2)):
        trains = trains_from_events(got[f"{pop}_senders"], got[f"{pop}_times"], n)
        assert [t.size for t in trains] == ref.population(pop).counts().tolist()
        np.testing.assert_allclose(np.concatenate(trains), ref.population(pop).times + DT,
                                   atol=1e-9)
    assert ref.population("B").times.size > 0


def test_docstring_example_and_input_checks():
    assert doctest.testmod(export_nest).failed == 0
    with pytest.raises(spikeopt.InvalidParameterError, match="must be a scalar"):
        pynest_script("lif", {"tau_m": [10.0, 20.0]}, stimulus=stimuli.step(1.0, duration=5.0))
    with pytest.raises(spikeopt.InvalidParameterError, match="needs a stimulus"):
        pynest_script("lif", {})
    with pytest.raises(spikeopt.InvalidParameterError, match="needs t_stop"):
        pynest_script(library.cuba(n=10), {})
