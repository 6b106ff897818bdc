"""The NEURON backend: built-in hh against the numba engine, imported cells (a hoc
template, a Python class, an Izhikevich point process compiled by nrnivmodl),
crashes as failed candidates, the NetPyNE tut2 network, and a small fit.

Every cell file here is written by the tests (no third-party ModelDB files).
Simulations with ``workers >= 1`` run in fresh worker processes; ``workers=0``
runs NEURON in this process (used where only numbers are compared).
"""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

pytest.importorskip("neuron", reason="the NEURON backend needs NEURON (pip install neuron)")

import spikeopt  # noqa: E402
from spikeopt import stimuli  # noqa: E402
from spikeopt.backends.neuron import NeuronCell, cell_from_config, compile_mechanisms  # noqa: E402
from spikeopt.network import library  # noqa: E402
from spikeopt.testing import backends as conformance  # noqa: E402

DT = 0.025  # ms

HH_HOC = """
begintemplate HHCell
public soma
create soma
proc init() {
    soma { L = 18.8  diam = $1  nseg = 1  insert hh }
}
endtemplate HHCell
"""

PY_CELLS = '''
import os
from neuron import h


class PyHH:
    """NetPyNE tut_import style: a soma with hh, a passive dendrite, an ExpSyn."""

    def __init__(self, diam=18.8):
        self.soma = h.Section(name="soma", cell=self)
        self.soma.L, self.soma.diam = 18.8, diam
        self.soma.insert("hh")
        self.dend = h.Section(name="dend", cell=self)
        self.dend.L, self.dend.diam, self.dend.nseg = 200.0, 1.0, 5
        self.dend.insert("pas")
        self.dend.connect(self.soma(1))
        self.syn = h.ExpSyn(self.dend(0.5))
        self.syn.tau = 2.0


HOST = h.Section()  # made at import, like NetPyNE's izhi wrappers' 'dummy': not the cell's


class IzhiWrapped:
    """tut_import's izhi2007Wrapper style: an unnamed section held in self.sec."""

    def __init__(self, cellid=-1):
        self.sec = h.Section(name=f"izhi{cellid}")
        self.sec.L, self.sec.diam, self.sec.cm = 10.0, 10.0, 31.831
        self.izh = h.Izhi(0.5, sec=self.sec)


class Crasher:
    """Ends the simulator process at once, like a segfault."""

    def __init__(self):
        os._exit(7)
'''

IZHI_MOD = """
COMMENT
Izhikevich (2007) simple model as a point process in a section whose capacitance
is C: it adds k*(v - vr)*(v - vt) - u (pA) and, when v reaches vpeak, emits a spike,
resets v to c and raises u by d. Written for spikeopt's tests.
ENDCOMMENT

NEURON {
    POINT_PROCESS Izhi
    RANGE a, b, c, d, k, vr, vt, vpeak, u
    NONSPECIFIC_CURRENT i
}

UNITS { (mV) = (millivolt)  (nA) = (nanoamp) }

PARAMETER {
    a = 0.03 (/ms)    b = -2 (nS)     c = -50 (mV)    d = 100 (pA)
    k = 0.7 (nS/mV)   vr = -60 (mV)   vt = -40 (mV)   vpeak = 35 (mV)
}

ASSIGNED { v (mV)  i (nA) }

STATE { u (pA) }

INITIAL {
    u = b*(v - vr)
    net_send(0, 1)
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    i = -(k*(v - vr)*(v - vt) - u)/1000
}

DERIVATIVE states { u' = a*(b*(v - vr) - u) }

NET_RECEIVE (w) {
    if (flag == 1) {
        WATCH (v > vpeak) 2
    } else if (flag == 2) {
        net_event(t)
        v = c
        u = u + d
    }
}
"""

IZHI_HOC = """
begintemplate IzhiCell
public soma, izh
create soma
objref izh
proc init() {
    soma { diam = 10  L = 10  cm = 31.831  nseg = 1 }  // 100 pF
    soma izh = new Izhi(0.5)
}
endtemplate IzhiCell
"""


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The test's cell files and a private nrnivmodl cache (workers inherit it)."""
    root = tmp_path_factory.mktemp("neuron_cells")
    (root / "hh.hoc").write_text(HH_HOC)
    (root / "cells.py").write_text(PY_CELLS)
    (root / "mechanisms").mkdir()
    (root / "mechanisms" / "izhi.mod").write_text(textwrap.dedent(IZHI_MOD))
    (root / "izhi.hoc").write_text(IZHI_HOC)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SPIKEOPT_NRNIVMODL_CACHE", str(root / "cache"))
        yield root


def _hh_template(files) -> NeuronCell:
    return NeuronCell(files / "hh.hoc", template="HHCell", args=[18.8])


def test_builtin_hh_matches_the_numba_engine():
    # NEURON: backward Euler, hh rate tables; spikeopt: forward Euler, exact rates.
    # Measured (dt 0.025 ms, 300 ms): spike counts equal but for one of 15 traces
    # (26 vs 27), first spikes within 0.05 ms, mean interspike intervals within 0.55 %.
    stim = stimuli.step([30.0, 60.0, 100.0, 200.0, 400.0], duration=300.0, t_on=20.0, dt=DT)
    g = {"gnabar": [0.08, 0.12, 0.2]}
    nrn = spikeopt.simulate("hh", g, stim, dt=DT, backend="neuron", workers=0, record_v=True,
                            v_every=4)
    ref = spikeopt.simulate("hh", g, stim, dt=DT, record_v=True, v_every=4)
    assert list(nrn.reasons) == [""] * 3 and not nrn.failed.any()
    assert nrn.v.shape == ref.v.shape and nrn.v_dt == pytest.approx(0.1)
    assert nrn.v[0, 0] == -65.0
    assert np.abs(nrn.spikes.counts() - ref.spikes.counts()).max() <= 1
    assert nrn.spikes.counts().sum() > 150
    for a, b in zip(nrn.spikes, ref.spikes, strict=True):
        if len(a) and len(b):
            assert abs(a[0] - b[0]) <= 0.1
        n = min(len(a), len(b))
        if n > 2:
            assert np.diff(a[:n]).mean() == pytest.approx(np.diff(b[:n]).mean(), rel=0.01)


def test_hoc_template_parameters_and_candidates_in_workers(files):
    cell = _hh_template(files)
    assert cell.name == "NEURON cell HHCell"
    params = cell.parameters  # read in a worker: this process never starts NEURON
    units = {"soma.diam": "um", "soma.L": "um", "soma.cm": "uF/cm2", "soma.Ra": "ohm-cm",
             "soma.hh.gnabar": "S/cm2", "soma.hh.gkbar": "S/cm2", "soma.hh.gl": "S/cm2",
             "soma.hh.el": "mV", "soma.ena": "mV", "soma.ek": "mV", "celsius": "degC",
             "v_init": "mV"}
    assert {k: params[k].unit for k in units} == units
    assert cell.defaults()["soma.hh.gnabar"] == pytest.approx(0.12)
    assert cell.parameter("soma.diam").default == pytest.approx(18.8)
    with pytest.raises(KeyError, match=r"Did you mean \['soma.hh.gnabar'"):
        cell.parameter("soma.hh.gnabr")

    stim = stimuli.step([60.0, 100.0], duration=200.0, t_on=20.0, dt=DT)  # pA
    gna = [0.04, 0.12, 0.25]
    res = spikeopt.simulate(cell, {"soma.hh.gnabar": gna}, stim, dt=DT, backend="neuron",
                            workers=2)
    assert list(res.reasons) == ["", "", ""]
    counts = res.spikes.counts().reshape(3, 2)
    assert counts[0].sum() == 0  # too little sodium: no spike
    assert counts[1].sum() > 0 and counts[2].sum() > 0
    assert (counts[2] >= counts[1]).all()
    # the template is the built-in hh soma: NEURON gives the same spikes
    same = spikeopt.simulate("hh", {"gnabar": gna}, stim, dt=DT, backend="neuron", workers=0)
    for a, b in zip(res.spikes, same.spikes, strict=True):
        np.testing.assert_array_equal(a, b)


def test_izhikevich_point_process_compiled_once(files):
    mod_dir = files / "mechanisms"
    first = compile_mechanisms(mod_dir)
    again = compile_mechanisms(mod_dir)
    assert again.path == first.path and not again.compiled  # a cache hit
    assert (first.path / "COMPILED").exists()

    cell = NeuronCell(files / "izhi.hoc", template="IzhiCell", mod_dir=mod_dir,
                      spike_source="Izhi", args=())
    stim = stimuli.step(100.0, duration=1000.0, t_on=100.0, t_off=900.0, dt=DT)  # pA
    res = spikeopt.simulate(cell, {"soma.Izhi.a": [0.03, 0.1], "v_init": -60.0}, stim, dt=DT,
                            backend="neuron", workers=0)
    assert list(res.reasons) == ["", ""]
    nrn = res.spikes.counts()
    ref = spikeopt.simulate("izhikevich2007", {"a": [0.03, 0.1]}, stim, dt=DT).spikes.counts()
    assert nrn[1] > nrn[0] > 5  # faster recovery: less adaptation
    assert np.abs(nrn - ref).max() <= 1


def test_python_cell_class(files):
    from spikeopt.backends.neuron import NeuronBackend

    cell = NeuronCell(files / "cells.py", template="PyHH", args={"diam": 20.0})
    backend = NeuronBackend()  # here, in this process: a describe of the class
    params = backend.describe(cell)  # {name: (value, unit)}
    assert params["soma.diam"] == pytest.approx((20.0, "um"))
    assert {"dend.pas.g", "dend.pas.e", "dend.ExpSyn.tau", "dend.L"} <= set(params)
    assert params["dend.ExpSyn.tau"] == (2.0, "ms")
    stim = stimuli.step(300.0, duration=150.0, t_on=20.0, dt=DT)
    res = spikeopt.simulate(cell, {"soma.hh.gnabar": [0.06, 0.15], "dend.pas.g": 1e-4}, stim,
                            dt=DT, backend="neuron", workers=0)
    c = res.spikes.counts()
    assert c[1] > c[0] and list(res.reasons) == ["", ""]
    # sections named by attribute; a section made at import survives the resets
    izhi = NeuronCell(files / "cells.py", template="IzhiWrapped", args={"cellid": 3},
                      mod_dir=files / "mechanisms", section="sec", spike_source="Izhi")
    assert {"sec.Izhi.a", "sec.L"} <= set(backend.describe(izhi))
    stim = stimuli.step(100.0, duration=500.0, t_on=50.0, dt=DT)
    res = spikeopt.simulate(izhi, {"sec.Izhi.d": [100.0, 20.0, 100.0], "v_init": -60.0}, stim,
                            dt=DT, backend="neuron", workers=0)
    c = res.spikes.counts()
    assert list(res.reasons) == ["", "", ""] and c[1] > c[0] == c[2] > 0


def test_errors_and_crashes_are_failed_candidates(files):
    stim = stimuli.step(100.0, duration=100.0, t_on=10.0, dt=DT)
    res = spikeopt.simulate(_hh_template(files), {"soma.L": [18.8, -1.0, 18.8]}, stim, dt=DT,
                            backend="neuron", workers=0)
    assert res.reasons[0] == res.reasons[2] == ""
    assert "L must be > 0" in res.reasons[1]
    assert res.failed_candidates.tolist() == [False, True, False]
    assert res.spikes.counts()[0] > 0
    res = spikeopt.simulate(_hh_template(files), {"soma.hh.gnabr": [0.1]}, stim, dt=DT,
                            backend="neuron", workers=0)
    assert "'soma.hh.gnabr' is not a parameter" in res.reasons[0]
    assert "Did you mean ['soma.hh.gnabar'" in res.reasons[0]
    crash = NeuronCell(files / "cells.py", template="Crasher")
    res = spikeopt.simulate(crash, {"soma.L": [10.0]}, stim, dt=DT, backend="neuron",
                            workers=1, timeout_s=60)
    assert res.reasons[0] == "simulator crashed (exit code 7)"


def test_cell_from_config_names_the_key(files):
    cell = cell_from_config({"file": "hh.hoc", "template": "HHCell", "args": [18.8],
                             "threshold_mv": 0}, base_dir=files)
    assert cell.file == str(files / "hh.hoc") and cell.threshold_mv == 0.0
    bad = [({"template": "HHCell"}, "'model.neuron.file': required"),
           ({"file": "nope.hoc"}, "expected an existing .hoc or .py file. Got 'nope.hoc'"),
           ({"file": "hh.hoc", "threshold_mv": "ten"}, "expected a number (mV). Got 'ten'"),
           ({"file": "hh.hoc", "mod_dir": "missing"}, "'model.neuron.mod_dir'"),
           ({"file": "hh.hoc", "section": 3}, "'model.neuron.section'"),
           ({"file": "hh.hoc", "args": {"d": 1}}, "positional: give a list"),
           ({"file": "hh.hoc", "tempalte": "X"}, "did you mean 'template'")]
    for cfg, msg in bad:
        with pytest.raises(spikeopt.ConfigError, match=msg.replace("(", r"\(")
                           .replace(")", r"\)").replace(".", r"\.").replace("[", r"\[")):
            cell_from_config(cfg, base_dir=files)


def test_tut2_rates_agree_with_the_numba_engine():
    # The same wirings and cell draws (seed=[s, ...]), different Poisson draws and
    # integration. Measured over seeds 1..8 (1000 ms): S 10.14 +- 0.30 (NEURON) vs
    # 10.18 +- 0.35 Hz, M 37.4 +- 0.9 vs 39.0 +- 1.3 Hz (NEURON's backward Euler
    # fires M a little less; Crank-Nicolson gives 38.3 Hz).
    net = library.netpyne_tut2()
    seeds = [1, 2, 3, 4]
    p = {"projections.SM.weight": np.full(len(seeds), 10.0)}
    nrn = spikeopt.simulate(net, p, t_stop=1000.0, dt=DT, seed=seeds, backend="neuron",
                            workers=0)
    ref = spikeopt.simulate(net, {"projections.SM.weight": np.full(12, 10.0)}, t_stop=1000.0,
                            dt=DT, seed=list(range(1, 13)))
    assert list(nrn.reasons) == [""] * len(seeds)
    for pop in ("S", "M"):
        a, b = nrn.mean_rate(pop), ref.mean_rate(pop)
        spread = b.std(ddof=1)
        assert abs(a.mean() - b.mean()) <= 2.0 * spread, (pop, a, b)
    # the wiring is the numba engine's: same synapse count, same events from S
    assert nrn.sizes["M"].tolist() == [20] * len(seeds)


def test_fit_gnabar_of_an_imported_cell(files):
    """spikeopt.optimize over an objective that simulates the imported template on
    NEURON (here in this process, workers=0: one worker start per generation would
    cost more than the simulations) recovers a hidden gnabar from its spikes."""
    cell = _hh_template(files)
    stim = stimuli.step([150.0, 300.0], duration=200.0, t_on=10.0, dt=DT)  # pA, 2 sweeps
    target = spikeopt.simulate(cell, {"soma.hh.gnabar": [0.15]}, stim, dt=DT,
                               backend="neuron", workers=0).spikes

    def objective(params):
        g = np.asarray(params["soma.hh.gnabar"])
        res = spikeopt.simulate(cell, {"soma.hh.gnabar": g}, stim, dt=DT, backend="neuron",
                                workers=0)
        tiled = target.take(np.tile(np.arange(len(target)), g.size))
        d = spikeopt.metrics.van_rossum(res.spikes, tiled, tau=50.0)
        return d.reshape(g.size, -1).mean(axis=1)

    space = spikeopt.ParameterSpace({"soma.hh.gnabar": spikeopt.Parameter(0.1, 0.25)})
    result = spikeopt.optimize(objective, space, optimizer="ga", budget=40, seed=1)
    assert result.best_params["soma.hh.gnabar"] == pytest.approx(0.15, abs=0.005)
    assert result.best_loss < 0.5


def test_cell_config_with_an_imported_neuron_cell(files, tmp_path):
    """``model: {neuron: ...}`` in a cell config: the paths resolve against the
    config's folder, the backend becomes 'neuron', the fitted names are the cell's,
    and the objective scores the hidden gnabar best (candidates in this process)."""
    from spikeopt.fitting.cell import build_objective, build_space
    from spikeopt.fitting.config import validate_config

    stim = stimuli.step([150.0, 300.0], duration=200.0, t_on=10.0, dt=DT)  # pA
    cell = _hh_template(files)
    truth = spikeopt.simulate(cell, {"soma.hh.gnabar": [0.15]}, stim, dt=DT,
                              backend="neuron", workers=0).spikes
    np.savez_compressed(tmp_path / "rec.npz", dt_ms=DT, current_pA=stim.values,
                        spike_times_ms=truth.times, spike_offsets=truth.offsets)
    # the fixture's folder holds hh.hoc (NEURON, in this process, cannot define one
    # template from two files: worker processes each load it once)
    cfg = validate_config({
        "data": {"path": str(tmp_path / "rec.npz"), "train_sweeps": [0, 1]},
        "model": {"neuron": {"file": "hh.hoc", "template": "HHCell", "args": [18.8]}},
        "fit": {"soma.hh.gnabar": [0.1, 0.25]},
        "objective": {"metric": "van_rossum", "tau_ms": 50.0},
        "backend": {"name": "numba", "workers": 0},
        "seed": 1, "output": str(tmp_path / "out")}, base_dir=files)
    assert cfg["backend"]["name"] == "neuron"
    assert cfg["model"]["neuron"]["file"] == str(files / "hh.hoc")
    space = build_space(cfg)
    assert space["soma.hh.gnabar"].unit == "S/cm2"
    losses = build_objective(cfg)({"soma.hh.gnabar": np.array([0.11, 0.15, 0.22])})
    assert int(np.argmin(losses)) == 1 and losses[1] == pytest.approx(0.0, abs=1e-9)
    bad = {"data": {"path": str(tmp_path / "rec.npz"), "train_sweeps": [0]}, "seed": 1,
           "output": str(tmp_path / "out"),
           "model": {"neuron": {"file": "hh.hoc", "template": "HHCell", "args": [18.8]}},
           "fit": {"soma.hh.gnabr": [0.1, 0.25]}}
    with pytest.raises(spikeopt.ConfigError, match=r"'fit.soma.hh.gnabr'"):
        validate_config(bad, base_dir=files)


@pytest.mark.parametrize("case", conformance.cases(), ids=str)
def test_conformance_statistics(case):
    """The conformance suite's statistics for every case NEURON can run (hh)."""
    why = conformance.unsupported("neuron", case)
    if why:
        pytest.skip(f"NEURON cannot run it: {why}")
    conformance.check_statistics("neuron", case, simulate_options={"workers": 0})
