"""NeuroML 2 export: documents that pass the NeuroML 2 schema, round trips through
jNeuroML, and clear errors for what NeuroML does not cover.

The round trips run the written LEMS file with pyNeuroML's jNeuroML 0.14
(jLEMS: forward Euler at the same dt) and compare with :func:`spikeopt.simulate`.
Measured agreement, which the tolerances below pin:

* ``izhikevich2007`` and ``izhikevich`` (2003) under a step: identical spike
  times (|difference| < 1e-9 ms) at dt = 0.1 ms.
* ``lif``: identical first spike; every later interval 1–2 steps longer, because
  leaving jLEMS's ``refractory`` regime takes a step of its own (and ``t >
  lastSpikeTime + refract`` meets the accumulated time one step late or not).
* ``adex`` with a = 0: identical first spike, intervals 0–1 step longer (the
  same regime step at refract = 0). With a != 0 jLEMS updates the state variables
  of a regime one after the other (``ComponentRegime.advance``), so w sees the
  post-step v, which can be huge in the step that crosses V_peak: spike counts then
  differ (not a property of the export; see docs/backends.md).
* ``hh`` at dt = 0.01 ms: same count; each interval within 2 % (jLEMS updates the
  gates and v in a different order, a first-order difference: ~1 % at 0.01 ms,
  ~2.5 % at 0.025 ms).
* a 10-cell LIF network with exp_conductance synapses at dt = 0.025 ms: the same
  per-neuron spike counts (58 spikes in 150 ms; the test allows one apart), every
  first spike exactly one step late (a current on at t = 0 reaches a jLEMS cell
  one step late), later spikes drifting up to 1.1 ms by the sixth (the LIF
  refractory step above, plus jLEMS's Euler decay of g against spikeopt's exact
  decay: a first-order difference).
"""

from __future__ import annotations

import doctest
import shutil
from pathlib import Path

import numpy as np
import pytest

neuroml = pytest.importorskip("neuroml", reason="libNeuroML is not installed "
                                                "(pip install 'spikeopt[neuroml]')")

from spikeopt import simulate, stimuli  # noqa: E402
from spikeopt.export import neuroml as nml_export  # noqa: E402
from spikeopt.export.neuroml import (  # noqa: E402
    NeuroMLNotCoveredError,
    neuroml_document,
    run_jneuroml,
    write_neuroml,
)


def _have_jneuroml() -> bool:
    if shutil.which("java") is None:
        return False
    try:
        import pyneuroml  # noqa: F401
    except ImportError:
        return False
    return True


needs_jneuroml = pytest.mark.skipif(not _have_jneuroml(),
                                    reason="running NeuroML needs java and pyNeuroML")


def _schema_valid(path: Path) -> None:
    """Validate against the NeuroML 2.3.1 XSD shipped with libNeuroML (offline)."""
    from lxml import etree

    xsd = Path(neuroml.__file__).parent / "nml" / "NeuroML_v2.3.1.xsd"
    schema = etree.XMLSchema(etree.parse(str(xsd)))
    assert schema.validate(etree.parse(str(path))), schema.error_log.last_error


def test_module_docstring_example_runs():
    result = doctest.testmod(nml_export, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


# -- single cells ------------------------------------------------------------------------

CELLS = {  # model: (parameters, step amplitude in the model's current unit, dt ms)
    "lif": ({"tau_m": 20.0, "R": 100.0, "E_L": -70.0, "V_th": -50.0, "V_reset": -65.0,
             "t_ref": 2.0}, 300.0, 0.1),
    "izhikevich2007": ({"a": 0.03, "b": -2.0, "d": 100.0}, 150.0, 0.1),
    "izhikevich": ({"a": 0.02, "b": 0.2, "c": -65.0, "d": 8.0}, 10.0, 0.1),
    "adex": ({"a": 0.0, "b": 60.0, "tau_w": 100.0}, 800.0, 0.05),
    "hh": ({}, 200.0, 0.01),
}


@pytest.mark.parametrize("model", sorted(CELLS))
def test_cell_document_passes_the_schema(model, tmp_path):
    params, amp, dt = CELLS[model]
    stim = stimuli.step(amp, duration=50.0, t_on=10.0, t_off=40.0, dt=dt)
    files = write_neuroml(tmp_path, model, params, stimulus=stim, dt_ms=dt, t_stop_ms=50.0)
    assert files.nml.name == f"{model}.net.nml" and files.lems.name == f"LEMS_{model}.xml"
    _schema_valid(files.nml)
    lems = files.lems.read_text()
    assert f'<Include file="{model}.net.nml"/>' in lems and 'select="cell[0]"' in lems


def test_lif_quantities_and_units():
    doc = neuroml_document("lif", {"C": 200.0, "g_L": 10.0, "t_ref": 2.5}, dt_ms=0.1,
                           t_stop_ms=10.0)
    cell = doc.iaf_ref_cells[0]
    assert (cell.C, cell.leak_conductance, cell.refract) == ("200.0pF", "10.0nS", "2.5ms")
    assert (cell.leak_reversal, cell.thresh, cell.reset) == ("-70.0mV", "-50.0mV", "-65.0mV")


def test_izhikevich_2003_is_dimensionless():
    doc = neuroml_document("izhikevich", {"d": 2.0}, stimulus=stimuli.step(10.0, duration=20.0,
                           t_on=5.0), dt_ms=0.1, t_stop_ms=20.0)
    cell = doc.izhikevich_cells[0]
    assert (cell.a, cell.b, cell.c, cell.d, cell.thresh) == ("0.02", "0.2", "-65.0", "2.0",
                                                             "30.0mV")
    pulse = doc.pulse_generator_dls[0]
    assert (pulse.amplitude, pulse.delay, pulse.duration) == ("10.0", "4.95ms", "15.0ms")


def _pulse_current(doc, dt: float, n: int) -> np.ndarray:
    """The current a grid simulator reads from the document's pulses at t = k·dt."""
    pulses = doc.compound_inputs[0].pulse_generators if doc.compound_inputs else \
        doc.pulse_generators
    t = np.arange(n) * dt
    out = np.zeros(n)
    for p in pulses:
        delay, dur = float(p.delay[:-2]), float(p.duration[:-2])
        out[(t >= delay) & (t < delay + dur)] += float(p.amplitude[:-2])
    return out


def test_a_sampled_current_becomes_exact_pulses():
    stim = stimuli.ou_noise(100.0, 30.0, 5.0, duration=20.0, dt=0.5, rng=1)
    doc = neuroml_document("izhikevich2007", {}, stimulus=stim, dt_ms=0.1, t_stop_ms=20.0)
    assert len(doc.compound_inputs[0].pulse_generators) == 40
    # spikeopt's zero-order hold of the 0.5 ms samples at the 0.1 ms step
    np.testing.assert_allclose(_pulse_current(doc, 0.1, 200), np.repeat(stim.values, 5),
                               rtol=1e-12)
    with pytest.raises(NeuroMLNotCoveredError, match="40 constant pieces.*max_pulses=10"):
        neuroml_document("izhikevich2007", {}, stimulus=stim, dt_ms=0.1, t_stop_ms=20.0,
                         max_pulses=10)


def _run(tmp_path, model, params, stim, dt, t_stop):
    ref = simulate(model, params, stim, dt=dt, t_stop=t_stop).spikes[0]
    files = write_neuroml(tmp_path, model, params, stimulus=stim, dt_ms=dt, t_stop_ms=t_stop)
    return ref, run_jneuroml(files)["cell"][0]


@needs_jneuroml
@pytest.mark.parametrize("model", ["izhikevich2007", "izhikevich"])
def test_izhikevich_cells_give_the_same_spikes_in_jneuroml(model, tmp_path):
    params, amp, dt = CELLS[model]
    ref, got = _run(tmp_path, model, params, stimuli.step(amp, duration=200.0, t_on=20.0,
                                                          t_off=180.0, dt=dt), dt, 200.0)
    assert len(ref) >= 4
    np.testing.assert_allclose(got, ref, atol=1e-9)


@needs_jneuroml
def test_lif_in_jneuroml_one_or_two_steps_longer_per_refractory_period(tmp_path):
    params, amp, dt = CELLS["lif"]
    ref, got = _run(tmp_path, "lif", params, stimuli.step(amp, duration=150.0, t_on=20.0,
                                                          dt=dt), dt, 150.0)
    assert len(ref) >= 5 and len(got) == len(ref)
    assert abs(got[0] - ref[0]) < 1e-9
    extra = np.round((np.diff(got) - np.diff(ref)) / dt)
    assert set(extra.tolist()) <= {1.0, 2.0}, extra


@needs_jneuroml
def test_adex_in_jneuroml_within_a_step_per_interval(tmp_path):
    params, amp, dt = CELLS["adex"]
    ref, got = _run(tmp_path, "adex", params, stimuli.step(amp, duration=200.0, t_on=10.0,
                                                           dt=dt), dt, 200.0)
    assert len(ref) >= 5 and len(got) == len(ref)
    assert abs(got[0] - ref[0]) < 1e-9
    extra = np.round((np.diff(got) - np.diff(ref)) / dt)
    assert set(extra.tolist()) <= {0.0, 1.0}, extra


@needs_jneuroml
def test_hh_in_jneuroml_agrees_to_first_order_in_dt(tmp_path):
    params, amp, dt = CELLS["hh"]
    ref, got = _run(tmp_path, "hh", params, stimuli.step(amp, duration=60.0, t_on=5.0, dt=dt),
                    dt, 60.0)
    assert len(ref) >= 4 and len(got) == len(ref)
    assert abs(got[0] - ref[0]) <= 0.1  # ms
    np.testing.assert_allclose(np.diff(got), np.diff(ref), rtol=0.02)


# -- networks ----------------------------------------------------------------------------

def _network(synapse=None, **over):
    net = {"populations": {"E": {"model": "lif", "size": 10, "params": {"t_ref": 2.0},
                                 "current": {"uniform": [200.0, 260.0]}}},
           "projections": {"EE": {"pre": "E", "post": "E",
                                  "connector": {"rule": "fixed_probability", "p": 0.3},
                                  "synapse": synapse or {"type": "exp_conductance",
                                                         "tau_ms": 5.0, "E_rev_mV": 0.0},
                                  "weight": {"uniform": [0.5, 2.0]}, "delay_ms": 1.0}}}
    for k, v in over.items():
        net[k] = v
    return net


def test_network_document_holds_spikeopts_wiring(tmp_path):
    net, dt = _network(inputs={"kick": {"type": "spikes", "times_ms": [[5.0, 30.02], [12.0]],
                                        "target": "E", "connector": {"rule": "all_to_all"},
                                        "synapse": {"type": "exp_current", "tau_ms": 2.0},
                                        "weight": 50.0}}), 0.1
    files = write_neuroml(tmp_path, net, {"projections.EE.connector.p": 0.5}, dt_ms=dt,
                          t_stop_ms=50.0, seed=7)
    _schema_valid(files.nml)
    doc = neuroml.loaders.read_neuroml2_file(str(files.nml))
    res = simulate(net, {"projections.EE.connector.p": 0.5}, t_stop=dt, dt=dt, seed=7)
    conn = res.connectivity("EE", 0)
    (proj,) = [p for p in doc.networks[0].projections if p.id == "EE"]
    assert proj.synapse == "EE_syn" and len(proj.connection_wds) == conn["pre"].size > 0
    pre = [int(c.pre_cell_id.split("[")[1][:-1]) for c in proj.connection_wds]
    post = [int(c.post_cell_id.split("[")[1][:-1]) for c in proj.connection_wds]
    np.testing.assert_array_equal(pre, conn["pre"])
    np.testing.assert_array_equal(post, conn["post"])
    np.testing.assert_allclose([c.weight for c in proj.connection_wds], conn["weight"],
                               rtol=1e-14)
    # delays half a step long: a spike of step k acts on step k + d + 1 whatever the rounding
    np.testing.assert_allclose([float(c.delay[:-2]) for c in proj.connection_wds],
                               conn["delay_ms"] + dt / 2, rtol=1e-12)
    syn = doc.exp_one_synapses[0]
    assert (syn.gbase, syn.erev, syn.tau_decay) == ("1.0nS", "0.0mV", "5.0ms")
    # per-neuron currents: one pulse generator per value, on from the first step
    assert len(doc.networks[0].input_lists) == 10
    assert {p.delay for p in doc.pulse_generators} == {"-0.05ms"}
    # given spikes: one spikeArray per source, half a step before the step they fire in
    assert [[s.time for s in a.spikes] for a in doc.spike_arrays] == [["4.95ms", "29.95ms"],
                                                                     ["11.95ms"]]
    kicks = [p for p in doc.networks[0].projections if p.id.startswith("kick")]
    assert sorted(p.presynaptic_population for p in kicks) == ["kick_0", "kick_1"]
    assert {c.weight for p in kicks for c in p.connection_wds} == {0.05}  # 50 pA in nA
    assert float(doc.exp_curr_synapses[0].tau_syn) == 2.0  # ms (PyNN: a plain number)


@needs_jneuroml
def test_network_round_trip_through_jneuroml(tmp_path):
    dt, t_stop = 0.025, 150.0
    net = _network()
    ref = simulate(net, None, t_stop=t_stop, dt=dt, seed=3).population("E")
    files = write_neuroml(tmp_path, net, None, dt_ms=dt, t_stop_ms=t_stop, seed=3)
    got = run_jneuroml(files)["E"]
    assert ref.counts().sum() >= 50
    assert np.abs(got.counts() - ref.counts()).max() <= 1
    first = np.array([g[0] - r[0] for g, r in zip(got, ref, strict=True)]) / dt
    assert np.all((np.round(first) >= 1) & (np.round(first) <= 2)), first
    drift = max(np.abs(g[:n] - r[:n]).max() for g, r in zip(got, ref, strict=True)
                if (n := min(len(g), len(r))))
    assert drift < 1.5, drift  # ms; measured 1.1 ms by the sixth spike


# -- what is not covered -----------------------------------------------------------------

@pytest.mark.parametrize("change, match", [
    ({"projections": {"EE": {"pre": "E", "post": "E", "connector": {"rule": "all_to_all"},
                             "synapse": {"type": "delta"}, "weight": 1.0}}},
     r"projections\.EE\.synapse type 'delta'"),
    ({"projections": {"EE": {"pre": "E", "post": "E", "connector": {"rule": "all_to_all"},
                             "synapse": {"type": "exp_current", "tau_ms": 5.0},
                             "weight": 1.0, "release_probability": 0.5}}},
     r"projections\.EE\.release_probability = 0\.5"),
    ({"projections": {"EE": {"pre": "E", "post": "E", "connector": {"rule": "all_to_all"},
                             "synapse": {"type": "exp_current", "tau_ms": 5.0},
                             "weight": 1.0, "plasticity": {"type": "stdp"}}}},
     r"projections\.EE\.plasticity"),
    ({"populations": {"E": {"model": "lif", "size": 3, "params": {"V_th": {"uniform":
                                                                           [-52.0, -48.0]}}}}},
     r"per-neuron values of populations\.E\.params\.V_th"),
    ({"populations": {"E": {"model": "lif", "size": 3, "init": {"v": -60.0}}}},
     r"the initial 'v' of populations\.E.*starts from v = -70"),
    ({"populations": {"E": {"model": "izhikevich", "size": 3, "update": "snnjl"}}},
     r"populations\.E\.update = 'snnjl'"),
    ({"populations": {"E": {"model": "traub_miles", "size": 3}}}, r"model 'traub_miles'"),
    ({"populations": {"E": {"model": "izhikevich", "size": 3}},
      "projections": {"EE": {"pre": "E", "post": "E", "connector": {"rule": "all_to_all"},
                             "synapse": {"type": "exp_current", "tau_ms": 5.0},
                             "weight": 1.0}}},
     r"projections\.EE onto izhikevich \(2003\) population 'E'"),
    ({"inputs": {"bg": {"type": "poisson", "size": 2, "rate_hz": 10.0, "noise": 0.5,
                        "target": "E", "connector": {"rule": "all_to_all"},
                        "synapse": {"type": "exp_current", "tau_ms": 5.0}, "weight": 1.0}}},
     r"inputs\.bg \(poisson with noise = 0\.5"),
])
def test_what_neuroml_does_not_cover_is_named(change, match):
    net = {"populations": {"E": {"model": "lif", "size": 3}}, **change}
    with pytest.raises(NeuroMLNotCoveredError, match=match):
        neuroml_document(net, dt_ms=0.1, t_stop_ms=10.0)


def _poisson_network():
    return {"populations": {"E": {"model": "izhikevich2007", "size": 10}},
            "inputs": {"bg": {"type": "poisson", "size": 20, "rate_hz": 200.0, "target": "E",
                              "connector": {"rule": "all_to_all"},
                              "synapse": {"type": "exp_current", "tau_ms": 3.0},
                              "weight": 10.0}}}


def test_poisson_input_becomes_a_poisson_generator():
    doc = neuroml_document(_poisson_network(), dt_ms=0.1, t_stop_ms=10.0)
    assert doc.spike_generator_poissons[0].average_rate == "200.0Hz"
    (pop,) = [p for p in doc.networks[0].populations if p.id == "bg"]
    assert (pop.component, pop.size) == ("bg_source", 20)
    # a projection named like a population would capture the path "../bg[0]"
    assert [p.id for p in doc.networks[0].projections] == ["bg_projection"]


@needs_jneuroml
def test_poisson_input_gives_the_same_rate_in_jneuroml(tmp_path):
    dt, t_stop = 0.1, 1000.0
    ref = simulate(_poisson_network(), None, t_stop=t_stop, dt=dt, seed=2).population("E")
    files = write_neuroml(tmp_path, _poisson_network(), None, dt_ms=dt, t_stop_ms=t_stop,
                          seed=2)
    got = run_jneuroml(files)["E"]
    rate_ref, rate_got = ref.counts().mean(), got.counts().mean()  # spikes per second
    assert rate_ref > 5
    assert abs(rate_got - rate_ref) <= 0.15 * rate_ref, (rate_ref, rate_got)


def test_bad_arguments_name_what_was_expected():
    with pytest.raises(ValueError, match=r"parameter 'a' must be a scalar. Got shape \(2,\)"):
        neuroml_document("adex", {"a": [1.0, 2.0]}, dt_ms=0.1, t_stop_ms=10.0)
    with pytest.raises(ValueError, match=r"'dt_ms' .* must be finite and > 0. Got -0.1"):
        neuroml_document("adex", {}, dt_ms=-0.1, t_stop_ms=10.0)
    with pytest.raises(ValueError, match=r"one sweep. Got values of shape \(2, 100\)"):
        neuroml_document("adex", {}, stimulus=stimuli.step([1.0, 2.0], duration=10.0),
                         dt_ms=0.1, t_stop_ms=10.0)
    with pytest.raises(ValueError, match=r"t_stop_ms = 20 ms is longer than the stimulus"):
        neuroml_document("adex", {}, stimulus=stimuli.step(1.0, duration=10.0), dt_ms=0.1,
                         t_stop_ms=20.0)
    with pytest.raises(ValueError, match=r"document name must be a NeuroML id.*Got '1cell'"):
        neuroml_document("adex", {}, dt_ms=0.1, t_stop_ms=10.0, name="1cell")
    with pytest.raises(ValueError, match="pass no stimulus"):
        neuroml_document({"populations": {"E": {"model": "lif", "size": 1}}},
                         stimulus=stimuli.step(1.0, duration=10.0), dt_ms=0.1, t_stop_ms=10.0)
