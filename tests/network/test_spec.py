"""The network description (``Network.from_dict`` / ``from_yaml``): what parses,
which numbers are leaves, and the errors of bad descriptions and bad parameter
paths (each names the item, the allowed values and what came)."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import spikeopt
from spikeopt.errors import (
    ConfigError,
    InvalidParameterError,
    ShapeError,
    SpikeoptError,
    UnknownNameError,
)
from spikeopt.network import Network
from spikeopt.network.tables import build_tables, resolve_params

from .examples import EXAMPLE  # the issue's example


def example() -> dict:
    return copy.deepcopy(EXAMPLE)


def small() -> dict:
    """Two LIF populations, one projection, one Poisson input."""
    return {
        "populations": {"A": {"model": "lif", "size": 4}, "B": {"model": "lif", "size": 3}},
        "projections": {
            "AB": {"pre": "A", "post": "B", "connector": {"rule": "all_to_all"},
                   "synapse": {"type": "exp_current", "tau_ms": 5.0}, "weight": 10.0,
                   "delay_ms": 1.0},
        },
        "inputs": {
            "drive": {"type": "poisson", "size": 4, "rate_hz": 10.0, "target": "A",
                      "connector": {"rule": "one_to_one"}, "weight": 1.0},
        },
    }


def bad(spec: dict, exc, *parts: str):
    """Network.from_dict(spec) raises ``exc`` whose message holds every part."""
    with pytest.raises(exc) as info:
        Network.from_dict(spec)
    msg = str(info.value)
    for part in parts:
        assert part in msg, f"{part!r} not in {msg!r}"
    return msg


# --------------------------------------------------------------------- parsing
def test_issue_example_parses():
    net = Network.from_dict(example())
    assert net.sizes == {"E": 200, "I": 50}
    assert list(net.populations) == ["E", "I"]
    assert list(net.projections) == ["EE", "IE"]
    assert list(net.inputs) == ["bg"]
    assert net.sources == ["E", "I", "bg"]
    assert [(n, s, t) for n, s, t, _ in net.links()] == [("EE", "E", "E"), ("IE", "I", "E"),
                                                         ("bg", "bg", "E")]
    ee = net.projections["EE"].link
    assert ee.connector == "fixed_probability" and ee.synapse == "delta"
    assert ee.weight.kind == "uniform"
    assert net.populations["E"].model == "izhikevich"
    assert net.inputs["bg"].target == "E" and net.inputs["bg"].type == "poisson"
    assert "izhikevich × 200" in repr(net)
    # the description comes back as given, and a Network passes through from_dict
    assert net.to_dict() == EXAMPLE
    assert Network.from_dict(net) is net
    assert spikeopt.Network is Network


def test_from_dict_does_not_keep_references_to_the_input():
    spec = example()
    net = Network.from_dict(spec)
    spec["populations"]["E"]["size"] = 3
    assert net.sizes["E"] == 200 and net.to_dict()["populations"]["E"]["size"] == 200


def test_from_yaml_reads_the_same_network(tmp_path):
    yaml = pytest.importorskip("yaml")
    path = tmp_path / "net.yaml"
    path.write_text(yaml.safe_dump(EXAMPLE))
    a, b = Network.from_yaml(path), Network.from_dict(example())
    assert a.leaves == b.leaves
    assert a.to_dict() == b.to_dict()
    assert Network.from_yaml(str(path)).leaves == b.leaves


def test_from_yaml_handwritten(tmp_path):
    path = tmp_path / "net.yml"
    path.write_text(
        "populations:\n"
        "  E: {model: lif, size: 5, params: {tau_m: [10, 20, 30, 40, 50]}}\n"
        "projections:\n"
        "  EE:\n"
        "    pre: E\n"
        "    post: E\n"
        "    connector: {rule: fixed_indegree, n: 2, allow_self: false}\n"
        "    synapse: {type: exp_conductance, tau_ms: 5, E_rev_mV: 0}\n"
        "    weight: {normal: [1.0, 0.5]}\n"
        "frozen: true\n"
    )
    net = Network.from_yaml(path)
    assert net.frozen is True
    assert net.leaves["populations.E.params.tau_m.4"] == 50.0
    assert net.leaves["projections.EE.connector.n"] == 2.0
    assert net.leaves["projections.EE.weight.normal.1"] == 0.5
    assert net.projections["EE"].link.connector_flags == {"allow_self": False,
                                                          "allow_multapses": False}


# ---------------------------------------------------------------------- leaves
def test_every_number_is_a_leaf():
    leaves = Network.from_dict(example()).leaves
    expected = {
        "populations.E.size": 200.0, "populations.I.size": 50.0,
        "populations.E.params.a": 0.02, "populations.E.params.d": 8.0,
        "populations.I.params.a": 0.1, "populations.E.current": 11.5,
        "projections.EE.connector.p": 0.8, "projections.IE.connector.p": 0.5,
        "projections.EE.weight.uniform.0": 0.0, "projections.EE.weight.uniform.1": 0.5,
        "projections.IE.weight.uniform.0": -1.0, "projections.EE.delay_ms": 0.1,
        "projections.EE.release_probability": 1.0,
        "inputs.bg.size": 200.0, "inputs.bg.rate_hz": 1600.0, "inputs.bg.noise": 1.0,
        "inputs.bg.start_ms": 0.0, "inputs.bg.stop_ms": np.inf, "inputs.bg.weight": 2.0,
        "inputs.bg.delay_ms": 0.1, "inputs.bg.release_probability": 1.0,
    }
    for path, value in expected.items():
        assert leaves[path] == value, path
    assert all(isinstance(v, float) for v in leaves.values())
    # no leaf for what is not a number
    assert not any(p.endswith((".model", ".rule", ".type", ".pre", ".post", ".target"))
                   for p in leaves)


def test_list_items_and_synapse_and_plasticity_numbers_are_leaves():
    spec = small()
    spec["populations"]["A"]["params"] = {"tau_m": [10.0, 11.0, 12.0, 13.0]}
    spec["populations"]["A"]["init"] = {"v": {"normal": [-70.0, 2.0]}}
    spec["projections"]["AB"]["synapse"] = {"type": "exp2_conductance", "tau_rise_ms": 0.5,
                                            "tau_decay_ms": 5.0, "E_rev_mV": 0.0}
    spec["projections"]["AB"]["plasticity"] = {"type": "stdp", "A_plus": 0.02}
    leaves = Network.from_dict(spec).leaves
    assert [leaves[f"populations.A.params.tau_m.{i}"] for i in range(4)] == [10, 11, 12, 13]
    assert "populations.A.params.tau_m" not in leaves
    assert leaves["populations.A.init.v.normal.0"] == -70.0
    assert leaves["populations.A.init.v.normal.1"] == 2.0
    assert leaves["projections.AB.synapse.tau_rise_ms"] == 0.5
    assert leaves["projections.AB.synapse.E_rev_mV"] == 0.0
    assert leaves["projections.AB.plasticity.A_plus"] == 0.02
    assert leaves["projections.AB.plasticity.tau_plus_ms"] == 20.0  # defaults are leaves too
    net = Network.from_dict(spec)
    assert net.is_integer("populations.A.size") and not net.is_integer("inputs.drive.rate_hz")


def test_leaves_are_the_paths_simulate_accepts():
    net = Network.from_dict(example())
    over, P = resolve_params(net, {"projections.EE.weight.uniform.1": [0.2, 0.5, 0.9],
                                   "projections.EE.connector.p": [0.8, 0.5, 0.3],
                                   "inputs.bg.rate_hz": 100.0})
    assert P == 3
    np.testing.assert_array_equal(over["projections.EE.weight.uniform.1"], [0.2, 0.5, 0.9])
    np.testing.assert_array_equal(over["inputs.bg.rate_hz"], [100.0] * 3)
    for path in net.leaves:
        net.check_path(path)


def test_a_list_item_leaf_reaches_its_neuron():
    spec = small()
    spec["populations"]["A"]["params"] = {"tau_m": [10.0, 11.0, 12.0, 13.0]}
    net = Network.from_dict(spec)
    tb = build_tables(net, {"populations.A.params.tau_m.2": [50.0, 60.0]}, seed=0)
    for p, v in enumerate((50.0, 60.0)):
        tau = tb.par[tb.pr_off[p, 0]:tb.pr_off[p, 0] + 4]  # tau_m is the first parameter
        np.testing.assert_array_equal(tau, [10.0, 11.0, v, 13.0])


def test_frozen_key():
    spec = example()
    spec["frozen"] = True
    assert Network.from_dict(spec).frozen is True
    assert Network.from_dict(example()).frozen is False
    spec["frozen"] = "yes"
    bad(spec, ConfigError, "frozen", "true or false", "'yes'")


# -------------------------------------------------------------------- errors
def test_errors_subclass_the_builtins():
    assert issubclass(ConfigError, ValueError) and issubclass(ConfigError, SpikeoptError)
    assert issubclass(UnknownNameError, KeyError) and issubclass(UnknownNameError, SpikeoptError)
    assert issubclass(InvalidParameterError, ValueError)
    assert issubclass(ShapeError, ValueError)
    spec = example()
    spec["projections"]["EE"]["pre"] = "X"
    with pytest.raises(KeyError):
        Network.from_dict(spec)
    spec = example()
    spec["populations"]["E"]["size"] = -1
    with pytest.raises(ValueError):
        Network.from_dict(spec)
    # a KeyError subclass keeps a readable message (no added quotes)
    with pytest.raises(UnknownNameError) as info:
        Network.from_dict({"populations": {"E": {"model": "nope", "size": 1}}})
    assert str(info.value).startswith("populations.E.model")


@pytest.mark.parametrize("end", ["pre", "post"])
def test_unknown_population_in_projection(end):
    spec = example()
    spec["projections"]["EE"][end] = "X"
    bad(spec, UnknownNameError, f"projections.EE.{end}", "unknown population 'X'", "'E'", "'I'")


def test_unknown_target_population_of_input():
    spec = example()
    spec["inputs"]["bg"]["target"] = "Q"
    bad(spec, UnknownNameError, "inputs.bg.target", "'Q'", "allowed", "'E'", "'I'")


def test_projection_from_an_input_is_refused():
    spec = example()
    spec["projections"]["EE"]["pre"] = "bg"
    bad(spec, ConfigError, "projections.EE.pre", "target")


def test_input_named_like_a_population():
    spec = example()
    spec["inputs"]["E"] = spec["inputs"].pop("bg")
    bad(spec, ConfigError, "inputs.E", "name of a population")


def test_unknown_model():
    spec = example()
    spec["populations"]["I"]["model"] = "hodgkin"
    bad(spec, UnknownNameError, "populations.I.model", "'hodgkin'", "'izhikevich'", "'lif'",
        "'adex'")


def test_unknown_connector_rule():
    spec = example()
    spec["projections"]["EE"]["connector"] = {"rule": "random", "p": 0.1}
    bad(spec, ConfigError, "projections.EE.connector.rule", "'random'", "fixed_probability",
        "all_to_all", "from_list")


def test_connector_without_rule():
    spec = example()
    spec["projections"]["EE"]["connector"] = {"p": 0.1}
    bad(spec, ConfigError, "projections.EE.connector", "rule", "fixed_probability")
    spec["projections"]["EE"].pop("connector")
    bad(spec, ConfigError, "projections.EE", "connector")


def test_unknown_synapse_type():
    spec = example()
    spec["projections"]["IE"]["synapse"] = {"type": "alpha"}
    bad(spec, ConfigError, "projections.IE.synapse", "'alpha'", "delta", "exp_current",
        "exp_conductance", "exp2_conductance")
    spec = example()
    spec["inputs"]["bg"]["synapse"] = {"type": "gaba"}
    bad(spec, ConfigError, "inputs.bg.synapse", "'gaba'", "delta")


def test_missing_synapse_option():
    spec = example()
    spec["projections"]["IE"]["synapse"] = {"type": "exp_conductance", "tau_ms": 5.0}
    bad(spec, ConfigError, "projections.IE.synapse", "missing", "E_rev_mV")


def test_unknown_input_type():
    spec = example()
    spec["inputs"]["bg"]["type"] = "gamma"
    bad(spec, ConfigError, "inputs.bg", "poisson", "spikes", "'gamma'")


def test_unknown_plasticity_type():
    spec = example()
    spec["projections"]["EE"]["plasticity"] = {"type": "bcm"}
    bad(spec, ConfigError, "projections.EE.plasticity", "stdp", "'bcm'")


@pytest.mark.parametrize("where, edit, parts", [
    ("network", lambda s: s.update(population={}), ("network", "'population'", "populations")),
    ("population", lambda s: s["populations"]["E"].update(sise=3),
     ("populations.E", "'sise'", "size", "model")),
    ("projection", lambda s: s["projections"]["EE"].update(weights=1.0),
     ("projections.EE", "'weights'", "weight", "delay_ms")),
    ("connector", lambda s: s["projections"]["EE"]["connector"].update(n=3),
     ("projections.EE.connector", "'n'", "'p'", "allow_self")),
    ("synapse", lambda s: s["projections"]["EE"]["synapse"].update(tau_ms=3.0),
     ("projections.EE.synapse", "'tau_ms'", "type")),
    ("input", lambda s: s["inputs"]["bg"].update(rate=3.0),
     ("inputs.bg", "'rate'", "rate_hz", "target")),
    ("input connector", lambda s: s["inputs"]["bg"]["connector"].update(allow_self=False),
     ("inputs.bg.connector", "'allow_self'", "rule")),
    ("plasticity", lambda s: s["projections"]["EE"].update(
        plasticity={"type": "stdp", "tau_ms": 3.0}),
     ("projections.EE.plasticity", "'tau_ms'", "tau_plus_ms", "A_minus")),
])
def test_unknown_keys_at_each_level(where, edit, parts):
    spec = example()
    edit(spec)
    bad(spec, ConfigError, "unknown key", *parts)


def test_unknown_model_parameter_and_state_variable():
    spec = example()
    spec["populations"]["E"]["params"]["tau"] = 3.0
    bad(spec, UnknownNameError, "populations.E.params", "'tau'", "'a'", "'d'")
    spec = example()
    spec["populations"]["E"]["init"] = {"V": -60.0}
    bad(spec, UnknownNameError, "populations.E.init", "'V'", "'v'", "'u'")


def test_missing_required_keys():
    bad({"projections": {}}, ConfigError, "network", "missing", "populations")
    bad({"populations": {}}, ConfigError, "populations", "at least one")
    bad({"populations": {"E": {"model": "lif"}}}, ConfigError, "populations.E", "missing",
        "size")
    spec = example()
    del spec["projections"]["EE"]["weight"]
    bad(spec, ConfigError, "projections.EE", "weight")
    spec = example()
    del spec["inputs"]["bg"]["rate_hz"]
    bad(spec, ConfigError, "inputs.bg", "missing", "rate_hz")
    bad(["E"], ConfigError, "network", "mapping")


@pytest.mark.parametrize("size", [-1, 2.5, "10", True])
def test_bad_population_size(size):
    spec = example()
    spec["populations"]["I"]["size"] = size
    bad(spec, ConfigError, "populations.I.size", repr(size))


@pytest.mark.parametrize("size", [-3, 0.5])
def test_bad_input_size(size):
    spec = example()
    spec["inputs"]["bg"]["size"] = size
    bad(spec, ConfigError, "inputs.bg.size", "integer", repr(size))


def test_size_zero_and_integral_float_are_accepted():
    spec = example()
    spec["populations"]["I"]["size"] = 0
    spec["populations"]["E"]["size"] = 200.0
    assert Network.from_dict(spec).sizes == {"E": 200, "I": 0}


@pytest.mark.parametrize("n", [-1, 1.5])
def test_bad_degree(n):
    spec = example()
    spec["projections"]["EE"]["connector"] = {"rule": "fixed_indegree", "n": n}
    bad(spec, ConfigError, "projections.EE.connector.n", "integer", repr(n))


def test_degree_larger_than_the_pool_without_multapses():
    spec = example()
    spec["projections"]["IE"]["connector"] = {"rule": "fixed_indegree", "n": 51}
    bad(spec, ConfigError, "projections.IE.connector.n", "51", "50")
    spec["projections"]["IE"]["connector"]["allow_multapses"] = True
    Network.from_dict(spec)
    spec["projections"]["IE"]["connector"] = {"rule": "fixed_outdegree", "n": 201}
    bad(spec, ConfigError, "projections.IE.connector.n", "201", "200")


@pytest.mark.parametrize("value", [-0.1, 1.5])
@pytest.mark.parametrize("path", ["p", "release_probability", "noise"])
def test_probabilities_outside_0_1(path, value):
    spec = example()
    if path == "p":
        spec["projections"]["EE"]["connector"]["p"] = value
        where = "projections.EE.connector.p"
    elif path == "release_probability":
        spec["projections"]["IE"]["release_probability"] = value
        where = "projections.IE.release_probability"
    else:
        spec["inputs"]["bg"]["noise"] = value
        where = "inputs.bg.noise"
    bad(spec, ConfigError, where, "[0, 1]", repr(value))


@pytest.mark.parametrize("path", ["projections.EE.connector.p",
                                  "projections.IE.release_probability", "inputs.bg.noise"])
def test_probability_parameters_outside_0_1(path):
    net = Network.from_dict(example())
    with pytest.raises(InvalidParameterError, match=r"\[0, 1\]") as info:
        resolve_params(net, {path: [0.5, 1.2]})
    assert path in str(info.value) and "1.2" in str(info.value)


@pytest.mark.parametrize("tau", [0.0, -1.0])
def test_synaptic_tau_must_be_positive(tau):
    spec = example()
    spec["projections"]["EE"]["synapse"] = {"type": "exp_current", "tau_ms": tau}
    bad(spec, ConfigError, "projections.EE.synapse.tau_ms", "> 0", str(tau))
    spec = example()
    spec["projections"]["EE"]["synapse"] = {"type": "exp2_conductance", "tau_rise_ms": tau,
                                            "tau_decay_ms": 5.0, "E_rev_mV": 0.0}
    bad(spec, ConfigError, "projections.EE.synapse.tau_rise_ms", "> 0")


@pytest.mark.parametrize("tau", [0.0, -2.0])
def test_synaptic_tau_parameter_must_be_positive(tau):
    spec = example()
    spec["projections"]["EE"]["synapse"] = {"type": "exp_current", "tau_ms": 5.0}
    net = Network.from_dict(spec)
    with pytest.raises(InvalidParameterError, match="tau|time constant"):
        build_tables(net, {"projections.EE.synapse.tau_ms": [5.0, tau]}, seed=0)


@pytest.mark.parametrize("rise, decay", [(5.0, 5.0), (6.0, 5.0)])
def test_exp2_needs_rise_below_decay(rise, decay):
    spec = example()
    spec["projections"]["EE"]["synapse"] = {"type": "exp2_conductance", "tau_rise_ms": rise,
                                            "tau_decay_ms": decay, "E_rev_mV": 0.0}
    bad(spec, ConfigError, "projections.EE.synapse", "tau_rise_ms < tau_decay_ms")


def test_exp2_rise_below_decay_per_candidate():
    spec = example()
    spec["projections"]["EE"]["synapse"] = {"type": "exp2_conductance", "tau_rise_ms": 1.0,
                                            "tau_decay_ms": 5.0, "E_rev_mV": 0.0}
    net = Network.from_dict(spec)
    with pytest.raises(InvalidParameterError, match="tau_rise_ms < tau_decay_ms"):
        build_tables(net, {"projections.EE.synapse.tau_rise_ms": [1.0, 6.0]}, seed=0)


def test_bad_distributions_and_values():
    spec = example()
    spec["projections"]["EE"]["weight"] = {"uniform": [0.5, 0.0]}
    bad(spec, ConfigError, "projections.EE.weight", "low <= high", "[0.5, 0.0]")
    spec["projections"]["EE"]["weight"] = {"normal": [0.5, -1.0]}
    bad(spec, ConfigError, "projections.EE.weight", "sd >= 0", "-1.0")
    spec["projections"]["EE"]["weight"] = {"gamma": [1.0, 2.0]}
    bad(spec, ConfigError, "projections.EE.weight", "uniform", "normal", "'gamma'")
    spec["projections"]["EE"]["weight"] = {"uniform": [1.0]}
    bad(spec, ConfigError, "projections.EE.weight", "two numbers", "[1.0]")
    spec["projections"]["EE"]["weight"] = "strong"
    bad(spec, ConfigError, "projections.EE.weight", "number", "'strong'")
    spec["projections"]["EE"]["weight"] = [0.1, 0.2]
    bad(spec, ConfigError, "projections.EE.weight", "from_list")
    spec = example()
    spec["projections"]["EE"]["delay_ms"] = -0.5
    bad(spec, ConfigError, "projections.EE.delay_ms", ">= 0", "-0.5")
    spec = example()
    spec["inputs"]["bg"]["rate_hz"] = -1.0
    bad(spec, ConfigError, "inputs.bg.rate_hz", ">= 0", "-1.0")
    spec = example()
    spec["populations"]["E"]["params"]["a"] = [0.02]
    Network.from_dict(spec)  # a list's length is checked against the (possibly varied) size
    with pytest.raises(InvalidParameterError, match=r"populations\.E\.params\.a.*200.*1"):
        build_tables(Network.from_dict(spec), None, seed=0)


@pytest.mark.parametrize("edit, where", [
    (lambda s: s["projections"]["EE"].update(weight=float("nan")), "projections.EE.weight"),
    (lambda s: s["populations"]["E"].update(current=np.float64("nan")), "populations.E.current"),
    (lambda s: s["inputs"]["bg"].update(rate_hz=float("nan")), "inputs.bg.rate_hz"),
    (lambda s: s["populations"]["E"]["params"].update(a=[0.02, float("nan")]),
     "populations.E.params.a.1"),
])
def test_nan_is_not_a_number(edit, where):
    spec = example()
    edit(spec)
    bad(spec, ConfigError, where, "expected a number", "nan")


def test_infinite_stop_is_accepted():
    spec = example()
    spec["inputs"]["bg"]["stop_ms"] = float("inf")
    assert Network.from_dict(spec).leaves["inputs.bg.stop_ms"] == np.inf
    spec["inputs"]["bg"]["start_ms"] = np.float32(5.0)
    assert Network.from_dict(spec).leaves["inputs.bg.start_ms"] == 5.0


def test_one_to_one_between_different_sizes():
    spec = example()
    spec["projections"]["IE"]["connector"] = {"rule": "one_to_one"}
    bad(spec, ConfigError, "projections.IE.connector", "one_to_one", "I has 50", "E has 200")
    spec = example()
    spec["inputs"]["bg"]["size"] = 100
    bad(spec, ConfigError, "inputs.bg.connector", "one_to_one", "100", "200")


def test_one_to_one_with_sizes_as_parameters():
    net = Network.from_dict(example())
    with pytest.raises(ConfigError, match="one_to_one"):
        build_tables(net, {"populations.E.size": [200, 150]}, seed=0)
    build_tables(net, {"populations.E.size": [150, 100], "inputs.bg.size": [150, 100]}, seed=0)


def test_from_list_indices_out_of_range():
    spec = example()
    spec["projections"]["IE"]["connector"] = {"rule": "from_list", "pre": [0, 50],
                                              "post": [0, 1]}
    bad(spec, ConfigError, "projections.IE.connector", "out of range", "I has 50", "50")
    spec["projections"]["IE"]["connector"] = {"rule": "from_list", "pre": [0, 1],
                                              "post": [0, 200]}
    bad(spec, ConfigError, "projections.IE.connector", "out of range", "200")
    spec["projections"]["IE"]["connector"] = {"rule": "from_list", "pre": [0, -1],
                                              "post": [0, 1]}
    bad(spec, ConfigError, "projections.IE.connector", ">= 0")
    # the range is checked against each candidate's sizes too
    spec["projections"]["IE"]["connector"] = {"rule": "from_list", "pre": [0, 49],
                                              "post": [0, 1]}
    net = Network.from_dict(spec)
    with pytest.raises(ConfigError, match="out of range"):
        build_tables(net, {"populations.I.size": [50, 40]}, seed=0)


def test_from_list_lengths():
    spec = example()
    spec["projections"]["IE"]["connector"] = {"rule": "from_list", "pre": [0, 1, 2],
                                              "post": [0, 1]}
    bad(spec, ConfigError, "projections.IE.connector", "same length", "3", "2")
    spec["projections"]["IE"]["connector"] = {"rule": "from_list", "pre": [0, 1],
                                              "post": [0, 1], "weight": [1.0]}
    bad(spec, ConfigError, "projections.IE.connector.weight", "one value per connection", "2",
        "1")
    spec["projections"]["IE"]["connector"] = {"rule": "from_list", "pre": [0, 1],
                                              "post": [0, 1], "delay_ms": [1.0, -1.0]}
    bad(spec, ConfigError, "projections.IE.connector.delay_ms", ">= 0")


def test_from_matrix_shape():
    spec = example()
    spec["projections"]["IE"]["connector"] = {"rule": "from_matrix", "matrix": [1.0, 2.0]}
    bad(spec, ConfigError, "projections.IE.connector.matrix", "2-D", "(2,)")
    # a matrix must be (n_pre, n_post), even where its non-zero entries fit
    spec["projections"]["IE"]["connector"] = {"rule": "from_matrix",
                                              "matrix": np.eye(3).tolist()}
    bad(spec, ConfigError, "projections.IE.connector", "(3, 3)", "(50, 200)")


def test_parameter_path_that_names_nothing_lists_close_matches():
    net = Network.from_dict(example())
    with pytest.raises(UnknownNameError) as info:
        resolve_params(net, {"projections.EE.weight.uniform.2": [0.1, 0.2]})
    msg = str(info.value)
    assert "'projections.EE.weight.uniform.2'" in msg
    assert "Did you mean" in msg
    assert "projections.EE.weight.uniform.1" in msg and "projections.EE.weight.uniform.0" in msg
    with pytest.raises(KeyError, match="populations.E.params.a"):
        resolve_params(net, {"populations.E.param.a": 0.1})
    with pytest.raises(UnknownNameError, match="names no number"):
        spikeopt.simulate(net, {"EE.p": [0.1]}, t_stop=1.0, seed=0)


def test_parameter_lengths_must_agree():
    net = Network.from_dict(example())
    with pytest.raises(ShapeError, match="one length P") as info:
        resolve_params(net, {"projections.EE.connector.p": [0.1, 0.2, 0.3],
                             "inputs.bg.rate_hz": [10.0, 20.0]})
    assert "projections.EE.connector.p" in str(info.value) and "inputs.bg.rate_hz" in str(
        info.value)
    # scalars broadcast against (P,) values
    over, P = resolve_params(net, {"projections.EE.connector.p": [0.1, 0.2, 0.3],
                                   "inputs.bg.rate_hz": 10.0})
    assert P == 3 and over["inputs.bg.rate_hz"].shape == (3,)
    with pytest.raises(ShapeError, match="scalar or a"):
        resolve_params(net, {"inputs.bg.rate_hz": [[1.0, 2.0]]})
    with pytest.raises(InvalidParameterError, match="finite"):
        resolve_params(net, {"inputs.bg.rate_hz": [1.0, np.nan]})


@pytest.mark.parametrize("path", ["populations.E.size", "inputs.bg.size"])
def test_count_path_given_a_fraction(path):
    net = Network.from_dict(example())
    with pytest.raises(InvalidParameterError, match="integers") as info:
        resolve_params(net, {path: [2.5, 3.0]})
    assert path in str(info.value) and "2.5" in str(info.value)
    with pytest.raises(InvalidParameterError, match="integers"):
        resolve_params(net, {path: -1})


def test_degree_path_given_a_fraction():
    spec = example()
    spec["projections"]["EE"]["connector"] = {"rule": "fixed_indegree", "n": 5}
    net = Network.from_dict(spec)
    assert net.is_integer("projections.EE.connector.n")
    with pytest.raises(InvalidParameterError, match="projections.EE.connector.n.*integers"):
        resolve_params(net, {"projections.EE.connector.n": 2.5})


@pytest.mark.parametrize("delay", [{"uniform": [0.5, 1.0]}, {"normal": [1.0, 0.1]}])
def test_plastic_projection_takes_one_delay(delay):
    spec = example()
    spec["projections"]["EE"]["plasticity"] = {"type": "stdp"}
    spec["projections"]["EE"]["delay_ms"] = delay
    bad(spec, ConfigError, "projections.EE.delay_ms", "plastic", "one delay")
    spec["projections"]["EE"]["delay_ms"] = 1.0
    Network.from_dict(spec)


def test_plastic_projection_with_listed_delays():
    spec = example()
    spec["projections"]["IE"]["connector"] = {"rule": "from_list", "pre": [0, 1],
                                              "post": [0, 1], "delay_ms": [1.0, 2.0]}
    spec["projections"]["IE"]["plasticity"] = {"type": "stdp"}
    bad(spec, ConfigError, "projections.IE.delay_ms", "one delay")


def test_stdp_time_constants_must_be_positive():
    spec = example()
    spec["projections"]["EE"]["plasticity"] = {"type": "stdp", "tau_minus_ms": 0.0}
    bad(spec, ConfigError, "projections.EE.plasticity.tau_minus_ms", "> 0")
    spec["projections"]["EE"]["plasticity"] = {"type": "stdp"}
    net = Network.from_dict(spec)
    with pytest.raises(InvalidParameterError, match="tau_plus_ms"):
        resolve_params(net, {"projections.EE.plasticity.tau_plus_ms": [20.0, 0.0]})


def test_spike_input_times():
    spec = example()
    spec["inputs"]["bg"] = {"type": "spikes", "times_ms": [[5.0, 1.0], [], 3.0], "target": "I",
                            "connector": {"rule": "all_to_all"}, "weight": 1.0}
    net = Network.from_dict(spec)
    assert net.inputs["bg"].times_ms == ((1.0, 5.0), (), (3.0,))
    assert not any(p.startswith("inputs.bg.times_ms") for p in net.leaves)
    spec["inputs"]["bg"]["times_ms"] = [[1.0, -2.0]]
    bad(spec, ConfigError, "inputs.bg.times_ms.0", ">= 0")
    spec["inputs"]["bg"]["times_ms"] = 5.0
    bad(spec, ConfigError, "inputs.bg.times_ms", "one list")
