"""The Brian2 backend runs the conformance suite: the numba engine's spikes on every
deterministic case (single cells of every model under a noisy current; small
networks with explicit wiring, delays, every synapse type, STDP, the random
connectors with spikeopt's draws) and its statistics on the Poisson-driven
CUBA network wired by Brian2 itself."""

from __future__ import annotations

import gc

import numpy as np
import pytest

from spikeopt import backends, simulate
from spikeopt.errors import InvalidParameterError
from spikeopt.testing import backends as conformance

pytest.importorskip("brian2", reason="the Brian2 backend needs Brian2 (test extra)")

NUMPY = {"target": "numpy"}  # no compilation: the fastest start


@pytest.fixture(autouse=True, scope="module")
def _quick_gc():
    """Brian2 runs ``gc.collect()`` before every run; with the whole test process
    on the heap that costs ~0.3 s a run. Freezing what exists now (unfrozen at
    the end) leaves it only this module's new objects to scan."""
    gc.collect()
    gc.freeze()
    yield
    gc.unfreeze()


@pytest.mark.parametrize("case", conformance.cases(exact=True), ids=str)
def test_same_spikes_as_the_numba_engine(case):
    conformance.check_exact("brian2", case, backend_options=NUMPY)


@pytest.mark.parametrize("case", conformance.cases(exact=False), ids=str)
def test_same_statistics_with_brian2s_own_wiring(case):
    report = conformance.check_statistics("brian2", case,
                                          backend_options={**NUMPY, "wiring": "brian2"})
    assert set(report) == set(case.model["populations"])


def test_voltage_trace_and_divergence_as_the_engine():
    dt = 0.1
    current = np.full((2, 300), 400.0)
    current[1] = 0.0
    kw = dict(dt=dt, record_v=True, v_every=3)
    ours = simulate("adex", {"b": [60.0, 20.0]}, current, **kw)
    b2 = simulate("adex", {"b": [60.0, 20.0]}, current, backend="brian2", backend_options=NUMPY,
                  **kw)
    assert b2.v.shape == ours.v.shape == (4, 100)
    np.testing.assert_allclose(b2.v, ours.v, rtol=0, atol=1e-9)
    assert not b2.failed.any()


def test_network_early_stops_and_rates_as_the_engine():
    spec = {"populations": {"A": {"model": "lif", "size": 3, "current": [300.0, 300.0, 0.0]},
                            "B": {"model": "lif", "size": 2}}}
    kw = dict(t_stop=200.0, dt=0.1, max_rate_hz=20.0, rate_window_ms=50.0, record=["A"])
    ours = simulate(spec, **kw)
    b2 = backends.simulate(spec, backend="brian2", backend_options=NUMPY, **kw)
    assert b2.reasons.tolist() == ours.reasons.tolist() == ["runaway"]
    np.testing.assert_array_equal(b2.fail_time, ours.fail_time)
    np.testing.assert_array_equal(b2.spikes.times, ours.spikes.times)
    np.testing.assert_array_equal(b2.rate_counts, ours.rate_counts)
    assert b2.recorded == ("A",)


def test_supports_says_why_not():
    b = backends.get("brian2")
    assert b.supports("adex") is None
    assert all(conformance.unsupported("brian2", c) is None for c in conformance.CASES)
    assert "built-in models" in b.supports(object())
    snnjl = {"populations": {"N": {"model": "izhikevich", "size": 2, "update": "snnjl"}}}
    assert "snnjl" in b.supports(snnjl)
    netstim = {"populations": {"N": {"model": "lif", "size": 2}},
               "inputs": {"x": {"type": "poisson", "size": 2, "rate_hz": 5.0, "noise": 0.5,
                                "target": "N", "connector": {"rule": "one_to_one"},
                                "weight": 1.0}}}
    assert "noise 0.5" in b.supports(netstim)
    with pytest.raises(InvalidParameterError, match="cannot run this model.*snnjl"):
        backends.simulate(snnjl, t_stop=10.0, backend="brian2")


def test_options_are_checked():
    with pytest.raises(InvalidParameterError, match="'target'.*Got 'gpu'"):
        backends.get("brian2", target="gpu")
    with pytest.raises(InvalidParameterError, match="'wiring'.*Got 'nest'"):
        backends.get("brian2", wiring="nest")
    spec = {"populations": {"N": {"model": "lif", "size": 1}}}
    with pytest.raises(InvalidParameterError, match=r"Unknown option\(s\) \['record_state'\]"):
        backends.simulate(spec, t_stop=1.0, backend="brian2", record_state={"N.v": None})
