"""The built-in models in Brian2's equation syntax, and their units.

Each model is written once, in dimensionless numbers in spikeopt's units (mV,
ms, pA, nS; mV/ms for the current of Izhikevich 2003) so that Brian2's
arithmetic follows spikeopt's operation for operation. :func:`with_units`
rewrites such code into Brian2 quantities (``v : volt``, parameters in pF, nS,
mV, ms...) by replacing every name ``x`` of unit ``U`` with ``(x/U)`` and
multiplying assignments and derivatives back by their unit: the same numbers,
written with real units, for scripts meant to be read (:mod:`spikeopt.export`).

Everything is plain Brian2 syntax (no user functions), so every code
generation target runs it: numpy, cython and cpp_standalone.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

__all__ = ["B2Model", "MODELS", "UNITS", "with_units", "exp2_peak_factor", "unit_of"]


# spikeopt unit (as written in the parameter specs) -> (Brian2 unit expression,
# Brian2 dimension for declarations)
UNITS: dict[str, tuple[str, str]] = {
    "1": ("1", "1"),
    "": ("1", "1"),
    "degC": ("1", "1"),  # temperature enters only as a number (q10)
    "mV": ("mV", "volt"),
    "ms": ("ms", "second"),
    "pA": ("pA", "amp"),
    "nA": ("nA", "amp"),
    "nS": ("nS", "siemens"),
    "uS": ("uS", "siemens"),
    "pF": ("pF", "farad"),
    "nF": ("nF", "farad"),
    "MOhm": ("Mohm", "ohm"),
    "um": ("um", "metre"),
    "1/ms": ("(1/ms)", "1/second"),
    "mV/ms": ("(mV/ms)", "volt/second"),
    "nS/mV": ("(nS/mV)", "siemens/volt"),
    "uF/cm2": ("(uF/cm**2)", "farad/metre**2"),
    "S/cm2": ("(siemens/cm**2)", "siemens/metre**2"),
}


def unit_of(unit: str) -> tuple[str, str]:
    """(Brian2 unit expression, dimension) of a spikeopt unit string."""
    try:
        return UNITS[unit]
    except KeyError:
        raise ValueError(f"no Brian2 unit for {unit!r}; known: {sorted(UNITS)}") from None


def _vtrap(x: str, y: str) -> str:
    """NEURON's ``vtrap(x, y)`` (``y*(1 - x/y/2)`` where |x/y| < 1e-6, else
    ``x/(exp(x/y) - 1)``) without a branch: the unused side is multiplied by 0
    and kept finite, so the value is exactly the taken branch's."""
    r = f"({x})/({y})"
    small = f"int(abs({r}) < 1e-6)"
    return (f"({small}*({y})*(1.0 - {r}/2.0) + int(abs({r}) >= 1e-6)*({x})"
            f"/(exp({r}) - 1.0 + {small}))")


def _tm_rate(c: str, x: str, s: str, lim: str) -> str:
    """GeNN's ``c*x/(exp(x/s) - 1)``, ``lim`` where x == 0 (branch-free as above)."""
    return (f"(int(({x}) == 0)*{lim} + int(({x}) != 0)*({c}*({x}))"
            f"/(exp(({x})/{s}) - 1.0 + int(({x}) == 0)))")


@dataclass(frozen=True)
class B2Model:
    """One spikeopt model in Brian2 syntax (dimensionless numbers).

    ``equations`` holds ``{I}`` for the total input current (the model's
    current unit); parameter declarations are added from the spikeopt model.
    ``state`` maps spikeopt state names to Brian2 variables (None: none, e.g.
    LIF's refractory counter) and ``state_units`` gives their units.
    ``time_params`` are parameters Brian2 needs as times (``t_ref``: second).
    ``rename`` maps parameter names Brian2 reserves (``cm``) to new ones.
    ``update`` returns code for dt in ms, run each step at the state updater's
    slot (``groups``, order 0): one whole step for traub_miles (``equations`` then
    only declares), MAT's exact threshold decays, GLIF's refractory decay factors.
    ``upward_crossing``: ``v_prev`` (v before the step) is kept, for a threshold
    that compares with it or for GLIF's reset from the potential before the step.
    ``numeric_threshold``: the threshold compares with a number (``v >= 30``), so
    that with units it needs ``v/mV``; resets and thresholds without numbers are
    consistent in units as written (and are kept so: Brian2 rejects a statement
    such as ``w = (w/pA + b/pA)*pA`` whose unit cancels).
    """

    equations: str
    threshold: str
    reset: str | None = None
    refractory: str | None = None
    state: dict[str, str | None] = field(default_factory=dict)
    state_units: dict[str, str] = field(default_factory=dict)
    time_params: tuple[str, ...] = ()
    upward_crossing: bool = False
    numeric_threshold: bool = False
    rename: dict[str, str] = field(default_factory=dict)
    update: Callable[[float], str] | None = None


def _traub_miles_update(dt_ms: float) -> str:
    """GeNN's TraubMiles step: 25 forward-Euler sub-steps of dt/25, the input
    current held; every sub-step reads m, h, n and v from its start."""
    mdt = f"({dt_ms / 25.0!r})"
    sub = f"""Imem = -(m*m*m*h*gNa*(v - ENa) + n*n*n*n*gK*(v - EK) + gl*(v - El) - I_in*1e-3)
alpha = {_tm_rate("0.32", "-52.0 - v", "4.0", "1.28")}
beta = {_tm_rate("0.28", "v + 25.0", "5.0", "1.4")}
m = m + (alpha*(1.0 - m) - beta*m)*{mdt}
alpha = 0.128*exp((-48.0 - v)/18.0)
beta = 4.0/(exp((-25.0 - v)/5.0) + 1.0)
h = h + (alpha*(1.0 - h) - beta*h)*{mdt}
alpha = {_tm_rate("0.032", "-50.0 - v", "5.0", "0.16")}
beta = 0.5*exp((-55.0 - v)/40.0)
n = n + (alpha*(1.0 - n) - beta*n)*{mdt}
v = v + Imem/C*{mdt}
"""
    return "I_in = {I}\n" + sub * 25


def _mat_update(dt_ms: float) -> str:
    """MAT's threshold components decay exactly over one step, as the kernel's
    (``*=``: with units, Brian2 rejects ``H1 = ((H1/mV)*q)*mV``)."""
    return f"H1 *= exp(-{dt_ms!r}/tau1)\nH2 *= exp(-{dt_ms!r}/tau2)"


def _glif(R: bool, ASC: bool, A: bool) -> B2Model:
    """GLIF1–5 (Teeter et al. 2018) as :mod:`spikeopt.models.glif` defines them:
    forward Euler, everything held while refractory, the reset values those at the
    end of t_ref (decay factors ``q*`` computed by the update, in both unit modes)."""
    cur = "({I}) + I1 + I2" if ASC else "({I})"
    eqs = [f"dv/dt = ({cur} - g_L*(v - E_L))/C/ms : 1 (unless refractory)"]
    theta, reset, decays, state = "theta_inf", [], [], {"V": "v", "refractory_steps": None}
    units = {"v": "mV"}
    if R:
        eqs += ["dtheta_s/dt = -b_s*theta_s/ms : 1 (unless refractory)", "q_s : 1"]
        theta += " + theta_s"
        reset += ["v = E_L + f_v*(v_prev - E_L) + delta_V",
                  "theta_s = theta_s*q_s + delta_theta_s"]
        decays.append("q_s = exp(-b_s*t_ref/ms)")
        state["theta_s"], units["theta_s"] = "theta_s", "mV"
    else:
        reset.append("v = V_reset")
    if ASC:
        for j in (1, 2):
            eqs += [f"dI{j}/dt = -k{j}*I{j}/ms : 1 (unless refractory)", f"q{j} : 1"]
            reset.append(f"I{j} = A{j} + r{j}*I{j}*q{j}")
            decays.append(f"q{j} = exp(-k{j}*t_ref/ms)")
            state[f"I{j}"], units[f"I{j}"] = f"I{j}", "pA"
    if A:
        eqs.append("dtheta_v/dt = (a_v*(v - E_L) - b_v*theta_v)/ms : 1 (unless refractory)")
        theta += " + theta_v"
        state["theta_v"], units["theta_v"] = "theta_v", "mV"
    code = "\n".join(decays)
    return B2Model("\n".join(eqs), f"v > {theta}", "; ".join(reset), "t_ref",
                   state=state, state_units=units, time_params=("t_ref",),
                   upward_crossing=R, update=(lambda dt_ms: code) if code else None)


MODELS: dict[str, B2Model] = {
    "lif": B2Model(
        "dv/dt = (E_L - v + R*({I})*1e-3)/tau_m/ms : 1 (unless refractory)",
        "v > V_th", "v = V_reset", "t_ref",
        state={"v": "v", "refractory_steps": None}, state_units={"v": "mV"},
        time_params=("t_ref",),
    ),
    "izhikevich": B2Model(
        """dv/dt = (0.04*v**2 + 5*v + 140 - u + ({I}))/ms : 1
           du/dt = a*(b*v - u)/ms : 1""",
        "v >= 30", "v = c; u = u + d",
        state={"v": "v", "u": "u"}, state_units={"v": "mV", "u": "mV/ms"},
        numeric_threshold=True,
    ),
    "izhikevich2007": B2Model(
        """dv/dt = (k*(v - v_r)*(v - v_t) - u + ({I}))/C/ms : 1
           du/dt = a*(b*(v - v_r) - u)/ms : 1""",
        "v >= v_peak", "v = c; u = u + d",
        state={"v": "v", "u": "u"}, state_units={"v": "mV", "u": "pA"},
    ),
    "adex": B2Model(
        """dv/dt = (-g_L*(v - E_L) + g_L*Delta_T*exp((v - V_T)/Delta_T) - w
                    + ({I}))/C/ms : 1
           dw/dt = (a*(v - E_L) - w)/tau_w/ms : 1""",
        "v >= V_peak", "v = V_reset; w = w + b",
        state={"V": "v", "w": "w"}, state_units={"v": "mV", "w": "pA"},
    ),
    "hh": B2Model(
        f"""dv/dt = (({{I}}) - (gnabar*m**3*h*(v - ena) + gkbar*n**4*(v - ek)
                    + gl*(v - el))*(pi*diam*L*10.0))/(c_m*pi*diam*L*0.01)/ms : 1
           dm/dt = q10*(alpha_m*(1 - m) - beta_m*m)/ms : 1
           dh/dt = q10*(alpha_h*(1 - h) - beta_h*h)/ms : 1
           dn/dt = q10*(alpha_n*(1 - n) - beta_n*n)/ms : 1
           q10 = exp((celsius - 6.3)/10.0*log(3.0)) : 1
           alpha_m = 0.1*{_vtrap("-(v + 40.0)", "10.0")} : 1
           beta_m = 4.0*exp(-(v + 65.0)/18.0) : 1
           alpha_h = 0.07*exp(-(v + 65.0)/20.0) : 1
           beta_h = 1.0/(exp(-(v + 35.0)/10.0) + 1.0) : 1
           alpha_n = 0.01*{_vtrap("-(v + 55.0)", "10.0")} : 1
           beta_n = 0.125*exp(-(v + 65.0)/80.0) : 1""",
        "v >= v_thresh and v_prev < v_thresh", None,
        state={"v": "v", "m": "m", "h": "h", "n": "n"},
        state_units={"v": "mV", "m": "1", "h": "1", "n": "1"},
        upward_crossing=True, rename={"cm": "c_m"},
    ),
    "traub_miles": B2Model(
        "v : 1\nm : 1\nh : 1\nn : 1",
        "v >= 0 and v_prev < 0", None,
        state={"V": "v", "m": "m", "h": "h", "n": "n"},
        state_units={"v": "mV", "m": "1", "h": "1", "n": "1"},
        upward_crossing=True, numeric_threshold=True, update=_traub_miles_update,
    ),
    "mat": B2Model(
        """dv/dt = (E_L - v + R*({I})*1e-3)/tau_m/ms : 1
           H1 : 1
           H2 : 1""",
        "v >= omega + H1 + H2", "H1 = H1 + alpha1; H2 = H2 + alpha2", "t_ref",
        state={"v": "v", "H1": "H1", "H2": "H2", "refractory_steps": None},
        state_units={"v": "mV", "H1": "mV", "H2": "mV"}, time_params=("t_ref",),
        update=_mat_update,
    ),
    **{f"glif{n}": _glif(*flags) for n, flags in enumerate(
        [(False, False, False), (True, False, False), (False, True, False),
         (True, True, False), (True, True, True)], start=1)},
    "adex_threshold": B2Model(
        """dv/dt = (-g_L*(v - E_L) + g_L*Delta_T*exp((v - theta)/Delta_T) - w
                    + ({I}))/C/ms : 1
           dw/dt = (a*(v - E_L) - w)/tau_w/ms : 1
           dtheta/dt = (V_T - theta)/tau_T/ms : 1""",
        "v >= V_peak", "v = V_reset; w = w + b; theta = theta + delta_V_T",
        state={"V": "v", "w": "w", "theta": "theta"},
        state_units={"v": "mV", "w": "pA", "theta": "mV"},
    ),
}


def exp2_peak_factor(tau_rise_ms: float, tau_decay_ms: float) -> float:
    """NEURON Exp2Syn's normalisation: the peak of B - A after A = B = f is 1."""
    tr, td = float(tau_rise_ms), float(tau_decay_ms)
    if not 0.0 < tr < td:
        raise ValueError(f"exp2_conductance needs 0 < tau_rise_ms < tau_decay_ms. "
                         f"Got tau_rise_ms={tr}, tau_decay_ms={td}.")
    tp = (tr * td) / (td - tr) * math.log(td / tr)
    return 1.0 / (-math.exp(-tp / tr) + math.exp(-tp / td))


# --------------------------------------------------------------------------- units

_NAME = re.compile(r"(?<![\w.])([A-Za-z_]\w*)(?![\w(])")
_EQ = re.compile(r"^(\s*)d(\w+)/dt\s*=\s*(.+?)\s*:\s*([^()]+?)\s*(\(.*\))?\s*$")
_SUBEXPR = re.compile(r"^(\s*)(\w+)\s*=\s*(.+?)\s*:\s*([^()]+?)\s*(\(.*\))?\s*$")
_DECL = re.compile(r"^(\s*)(\w+)\s*:\s*([^()]+?)\s*(\(.*\))?\s*$")
_STMT = re.compile(r"^(\s*)(\w+)\s*(\+=|-=|\*=|=)\s*(.+?)\s*$")


def _strip(expr: str, units: Mapping[str, str]) -> str:
    """Every name with a unit U written ``(name/U)`` (a plain number again)."""

    def sub(m):
        name = m.group(1)
        u = units.get(name)
        return m.group(0) if u is None or u == "1" else f"({name}/{u})"

    return _NAME.sub(sub, expr)


def with_units(code: str, units: Mapping[str, str], *, equations: bool = False) -> str:
    """Rewrite dimensionless Brian2 code into quantities.

    ``units`` maps names to Brian2 unit expressions (``"mV"``, ``"(nS/mV)"``;
    names missing or ``"1"`` stay numbers). ``equations`` selects the syntax:
    equation lines (``dx/dt = ... : 1``, ``y = ... : 1``, ``z : 1``) or
    statements (``x = ...``, ``x += ...``; ``;`` separates statements too).
    """
    dims = {u: d for u, d in UNITS.values()}
    out = []
    if not equations:
        for stmt in re.split(r"[;\n]", code):
            if not stmt.strip():
                continue
            m = _STMT.match(stmt)
            if m is None:
                raise ValueError(f"cannot add units to the statement {stmt!r}")
            ind, lhs, op, rhs = m.groups()
            u = units.get(lhs)
            rhs = _strip(rhs, units)
            if u is not None and u != "1" and op != "*=":
                rhs = f"({rhs})*{u}"
            out.append(f"{ind}{lhs} {op} {rhs}")
        return "\n".join(out)
    lines: list[str] = []
    buf = ""
    for raw in code.splitlines():  # an equation ends on the line with its ": unit"
        if not raw.strip():
            continue
        buf = f"{buf} {raw.strip()}" if buf else raw
        if ":" in raw:
            lines.append(buf)
            buf = ""
    if buf:
        lines.append(buf)
    for line in lines:
        m = _EQ.match(line)
        if m:
            ind, var, rhs, _dim, flags = m.groups()
            u = units.get(var, "1")
            rhs = _strip(rhs, units)
            rhs = f"({rhs})*{u}" if u != "1" else rhs
            out.append(f"{ind}d{var}/dt = {rhs} : {dims.get(u, '1')}"
                       + (f" {flags}" if flags else ""))
            continue
        m = _SUBEXPR.match(line)
        if m:
            ind, var, rhs, _dim, flags = m.groups()
            u = units.get(var, "1")
            rhs = _strip(rhs, units)
            rhs = f"({rhs})*{u}" if u != "1" else rhs
            out.append(f"{ind}{var} = {rhs} : {dims.get(u, '1')}"
                       + (f" {flags}" if flags else ""))
            continue
        m = _DECL.match(line)
        if m:
            ind, var, dim, flags = m.groups()
            u = units.get(var)
            dim = dims.get(u, dim) if u is not None else dim
            out.append(f"{ind}{var} : {dim}" + (f" {flags}" if flags else ""))
            continue
        raise ValueError(f"cannot add units to the equation line {line!r}")
    return "\n".join(out)
