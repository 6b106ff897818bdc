"""Models from equation strings, compiled to the same batched numba kernels as the
built-in models.

The syntax follows Brian2: ``dX/dt = expr : unit`` for a state variable,
``name = expr : unit`` for a subexpression, an optional ``(unless refractory)``
flag, a threshold condition and reset statements. Every equation is checked
for dimensional consistency in the units it is written in (mV, ms, pA, nS,
pF, MOhm...) and the generated code applies the exact scale factors, so
``R*I`` with R in MOhm and I in pA is 1e-3 mV. The step is forward Euler like
the built-ins (see :mod:`spikeopt.models.base` and docs/models.md).

>>> from spikeopt.models import from_equations
>>> lif = from_equations(
...     "my_lif", "dv/dt = (E_L - v + R*I)/tau_m : mV (unless refractory)",
...     threshold="v > V_th", reset="v = V_reset", refractory="t_ref",
...     parameters={"E_L": {"unit": "mV", "default": -70.0, "low": -80.0, "high": -60.0},
...                 "R": {"unit": "MOhm", "default": 100.0, "low": 50.0, "high": 500.0},
...                 "tau_m": {"unit": "ms", "default": 20.0, "low": 5.0, "high": 50.0},
...                 "V_th": {"unit": "mV", "default": -50.0, "low": -60.0, "high": -40.0},
...                 "V_reset": {"unit": "mV", "default": -65.0, "low": -75.0, "high": -55.0},
...                 "t_ref": {"unit": "ms", "default": 2.0, "low": 0.0, "high": 5.0}})
>>> lif.state
('v', 'refractory_steps')
>>> from_equations("bad", "dv/dt = (E_L - v + I)/tau_m : mV", threshold="v > 0*mV",
...                parameters={"E_L": {"unit": "mV", "default": -70.0},
...                            "tau_m": {"unit": "ms", "default": 20.0}})
Traceback (most recent call last):
...
spikeopt.errors.InvalidParameterError: Inconsistent units in the equation 'dv/dt = (E_L - v + I)/tau_m : mV': cannot add 'E_L - v' (mV) and 'I' (pA); the terms of a sum must have the same dimension.
"""  # noqa: E501

from __future__ import annotations

import ast
import math
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, replace

from ..errors import InvalidParameterError, UnknownNameError
from ..params import Parameter
from ._codegen import brian2_arguments, load_module, numba_source
from ._units import FUNCTIONS, Unit, parse_unit
from .base import Model

__all__ = ["from_equations", "to_brian2"]

REFRACTORY_STATE = "refractory_steps"  # steps left in the refractory period (as lif.py)
STEPS_STATE = "t_steps"  # steps taken, when an expression uses the time t
_FLAGS = ("unless refractory",)
_RESERVED = {"t", "dt", "i", "N", "xi", "lastspike", "not_refractory", REFRACTORY_STATE,
             STEPS_STATE}
_PARAM_KEYS = {"unit", "default", "low", "high", "log"}
_MV = parse_unit("mV", where="")


@dataclass(frozen=True)
class _Eq:
    kind: str  # "diff" (dX/dt = ...) or "sub" (X = ...)
    name: str
    expr: ast.expr
    unit: Unit
    unit_text: str
    unless_refractory: bool
    line: str

    @property
    def where(self) -> str:
        return f"in the equation {self.line!r}"


@dataclass(frozen=True)
class _Spec:
    """Everything parsed and checked, before code generation."""

    eqs: tuple[_Eq, ...]
    params: dict[str, tuple[Parameter, Unit]]
    current: str
    current_unit: Unit
    current_unit_text: str
    threshold: ast.expr
    threshold_text: str
    reset: tuple[tuple[str, ast.expr, str], ...]
    refractory: ast.expr | None
    refractory_text: str
    init: dict[str, ast.expr | float]

    @property
    def states(self) -> list[_Eq]:
        return [e for e in self.eqs if e.kind == "diff"]

    @property
    def subs(self) -> dict[str, _Eq]:
        """The subexpressions in dependency order (each after those it uses)."""
        return {e.name: e for e in _sub_order([e for e in self.eqs if e.kind == "sub"])}

    @property
    def uses_t(self) -> bool:
        trees = [e.expr for e in self.eqs] + [self.threshold] + [r[1] for r in self.reset]
        if self.refractory is not None:
            trees.append(self.refractory)
        return any(isinstance(n, ast.Name) and n.id == "t" for tr in trees for n in ast.walk(tr))

    def text(self) -> str:
        """The canonical text stored as ``Model.equations`` (re-read by :func:`to_brian2`)."""
        lines = [e.line for e in self.eqs]
        lines.append(f"threshold: {self.threshold_text}")
        if self.reset:
            lines.append("reset: " + "; ".join(r[2] for r in self.reset))
        if self.refractory is not None:
            lines.append(f"refractory: {self.refractory_text}")
        lines.append(f"current: {self.current} : {self.current_unit_text}")
        return "\n".join(lines)


def from_equations(name: str, equations: str, *, threshold: str, reset: str = "",
                   refractory: float | str | None = None,
                   parameters: Mapping[str, Mapping | Parameter], current: str = "I",
                   current_unit: str = "pA", init: Mapping[str, float | str] | None = None,
                   register: bool = False) -> Model:
    """A :class:`~spikeopt.models.Model` from Brian2-like equation strings.

    Parameters
    ----------
    name : str
        The model's name (its registry name if ``register``).
    equations : str
        One equation a line: ``dX/dt = expr : unit`` (a state variable X in ``unit``;
        the right-hand side must be in unit/ms) or ``name = expr : unit`` (a
        subexpression). The first must be ``dv/dt = ... : mV``, the membrane
        potential. ``(unless refractory)`` after the unit holds X during the
        refractory period. ``#`` starts a comment; a line may continue inside
        parentheses.
    threshold : str
        A condition on the state after the update, e.g. ``"v > V_th"``.
    reset : str
        Statements run in order on the neurons that spiked, separated by ``;`` or
        new lines: ``"v = V_reset; w = w + b"`` (``+=``, ``-=``, ``*=``, ``/=`` too).
    refractory : float, str or None
        Refractory period: a number in ms, or an expression in ms (``"t_ref"``).
        During it the threshold is off and flagged variables are held.
    parameters : dict
        ``{name: {"unit": "mV", "default": -70.0, "low": -80.0, "high": -60.0}}``
        (``low``/``high``: plausible bounds, default both equal to ``default``;
        ``"log": True`` optional), or :class:`~spikeopt.params.Parameter` values.
    current : str
        The symbol of the injected current in the equations.
    current_unit : str
        Its unit: the stimulus passed to :func:`spikeopt.simulate` is in this unit.
    init : dict, optional
        Initial value of each state variable: a number (in the variable's unit) or
        an expression of parameters and earlier state variables (``"v_r"``,
        ``"b*v"``). Defaults: ``v = E_L`` when a parameter ``E_L`` exists, others 0.
    register : bool
        Also add the model to the registry (:func:`spikeopt.models.register`).

    Returns
    -------
    Model
        ``state`` is ``("v", <other states>)``, then ``"refractory_steps"`` if
        ``refractory`` is given and ``"t_steps"`` if an expression uses ``t`` (ms).

    Raises
    ------
    UnknownNameError
        An unknown symbol or function (the message names it and close matches).
    InvalidParameterError
        Inconsistent units (naming both terms and their units), a bad unit, a
        syntax error, a missing threshold, or ``v`` not the first state.
    """
    spec = _parse(equations, threshold=threshold, reset=reset, refractory=refractory,
                  parameters=parameters, current=current, current_unit=current_unit)
    spec = replace(spec, init=_init(init, spec.states, spec.params))
    source = numba_source(spec)  # checks the units of every expression
    module = load_module(source)
    _check(spec)
    model = Model(
        name=str(name),
        parameters={k: p for k, (p, _) in spec.params.items()},
        state=tuple(_state_names(spec)),
        step=module.step,
        init=_Init(source),
        current_unit=current_unit,
        equations=spec.text(),
        doc=f"From equations ({module.__name__}); I in {current_unit}.",
    )
    if register:
        from . import available, get  # models/__init__ imports this module
        from . import register as add

        if model.name not in available() or get(model.name) != model:
            add(model)
    return model


def to_brian2(model: Model, *, current: str | None = None) -> dict[str, object]:
    """Brian2 ``NeuronGroup`` arguments for a model made by :func:`from_equations`.

    The equations are written in dimensionless numbers in the model's own units
    (mV, ms, pA...: every variable is ``: 1``), with the same scale factors as
    the compiled step, so Brian2's arithmetic matches it operation for
    operation. Set each parameter (a ``: 1`` variable of the group) to its value
    in the model's unit, and the initial state from ``model.init``.

    Parameters
    ----------
    model : Model
    current : str, optional
        Brian2 code to use for the injected current, e.g. ``"I_ext(t, i)"`` for a
        TimedArray; by default the current symbol stays a ``: 1`` variable.

    Returns
    -------
    dict
        ``model``, ``threshold``, ``reset``, ``refractory`` (a string in Brian2
        units, or False) and ``method`` ("euler"): pass them to ``NeuronGroup``.
    """
    spec = _parse(parameters=dict(model.parameters), **_read_text(model))
    return brian2_arguments(spec, current)


# ---------------------------------------------------------------------------
# parsing and checks


def _parse(equations, *, threshold, reset, refractory, parameters, current,
           current_unit) -> _Spec:
    """Parse and check the structure; ``init`` is left empty (see :func:`_init`)."""
    if not isinstance(equations, str) or not equations.strip():
        raise InvalidParameterError("The 'equations' of a model must be a non-empty string.")
    if not isinstance(threshold, str) or not threshold.strip():
        raise InvalidParameterError(
            "A model needs a 'threshold' condition, e.g. threshold='v > V_th'. Got "
            f"{threshold!r}.")
    params = _parameters(parameters)
    if not isinstance(current, str) or not current.isidentifier():
        raise InvalidParameterError(f"'current' must be a symbol name. Got {current!r}.")
    cur_unit = parse_unit(current_unit, where="given as current_unit")
    eqs = tuple(_equation(line) for line in _lines(equations))
    states = [e for e in eqs if e.kind == "diff"]
    if not states or states[0].name != "v":
        first = states[0].line if states else "none"
        raise InvalidParameterError(
            "The first state variable must be the membrane potential: start with "
            f"'dv/dt = ... : mV'. The first differential equation is {first!r}.")
    if not states[0].unit.same_dimension(_MV) or states[0].unit.factor_to(_MV) != 1:
        raise InvalidParameterError(
            f"The membrane potential v must be in mV. Got {states[0].unit_text!r} in "
            f"{states[0].line!r}.")
    seen: dict[str, str] = {}
    for kind, nm in ([("parameter", k) for k in params] + [("variable", e.name) for e in eqs]
                     + [("current", current)]):
        if nm in _RESERVED or nm in FUNCTIONS:
            raise InvalidParameterError(f"The {kind} name {nm!r} is reserved; rename it.")
        if nm in seen:
            raise InvalidParameterError(f"{nm!r} is defined twice (as {seen[nm]} and {kind}).")
        seen[nm] = kind
    flagged = [e.name for e in eqs if e.unless_refractory]
    if flagged and refractory is None:
        raise InvalidParameterError(
            f"{flagged} is flagged '(unless refractory)' but no refractory period is given; "
            "pass refractory= (ms).")
    _sub_order([e for e in eqs if e.kind == "sub"])  # no cycles
    thr = _expr(threshold, "the threshold")
    resets = tuple(_reset(reset, {e.name for e in states}))
    if isinstance(refractory, int | float) and not isinstance(refractory, bool):
        if not (math.isfinite(refractory) and refractory >= 0):
            raise InvalidParameterError(
                f"'refractory' must be a finite number of ms >= 0. Got {refractory!r}.")
        ref, ref_text = ast.Constant(value=float(refractory)), f"{float(refractory)!r}*ms"
    elif isinstance(refractory, str):
        ref, ref_text = _expr(refractory, "refractory"), " ".join(refractory.split())
    elif refractory is None:
        ref, ref_text = None, ""
    else:
        raise InvalidParameterError(
            f"'refractory' must be a number (ms), an expression or None. Got {refractory!r}.")
    return _Spec(eqs, params, current, cur_unit, str(current_unit), thr,
                 " ".join(threshold.split()), resets, ref, ref_text, {})


def _parameters(parameters) -> dict[str, tuple[Parameter, Unit]]:
    if not isinstance(parameters, Mapping) or not parameters:
        raise InvalidParameterError(
            "A model needs 'parameters': {name: {'unit': ..., 'default': ..., 'low': ..., "
            f"'high': ...}}. Got {parameters!r}.")
    out = {}
    for name, p in parameters.items():
        where = f"(parameter {name!r})"
        if not isinstance(name, str) or not name.isidentifier():
            raise InvalidParameterError(f"Parameter names must be identifiers. Got {name!r}.")
        if isinstance(p, Parameter):
            if p.choices is not None or p.default is None:
                raise InvalidParameterError(
                    f"Parameter {name!r} must be numeric with a default. Got {p!r}.")
            out[name] = (p, parse_unit(p.unit, where=where))
            continue
        if not isinstance(p, Mapping):
            raise InvalidParameterError(
                f"Parameter {name!r} must be a dict with 'unit' and 'default' (and 'low', "
                f"'high'). Got {p!r}.")
        unknown = sorted(set(p) - _PARAM_KEYS)
        missing = [k for k in ("unit", "default") if k not in p]
        if unknown or missing:
            raise InvalidParameterError(
                f"Parameter {name!r}: unknown key(s) {unknown}, missing {missing}; allowed keys "
                f"are {sorted(_PARAM_KEYS)} ('unit' and 'default' required).")
        default = p["default"]
        if not isinstance(default, int | float) or not math.isfinite(default):
            raise InvalidParameterError(
                f"The default of parameter {name!r} must be a finite number. Got {default!r}.")
        lo, hi = p.get("low", default), p.get("high", default)
        param = Parameter(lo, hi, log=bool(p.get("log", False)), unit=str(p["unit"]),
                          default=float(default), name=name)
        if not param.low <= default <= param.high:
            raise InvalidParameterError(
                f"The default of parameter {name!r} ({default!r}) must lie within its bounds "
                f"[{param.low!r}, {param.high!r}].")
        out[name] = (param, parse_unit(p["unit"], where=where))
    return out


def _lines(text: str) -> list[str]:
    """Non-empty lines without comments; a line continues while parentheses are open."""
    out, buf, depth = [], "", 0
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        buf = f"{buf} {line}" if buf else line
        depth = buf.count("(") - buf.count(")")
        if depth <= 0:
            out.append(buf)
            buf = ""
    if buf:
        out.append(buf)
    return out


_DIFF = re.compile(r"^d\s*([A-Za-z_]\w*)\s*/\s*dt\s*=(.*)$")
_SUB = re.compile(r"^([A-Za-z_]\w*)\s*=(.*)$")
_DECL = re.compile(r"^([A-Za-z_]\w*)\s*:(.*)$")
_FLAG = re.compile(r"^(.*?)\(([^()]*)\)\s*$")


def _equation(line: str) -> _Eq:
    m = _DIFF.match(line)
    kind = "diff"
    if m is None:
        m, kind = _SUB.match(line), "sub"
    if m is None:
        d = _DECL.match(line)
        if d is not None:
            raise InvalidParameterError(
                f"The line {line!r} declares a parameter; give it in parameters= instead: "
                f"{{{d.group(1)!r}: {{'unit': {d.group(2).strip()!r}, 'default': ...}}}}.")
        raise InvalidParameterError(
            f"Cannot read the equation {line!r}: write 'dX/dt = expression : unit' or "
            "'name = expression : unit'.")
    name, rest = m.group(1), m.group(2)
    expr_text, colon, unit_text = rest.rpartition(":")
    if not colon:
        raise InvalidParameterError(
            f"The equation {line!r} needs a unit after ':', e.g. '... : mV' (or ': 1').")
    flags = []
    f = _FLAG.match(unit_text.strip())
    if f is not None and f.group(1).strip():
        unit_text = f.group(1)
        flags = [s.strip() for s in f.group(2).split(",")]
        bad = [s for s in flags if s not in _FLAGS]
        if bad:
            raise InvalidParameterError(
                f"Unknown flag(s) {bad} in {line!r}; the only flag is '(unless refractory)'.")
        if kind == "sub":
            raise InvalidParameterError(
                f"'(unless refractory)' applies to differential equations only: {line!r}.")
    unit_text = unit_text.strip()
    unit = parse_unit(unit_text, where=f"in the equation {line!r}")
    return _Eq(kind, name, _expr(expr_text, f"the equation {line!r}"), unit, unit_text,
               bool(flags), line)


def _expr(text: str, what: str) -> ast.expr:
    try:
        return ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise InvalidParameterError(
            f"Cannot parse {text.strip()!r} in {what}: {exc.msg}.") from None


def _reset(text: str, states: set[str]) -> list[tuple[str, ast.expr, str]]:
    out = []
    for stmt in (s.strip() for part in str(text).split("\n") for s in part.split(";")):
        if not stmt:
            continue
        try:
            tree = ast.parse(stmt, mode="exec").body
        except SyntaxError as exc:
            raise InvalidParameterError(
                f"Cannot parse the reset statement {stmt!r}: {exc.msg}.") from None
        node = tree[0] if len(tree) == 1 else None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AugAssign) and isinstance(
                node.op, ast.Add | ast.Sub | ast.Mult | ast.Div):
            target = node.target
            value = ast.BinOp(left=ast.Name(id=getattr(target, "id", ""), ctx=ast.Load()),
                              op=node.op, right=node.value)
        else:
            raise InvalidParameterError(
                f"A reset statement must assign one state variable, e.g. 'v = V_reset' or "
                f"'w += b'. Got {stmt!r}.")
        if not isinstance(target, ast.Name) or target.id not in states:
            raise InvalidParameterError(
                f"The reset statement {stmt!r} must assign a state variable "
                f"({sorted(states)}).")
        out.append((target.id, value, stmt))
    return out


def _sub_order(subs: list[_Eq]) -> list[_Eq]:
    """Subexpressions in dependency order (each after those it uses)."""
    by_name = {e.name: e for e in subs}
    order: list[_Eq] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(e: _Eq, path: list[str]):
        if state.get(e.name) == 2:
            return
        if state.get(e.name) == 1:
            raise InvalidParameterError(
                f"The subexpressions {' -> '.join(path + [e.name])} depend on each other.")
        state[e.name] = 1
        for n in ast.walk(e.expr):
            if isinstance(n, ast.Name) and n.id in by_name:
                visit(by_name[n.id], path + [e.name])
        state[e.name] = 2
        order.append(e)

    for e in subs:
        visit(e, [])
    return order


def _init(init, states: list[_Eq], params) -> dict[str, ast.expr | float]:
    init = dict(init or {})
    names = [e.name for e in states]
    unknown = [k for k in init if k not in names]
    if unknown:
        raise InvalidParameterError(
            f"'init' names unknown state variable(s) {unknown}; the states are {names}.")
    out: dict[str, ast.expr | float] = {}
    for e in states:
        val = init.get(e.name)
        if val is None and e.name == "v":
            if "E_L" not in params:
                raise InvalidParameterError(
                    "Give the initial membrane potential, e.g. init={'v': -70.0} or "
                    "init={'v': 'v_r'} (the default, v = E_L, needs a parameter E_L).")
            val = "E_L"
        if isinstance(val, str):
            out[e.name] = _expr(val, f"the initial value of {e.name}")
        elif val is None or (isinstance(val, int | float) and not isinstance(val, bool)):
            out[e.name] = float(val or 0.0)
        else:
            raise InvalidParameterError(
                f"The initial value of {e.name!r} must be a number or an expression. "
                f"Got {val!r}.")
    return out


class _Init:
    """The generated ``init``; pickles as its module's source, so that a worker process
    imports the generated module from the cache (or writes it) instead of failing to
    find it. Equal when the sources are."""

    def __init__(self, source: str):
        self.source = source
        self._fn = load_module(source).init

    def __call__(self, p):
        return self._fn(p)

    def __reduce__(self):
        return (_Init, (self.source,))

    def __eq__(self, other) -> bool:
        return isinstance(other, _Init) and other.source == self.source

    def __hash__(self) -> int:
        return hash(self.source)


def _check(spec: _Spec) -> None:
    """Warn when the current is never used (units are checked by the code generator)."""
    used = {n.id for e in spec.eqs for n in ast.walk(e.expr) if isinstance(n, ast.Name)}
    if spec.current not in used:
        warnings.warn(f"The equations never use the injected current {spec.current!r}: the "
                      "stimulus will have no effect.", stacklevel=3)


def _state_names(spec: _Spec) -> list[str]:
    names = [e.name for e in spec.states]
    if spec.refractory is not None:
        names.append(REFRACTORY_STATE)
    if spec.uses_t:
        names.append(STEPS_STATE)
    return names


def _read_text(model: Model) -> dict[str, object]:
    """The keyword arguments of :func:`_parse` from ``model.equations`` (canonical text)."""
    if not isinstance(model, Model):
        raise InvalidParameterError(f"to_brian2 needs a Model. Got {type(model).__name__}.")
    kw: dict[str, object] = {"reset": "", "refractory": None}
    eqs = []
    for line in model.equations.splitlines():
        key, _, value = line.partition(":")
        if key in ("threshold", "reset", "refractory"):
            kw[key] = value.strip()
        elif key == "current":
            kw["current"], _, kw["current_unit"] = (s.strip() for s in value.partition(":"))
        else:
            eqs.append(line)
    if "threshold" not in kw or "current" not in kw:
        raise UnknownNameError(
            f"Model {model.name!r} was not made by from_equations; to_brian2 cannot read its "
            "equations.")
    kw["equations"] = "\n".join(eqs)
    return kw

