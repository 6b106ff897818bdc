"""The fit configuration's schema (pydantic): structure, types and allowed values
for every ``kind``, published as JSON Schema (``spikeopt schema``).

This module checks the shape of a config — unknown keys rejected, types and
allowed values — and fills in defaults. What depends on the rest of the
config (a model's parameter names, a network's dotted paths and populations,
files that must exist) is checked afterwards by each kind's module
(:mod:`.config`, :mod:`.network_config`), with the same error form: the
dotted key, the allowed values and what came.

>>> from spikeopt.fitting.schema import parse, NetworkConfig
>>> parse(NetworkConfig, {"kind": "network", "network": "net.yaml",
...     "fit": {"projections.EE.weight": [0, 5]}, "seed": 1, "output": "runs/x",
...     "objective": {"terms": [{"metric": "mean_rate", "populations": ["E"],
...                              "target_hz": 5.0}]},
...     "simulation": {"t_stop_ms": 500, "dt_ms": 0.1, "n_seed": 2}})  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
spikeopt.errors.ConfigError: config key 'simulation': unknown key 'n_seed'; allowed keys ...
"""

from __future__ import annotations

import json
import typing
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
    model_validator,
)

from ..errors import ConfigError
from ..objectives import METRICS, NETWORK_METRICS

__all__ = ["CellConfig", "NetworkConfig", "TaskConfig", "CONFIGS", "parse", "json_schema", "err",
           "OPTIMIZERS", "EXECUTORS", "BACKEND_NAMES"]

OPTIMIZERS = ("ga", "microbial", "cmaes", "de", "nsga2", "random")
EXECUTORS = ("serial", "processes", "dask")

StrictInt = Annotated[int, Field(strict=True)]
PositiveInt = Annotated[int, Field(strict=True, gt=0)]
Number = Annotated[float, Field(strict=True)]  # ints are accepted, strings and bools not
PositiveNumber = Annotated[float, Field(strict=True, gt=0)]


def err(where: str, msg: str) -> ConfigError:
    """The error form of every config check: the dotted key, then what is wrong."""
    return ConfigError(f"config key {where!r}: {msg}")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- the keys every kind shares --------------------------------------------------------
class Optimizer(BaseModel):
    """``name`` and the optimizer's own options (checked by building it:
    see :mod:`spikeopt.optimizers`)."""

    model_config = ConfigDict(extra="allow")
    name: Literal[OPTIMIZERS]  # type: ignore[valid-type]
    popsize: PositiveInt | None = None


class Budget(_Section):
    """When to stop: the first reached of the given limits (a perfect fit, loss 0,
    always stops)."""

    evaluations: PositiveInt | None = None
    generations: PositiveInt | None = None
    target_loss: Number | None = None
    stagnation: PositiveInt | None = Field(None, description="generations without improvement")
    time_s: PositiveNumber | None = Field(None, description="wall time in s")

    @model_validator(mode="after")
    def _some_limit(self):
        if all(v is None for v in self.model_dump().values()):
            raise ValueError(f"needs at least one of {sorted(type(self).model_fields)}")
        return self


class Executor(_Section):
    name: Literal[EXECUTORS] = "serial"  # type: ignore[valid-type]
    workers: PositiveInt | None = None
    address: str | None = Field(None, description="a running Dask scheduler (dask only)")


BACKEND_NAMES = ("numba", "brian2", "nest", "neuron")


class Backend(_Section):
    """The simulator that runs the candidates (see docs/backends.md): the numba
    engine (default) or a reference simulator. Per-candidate simulators (NEST,
    NEURON) run ``workers`` processes, each candidate at most ``timeout_s``."""

    name: Literal[BACKEND_NAMES] = "numba"  # type: ignore[valid-type]
    workers: Annotated[int, Field(strict=True, ge=0)] | None = Field(
        None, description="worker processes of NEST/NEURON (default: CPU count; 0: in-process)")
    timeout_s: PositiveNumber | None = Field(600.0, description="per candidate (s)")
    options: dict[str, Any] = Field({}, description="the backend's own options, e.g. "
                                                      "Brian2's target")


class Refine(_Section):
    """A local search after the evolutionary one (docs/optimize.md): from the ``top``
    best distinct candidates, ``method`` ``pattern`` (compass search) or ``cmaes``
    (small-step CMA-ES), on the training loss or on ``loss`` (cells: another
    objective, e.g. ``{metric: van_rossum, tau_ms: 10}``). The refined candidate
    is kept only if it lowers the training loss (held-out scores are reported,
    not used to decide)."""

    method: Literal["pattern", "cmaes"] = "cmaes"
    evaluations: PositiveInt = 200
    top: PositiveInt = 4
    step: PositiveNumber = Field(0.05, description="initial step in the unit cube of the genes")
    loss: dict[str, Any] | None = Field(
        None, description="cells: the refinement's objective (as 'objective'); default the "
                          "search's")


class Bounds(_Section):
    """A fitted number's range, in the unit of what it sets. ``[low, high]`` is
    short for ``{low, high}``."""

    low: Number
    high: Number
    log: bool = False
    integer: bool | None = None
    unit: str | None = None


def _or(model: type[BaseModel], short: dict):
    """``model``, whose JSON Schema also admits the shorthand ``short`` (the
    before-validators of :class:`_Common` expand it)."""
    return Annotated[model, WithJsonSchema({"anyOf": [short, model.model_json_schema()]})]


def _bounds(v):
    if isinstance(v, list | tuple):
        if len(v) != 2:
            raise ValueError(f"bounds must be [low, high]; got {list(v)!r}")
        return {"low": v[0], "high": v[1]}
    return v


_BOUNDS = Annotated[_or(Bounds, {"type": "array", "items": {"type": "number"}, "minItems": 2,
                                 "maxItems": 2, "description": "[low, high]"}),
                    BeforeValidator(_bounds)]


class _Common(_Section):
    name: str | None = Field(None, description="a label for the run")
    seed: StrictInt = Field(description="the run's one seed: everything derives from it")
    output: str = Field(description="the run folder (relative to the config file)")
    optimizer: _or(Optimizer, {"enum": list(OPTIMIZERS)}) = Field(
        default_factory=lambda: Optimizer(name="cmaes"))
    budget: _or(Budget, {"type": "integer", "minimum": 1, "description": "evaluations"}) = \
        Field(default_factory=lambda: Budget(evaluations=800))
    executor: _or(Executor, {"enum": list(EXECUTORS)}) = Field(default_factory=Executor)
    backend: _or(Backend, {"enum": list(BACKEND_NAMES)}) = Field(default_factory=Backend)
    fit: dict[str, _BOUNDS] = Field(
        description="fitted numbers with their bounds, in the unit of what they set")
    refine: Refine | None = Field(None, description="a local refinement after the search")

    @model_validator(mode="before")
    @classmethod
    def _shorthands(cls, data):
        """``optimizer: cmaes``, ``executor: dask``, ``backend: nest`` and ``budget: 800``."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for key in ("optimizer", "executor", "backend"):
            if isinstance(data.get(key), str):
                data[key] = {"name": data[key]}
        b = data.get("budget")
        if isinstance(b, int) and not isinstance(b, bool):
            data["budget"] = {"evaluations": b}
        return data


# -- kind: cell ------------------------------------------------------------------------
class Data(_Section):
    """Sweeps by index (``train_sweeps``/``test_sweeps``) or by stimulus
    (``train_sets``/``test_sets``: every recorded repeat of those stimulus ids)."""

    path: str = Field(description="recording: spikeopt npz, .nwb, .abf or .csv")
    train_sweeps: list[Annotated[int, Field(strict=True, ge=0)]] = []
    test_sweeps: list[Annotated[int, Field(strict=True, ge=0)]] = []
    train_sets: list[StrictInt] | None = Field(
        None, description="stimulus ids: all their repeats train (instead of train_sweeps)")
    test_sets: list[StrictInt] | None = Field(
        None, description="stimulus ids: all their repeats are held out")
    train_current: Literal["per_sweep", "first_repeat"] = Field(
        "per_sweep", description="per_sweep: every training sweep simulated under its own "
        "recorded current; first_repeat: one simulation per stimulus, under its first "
        "repeat's current, scored against every repeat (how held-out stimuli are scored)")
    options: dict[str, Any] = Field({}, description="passed to the loader")

    @model_validator(mode="after")
    def _some_training(self):
        if not self.train_sweeps and not self.train_sets:
            raise ValueError("needs 'train_sweeps' (sweep indices) or 'train_sets' "
                             "(stimulus ids)")
        return self


class CellTerm(BaseModel):
    """A single-cell loss term: ``metric``, ``weight`` and the metric's options
    (checked by :class:`spikeopt.objectives.Term`)."""

    model_config = ConfigDict(extra="allow")
    metric: Literal[METRICS]  # type: ignore[valid-type]
    weight: Number = 1.0


class CellObjective(BaseModel):
    """One term inline (``{metric: gamma_factor, delta_ms: 2}``) or ``terms:``."""

    model_config = ConfigDict(extra="allow")
    metric: Literal[METRICS] | None = None  # type: ignore[valid-type]
    terms: Annotated[list[CellTerm], Field(min_length=1)] | None = None
    multi_objective: bool | None = None

    @model_validator(mode="after")
    def _one_form(self):
        if (self.metric is None) == (self.terms is None):
            raise ValueError("give either 'metric' (one term) or 'terms' (a list)")
        if self.terms is not None and self.model_extra:
            raise ValueError(f"unknown key(s) {sorted(self.model_extra)} beside 'terms'; "
                             "allowed: ['multi_objective', 'terms']")
        return self


class CellSimulation(_Section):
    dt_ms: PositiveNumber | None = None


class CellReport(_Section):
    gif: bool = True
    validation: bool = True


class EquationParameter(_Section):
    unit: str
    default: Number
    low: Number | None = None
    high: Number | None = None
    log: bool = False


class EquationModel(_Section):
    """A model from equation strings (docs/models.md)."""

    name: str = "equations"
    equations: str = Field(description="dX/dt = expr : unit lines; v (mV) first")
    threshold: str
    reset: str = ""
    refractory: Number | str | None = Field(None, description="ms, or an expression in ms")
    parameters: dict[str, EquationParameter]
    current: str = "I"
    current_unit: str = "pA"
    init: dict[str, Number | str] = {}


class CellModel(_Section):
    """``equations: ...`` or ``neuron: {file, template, mod_dir, args, ...}``."""

    equations: EquationModel | None = None
    neuron: dict[str, Any] | None = Field(
        None, description="a hoc/py cell with .mod files, run by the neuron backend "
                          "(docs/neuron_import.md)")

    @model_validator(mode="after")
    def _one(self):
        if (self.equations is None) == (self.neuron is None):
            raise ValueError("give exactly one of 'equations' or 'neuron'")
        return self


class CellConfig(_Common):
    """``kind: cell`` (the default): a model fitted to recorded sweeps."""

    kind: Literal["cell"] = "cell"
    data: Data
    model: str | CellModel = Field(
        description="a spikeopt model name (spikeopt.models.available()), a model from "
                    "equations, or a NEURON cell")
    fixed: dict[str, Number] = Field({}, description="model parameters set, not fitted")
    objective: CellObjective = Field(
        default_factory=lambda: CellObjective(metric="gamma_factor", delta_ms=2.0))
    optimizer: _or(Optimizer, {"enum": list(OPTIMIZERS)}) = Field(
        default_factory=lambda: Optimizer(name="cmaes", popsize=32))
    budget: _or(Budget, {"type": "integer", "minimum": 1, "description": "evaluations"}) = \
        Field(default_factory=lambda: Budget(evaluations=4000))
    simulation: CellSimulation = Field(default_factory=CellSimulation)
    report: CellReport = Field(default_factory=CellReport)


# -- kind: network ---------------------------------------------------------------------
class NetworkTermConfig(BaseModel):
    """A network loss term: ``metric``, ``populations``, ``weight`` and the
    metric's options (checked by :class:`spikeopt.objectives.NetworkTerm`)."""

    model_config = ConfigDict(extra="allow")
    metric: Literal[tuple(NETWORK_METRICS)]  # type: ignore[valid-type]
    populations: list[str] | str
    weight: Number = 1.0


class NetworkObjective(_Section):
    terms: Annotated[list[NetworkTermConfig], Field(min_length=1)]
    multi_objective: bool = False


class Target(_Section):
    spikes: Annotated[dict[str, str], Field(min_length=1,
                                            description="population -> spike file (npz)")]


class NetworkSimulation(_Section):
    t_stop_ms: PositiveNumber
    dt_ms: PositiveNumber = 0.1
    n_seeds: PositiveInt = Field(1, description="networks averaged per candidate")
    common_random_numbers: bool | Literal["generation", "run"] = Field(
        False, description="one wiring/noise seed shared by a generation's candidates "
                           "(true or 'generation') or by the whole run ('run')")
    max_rate_hz: PositiveNumber | None = None
    silence_ms: PositiveNumber | None = None
    rate_window_ms: PositiveNumber | None = None


class NetworkConfig(_Common):
    """``kind: network``: numbers of a network description fitted to target spikes
    or statistics."""

    kind: Literal["network"]
    network: str | dict[str, Any] = Field(
        description="a YAML file in Network.from_dict's format, or the mapping inline")
    target: Target | None = None
    objective: NetworkObjective
    optimizer: _or(Optimizer, {"enum": list(OPTIMIZERS)}) = Field(
        default_factory=lambda: Optimizer(name="cmaes", popsize=16))
    simulation: NetworkSimulation
    report: dict[str, Any] = {}


# -- kind: task ------------------------------------------------------------------------
TASK_NAMES = ("sine_cosine", "mushroom_body", "direction_of_motion", "event_classes")


class TaskSpec(BaseModel):
    """``name`` and the task's own options (checked by building the task: see
    :mod:`spikeopt.tasks`)."""

    model_config = ConfigDict(extra="allow")
    name: Literal[TASK_NAMES]  # type: ignore[valid-type]
    faithful: bool = False


class TaskReport(_Section):
    gif: bool = True
    hawkes: bool = Field(True, description="read the best network's wiring with Hawkes")


class TaskConfig(_Common):
    """``kind: task``: a network evolved to classify (its genes come from the task)."""

    kind: Literal["task"]
    task: TaskSpec
    network: dict[str, Any] = Field({}, description="the task network's options, e.g. hidden")
    fit: dict[str, _BOUNDS] = Field({}, description="bounds overriding the task's genes'")
    report: TaskReport = Field(default_factory=TaskReport)


CONFIGS: dict[str, type[_Common]] = {"cell": CellConfig, "network": NetworkConfig,
                                     "task": TaskConfig}


# -- parsing and errors ----------------------------------------------------------------
def _model_at(model, loc) -> type[BaseModel] | None:
    """The pydantic model that holds the key at ``loc`` (for 'allowed keys')."""
    for part in loc:
        if model is None or isinstance(part, int):
            continue
        field = model.model_fields.get(part) if isinstance(model, type) and issubclass(
            model, BaseModel) else None
        if field is None:  # a dict key: stay on the dict's value type
            continue
        model = _unwrap(field.annotation)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _unwrap(tp):
    """The BaseModel inside ``X | None``, ``list[X]``, ``dict[str, X]``, ``Annotated``."""
    origin = typing.get_origin(tp)
    if origin is Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin in (Union, getattr(__import__("types"), "UnionType", None), list, dict):
        for arg in typing.get_args(tp):
            inner = _unwrap(arg)
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner
        return None
    return tp


def _message(model, e: dict) -> str:
    loc = [str(x) for x in e["loc"]]
    kind = e["type"]
    if kind in ("extra_forbidden", "missing"):
        where, key = ".".join(loc[:-1]), loc[-1]
        holder = _model_at(model, e["loc"][:-1])
        allowed = sorted(holder.model_fields) if holder else []
        msg = (f"unknown key {key!r}; allowed keys are {allowed}" if kind == "extra_forbidden"
               else f"missing required key {key!r}")
        return f"config key {where!r}: {msg}" if where else f"config: {msg}"
    where = ".".join(loc) or "<top>"
    if kind == "literal_error":
        return f"config key {where!r}: allowed values are {e['ctx']['expected']}; " \
               f"got {e['input']!r}"
    msg = e["msg"].removeprefix("Value error, ")
    if kind.startswith("value_error") or kind == "assertion_error":
        return f"config key {where!r}: {msg}"
    return f"config key {where!r}: {msg}; got {e['input']!r}"


def parse(model: type[BaseModel], raw) -> dict:
    """Validate ``raw`` against ``model``; a plain dict with defaults filled in and
    unset optional keys left out, or a :class:`ConfigError` naming every bad key."""
    try:
        cfg = model.model_validate(raw)
    except ValidationError as exc:
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        lines = list(dict.fromkeys(_message(model, e) for e in errors))
        raise ConfigError("\n".join(lines)) from None
    out = cfg.model_dump(exclude_none=True)
    for name, b in out.get("fit", {}).items():  # [low, high] back when nothing else was said
        if set(b) == {"low", "high", "log"} and not b["log"]:
            out["fit"][name] = [b["low"], b["high"]]
    return out


def json_schema(kind: str | None = None) -> dict:
    """The JSON Schema of a config of ``kind``, or of any kind (``anyOf``)."""
    from pydantic import TypeAdapter

    if kind is not None:
        if kind not in CONFIGS:
            raise err("kind", f"allowed values are {list(CONFIGS)}; got {kind!r}")
        schema = CONFIGS[kind].model_json_schema()
    else:
        schema = TypeAdapter(Union[tuple(CONFIGS.values())]).json_schema()  # noqa: UP007
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema.setdefault("title", "spikeopt fit configuration")
    return schema


def dumps_schema(kind: str | None = None) -> str:
    return json.dumps(json_schema(kind), indent=2)
