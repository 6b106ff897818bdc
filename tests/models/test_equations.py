"""Models from equation strings: the same spikes as the hand-written built-ins and
as Brian2 running the same strings, errors that name the culprit, and a compile
cache keyed by the generated source."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys

import numpy as np
import pytest

from spikeopt import models, simulate, stimuli
from spikeopt.errors import InvalidParameterError, UnknownNameError
from spikeopt.models import from_equations
from spikeopt.models.equations import to_brian2

DT = 0.1  # ms
N = 16

EQUATIONS = {
    "lif": dict(
        equations="dv/dt = (E_L - v + R*I)/tau_m : mV (unless refractory)",
        threshold="v > V_th", reset="v = V_reset", refractory="t_ref"),
    "adex": dict(
        equations="""
            dv/dt = (-g_L*(v - E_L) + g_L*Delta_T*exp((v - V_T)/Delta_T) - w + I)/C : mV
            dw/dt = (a*(v - E_L) - w)/tau_w : pA   # adaptation current
        """,
        threshold="v >= V_peak", reset="v = V_reset; w = w + b"),
    "izhikevich2007": dict(
        equations="""
            dv/dt = (k*(v - v_r)*(v - v_t) - u + I)/C : mV
            du/dt = a*(b*(v - v_r) - u) : pA
        """,
        threshold="v >= v_peak", reset="v = c\nu += d", init={"v": "v_r"}),
}

# parameter ranges where the models fire, and the noisy current (pA): as in
# tests/simulation/test_brian2_reference.py
RANGES = {
    "izhikevich2007": ({"C": (80.0, 150.0), "k": (0.5, 1.2), "a": (0.01, 0.05),
                        "b": (-2.0, 4.0), "c": (-55.0, -45.0), "d": (50.0, 150.0)},
                       (150.0, 60.0)),
    "adex": ({"C": (150.0, 300.0), "g_L": (8.0, 15.0), "a": (0.0, 4.0), "tau_w": (50.0, 300.0),
              "b": (0.0, 100.0), "V_T": (-52.0, -48.0), "V_peak": (-10.0, 10.0)},
             (400.0, 150.0)),
    "lif": ({"tau_m": (10.0, 30.0), "R": (80.0, 150.0), "t_ref": (0.0, 4.0)}, (250.0, 80.0)),
}

LIF_PARAMS = {"E_L": {"unit": "mV", "default": -70.0},
              "tau_m": {"unit": "ms", "default": 20.0, "low": 5.0, "high": 50.0},
              "R": {"unit": "MOhm", "default": 100.0}}


def _spec(builtin: str) -> dict:
    """The built-in model's parameters (units, defaults, bounds) as a parameters= dict."""
    return {k: {"unit": p.unit, "default": p.default, "low": p.low, "high": p.high}
            for k, p in models.get(builtin).parameters.items()}


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    folder = tmp_path_factory.mktemp("spikeopt_cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SPIKEOPT_CACHE", str(folder))
        yield folder


@pytest.fixture(scope="module")
def custom(cache):
    return {m: from_equations(f"{m}_eq", parameters=_spec(m), **kw)
            for m, kw in EQUATIONS.items()}


def _inputs(model: str, seed: int, t_stop: float):
    rng = np.random.default_rng(seed)
    ranges, (mean, sigma) = RANGES[model]
    params = {k: rng.uniform(lo, hi, N) for k, (lo, hi) in ranges.items()}
    noise = stimuli.ou_noise(mean, sigma, 5.0, duration=t_stop, n_sweeps=N, dt=DT, rng=seed)
    return params, noise.values


# -- 1. the same spikes as the hand-written models ----------------------------------------

@pytest.mark.parametrize("model", list(EQUATIONS))
def test_same_spikes_as_the_builtin_model(model, custom):
    params, current = _inputs(model, 12345, 400.0)
    stim = stimuli.from_array(current, dt=DT, per_candidate=True)
    ref = simulate(model, params, stim, dt=DT)
    ours = simulate(custom[model], params, stim, dt=DT)
    assert ours.spikes.times.size > 5 * N, "the current should make the neurons fire"
    # the generated step performs the same floating-point operations: identical spikes
    np.testing.assert_array_equal(ours.spikes.offsets, ref.spikes.offsets)
    np.testing.assert_array_equal(ours.spikes.times, ref.spikes.times)
    assert not ours.failed.any()


def test_model_record(custom):
    lif = custom["lif"]
    assert lif.state == ("v", "refractory_steps")
    assert lif.current_unit == "pA"
    assert lif.parameters["R"].unit == "MOhm" and lif.parameters["R"].default == 100.0
    assert tuple(lif.space(["tau_m"]).names) == ("tau_m",)
    assert "dv/dt = (E_L - v + R*I)/tau_m : mV (unless refractory)" in lif.equations
    again = pickle.loads(pickle.dumps(lif))  # process pools: init carries its source
    assert again == lif and again.init.source == lif.init.source
    init = custom["izhikevich2007"].init({"v_r": np.array([-60.0, -55.0]),
                                          **{k: np.ones(2) for k in "Ckabcd"}})
    np.testing.assert_array_equal(init, [[-60.0, -55.0], [0.0, 0.0]])


# -- 2. the same spikes as Brian2 running the same strings ---------------------------------

@pytest.mark.parametrize("model", list(EQUATIONS))
def test_same_spikes_as_brian2(model, custom):
    b2 = pytest.importorskip("brian2", reason="Brian2 is the reference simulator (test extra)")
    m = custom[model]
    params, current = _inputs(model, 99, 200.0)
    ours = simulate(m, params, stimuli.from_array(current, dt=DT, per_candidate=True), dt=DT)

    # to_brian2 writes the strings in dimensionless numbers in the model's units (mV, ms,
    # pA), with the same scale factors, as tests/simulation/test_brian2_reference.py does
    b2.start_scope()
    b2.prefs.codegen.target = "numpy"
    I_ext = b2.TimedArray(current.T.copy(), dt=DT * b2.ms)
    kw = to_brian2(m, current="I_ext(t, i)")
    g = b2.NeuronGroup(N, kw.pop("model"), dt=DT * b2.ms, **kw)
    full = {k: np.broadcast_to(np.asarray(params.get(k, p.default), float), (N,))
            for k, p in m.parameters.items()}
    for k, v in full.items():
        setattr(g, k, v)
    for name, x0 in zip(m.state, m.init({k: np.array(v) for k, v in full.items()}),
                        strict=False):
        if name != "refractory_steps":
            setattr(g, name, x0)
    mon = b2.SpikeMonitor(g)
    b2.Network(g, mon).run(200.0 * b2.ms, namespace={"I_ext": I_ext})
    trains = mon.spike_trains()
    total = 0
    for i in range(N):
        a, b = ours.spikes[i], np.asarray(trains[i] / b2.ms)
        assert a.size == b.size, f"{model} neuron {i}: {a.size} spikes vs Brian2's {b.size}"
        if a.size:  # Brian2 simplifies the expressions: rounding may move a spike one step
            assert np.max(np.abs(a - b)) <= DT + 1e-9, f"{model} neuron {i}"
        total += a.size
    assert total > 2 * N


def test_to_brian2_text(custom):
    kw = to_brian2(custom["lif"])
    assert kw["model"].splitlines()[0] == (
        "dv/dt = ((E_L - v + R * I * 0.001) / tau_m)/ms : 1 (unless refractory)")
    assert "I : 1" in kw["model"] and "tau_m : 1" in kw["model"]
    assert kw["threshold"] == "v > V_th" and kw["reset"] == "v = V_reset"
    assert kw["refractory"] == "(t_ref)*ms" and kw["method"] == "euler"
    with pytest.raises(UnknownNameError, match="not made by from_equations"):
        to_brian2(models.get("lif"))


# -- units, time, subexpressions ---------------------------------------------------------

def test_scale_factors_are_exact(cache):
    # R*I in GOhm*nA is in V: 1000 mV; tau in seconds: (mV/s) / 1000 = mV/ms. The numbers
    # themselves are checked by the LIF test above (MOhm*pA = 0.001 mV) and Brian2.
    m = from_equations("scaled", "dv/dt = (E_L - v + R*I)/tau : mV", threshold="v > 1*volt",
                       parameters={"E_L": {"unit": "mV", "default": -70.0},
                                   "R": {"unit": "GOhm", "default": 0.1},
                                   "tau": {"unit": "second", "default": 0.02}},
                       current_unit="nA")
    src = open(sys.modules[m.step.py_func.__module__].__file__).read()
    assert ("n_v = x_v + dt * (P_E_L[j] - x_v + P_R[j] * cur[j] * 1000.0) / P_tau[j] * 0.001"
            in src)
    assert "spike = n_v > 1 * 1000.0" in src


def test_time_and_subexpressions(cache):
    with pytest.warns(UserWarning, match="never use the injected current 'I'"):  # on purpose
        m = from_equations(
            "ramp", """
            dv/dt = drive/tau : mV
            drive = slope*t : mV   # a subexpression using the time t (ms)
            """, threshold="v > 1e9*mV",
            parameters={"slope": {"unit": "mV/ms", "default": 0.5},
                        "tau": {"unit": "ms", "default": 10.0}},
            init={"v": -70.0})
    assert m.state == ("v", "t_steps")
    res = simulate(m, {}, np.zeros(100), dt=DT, record_v=True)
    k = np.arange(100)
    expect = -70.0 + np.concatenate([[0.0], np.cumsum(DT * 0.5 * k * DT / 10.0)])[:100]
    np.testing.assert_allclose(res.v[0], expect, rtol=0, atol=1e-12)


# -- 3. errors that name the culprit -----------------------------------------------------

def _lif(equations="dv/dt = (E_L - v + R*I)/tau_m : mV", **kw):
    args = dict(threshold="v > -50*mV", reset="v = E_L", parameters=LIF_PARAMS)
    args.update(kw)
    return from_equations("bad", equations, **args)


def test_unknown_symbol_is_named_with_a_suggestion(cache):
    with pytest.raises(UnknownNameError, match=r"Unknown symbol 'tau_n' in the equation "
                       r"'dv/dt = \(E_L - v\)/tau_n : mV'\. Did you mean 'tau_m'"):
        _lif("dv/dt = (E_L - v)/tau_n : mV")
    with pytest.raises(UnknownNameError, match="Unknown symbol 'V_th' in the threshold"):
        _lif(threshold="v > V_th")
    with pytest.raises(UnknownNameError, match="Unknown function 'exq'.*Did you mean 'exp'"):
        _lif("dv/dt = (E_L - v)/tau_m*exq(1) : mV")


def test_inconsistent_units_are_named(cache):
    with pytest.raises(InvalidParameterError, match=r"cannot add 'E_L - v' \(mV\) and 'I' "
                       r"\(pA\)") as err:
        _lif("dv/dt = (E_L - v + I)/tau_m : mV")
    assert "dv/dt = (E_L - v + I)/tau_m : mV" in str(err.value)
    with pytest.raises(InvalidParameterError, match=r"dv/dt must be in mV/ms, but "
                       r"'E_L - v' is in mV"):
        _lif("dv/dt = E_L - v : mV")
    with pytest.raises(InvalidParameterError, match=r"argument of exp\(\) must be in 1"):
        _lif("dv/dt = (E_L - v)*exp(v)/tau_m : mV")
    with pytest.raises(InvalidParameterError, match=r"compare 'v' \(mV\) with '-50' \(1\)"):
        _lif(threshold="v > -50")


def test_structure_errors(cache):
    with pytest.raises(InvalidParameterError, match="needs a 'threshold'"):
        _lif(threshold="")
    with pytest.raises(InvalidParameterError, match="first state variable must be the "
                       "membrane potential"):
        _lif("dw/dt = -w/tau_m : pA\ndv/dt = (E_L - v)/tau_m : mV")
    with pytest.raises(InvalidParameterError, match="v must be in mV"):
        _lif("dv/dt = (E_L - v)/tau_m : volt")
    with pytest.raises(InvalidParameterError, match="Unknown unit 'mVV'.*Did you mean 'mV'"):
        _lif("dv/dt = (E_L - v)/tau_m : mVV")
    with pytest.raises(InvalidParameterError, match="Unknown unit 'mS_x'"):
        _lif(parameters={**LIF_PARAMS, "g": {"unit": "mS_x", "default": 1.0}})
    with pytest.raises(InvalidParameterError, match="needs a unit after ':'"):
        _lif("dv/dt = (E_L - v)/tau_m")
    with pytest.raises(InvalidParameterError, match="no refractory period is given"):
        _lif("dv/dt = (E_L - v)/tau_m : mV (unless refractory)")
    with pytest.raises(InvalidParameterError, match="Unknown flag"):
        _lif("dv/dt = (E_L - v)/tau_m : mV (constant)")
    with pytest.raises(InvalidParameterError, match="must assign a state variable"):
        _lif(reset="E_L = -60*mV")
    with pytest.raises(InvalidParameterError, match="declares a parameter"):
        _lif("dv/dt = (E_L - v + R*I)/tau_m : mV\ntau_m : ms")
    with pytest.raises(InvalidParameterError, match="unknown key"):
        _lif(parameters={**LIF_PARAMS, "x": {"unit": "mV", "default": 1.0, "bounds": 1}})
    with pytest.raises(InvalidParameterError, match="depend on each other"):
        _lif("dv/dt = (E_L - v + a)/tau_m : mV\na = 2*b : mV\nb = a : mV")
    with pytest.raises(InvalidParameterError, match="reserved"):
        _lif(parameters={**LIF_PARAMS, "t": {"unit": "ms", "default": 1.0}})


# -- 4. compiled once, cached by content --------------------------------------------------

def test_compiled_once_and_cached_on_disk(custom, cache):
    again = from_equations("lif_again", parameters=_spec("lif"), **EQUATIONS["lif"])
    assert again.step is custom["lif"].step  # the module is reused, not recompiled
    module = sys.modules[again.step.py_func.__module__]
    path = module.__file__
    assert os.path.dirname(path) == str(cache / "equations")
    mtime = os.stat(path).st_mtime_ns
    from_equations("lif_again", parameters=_spec("lif"), **EQUATIONS["lif"])
    assert os.stat(path).st_mtime_ns == mtime  # an identical file is left alone
    # a new process (another hash seed) finds the same module and numba's compiled driver
    code = (
        "import numpy as np, sys\n"
        "from spikeopt import models, simulate\n"
        "from spikeopt.models import from_equations\n"
        "from spikeopt.simulation._drivers import DRIVERS\n"
        f"eq = {EQUATIONS['lif']!r}\n"
        "p = {k: {'unit': q.unit, 'default': q.default, 'low': q.low, 'high': q.high}\n"
        "     for k, q in models.get('lif').parameters.items()}\n"
        "m = from_equations('lif_eq', parameters=p, **eq)\n"
        "simulate(m, {}, np.full(100, 300.0))\n"
        "print(m.step.py_func.__module__, DRIVERS[m.step][1].stats.cache_hits)\n")
    env = {**os.environ, "SPIKEOPT_CACHE": str(cache), "PYTHONHASHSEED": "123",
           "NUMBA_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, timeout=120, check=True).stdout.split()
    assert out[0] == module.__name__
    assert out[1] != "{}", "the driver was compiled again instead of loaded from the cache"


def test_register(cache):
    def define(equations):
        return from_equations("eq_test_lif", equations, threshold="v > -50*mV",
                              reset="v = E_L", parameters=LIF_PARAMS, register=True)

    try:
        m = define("dv/dt = (E_L - v + R*I)/tau_m : mV")
        assert models.get("eq_test_lif") is m
        assert define("dv/dt = (E_L - v + R*I)/tau_m : mV") == m  # the same again is fine
        with pytest.raises(InvalidParameterError, match="already registered"):
            define("dv/dt = (E_L - v + 2*R*I)/tau_m : mV")
    finally:
        models._REGISTRY.pop("eq_test_lif", None)


def test_docstring_examples(cache):
    import doctest

    from spikeopt.models import equations

    result = doctest.testmod(equations, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
