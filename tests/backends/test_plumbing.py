"""The backend plumbing, checked with the simulator-free fake backend: the
registry, per-candidate worker processes that survive crashes and hangs, the
joined results, and the config's ``backend`` key reaching the objectives."""

from __future__ import annotations

import numpy as np
import pytest

import spikeopt
from spikeopt import backends, stimuli
from spikeopt.errors import InvalidParameterError, UnknownNameError
from spikeopt.fitting.cell_objective import CellObjective
from spikeopt.spikes import SpikeTrains

STIM = stimuli.step(300.0, duration=100.0)  # pA, ms
NET = {"populations": {"E": {"model": "lif", "size": 3}, "I": {"model": "lif", "size": 2}}}


def test_registry_names_and_errors():
    assert backends.available() == ["brian2", "fake", "nest", "neuron", "numba"]
    with pytest.raises(UnknownNameError, match="'nengo'.*available backends"):
        backends.get("nengo")
    with pytest.raises(InvalidParameterError, match="'backend' parameter"):
        backends.get(3.0)
    assert spikeopt.simulate is backends.simulate


def test_numba_backend_is_the_engine():
    params = {"a": [0.02, 0.1], "d": [8.0, 2.0]}
    stim = stimuli.step(10.0, duration=200.0, t_on=20.0)
    ref = spikeopt.simulation.simulate("izhikevich", params, stim, dtype=np.float32)
    got = spikeopt.simulate("izhikevich", params, stim, backend="numba",
                            backend_options={"dtype": "float32"})
    assert got.spikes == ref.spikes
    via_config = spikeopt.simulate("izhikevich", params, stim,
                                   backend={"name": "numba", "options": {}})
    assert via_config.spikes.counts().tolist() == [5, 24]


def test_in_process_candidates_and_their_errors():
    res = spikeopt.simulate("lif", {"rate_hz": [50.0, 100.0, 20.0], "error": [0, 1, 0]}, STIM,
                            backend="fake", workers=0)
    assert res.n_candidates == 3 and res.spikes.counts().tolist() == [4, 0, 1]
    assert res.failed.tolist() == [False, True, False]
    assert res.reasons[0] == "" and res.reasons[1].startswith(
        "RuntimeError: the fake simulator was told to fail")


def test_workers_survive_crash_hang_and_error():
    """Five candidates on two worker processes: one ends its process (exit 11),
    one hangs past the 1 s limit, one raises; the other two run, in order."""
    params = {"rate_hz": [50.0, 100.0, 20.0, 10.0, 40.0], "crash": [0, 0, 11, 0, 0],
              "hang_s": [0, 0, 0, 30.0, 0], "error": [0, 0, 0, 0, 1]}
    res = spikeopt.simulate("lif", params, STIM, backend="fake", workers=2, timeout_s=1.0,
                            record_v=True)
    assert res.spikes.counts().tolist() == [4, 9, 0, 0, 0]
    assert res.reasons[:2].tolist() == ["", ""]
    assert res.reasons[2] == "simulator crashed (exit code 11)"
    assert res.reasons[3] == "timed out after 1 s"
    assert "told to fail" in res.reasons[4]
    assert res.failed.tolist() == [False, False, True, True, True]
    assert res.v.shape == (5, 1000) and np.isnan(res.v[2]).all() and (res.v[0] == 0).all()


def test_network_candidates_are_joined():
    res = spikeopt.simulate(NET, {"rate_hz": [50.0, 100.0], "populations.E.size": [3, 4]},
                            backend="fake", t_stop=100.0, workers=0, seed=3)
    assert res.sizes["E"].tolist() == [3, 4] and len(res.spikes) == 3 + 2 + 4 + 2
    # a crash (os._exit) ends its process: in a worker, not here
    res = spikeopt.simulate(NET, {"rate_hz": [50.0, 100.0], "crash": [0, 3]}, backend="fake",
                            t_stop=100.0, workers=2, seed=3)
    assert res.reasons.tolist() == ["", "simulator crashed (exit code 3)"]
    assert res.failed.tolist() == [False, True]
    assert res.sizes["E"].tolist() == [3, 0] and res.sizes["I"].tolist() == [2, 0]
    np.testing.assert_allclose(res.mean_rate("E"), [40.0, 0.0])  # 4 spikes in 100 ms
    assert len(res.population("I", 0)) == 2 and len(res.population("I", 1)) == 0


def test_cell_objective_records_the_backend_reason():
    target = SpikeTrains.from_list([[20.0, 40.0, 60.0, 80.0]], t_stop=100.0)
    obj = CellObjective("lif", STIM.values[None, :], target, STIM.dt,
                        [{"metric": "gamma_factor", "delta_ms": 2.0}],
                        backend={"name": "fake", "workers": 0})
    out = obj({"tau_m": np.array([10.0, 20.0]), "R": np.array([100.0, 100.0])})
    assert isinstance(out, np.ndarray) and out.shape == (2,)
    assert out[0] == pytest.approx(out[1])  # the fake ignores the model's parameters
    obj.backend = {"name": "fake", "workers": 0}
    obj.fixed = {}
    out = obj.simulate({"rate_hz": np.array([50.0]), "error": np.array([1.0])})
    assert out.reasons[0].startswith("RuntimeError")


@pytest.mark.parametrize("options", [{"max_rate_hz": 20.0}, {"silence_ms": 30.0}])
def test_early_stop_after_a_run_matches_the_engines(options):
    """backends.results.early_stop (used by Brian2, NEST and NEURON after their run)
    finds the step where the numba engine itself stopped the candidate."""
    from spikeopt.backends.results import early_stop

    net = {"populations": {"E": {"model": "lif", "size": 20, "current": 400.0}}}
    if "silence_ms" in options:  # one spike each (started above threshold), then nothing
        net["populations"]["E"].update(current=0.0, init={"v": -45.0})
    dt = 0.1
    res = spikeopt.simulate(net, t_stop=300.0, dt=dt, seed=1, **options)
    assert res.failed[0]
    n_steps = int(round(300.0 / dt))
    steps = np.round(res.spikes.times / dt).astype(np.int64)
    per_step = np.bincount(steps, minlength=n_steps)[:n_steps]
    reason, step = early_stop(per_step, 20, dt, **options)
    assert (reason, step * dt) == (res.reasons[0], pytest.approx(res.fail_time[0]))
