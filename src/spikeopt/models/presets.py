"""Named parameter sets for the classic firing patterns.

Izhikevich (2003), Fig. 2: regular spiking (RS), intrinsically bursting (IB),
chattering (CH), fast spiking (FS), low-threshold spiking (LTS), thalamo-cortical
(TC), resonator (RZ). Izhikevich (2007), ch. 8: RS, IB, CH, LTS in pA.
Naud et al. (2008), Table 1: AdEx tonic, adapting, initial bursting, bursting,
irregular, transient and delayed patterns, each with the step current (pA)
that shows the pattern.
Kobayashi, Tsubo & Shinomoto (2009), Fig. 5B (the authors' MATLAB code and ModelDB
226422): MAT regular spiking, intrinsic bursting, fast spiking and chattering
(E_L = -65 mV, R = 50 MOhm, tau_m = 5 ms, tau1 = 10 ms, tau2 = 200 ms, t_ref = 2 ms,
omega absolute), each with the 0.6 nA step of the figure.
"""

from __future__ import annotations

from ..errors import UnknownNameError

__all__ = ["PRESETS", "get_preset"]

_IZH2003 = {
    "regular_spiking": {"a": 0.02, "b": 0.2, "c": -65.0, "d": 8.0},
    "intrinsically_bursting": {"a": 0.02, "b": 0.2, "c": -55.0, "d": 4.0},
    "chattering": {"a": 0.02, "b": 0.2, "c": -50.0, "d": 2.0},
    "fast_spiking": {"a": 0.1, "b": 0.2, "c": -65.0, "d": 2.0},
    "low_threshold_spiking": {"a": 0.02, "b": 0.25, "c": -65.0, "d": 2.0},
    "thalamo_cortical": {"a": 0.02, "b": 0.25, "c": -65.0, "d": 0.05},
    "resonator": {"a": 0.1, "b": 0.26, "c": -65.0, "d": 2.0},
}

_IZH2007 = {
    "regular_spiking": dict(C=100.0, k=0.7, v_r=-60.0, v_t=-40.0, v_peak=35.0,
                            a=0.03, b=-2.0, c=-50.0, d=100.0),
    "intrinsically_bursting": dict(C=150.0, k=1.2, v_r=-75.0, v_t=-45.0, v_peak=50.0,
                                   a=0.01, b=5.0, c=-56.0, d=130.0),
    "chattering": dict(C=50.0, k=1.5, v_r=-60.0, v_t=-40.0, v_peak=25.0,
                       a=0.03, b=1.0, c=-40.0, d=150.0),
    "low_threshold_spiking": dict(C=100.0, k=1.0, v_r=-56.0, v_t=-42.0, v_peak=40.0,
                                  a=0.03, b=8.0, c=-53.0, d=20.0),
}

# Naud et al. 2008 Table 1 (V_peak 0 mV); "current_pA" is the step that shows the pattern.
_ADEX = {
    "tonic": dict(C=200.0, g_L=10.0, E_L=-70.0, V_T=-50.0, Delta_T=2.0, a=2.0, tau_w=30.0,
                  b=0.0, V_reset=-58.0, current_pA=500.0),
    "adapting": dict(C=200.0, g_L=12.0, E_L=-70.0, V_T=-50.0, Delta_T=2.0, a=2.0, tau_w=300.0,
                     b=60.0, V_reset=-58.0, current_pA=500.0),
    "initial_bursting": dict(C=130.0, g_L=18.0, E_L=-58.0, V_T=-50.0, Delta_T=2.0, a=4.0,
                             tau_w=150.0, b=120.0, V_reset=-50.0, current_pA=400.0),
    "bursting": dict(C=200.0, g_L=10.0, E_L=-58.0, V_T=-50.0, Delta_T=2.0, a=2.0, tau_w=120.0,
                     b=100.0, V_reset=-46.0, current_pA=210.0),
    "irregular": dict(C=100.0, g_L=12.0, E_L=-60.0, V_T=-50.0, Delta_T=2.0, a=-11.0,
                      tau_w=130.0, b=30.0, V_reset=-48.0, current_pA=160.0),
    "transient": dict(C=100.0, g_L=10.0, E_L=-65.0, V_T=-50.0, Delta_T=2.0, a=10.0,
                      tau_w=90.0, b=100.0, V_reset=-47.0, current_pA=180.0),
    "delayed_accelerating": dict(C=200.0, g_L=12.0, E_L=-70.0, V_T=-50.0, Delta_T=2.0,
                                 a=-10.0, tau_w=300.0, b=0.0, V_reset=-58.0, current_pA=300.0),
}
for _p in _ADEX.values():
    _p["V_peak"] = 0.0

# Kobayashi et al. 2009 Fig. 5B; "current_pA" is the figure's step (0.6 nA)
_MAT = {
    "regular_spiking": dict(omega=-45.0, alpha1=30.0, alpha2=2.0),
    "intrinsic_bursting": dict(omega=-46.0, alpha1=7.5, alpha2=1.5),
    "fast_spiking": dict(omega=-55.0, alpha1=10.0, alpha2=0.2),
    "chattering": dict(omega=-39.0, alpha1=-0.5, alpha2=0.4),
}
for _p in _MAT.values():
    _p.update(E_L=-65.0, R=50.0, tau_m=5.0, tau1=10.0, tau2=200.0, t_ref=2.0, current_pA=600.0)

PRESETS: dict[str, dict[str, dict[str, float]]] = {
    "izhikevich": _IZH2003,
    "izhikevich2007": _IZH2007,
    "adex": _ADEX,
    "mat": _MAT,
}


def get_preset(model: str, pattern: str) -> dict[str, float]:
    """Parameters of a named firing pattern, e.g. ``get_preset("izhikevich", "chattering")``.

    AdEx and MAT presets carry the step amplitude that shows the pattern under the key
    ``current_pA``; it is not a model parameter (pop it before simulating).
    """
    try:
        table = PRESETS[model]
    except KeyError:
        raise UnknownNameError(
            f"No presets for model {model!r}; models with presets: {sorted(PRESETS)}."
        ) from None
    try:
        return dict(table[pattern])
    except KeyError:
        raise UnknownNameError(
            f"Model {model!r} has no preset {pattern!r}; its presets are {sorted(table)}."
        ) from None
