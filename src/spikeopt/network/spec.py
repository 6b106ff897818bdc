"""The network description: populations, projections and inputs, read from a
mapping (or YAML) and checked once, with every number addressable by its
dotted path.

Numbers in a description are *leaves*: ``populations.E.size``,
``projections.EE.weight.uniform.1`` (list items by index),
``inputs.bg.rate_hz``. :attr:`Network.leaves` maps each path to its value;
:func:`spikeopt.simulate` accepts ``params = {path: (P,) values}`` to give each
candidate network its own value of any leaf.

A *value* (weights, delays, neuron parameters, initial state, currents) is a
number, ``{"uniform": [low, high]}`` or ``{"normal": [mean, sd]}``; a
distribution is drawn per neuron (parameters, state, current) or per synapse
(weights, delays) from the candidate's own random stream. Neuron values may
also be a list with one number per neuron.
"""

from __future__ import annotations

import copy
import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .. import models as _models
from ..errors import ConfigError, UnknownNameError

__all__ = ["Network", "Population", "Projection", "Input", "Value", "CONNECTORS", "SYNAPSES",
           "NETWORK_MODELS", "UPDATES"]

# models the network kernel integrates (by registry name)
NETWORK_MODELS = ("lif", "izhikevich", "izhikevich2007", "adex", "hh", "traub_miles",
                  "glif1", "glif2", "glif3", "glif4", "glif5", "mat")

# models whose first state variable is not a membrane potential that a conductance
# synapse's driving force (E_rev - v) could use: model -> reason
NO_CONDUCTANCE = {
    "mat": "its v is a non-resetting leaky integrator of the input (Kobayashi et al. 2009), "
           "not the membrane potential, so a driving force E_rev - v has no meaning; use a "
           "current synapse (delta or exp_current)",
}

# model -> the step functions a population may choose with ``update`` (the first is the
# default: the model's own step, as in single-cell simulation)
UPDATES = {m: ("standard",) for m in NETWORK_MODELS}
UPDATES["izhikevich"] = ("standard", "snnjl")

# rule -> (required keys, optional keys with defaults)
CONNECTORS = {
    "all_to_all": ((), {"allow_self": True}),
    "one_to_one": ((), {}),
    "fixed_probability": (("p",), {"allow_self": True}),
    "fixed_indegree": (("n",), {"allow_self": True, "allow_multapses": False}),
    "fixed_outdegree": (("n",), {"allow_self": True, "allow_multapses": False}),
    "from_list": (("pre", "post"), {"weight": None, "delay_ms": None}),
    "from_matrix": (("matrix",), {}),
}

# synapse type -> (required keys, unit of the weight)
SYNAPSES = {
    "delta": ((), "mV"),
    "exp_current": (("tau_ms",), "pA"),
    "exp_conductance": (("tau_ms", "E_rev_mV"), "nS"),
    "exp2_conductance": (("tau_rise_ms", "tau_decay_ms", "E_rev_mV"), "nS"),
}

PLASTICITY = {
    "stdp": {"tau_plus_ms": 20.0, "tau_minus_ms": 20.0, "A_plus": 0.01, "A_minus": 0.0105,
             "w_min": 0.0, "w_max": 1.0},
}

INPUTS = {
    "poisson": (("size", "rate_hz"), {"noise": 1.0, "start_ms": 0.0, "stop_ms": math.inf}),
    "spikes": (("times_ms",), {}),
}

_DISTRIBUTIONS = ("uniform", "normal")
_PROJECTION_KEYS = {"pre", "post", "connector", "synapse", "weight", "delay_ms",
                    "release_probability", "plasticity"}
_INPUT_LINK_KEYS = {"target", "connector", "synapse", "weight", "delay_ms",
                    "release_probability", "plasticity"}


def _fail(where: str, msg: str) -> ConfigError:
    return ConfigError(f"{where}: {msg}")


def _check_keys(where: str, spec, allowed, required=()) -> None:
    if not isinstance(spec, Mapping):
        raise _fail(where, f"expected a mapping. Got {spec!r}.")
    unknown = sorted(set(spec) - set(allowed))
    if unknown:
        raise _fail(where, f"unknown key(s) {unknown}; allowed: {sorted(allowed)}.")
    missing = [k for k in required if k not in spec]
    if missing:
        raise _fail(where, f"missing key(s) {missing}.")


def _number(where: str, x) -> float:
    if isinstance(x, bool) or not isinstance(x, int | float):
        try:
            import numpy as np

            if isinstance(x, np.integer | np.floating):
                x = float(x)
        except ImportError:  # pragma: no cover
            pass
        if not isinstance(x, float):
            raise _fail(where, f"expected a number. Got {x!r}.")
    if x != x:
        raise _fail(where, f"expected a number. Got {x!r}.")
    return float(x)


@dataclass(frozen=True)
class Value:
    """A number or a distribution, by the paths of its leaves.

    ``kind`` is ``"const"`` (leaf ``path``), ``"uniform"`` (leaves
    ``path.uniform.0`` = low, ``path.uniform.1`` = high), ``"normal"``
    (``path.normal.0`` = mean, ``path.normal.1`` = sd) or ``"list"`` (one
    value per neuron, leaves ``path.0``, ``path.1``, ...; neuron values only).
    """

    kind: str
    paths: tuple[str, ...]


def _value(where: str, path: str, x, leaves: dict, *, low: float | None = None) -> Value:
    """Register the leaves of a value spec and return its :class:`Value`."""
    if isinstance(x, Mapping):
        if len(x) != 1 or next(iter(x)) not in _DISTRIBUTIONS:
            raise _fail(where, f"a distribution is {{uniform: [low, high]}} or "
                               f"{{normal: [mean, sd]}}. Got {dict(x)!r}.")
        kind, args = next(iter(x.items()))
        if not isinstance(args, list | tuple) or len(args) != 2:
            raise _fail(where, f"{kind} takes a list of two numbers. Got {args!r}.")
        a, b = (_number(where, v) for v in args)
        if kind == "uniform" and a > b:
            raise _fail(where, f"uniform needs low <= high. Got [{a}, {b}].")
        if kind == "normal" and b < 0:
            raise _fail(where, f"normal needs sd >= 0. Got {b}.")
        paths = (f"{path}.{kind}.0", f"{path}.{kind}.1")
        leaves[paths[0]], leaves[paths[1]] = a, b
        return Value(kind, paths)
    if isinstance(x, list | tuple):  # one value per neuron (or per synapse)
        if not x:
            raise _fail(where, "a list of values must not be empty.")
        paths = tuple(f"{path}.{i}" for i in range(len(x)))
        for i, (leaf, item) in enumerate(zip(paths, x, strict=True)):
            leaves[leaf] = _number(f"{where}.{i}", item)
            if low is not None and leaves[leaf] < low:
                raise _fail(f"{where}.{i}", f"must be >= {low}. Got {item}.")
        return Value("list", paths)
    v = _number(where, x)
    if low is not None and v < low:
        raise _fail(where, f"must be >= {low}. Got {v}.")
    leaves[path] = v
    return Value("const", (path,))


def _count(where: str, path: str, x, leaves: dict, *, minimum: int = 0) -> str:
    """Register an integer leaf (a size or a degree)."""
    v = _number(where, x)
    if v != int(v) or v < minimum:
        raise _fail(where, f"must be an integer >= {minimum}. Got {x!r}.")
    leaves[path] = float(int(v))
    return path


def _probability(where: str, path: str, x, leaves: dict) -> str:
    v = _number(where, x)
    if not 0.0 <= v <= 1.0:
        raise _fail(where, f"must be a probability in [0, 1]. Got {x!r}.")
    leaves[path] = v
    return path


@dataclass(frozen=True)
class Population:
    """``size`` neurons of one ``model`` (a registry name), advanced by the step
    function ``update`` (one of ``UPDATES[model]``):

    ``standard``
        The model's own step, the one single-cell simulation uses.
    ``snnjl`` (``izhikevich`` only)
        SpikingNeuralNetworks.jl's ``IZ`` step, as SpikeNetOpt.jl runs it: two
        half steps of v, then u with the new v, spike when v > 30 mV, Float32
        arithmetic; delta kicks also reach neurons reset in the same step.
    """

    name: str
    model: str
    size: str  # leaf path
    params: dict = field(default_factory=dict)  # model parameter -> Value
    init: dict = field(default_factory=dict)  # state variable -> Value
    current: Value | None = None
    update: str = "standard"


@dataclass(frozen=True)
class Link:
    """How a source (population or input) reaches a target population."""

    connector: str
    connector_leaves: dict  # option name -> leaf path (p, n)
    connector_flags: dict  # allow_self, allow_multapses
    explicit: dict | None  # from_list / from_matrix: {"pre", "post", "weight", "delay_ms"}
    synapse: str
    synapse_leaves: dict  # tau_ms, E_rev_mV ... -> leaf path
    weight: Value
    delay: Value
    release: str  # leaf path of the release probability
    plasticity: dict | None  # option -> leaf path


@dataclass(frozen=True)
class Projection:
    name: str
    pre: str
    post: str
    link: Link


@dataclass(frozen=True)
class Input:
    """A population of spike sources: ``poisson`` (NetStim when ``noise`` < 1) or
    given ``spikes``; reaches ``target`` through its link."""

    name: str
    type: str
    size: str  # leaf path (poisson) or the number of given trains
    options: dict  # poisson: rate_hz, noise, start_ms, stop_ms -> leaf path
    times_ms: tuple | None  # spikes: one tuple of times per source
    target: str
    link: Link


def _link(where: str, path: str, spec: Mapping, leaves: dict) -> Link:
    conn = spec.get("connector")
    if conn is None:
        raise _fail(where, "missing key 'connector' (e.g. {rule: fixed_probability, p: 0.1}).")
    if not isinstance(conn, Mapping) or "rule" not in conn:
        raise _fail(f"{where}.connector", f"needs a 'rule', one of {sorted(CONNECTORS)}. "
                                          f"Got {conn!r}.")
    rule = conn["rule"]
    if rule not in CONNECTORS:
        raise _fail(f"{where}.connector.rule",
                    f"unknown rule {rule!r}; allowed: {sorted(CONNECTORS)}.")
    required, optional = CONNECTORS[rule]
    _check_keys(f"{where}.connector", conn, {"rule", *required, *optional}, required)
    cpath = f"{path}.connector"
    c_leaves, flags, explicit = {}, {}, None
    if rule == "fixed_probability":
        c_leaves["p"] = _probability(f"{where}.connector.p", f"{cpath}.p", conn["p"], leaves)
    if rule in ("fixed_indegree", "fixed_outdegree"):
        c_leaves["n"] = _count(f"{where}.connector.n", f"{cpath}.n", conn["n"], leaves)
    for flag in ("allow_self", "allow_multapses"):
        if flag in optional:
            val = conn.get(flag, optional[flag])
            if not isinstance(val, bool):
                raise _fail(f"{where}.connector.{flag}", f"must be true or false. Got {val!r}.")
            flags[flag] = val
    if rule == "from_list":
        explicit = _explicit_list(f"{where}.connector", conn)
    elif rule == "from_matrix":
        explicit = _explicit_matrix(f"{where}.connector", conn)
    syn = spec.get("synapse", {"type": "delta"})
    if not isinstance(syn, Mapping) or syn.get("type") not in SYNAPSES:
        raise _fail(f"{where}.synapse", f"needs a 'type', one of {sorted(SYNAPSES)}. "
                                        f"Got {syn!r}.")
    s_required, _unit = SYNAPSES[syn["type"]]
    _check_keys(f"{where}.synapse", syn, {"type", *s_required}, s_required)
    s_leaves = {}
    for k in s_required:
        leaf = f"{path}.synapse.{k}"
        v = _number(f"{where}.synapse.{k}", syn[k])
        if k.startswith("tau") and v <= 0:
            raise _fail(f"{where}.synapse.{k}", f"must be > 0 ms. Got {v}.")
        leaves[leaf] = v
        s_leaves[k] = leaf
    if syn["type"] == "exp2_conductance":
        if leaves[s_leaves["tau_rise_ms"]] >= leaves[s_leaves["tau_decay_ms"]]:
            raise _fail(f"{where}.synapse", "exp2_conductance needs tau_rise_ms < tau_decay_ms.")
    if "weight" not in spec and (explicit is None or explicit["weight"] is None):
        raise _fail(where, "missing key 'weight' (a number or a distribution).")
    weight = _value(f"{where}.weight", f"{path}.weight", spec.get("weight", 0.0), leaves)
    delay = _value(f"{where}.delay_ms", f"{path}.delay_ms", spec.get("delay_ms", 0.0), leaves,
                   low=0.0)
    for name, v in (("weight", weight), ("delay_ms", delay)):
        if v.kind == "list":
            raise _fail(f"{where}.{name}", "per-synapse values go into the connector "
                                           "({rule: from_list, pre, post, weight, delay_ms}).")
    release = _probability(f"{where}.release_probability", f"{path}.release_probability",
                           spec.get("release_probability", 1.0), leaves)
    plast = None
    if spec.get("plasticity") is not None:
        pl = spec["plasticity"]
        if not isinstance(pl, Mapping) or pl.get("type") not in PLASTICITY:
            raise _fail(f"{where}.plasticity", f"needs a 'type', one of {sorted(PLASTICITY)}. "
                                               f"Got {pl!r}.")
        defaults = PLASTICITY[pl["type"]]
        _check_keys(f"{where}.plasticity", pl, {"type", *defaults})
        plast = {}
        for k, d in defaults.items():
            leaf = f"{path}.plasticity.{k}"
            leaves[leaf] = _number(f"{where}.plasticity.{k}", pl.get(k, d))
            if k.startswith("tau") and leaves[leaf] <= 0:
                raise _fail(f"{where}.plasticity.{k}", f"must be > 0 ms. Got {pl.get(k)!r}.")
            plast[k] = leaf
        if delay.kind != "const" or (explicit is not None and explicit["delay_ms"] is not None):
            raise _fail(f"{where}.delay_ms", "a plastic projection takes one delay for all its "
                                             "synapses (a number).")
    return Link(rule, c_leaves, flags, explicit, syn["type"], s_leaves, weight, delay, release,
                plast)


def _explicit_list(where: str, conn: Mapping) -> dict:
    import numpy as np

    pre = np.asarray(conn["pre"], dtype=np.int64).ravel()
    post = np.asarray(conn["post"], dtype=np.int64).ravel()
    if pre.size != post.size:
        raise _fail(where, f"'pre' and 'post' must have the same length. Got {pre.size} and "
                           f"{post.size}.")
    out = {"pre": pre, "post": post, "weight": None, "delay_ms": None}
    for k in ("weight", "delay_ms"):
        if conn.get(k) is not None:
            arr = np.asarray(conn[k], dtype=np.float64).ravel()
            if arr.size != pre.size:
                raise _fail(f"{where}.{k}", f"needs one value per connection ({pre.size}). "
                                            f"Got {arr.size}.")
            if not np.isfinite(arr).all() or (k == "delay_ms" and (arr < 0).any()):
                raise _fail(f"{where}.{k}", "values must be finite (delays >= 0 ms).")
            out[k] = arr
    if (pre < 0).any() or (post < 0).any():
        raise _fail(where, "neuron indices must be >= 0.")
    return out


def _explicit_matrix(where: str, conn: Mapping) -> dict:
    import numpy as np

    m = np.asarray(conn["matrix"], dtype=np.float64)
    if m.ndim != 2:
        raise _fail(f"{where}.matrix", f"must be a 2-D (n_pre, n_post) array. Got shape {m.shape}.")
    pre, post = np.nonzero(m)
    return {"pre": pre.astype(np.int64), "post": post.astype(np.int64), "weight": m[pre, post],
            "delay_ms": None, "shape": m.shape}


class Network:
    """A spiking network description, checked and with every number addressable.

    Build it with :meth:`from_dict` or :meth:`from_yaml`; simulate a population
    of candidate networks with :func:`spikeopt.simulate`.

    Examples
    --------
    >>> net = Network.from_dict({
    ...     "populations": {"E": {"model": "lif", "size": 10}},
    ...     "projections": {"EE": {"pre": "E", "post": "E",
    ...                            "connector": {"rule": "fixed_probability", "p": 0.1},
    ...                            "synapse": {"type": "exp_current", "tau_ms": 5.0},
    ...                            "weight": {"uniform": [0.0, 20.0]}, "delay_ms": 1.0}}})
    >>> net.sizes
    {'E': 10}
    >>> sorted(p for p in net.leaves if p.startswith("projections.EE.weight"))
    ['projections.EE.weight.uniform.0', 'projections.EE.weight.uniform.1']
    """

    def __init__(self, populations: dict, projections: dict, inputs: dict, leaves: dict,
                 spec: dict, frozen: bool = False):
        self.populations: dict[str, Population] = populations
        self.projections: dict[str, Projection] = projections
        self.inputs: dict[str, Input] = inputs
        self.leaves: dict[str, float] = leaves
        self.frozen = frozen
        self._spec = spec
        self._integer = {p for p in leaves if p.endswith(".size") or p.endswith(".connector.n")}

    # construction ----------------------------------------------------------
    @classmethod
    def from_dict(cls, spec: Mapping) -> Network:
        """Check a description (see docs/network.md) and build the Network."""
        if isinstance(spec, Network):
            return spec
        _check_keys("network", spec, {"populations", "projections", "inputs", "frozen"},
                    ("populations",))
        spec = copy.deepcopy(dict(spec))
        leaves: dict[str, float] = {}
        pops = {}
        if not isinstance(spec["populations"], Mapping) or not spec["populations"]:
            raise _fail("populations", "needs at least one population.")
        for name, p in spec["populations"].items():
            pops[name] = _population(str(name), p, leaves)
        inputs = {}
        for name, s in (spec.get("inputs") or {}).items():
            if name in pops:
                raise _fail(f"inputs.{name}", "an input cannot have the name of a population.")
            inputs[name] = _input(str(name), s, leaves, pops)
        projs = {}
        for name, s in (spec.get("projections") or {}).items():
            where, path = f"projections.{name}", f"projections.{name}"
            _check_keys(where, s, _PROJECTION_KEYS, ("pre", "post", "connector"))
            for end in ("pre", "post"):
                allowed = list(pops) + (list(inputs) if end == "pre" else [])
                if s[end] not in allowed:
                    raise UnknownNameError(
                        f"{where}.{end}: unknown population {s[end]!r}; allowed: {allowed}.")
            if s["pre"] in inputs:
                raise _fail(f"{where}.pre", "inputs connect through their own 'target' key.")
            link = _link(where, path, s, leaves)
            projs[name] = Projection(str(name), s["pre"], s["post"], link)
        for where, tgt, link in ([(f"inputs.{n}", i.target, i.link) for n, i in inputs.items()]
                                 + [(f"projections.{n}", pr.post, pr.link)
                                    for n, pr in projs.items()]):
            model = pops[tgt].model
            if link.synapse.endswith("_conductance") and model in NO_CONDUCTANCE:
                raise _fail(f"{where}.synapse", f"a {link.synapse} synapse onto population "
                                                f"{tgt!r} (model {model!r}) is not supported: "
                                                f"{NO_CONDUCTANCE[model]}.")
        frozen = spec.get("frozen", False)
        if not isinstance(frozen, bool):
            raise _fail("network.frozen", f"must be true or false. Got {frozen!r}.")
        net = cls(pops, projs, inputs, leaves, spec, frozen)
        net.check_sizes({})
        return net

    @classmethod
    def from_yaml(cls, path: str | Path) -> Network:
        """Read a description from a YAML file."""
        import yaml

        with open(path) as f:
            return cls.from_dict(yaml.safe_load(f))

    def to_dict(self) -> dict:
        """A copy of the description as given (for configs and reports)."""
        return copy.deepcopy(self._spec)

    # structure -------------------------------------------------------------
    @property
    def sizes(self) -> dict[str, int]:
        """Population sizes of the description (without parameter overrides)."""
        return {n: int(self.leaves[p.size]) for n, p in self.populations.items()}

    @property
    def sources(self) -> list[str]:
        """Populations then inputs: the spike sources, in kernel order."""
        return list(self.populations) + list(self.inputs)

    def links(self) -> list[tuple[str, str, str, Link]]:
        """(name, source, target, link) of every projection, then every input."""
        out = [(n, p.pre, p.post, p.link) for n, p in self.projections.items()]
        out += [(n, n, i.target, i.link) for n, i in self.inputs.items()]
        return out

    def check_path(self, path: str) -> None:
        """Raise naming the closest leaves if ``path`` names no number of the description."""
        if path in self.leaves:
            return
        close = difflib.get_close_matches(path, list(self.leaves), n=5, cutoff=0.5)
        hint = f" Did you mean {close}?" if close else ""
        raise UnknownNameError(
            f"The parameter path {path!r} names no number of the network description.{hint} "
            f"Every number is named by its dotted path (list items by index); "
            f"{len(self.leaves)} paths exist, e.g. {list(self.leaves)[:6]}."
        )

    def is_integer(self, path: str) -> bool:
        return path in self._integer

    def check_sizes(self, sizes: Mapping[str, int]) -> None:
        """Check explicit connectivity and one_to_one against population sizes
        (``sizes`` overrides the description's, e.g. one candidate's)."""
        size = {**self.sizes, **{k: int(v) for k, v in sizes.items()}}
        for i in self.inputs.values():
            if i.name not in sizes:
                size[i.name] = (int(self.leaves[i.size]) if i.type == "poisson"
                                else len(i.times_ms))
        for name, src, tgt, link in self.links():
            where = (f"projections.{name}" if name in self.projections else f"inputs.{name}")
            if link.connector == "one_to_one" and size[src] != size[tgt]:
                raise _fail(f"{where}.connector", f"one_to_one needs equal sizes; {src} has "
                                                  f"{size[src]}, {tgt} has {size[tgt]}.")
            if link.explicit is not None:
                ex = link.explicit
                if "shape" in ex and tuple(ex["shape"]) != (size[src], size[tgt]):
                    raise _fail(f"{where}.connector",
                                f"from_matrix needs an (n_pre, n_post) = ({size[src]}, "
                                f"{size[tgt]}) matrix. Got shape {tuple(ex['shape'])}.")
                if ex["pre"].size and (ex["pre"].max() >= size[src]
                                       or ex["post"].max() >= size[tgt]):
                    raise _fail(f"{where}.connector",
                                f"indices out of range: {src} has {size[src]} neurons, "
                                f"{tgt} has {size[tgt]}; got pre up to {ex['pre'].max()}, post "
                                f"up to {ex['post'].max()}.")
            if link.connector in ("fixed_indegree", "fixed_outdegree"):
                n = int(self.leaves[link.connector_leaves["n"]])
                pool = size[src] if link.connector == "fixed_indegree" else size[tgt]
                if not link.connector_flags["allow_multapses"] and n > pool:
                    raise _fail(f"{where}.connector.n",
                                f"{n} exceeds the {pool} possible partners without multapses.")

    def __repr__(self) -> str:
        pops = ", ".join(f"{n}: {p.model} × {int(self.leaves[p.size])}"
                         for n, p in self.populations.items())
        return (f"Network({pops}; {len(self.projections)} projections, "
                f"{len(self.inputs)} inputs)")


def _population(name: str, p, leaves: dict) -> Population:
    where = path = f"populations.{name}"
    _check_keys(where, p, {"model", "size", "params", "init", "current", "update"},
                ("model", "size"))
    model = p["model"]
    if model not in NETWORK_MODELS:
        raise UnknownNameError(f"{where}.model: unknown model {model!r}; allowed: "
                               f"{list(NETWORK_MODELS)}.")
    update = p.get("update", UPDATES[model][0])
    if update not in UPDATES[model]:
        raise _fail(f"{where}.update", f"unknown update {update!r} for model {model!r}; "
                                       f"allowed: {list(UPDATES[model])}.")
    m = _models.get(model)
    size = _count(f"{where}.size", f"{path}.size", p["size"], leaves)
    params = {}
    for k, v in (p.get("params") or {}).items():
        if k not in m.parameters:
            raise UnknownNameError(f"{where}.params: model {model!r} has no parameter {k!r}; "
                                   f"allowed: {list(m.parameters)}.")
        params[k] = _value(f"{where}.params.{k}", f"{path}.params.{k}", v, leaves)
    init = {}
    for k, v in (p.get("init") or {}).items():
        if k not in m.state:
            raise UnknownNameError(f"{where}.init: model {model!r} has no state variable {k!r};"
                                   f" allowed: {list(m.state)}.")
        init[k] = _value(f"{where}.init.{k}", f"{path}.init.{k}", v, leaves)
    current = None
    if p.get("current") is not None:
        current = _value(f"{where}.current", f"{path}.current", p["current"], leaves)
    return Population(name, model, size, params, init, current, update)


def _input(name: str, s, leaves: dict, pops: dict) -> Input:
    where = path = f"inputs.{name}"
    if isinstance(s, Mapping) and s.get("type") == "events":
        raise _fail(where, "an event recording (type: events) is read into spike times when "
                           "a config or YAML file is loaded (spikeopt.fitting.network_config."
                           "load_network; "
                           "docs/events.md); Network.from_dict takes them as type: spikes "
                           "(spikeopt.io.to_spike_trains(...).to_list()).")
    if not isinstance(s, Mapping) or s.get("type") not in INPUTS:
        raise _fail(where, f"needs a 'type', one of {sorted(INPUTS)}. Got "
                           f"{s.get('type') if isinstance(s, Mapping) else s!r}.")
    required, optional = INPUTS[s["type"]]
    _check_keys(where, s, {"type", *required, *optional, *_INPUT_LINK_KEYS},
                (*required, "target", "connector"))
    if s["target"] not in pops:
        raise UnknownNameError(f"{where}.target: unknown population {s['target']!r}; allowed: "
                               f"{list(pops)}.")
    options, times = {}, None
    if s["type"] == "poisson":
        size = _count(f"{where}.size", f"{path}.size", s["size"], leaves)
        rate = _number(f"{where}.rate_hz", s["rate_hz"])
        if rate < 0:
            raise _fail(f"{where}.rate_hz", f"must be >= 0 Hz. Got {rate}.")
        leaves[f"{path}.rate_hz"] = rate
        options["rate_hz"] = f"{path}.rate_hz"
        options["noise"] = _probability(f"{where}.noise", f"{path}.noise",
                                        s.get("noise", 1.0), leaves)
        for k in ("start_ms", "stop_ms"):
            leaves[f"{path}.{k}"] = _number(f"{where}.{k}", s.get(k, optional[k]))
            options[k] = f"{path}.{k}"
    else:
        raw = s["times_ms"]
        if not isinstance(raw, list | tuple):
            raise _fail(f"{where}.times_ms", "needs one list of spike times (ms) per source.")
        times = []
        for i, tr in enumerate(raw):
            if type(tr).__name__ == "ndarray":  # a numpy train: checked at once
                vals = sorted(float(t) for t in tr.reshape(-1).tolist())
                if any(not math.isfinite(t) for t in vals):
                    raise _fail(f"{where}.times_ms.{i}", "spike times must be finite.")
            else:
                vals = [_number(f"{where}.times_ms.{i}", t) for t in (tr if isinstance(
                    tr, list | tuple) else [tr])]
            if any(t < 0 for t in vals):
                raise _fail(f"{where}.times_ms.{i}", "spike times must be >= 0 ms.")
            times.append(tuple(sorted(vals)))
        times = tuple(times)
        size = f"{path}.times_ms"  # not a leaf: the number of trains
    link = _link(where, path, s, leaves)
    return Input(name, s["type"], size, options, times, s["target"], link)
