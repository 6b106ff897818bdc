"""Conformance: spikeopt's batched Euler kernels give the same spikes as Brian2
with the same equations, dt and method (``euler``), for random parameter sets
of every built-in model under a noisy current."""

from __future__ import annotations

import numpy as np
import pytest

from spikeopt import simulate, stimuli

b2 = pytest.importorskip("brian2", reason="Brian2 is the reference simulator (test extra)")

DT = 0.1  # ms
T_STOP = 400.0  # ms
N = 16

# The same equations as the spikeopt models, in Brian2's syntax, dimensionless
# numbers in mV / pA / ms so that the arithmetic matches operation for operation.
EQS = {
    "izhikevich": (
        """dv/dt = (0.04*v**2 + 5*v + 140 - u + I_ext(t, i))/ms : 1
           du/dt = a*(b*v - u)/ms : 1
           a : 1
           b : 1
           c : 1
           d : 1""",
        "v >= 30", "v = c; u = u + d", None,
    ),
    "izhikevich2007": (
        """dv/dt = (k*(v - v_r)*(v - v_t) - u + I_ext(t, i))/C/ms : 1
           du/dt = a*(b*(v - v_r) - u)/ms : 1
           C : 1
           k : 1
           v_r : 1
           v_t : 1
           v_peak : 1
           a : 1
           b : 1
           c : 1
           d : 1""",
        "v >= v_peak", "v = c; u = u + d", None,
    ),
    "adex": (
        """dv/dt = (-g_L*(v - E_L) + g_L*Delta_T*exp((v - V_T)/Delta_T) - w
                    + I_ext(t, i))/C/ms : 1
           dw/dt = (a*(v - E_L) - w)/tau_w/ms : 1
           C : 1
           g_L : 1
           E_L : 1
           V_T : 1
           Delta_T : 1
           V_reset : 1
           V_peak : 1
           a : 1
           tau_w : 1
           b : 1""",
        "v >= V_peak", "v = V_reset; w = w + b", None,
    ),
    "lif": (
        """dv/dt = (E_L - v + R*I_ext(t, i)*1e-3)/tau_m/ms : 1 (unless refractory)
           tau_m : 1
           R : 1
           E_L : 1
           V_th : 1
           V_reset : 1
           t_ref : second""",
        "v > V_th", "v = V_reset", "t_ref",
    ),
}

# parameter ranges where the models fire, and the noisy current (model units)
RANGES = {
    "izhikevich": ({"a": (0.01, 0.1), "b": (0.15, 0.25), "c": (-70.0, -50.0), "d": (1.0, 8.0)},
                   (8.0, 4.0)),
    "izhikevich2007": ({"C": (80.0, 150.0), "k": (0.5, 1.2), "a": (0.01, 0.05),
                        "b": (-2.0, 4.0), "c": (-55.0, -45.0), "d": (50.0, 150.0)},
                       (150.0, 60.0)),
    "adex": ({"C": (150.0, 300.0), "g_L": (8.0, 15.0), "a": (0.0, 4.0), "tau_w": (50.0, 300.0),
              "b": (0.0, 100.0), "V_T": (-52.0, -48.0), "V_peak": (-10.0, 10.0)},
             (400.0, 150.0)),
    "lif": ({"tau_m": (10.0, 30.0), "R": (80.0, 150.0), "t_ref": (0.0, 4.0)}, (250.0, 80.0)),
}


def _random_params(model: str, rng) -> dict[str, np.ndarray]:
    ranges, _ = RANGES[model]
    return {k: rng.uniform(lo, hi, N) for k, (lo, hi) in ranges.items()}


def _brian2_spikes(model: str, params: dict, current: np.ndarray) -> list[np.ndarray]:
    from spikeopt import models

    b2.start_scope()
    b2.prefs.codegen.target = "numpy"
    eqs, threshold, reset, refractory = EQS[model]
    m = models.get(model)
    I_ext = b2.TimedArray(current.T.copy(), dt=DT * b2.ms)  # noqa: F841 (used in eqs)
    kw = {"refractory": refractory} if refractory else {}
    g = b2.NeuronGroup(N, eqs, threshold=threshold, reset=reset, method="euler",
                       dt=DT * b2.ms, **kw)
    full = {k: np.broadcast_to(np.asarray(params.get(k, p.default), float), (N,))
            for k, p in m.parameters.items()}
    for k, v in full.items():
        setattr(g, k, v * b2.ms if k == "t_ref" else v)
    state0 = m.init({k: np.array(v) for k, v in full.items()})
    g.v = state0[0]
    if model != "lif":
        setattr(g, "w" if model == "adex" else "u", state0[1])
    mon = b2.SpikeMonitor(g)
    net = b2.Network(g, mon)
    net.run(T_STOP * b2.ms, namespace={"I_ext": I_ext})
    trains = mon.spike_trains()
    return [np.asarray(trains[i] / b2.ms) for i in range(N)]


@pytest.mark.parametrize("model", ["izhikevich", "izhikevich2007", "adex", "lif"])
def test_same_spikes_as_brian2(model):
    rng = np.random.default_rng(12345)
    params = _random_params(model, rng)
    mean, sigma = RANGES[model][1]
    stim = stimuli.ou_noise(mean, sigma, 5.0, duration=T_STOP, n_sweeps=N, dt=DT, rng=7)
    # one noisy current per candidate, so that every neuron sees its own input
    ours = simulate(model, params, stimuli.from_array(stim.values, dt=DT, per_candidate=True),
                    dt=DT)
    ref = _brian2_spikes(model, params, stim.values)
    total = 0
    for i in range(N):
        a, b = ours.spikes[i], ref[i]
        assert a.size == b.size, f"{model} neuron {i}: {a.size} spikes vs Brian2's {b.size}"
        if a.size:
            assert np.max(np.abs(a - b)) <= DT + 1e-9, f"{model} neuron {i}"
        total += a.size
    assert total > 5 * N, f"{model}: the test current should make the neurons fire ({total})"
