"""spikeopt's models and synapses in NEST's terms (units: ms, mV, pA, nS, pF).

Neuron models (spikeopt name -> NEST model by the synapse type it receives)
---------------------------------------------------------------------------
``lif`` (tau_m ms, R MOhm, E_L, V_th, V_reset mV, t_ref ms)
    no synapse or ``delta`` -> ``iaf_psc_delta``; ``exp_current`` -> ``iaf_psc_exp``;
    ``exp_conductance`` -> ``iaf_cond_exp``; ``exp2_conductance`` -> ``iaf_cond_beta``.
    ``C_m = 1000 * tau_m / R`` pF (ms / MOhm = nF, hence × 1000), ``tau_m`` as is
    (psc models), ``g_L = 1000 / R`` nS (cond models, which take no tau_m);
    E_L, V_th, V_reset (mV) and t_ref (ms) as is. NEST integrates the membrane
    exactly (propagators) where spikeopt takes forward-Euler steps; NEST
    spikes at ``V >= V_th``, spikeopt at ``v > V_th``; both clamp V at V_reset
    for t_ref and drop delta input meanwhile (``refractory_input = False``).
``izhikevich`` (2003: a 1/ms, b, c mV, d mV/ms; I in mV/ms)
    ``izhikevich`` with ``V_th = 30`` mV and ``consistent_integration = True``:
    NEST then takes exactly spikeopt's step (forward Euler of v and u from the
    values at t, spike at ``v >= 30``, ``v = c``, ``u += d``). ``False`` is the
    published scheme (v in two half steps, u from the new v; NEST documents it
    for dt = 1 ms), which spikeopt's ``update: snnjl`` resembles but does not
    equal (SNN.jl spikes at ``v > 30`` in Float32 and kicks in the same step):
    refused. The current enters as a number (NEST calls its unit pA).
``adex`` (C pF, g_L nS, E_L, V_T, Delta_T, V_reset, V_peak mV, a nS, tau_w ms, b pA)
    no synapse or ``delta`` -> ``aeif_psc_delta``; ``exp_current`` -> ``aeif_psc_exp``;
    ``exp_conductance`` -> ``aeif_cond_exp``. ``C_m = C``, ``V_th = V_T``, the rest
    by name, ``t_ref = 0``. NEST integrates with GSL's adaptive RKF45
    (``gsl_error_tol`` 1e-6) and tests ``V >= V_peak`` after every internal step
    (spikeopt: forward Euler at dt, tested once per step).
``traub_miles`` (GeNN's TraubMiles: g uS, C nF)
    ``hh_cond_exp_traub`` with ``V_T = -65`` mV, which makes NEST's rate functions
    GeNN's (``13 - V + V_T = -52 - V`` ...); ``g_Na, g_K, g_L = 1000 × gNa, gK, gl``
    nS, ``C_m = 1000 × C`` pF. Synapses: ``exp_conductance``. NEST integrates
    adaptively (RKF45) and detects a spike at a local maximum of V above
    ``V_T + 30 = -35`` mV with a 2 ms dead time (spikeopt: the upward crossing
    of 0 mV), so spike times differ by the rise from 0 mV to the peak.
``hh`` (NEURON's hh in one soma)
    single cells only, at ``celsius = 6.3`` (q10 = 1): ``hh_psc_alpha`` has NEURON's
    rate functions at 6.3 °C and no temperature. Area ``A = pi * diam * L`` µm²,
    ``C_m = cm * A * 0.01`` pF, ``g_x = gxbar * A * 10`` nS. NEST detects a spike at
    a local maximum of V above 0 mV with a 2 ms dead time (spikeopt: the upward
    crossing of ``v_thresh``). Its synapses are alpha currents, which spikeopt's
    descriptions do not have, so an ``hh`` population may not receive any.
``glif1`` .. ``glif5`` (C pF, g_L nS, E_L, theta_inf, V_reset, delta_V, delta_theta_s mV,
b_s, k_j, a_v, b_v 1/ms, A_j pA, t_ref ms)
    ``glif_psc``, single cells only (its synapses are alpha currents on receptor
    ports, which spikeopt's descriptions do not have), switches
    ``spike_dependent_threshold`` (R: GLIF2/4/5), ``after_spike_currents`` (ASC:
    GLIF3/4/5), ``adapting_threshold`` (A: GLIF5). ``C_m = C``, ``g = g_L``,
    ``V_th = theta_inf`` and ``V_reset`` absolute (NEST stores them relative to E_L),
    ``voltage_reset_fraction = f_v``, ``voltage_reset_add = delta_V``,
    ``th_spike_add = delta_theta_s``, ``th_spike_decay = b_s``, ``asc_amps = [A1, A2]``,
    ``asc_decay = [k1, k2]`` (1/ms), ``asc_r = [r1, r2]``, ``th_voltage_index = a_v``,
    ``th_voltage_decay = b_v``. Same reset rules (the Allen SDK's), but NEST
    integrates exactly (spikeopt: Euler), freezes one step more after a spike
    (t_ref / h whole steps; spikeopt Brian2's rule), needs t_ref > 0 and has no
    ``I_e`` (see :mod:`._nest_build`).
``mat`` (tau_m ms, R MOhm, E_L, omega, alpha_j mV, tau_j ms)
    ``mat2_psc_exp``, single cells only (its exponential synapses have one time
    constant per sign, not mapped from spikeopt's ``exp_current`` yet):
    ``C_m = 1000 * tau_m / R`` pF, ``omega`` absolute, ``alpha_j``, ``tau_j`` by name,
    t_ref > 0. NEST integrates v exactly (spikeopt: Euler; both decay the threshold
    exactly), fires at ``v >= omega + H1 + H2`` and is refractory one step longer.
``izhikevich2007``
    no NEST built-in: NEST's ``izhikevich`` is the 2003 form (0.04 v² + 5 v + 140,
    unit capacitance); the 2007 form needs a NESTML model.

Synapses
--------
``delta`` weights are mV jumps, ``exp_current`` pA, ``exp_conductance`` and
``exp2_conductance`` nS (spikeopt clips conductance weights at 0). NEST's psc
and cond models have one excitatory and one inhibitory channel, chosen by the
*sign of the weight*: current links with weights > 0 must share one time
constant (``tau_syn_ex``) and those with weights < 0 another (``tau_syn_in``);
conductance links may have at most two (E_rev, tau) kinds: the higher reversal
potential becomes the excitatory channel (weight w), the other the inhibitory
one (weight -w). ``iaf_cond_beta`` normalises the peak conductance of a weight-1
event to 1 nS, as spikeopt's Exp2Syn normalisation does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from ..errors import InvalidParameterError

__all__ = ["ModelMap", "MODELS", "model_reason", "synapse_reason", "nest_neuron", "SynapseFit",
           "fit_synapses", "UNSUPPORTED_MODELS"]


@dataclass(frozen=True)
class ModelMap:
    """How one spikeopt model becomes a NEST model.

    ``nest`` maps the synapse type a population receives (None: none) to the
    NEST model; ``params(p, synapse)`` turns the spikeopt parameters ({name: (n,)
    array}, the model's units) into NEST's; ``state`` renames state variables;
    ``fixed`` are NEST parameters set to a constant; ``check(p)`` returns why
    these values cannot be mapped, or None; ``has_I_e``: whether the NEST model
    has a constant current ``I_e``.
    """

    nest: Mapping[str | None, str]
    params: Callable[[dict, str | None], dict]
    state: Mapping[str, str]
    fixed: Mapping[str, object] = field(default_factory=dict)
    check: Callable[[dict], str | None] | None = None
    has_I_e: bool = True


def _lif(p: dict, synapse: str | None) -> dict:
    out = {"C_m": 1000.0 * p["tau_m"] / p["R"], "E_L": p["E_L"], "V_th": p["V_th"],
           "V_reset": p["V_reset"], "t_ref": p["t_ref"]}
    if synapse in ("exp_conductance", "exp2_conductance"):
        out["g_L"] = 1000.0 / p["R"]
    else:
        out["tau_m"] = p["tau_m"]
    return out


def _izhikevich(p: dict, synapse: str | None) -> dict:
    return {k: p[k] for k in ("a", "b", "c", "d")}


def _adex(p: dict, synapse: str | None) -> dict:
    return {"C_m": p["C"], "g_L": p["g_L"], "E_L": p["E_L"], "V_th": p["V_T"],
            "Delta_T": p["Delta_T"], "V_reset": p["V_reset"], "V_peak": p["V_peak"],
            "a": p["a"], "tau_w": p["tau_w"], "b": p["b"]}


def _traub(p: dict, synapse: str | None) -> dict:
    return {"g_Na": 1000.0 * p["gNa"], "g_K": 1000.0 * p["gK"], "g_L": 1000.0 * p["gl"],
            "E_Na": p["ENa"], "E_K": p["EK"], "E_L": p["El"], "C_m": 1000.0 * p["C"]}


def _hh(p: dict, synapse: str | None) -> dict:
    area = np.pi * p["diam"] * p["L"]  # um^2
    return {"C_m": p["cm"] * area * 0.01, "g_Na": p["gnabar"] * area * 10.0,
            "g_K": p["gkbar"] * area * 10.0, "g_L": p["gl"] * area * 10.0,
            "E_Na": p["ena"], "E_K": p["ek"], "E_L": p["el"]}


def _hh_check(p: dict) -> str | None:
    bad = np.asarray(p["celsius"])[np.abs(np.asarray(p["celsius"]) - 6.3) > 1e-9]
    if bad.size:
        return (f"model 'hh' maps to NEST's hh_psc_alpha, whose rates are NEURON's hh at "
                f"6.3 degC with no temperature factor: 'celsius' must be 6.3. "
                f"Got {float(bad[0])!r}")
    return None


def _glif(R: bool, ASC: bool, A: bool) -> Callable[[dict, str | None], dict]:
    def params(p: dict, synapse: str | None) -> dict:
        out = {"C_m": p["C"], "g": p["g_L"], "E_L": p["E_L"], "V_th": p["theta_inf"],
               "t_ref": p["t_ref"]}
        if R:
            out.update(voltage_reset_fraction=p["f_v"], voltage_reset_add=p["delta_V"],
                       th_spike_add=p["delta_theta_s"], th_spike_decay=p["b_s"])
        else:
            out["V_reset"] = p["V_reset"]
        if ASC:  # (n, 2) arrays: one row per neuron
            for key, (a, b) in (("asc_amps", ("A1", "A2")), ("asc_decay", ("k1", "k2")),
                                ("asc_r", ("r1", "r2"))):
                out[key] = np.stack([np.asarray(p[a], dtype=np.float64),
                                     np.asarray(p[b], dtype=np.float64)], axis=-1)
        if A:
            out.update(th_voltage_index=p["a_v"], th_voltage_decay=p["b_v"])
        return out

    return params


def _positive_t_ref(model: str) -> Callable[[dict], str | None]:
    def check(p: dict) -> str | None:
        t = np.asarray(p["t_ref"], dtype=np.float64)
        if (t <= 0).any():
            return (f"model {model!r} maps to NEST's {MODELS[model].nest[None]}, whose "
                    f"refractory time must be > 0 ms. Got t_ref = {float(t[t <= 0][0])!r}")
        return None

    return check


def _mat(p: dict, synapse: str | None) -> dict:
    return {"tau_m": p["tau_m"], "C_m": 1000.0 * p["tau_m"] / p["R"], "E_L": p["E_L"],
            "omega": p["omega"], "alpha_1": p["alpha1"], "alpha_2": p["alpha2"],
            "tau_1": p["tau1"], "tau_2": p["tau2"], "t_ref": p["t_ref"]}


_GLIF_SWITCHES = {1: (False, False, False), 2: (True, False, False), 3: (False, True, False),
                  4: (True, True, False), 5: (True, True, True)}

_HH_STATE = {"m": "Act_m", "h": "Inact_h", "n": "Act_n"}

MODELS: dict[str, ModelMap] = {
    "lif": ModelMap(
        {None: "iaf_psc_delta", "delta": "iaf_psc_delta", "exp_current": "iaf_psc_exp",
         "exp_conductance": "iaf_cond_exp", "exp2_conductance": "iaf_cond_beta"},
        _lif, {"v": "V_m"}),
    "izhikevich": ModelMap(
        {None: "izhikevich", "delta": "izhikevich"}, _izhikevich, {"v": "V_m", "u": "U_m"},
        {"V_th": 30.0, "consistent_integration": True}),
    "adex": ModelMap(
        {None: "aeif_psc_delta", "delta": "aeif_psc_delta", "exp_current": "aeif_psc_exp",
         "exp_conductance": "aeif_cond_exp"},
        _adex, {"V": "V_m", "w": "w"}, {"t_ref": 0.0}),
    "traub_miles": ModelMap(
        {None: "hh_cond_exp_traub", "exp_conductance": "hh_cond_exp_traub"},
        _traub, {"V": "V_m", **_HH_STATE}, {"V_T": -65.0}),
    "hh": ModelMap({None: "hh_psc_alpha"}, _hh, {"v": "V_m", **_HH_STATE}, check=_hh_check),
    **{f"glif{n}": ModelMap(
        {None: "glif_psc"}, _glif(R, ASC, A),
        {"V": "V_m", **({"theta_s": "threshold_spike"} if R else {}),
         **({"theta_v": "threshold_voltage"} if A else {})},
        {"spike_dependent_threshold": R, "after_spike_currents": ASC, "adapting_threshold": A},
        check=_positive_t_ref(f"glif{n}"), has_I_e=False)
       for n, (R, ASC, A) in _GLIF_SWITCHES.items()},
    "mat": ModelMap({None: "mat2_psc_exp"}, _mat,
                    {"v": "V_m", "H1": "V_th_alpha_1", "H2": "V_th_alpha_2"},
                    check=_positive_t_ref("mat")),
}

UNSUPPORTED_MODELS = {
    "izhikevich2007": (
        "NEST has no built-in for the Izhikevich (2007) model: its 'izhikevich' is the 2003 "
        "form (0.04 v^2 + 5 v + 140, unit capacitance); C, k, v_r, v_t and v_peak need a "
        "NESTML model"),
}


def model_reason(name: str) -> str | None:
    """Why spikeopt model ``name`` has no NEST counterpart, or None."""
    if name in MODELS:
        return None
    if name in UNSUPPORTED_MODELS:
        return UNSUPPORTED_MODELS[name]
    return (f"model {name!r} has no NEST mapping; mapped models: {sorted(MODELS)} "
            f"(write the model in NESTML and run it with PyNEST directly)")


# the synapses of NEST models that take none of spikeopt's synapse types (default: alpha)
_NEST_SYNAPSES = {
    "glif_psc": "alpha currents on receptor ports, which spikeopt's descriptions do not have",
    "mat2_psc_exp": "exponential currents with one time constant per sign (tau_syn_ex, "
                    "tau_syn_in), not mapped from spikeopt's exp_current yet",
}


def synapse_reason(model: str, synapse: str | None) -> str:
    """Why a ``model`` population cannot receive ``synapse`` synapses in NEST."""
    mm = MODELS[model]
    allowed = sorted(k for k in mm.nest if k is not None)
    if not allowed:
        kind = _NEST_SYNAPSES.get(mm.nest[None], "alpha currents, which spikeopt's "
                                                 "descriptions do not have")
        return (f"model {model!r} maps to NEST's {mm.nest[None]}, whose synapses are {kind}; "
                f"it receives {synapse!r}")
    return (f"model {model!r} in NEST ({mm.nest[None]} ...) takes synapses of type {allowed}; "
            f"it receives {synapse!r}")


def nest_neuron(model: str, p: Mapping[str, np.ndarray], synapse: str | None,
                where: str) -> tuple[str, dict]:
    """(NEST model, NEST parameters) of spikeopt model ``model`` with
    parameters ``p`` ({name: (n,) array}) receiving ``synapse`` synapses."""
    reason = model_reason(model)
    mm = MODELS.get(model)
    if mm is not None and mm.check is not None:
        reason = mm.check(dict(p))
    if reason is None and synapse not in mm.nest:
        reason = synapse_reason(model, synapse)
    if reason:
        raise InvalidParameterError(f"{where}: {reason}.")
    return mm.nest[synapse], {**mm.params(dict(p), synapse), **mm.fixed}


# -- synapse channels -------------------------------------------------------------------
@dataclass(frozen=True)
class SynapseFit:
    """The synapse type a population receives, the NEST channel parameters
    (``tau_syn_ex`` ...), and per incoming link how weights go to NEST:
    ``"same"`` (delta, currents: the sign picks the channel), ``"ex"`` (a
    conductance, weight max(w, 0)) or ``"in"`` (weight -max(w, 0))."""

    synapse: str | None
    params: dict
    route: dict


def _signs(kind: str, a: float, b: float | None) -> set:
    if kind == "const":
        return {np.sign(a)} - {0.0}
    if kind == "uniform":
        return ({1.0} if b > 0 else set()) | ({-1.0} if a < 0 else set())
    if kind == "normal":
        return {1.0, -1.0} if b > 0 else {np.sign(a)} - {0.0}
    arr = np.asarray(a)  # explicit weights
    return ({1.0} if (arr > 0).any() else set()) | ({-1.0} if (arr < 0).any() else set())


def fit_synapses(pop: str, incoming: list[tuple[str, str, dict, str, float, float | None]]
                 ) -> SynapseFit:
    """Fit the links into population ``pop`` onto NEST's two channels.

    ``incoming``: (link name, synapse type, {synapse key: value}, weight kind,
    a, b) where (kind, a, b) describe the weight (const a; uniform [a, b];
    normal (a, b); "explicit" with a = the weight array). Raises
    InvalidParameterError explaining a misfit.
    """
    types = sorted({s for _, s, *_ in incoming})
    if not types:
        return SynapseFit(None, {}, {})
    if len(types) > 1:
        raise InvalidParameterError(
            f"population {pop!r} receives synapses of types {types}; a NEST neuron model "
            f"takes one kind (iaf_psc_delta, iaf_psc_exp, iaf_cond_exp ...)")
    synapse = types[0]
    if synapse == "delta":
        return SynapseFit(synapse, {}, {name: "same" for name, *_ in incoming})
    if synapse == "exp_current":
        taus: dict[float, dict] = {1.0: {}, -1.0: {}}
        for name, _, keys, kind, a, b in incoming:
            for s in _signs(kind, a, b):
                taus[s][name] = float(keys["tau_ms"])
        params = {}
        for s, key, word in ((1.0, "tau_syn_ex", "> 0"), (-1.0, "tau_syn_in", "< 0")):
            values = set(taus[s].values())
            if len(values) > 1:
                raise InvalidParameterError(
                    f"population {pop!r}: NEST's psc_exp models have one time constant for "
                    f"weights {word} ({key}); its links with such weights have "
                    f"{ {n: t for n, t in taus[s].items()} } ms")
            if values:
                params[key] = values.pop()
        params.setdefault("tau_syn_ex", params.get("tau_syn_in", 2.0))
        params.setdefault("tau_syn_in", params["tau_syn_ex"])
        return SynapseFit(synapse, params, {name: "same" for name, *_ in incoming})
    # conductances: at most two kinds (E_rev, taus), the higher E_rev excitatory
    if synapse == "exp_conductance":
        keys_of = ("E_rev_mV", "tau_ms")
        names = {"ex": ("E_ex", "tau_syn_ex"), "in": ("E_in", "tau_syn_in")}
    else:
        keys_of = ("E_rev_mV", "tau_rise_ms", "tau_decay_ms")
        names = {"ex": ("E_ex", "tau_rise_ex", "tau_decay_ex"),
                 "in": ("E_in", "tau_rise_in", "tau_decay_in")}
    kinds: dict[tuple, list] = {}
    for name, _, keys, *_ in incoming:
        kinds.setdefault(tuple(float(keys[k]) for k in keys_of), []).append(name)
    if len(kinds) > 2:
        raise InvalidParameterError(
            f"population {pop!r}: NEST's conductance models have two channels (E_ex, E_in); "
            f"its {synapse} links have {len(kinds)} kinds of {keys_of}: "
            f"{ {k: v for k, v in kinds.items()} }")
    params, route = {}, {}
    for channel, kind in zip(("ex", "in"), sorted(kinds, reverse=True), strict=False):
        params.update(dict(zip(names[channel], kind, strict=True)))
        route.update({n: channel for n in kinds[kind]})
    return SynapseFit(synapse, params, route)
