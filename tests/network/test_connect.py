"""Connectors, weights and delays as built in compiled code, read back with
``NetworkResult.connectivity`` after 1 ms simulations: exact counts where the
rule fixes them, statistical tests (scipy.stats) where it draws them, and the
seeding contract (own wiring per candidate, reproducible, ``frozen``, and
independent of how many candidates run together)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import spikeopt

DT = 0.1


def net(connector, n_pre=20, n_post=None, *, weight=1.0, delay=0.0, synapse=None,
        frozen=None, **extra):
    """One projection A -> B (or A -> A when n_post is None) of silent LIF neurons."""
    pops = {"A": {"model": "lif", "size": n_pre}}
    post = "A"
    if n_post is not None:
        pops["B"] = {"model": "lif", "size": n_post}
        post = "B"
    proj = {"pre": "A", "post": post, "connector": connector,
            "synapse": synapse or {"type": "delta"}, "weight": weight, "delay_ms": delay,
            **extra}
    spec = {"populations": pops, "projections": {"X": proj}}
    if frozen is not None:
        spec["frozen"] = frozen
    return spec


def wire(spec, params=None, *, seed=0, **kw):
    """The simulation result (1 ms) and the connectivity of every candidate."""
    res = spikeopt.simulate(spec, params, t_stop=1.0, dt=DT, seed=seed, **kw)
    conns = [res.connectivity("X", c) for c in range(res.n_candidates)]
    return res, conns


def pairs(c) -> set:
    return set(zip(c["pre"].tolist(), c["post"].tolist(), strict=True))


def adjacency(c, n_pre, n_post) -> np.ndarray:
    m = np.zeros((n_pre, n_post), dtype=np.int64)
    np.add.at(m, (c["pre"], c["post"]), 1)
    return m


def same_wiring(a, b) -> bool:
    return all(np.array_equal(a[k], b[k]) for k in ("pre", "post", "weight", "delay_ms"))


# ----------------------------------------------------------------- exact rules
@pytest.mark.parametrize("allow_self", [True, False])
def test_all_to_all_same_population(allow_self):
    n = 17
    _, (c,) = wire(net({"rule": "all_to_all", "allow_self": allow_self}, n))
    m = adjacency(c, n, n)
    expected = np.ones((n, n), dtype=np.int64)
    if not allow_self:
        np.fill_diagonal(expected, 0)
    np.testing.assert_array_equal(m, expected)
    assert c["pre"].size == n * n - (0 if allow_self else n)
    assert np.all(np.diff(c["pre"]) >= 0)  # CSR: grouped by pre neuron


def test_all_to_all_between_populations_keeps_i_to_i():
    _, (c,) = wire(net({"rule": "all_to_all", "allow_self": False}, 6, 9))
    assert c["pre"].size == 6 * 9
    np.testing.assert_array_equal(adjacency(c, 6, 9), np.ones((6, 9)))


def test_one_to_one():
    _, (c,) = wire(net({"rule": "one_to_one"}, 13, 13))
    assert sorted(pairs(c)) == [(i, i) for i in range(13)]


def test_empty_populations_and_zero_degree():
    _, (c,) = wire(net({"rule": "all_to_all"}, 0, 5))
    assert c["pre"].size == 0
    _, (c,) = wire(net({"rule": "fixed_indegree", "n": 0}, 5, 5))
    assert c["pre"].size == 0
    _, (c,) = wire(net({"rule": "fixed_probability", "p": 0.0}, 30, 30))
    assert c["pre"].size == 0


@pytest.mark.parametrize("n", [1, 5, 15, 20])  # rejection sampling and Fisher–Yates branches
@pytest.mark.parametrize("allow_self", [True, False])
def test_fixed_indegree_distinct(n, allow_self):
    size = 20
    if not allow_self and n == size:
        n = size - 1
    spec = net({"rule": "fixed_indegree", "n": n, "allow_self": allow_self}, size)
    _, conns = wire(spec, {"projections.X.connector.n": [n] * 4})
    for c in conns:
        m = adjacency(c, size, size)
        np.testing.assert_array_equal(m.sum(axis=0), n)  # every post neuron: n inputs
        assert m.max() <= 1  # no multapses
        if not allow_self:
            assert np.trace(m) == 0


def test_fixed_indegree_between_populations():
    _, (c,) = wire(net({"rule": "fixed_indegree", "n": 7, "allow_self": False}, 8, 30))
    m = adjacency(c, 8, 30)
    np.testing.assert_array_equal(m.sum(axis=0), 7)
    assert m.max() <= 1
    assert np.trace(m[:, :8]) > 0  # allow_self concerns one population: A_i -> B_i is kept


@pytest.mark.parametrize("allow_self", [True, False])
def test_fixed_indegree_with_multapses(allow_self):
    size, n = 6, 15  # more inputs than pre neurons: multapses are certain
    spec = net({"rule": "fixed_indegree", "n": n, "allow_multapses": True,
                "allow_self": allow_self}, size)
    _, (c,) = wire(spec)
    m = adjacency(c, size, size)
    np.testing.assert_array_equal(m.sum(axis=0), n)
    assert m.max() > 1
    if not allow_self:
        assert np.trace(m) == 0


@pytest.mark.parametrize("n", [3, 12, 16])
@pytest.mark.parametrize("allow_self", [True, False])
def test_fixed_outdegree_distinct(n, allow_self):
    size = 16
    if not allow_self and n == size:
        n = size - 1
    spec = net({"rule": "fixed_outdegree", "n": n, "allow_self": allow_self}, size)
    _, conns = wire(spec, {"projections.X.connector.n": [n] * 3})
    for c in conns:
        m = adjacency(c, size, size)
        np.testing.assert_array_equal(m.sum(axis=1), n)  # every pre neuron: n outputs
        assert m.max() <= 1
        if not allow_self:
            assert np.trace(m) == 0


def test_fixed_outdegree_with_multapses():
    spec = net({"rule": "fixed_outdegree", "n": 25, "allow_multapses": True,
                "allow_self": False}, 10)
    _, (c,) = wire(spec)
    m = adjacency(c, 10, 10)
    np.testing.assert_array_equal(m.sum(axis=1), 25)
    assert m.max() > 1 and np.trace(m) == 0


def test_fixed_indegree_picks_pre_neurons_uniformly():
    """Chi-square over the pre neurons chosen by 8 post neurons in 100 candidates."""
    size, n, P = 12, 3, 100
    spec = net({"rule": "fixed_indegree", "n": n}, size)
    _, conns = wire(spec, {"projections.X.connector.n": [n] * P})
    counts = sum(np.bincount(c["pre"], minlength=size) for c in conns)
    assert counts.sum() == size * n * P
    assert stats.chisquare(counts).pvalue > 1e-4


# ----------------------------------------------------------- fixed_probability
@pytest.mark.parametrize("p", [0.02, 0.3, 0.9])
def test_fixed_probability_count(p):
    n_pre, n_post = 80, 60
    _, (c,) = wire(net({"rule": "fixed_probability", "p": p}, n_pre, n_post))
    N = n_pre * n_post
    assert abs(c["pre"].size - N * p) <= 5 * np.sqrt(N * p * (1 - p))
    assert len(pairs(c)) == c["pre"].size  # no pair twice
    assert c["post"].min() >= 0 and c["post"].max() < n_post
    assert c["pre"].max() < n_pre


def test_fixed_probability_one_is_all_to_all():
    _, (c,) = wire(net({"rule": "fixed_probability", "p": 1.0, "allow_self": False}, 9))
    expected = np.ones((9, 9))
    np.fill_diagonal(expected, 0)
    np.testing.assert_array_equal(adjacency(c, 9, 9), expected)


def test_fixed_probability_without_self():
    n, p = 40, 0.5
    _, (c,) = wire(net({"rule": "fixed_probability", "p": p, "allow_self": False}, n))
    m = adjacency(c, n, n)
    assert np.trace(m) == 0
    N = n * (n - 1)  # the diagonal is skipped, not redrawn
    assert abs(m.sum() - N * p) <= 5 * np.sqrt(N * p * (1 - p))


def test_fixed_probability_per_pair_frequency():
    """Each of the 10 x 10 pairs appears in ~p of 300 candidates (chi-square), the
    first and last pairs included, and the candidates' counts are Binomial(100, p)."""
    n, p, P = 10, 0.3, 300
    spec = net({"rule": "fixed_probability", "p": p}, n, n)
    _, conns = wire(spec, {"projections.X.connector.p": [p] * P})
    freq = sum(adjacency(c, n, n) for c in conns)
    assert freq.max() <= P
    chi2 = ((freq - P * p) ** 2 / (P * p * (1 - p))).sum()
    assert stats.chi2.sf(chi2, df=n * n) > 1e-4
    for corner in (freq[0, 0], freq[-1, -1]):
        assert abs(corner - P * p) <= 5 * np.sqrt(P * p * (1 - p))
    sizes = np.array([c["pre"].size for c in conns])
    ks = stats.kstest(sizes, stats.binom(n * n, p).cdf)
    assert abs(sizes.mean() - n * n * p) <= 5 * np.sqrt(n * n * p * (1 - p) / P)
    assert ks.statistic < 0.15  # discrete: compare the statistic, not the p-value


def test_fixed_probability_per_candidate_p():
    n = 50
    ps = [0.05, 0.2, 0.5, 0.8]
    _, conns = wire(net({"rule": "fixed_probability", "p": 0.1}, n, n),
                    {"projections.X.connector.p": ps})
    for p, c in zip(ps, conns, strict=True):
        N = n * n
        assert abs(c["pre"].size - N * p) <= 5 * np.sqrt(N * p * (1 - p)), p


# ------------------------------------------------------------ weights, delays
def test_uniform_weights():
    lo, hi = -2.0, 3.0
    _, (c,) = wire(net({"rule": "all_to_all"}, 40, 40, weight={"uniform": [lo, hi]}))
    w = c["weight"]
    assert w.size == 1600 and w.min() >= lo and w.max() <= hi
    assert stats.kstest(w, stats.uniform(loc=lo, scale=hi - lo).cdf).pvalue > 1e-4


def test_normal_weights():
    mu, sd = 1.5, 0.7
    _, (c,) = wire(net({"rule": "all_to_all"}, 40, 40, weight={"normal": [mu, sd]}))
    assert stats.kstest(c["weight"], stats.norm(loc=mu, scale=sd).cdf).pvalue > 1e-4


def test_constant_weight_and_per_candidate_weights():
    spec = net({"rule": "all_to_all"}, 5, 5, weight={"uniform": [0.0, 1.0]})
    _, conns = wire(spec, {"projections.X.weight.uniform.0": [2.0, 5.0],
                           "projections.X.weight.uniform.1": [2.0, 6.0]})
    np.testing.assert_array_equal(conns[0]["weight"], 2.0)
    assert conns[1]["weight"].min() >= 5.0 and conns[1]["weight"].max() <= 6.0
    _, (c,) = wire(net({"rule": "all_to_all"}, 5, 5, weight=-0.25))
    np.testing.assert_array_equal(c["weight"], -0.25)


def test_conductance_weights_are_clipped_at_zero():
    syn = {"type": "exp_conductance", "tau_ms": 5.0, "E_rev_mV": 0.0}
    _, (c,) = wire(net({"rule": "all_to_all"}, 30, 30, weight={"normal": [0.0, 1.0]},
                       synapse=syn))
    w = c["weight"]
    assert w.min() == 0.0
    zero = (w == 0.0).mean()
    assert abs(zero - 0.5) < 5 * np.sqrt(0.25 / w.size)  # half of N(0, 1) is clipped
    pos = w[w > 0]
    assert stats.kstest(pos, stats.halfnorm().cdf).pvalue > 1e-4
    syn2 = {"type": "exp2_conductance", "tau_rise_ms": 1.0, "tau_decay_ms": 5.0,
            "E_rev_mV": -80.0}
    _, (c,) = wire(net({"rule": "all_to_all"}, 10, 10, weight=-1.0, synapse=syn2))
    np.testing.assert_array_equal(c["weight"], 0.0)
    # current synapses keep their sign
    syn3 = {"type": "exp_current", "tau_ms": 5.0}
    _, (c,) = wire(net({"rule": "all_to_all"}, 30, 30, weight={"normal": [0.0, 1.0]},
                       synapse=syn3))
    assert (c["weight"] < 0).mean() > 0.4


@pytest.mark.parametrize("delay, expected", [(0.0, 0.0), (0.26, 0.3), (0.24, 0.2),
                                             (1.0, 1.0), (2.04, 2.0)])
def test_constant_delay_rounded_to_steps(delay, expected):
    _, (c,) = wire(net({"rule": "all_to_all"}, 4, 4, delay=delay))
    np.testing.assert_allclose(c["delay_ms"], expected, atol=1e-12)


def test_distributed_delays_rounded_to_steps():
    """U(0, 1) ms delays at dt 0.1: whole steps 0..10 with masses 1/20, 1/10 ..., 1/20."""
    _, (c,) = wire(net({"rule": "all_to_all"}, 60, 60, delay={"uniform": [0.0, 1.0]}))
    steps = c["delay_ms"] / DT
    k = np.round(steps).astype(int)
    np.testing.assert_allclose(steps, k, atol=1e-9)
    assert k.min() >= 0 and k.max() <= 10
    counts = np.bincount(k, minlength=11)
    mass = np.full(11, 0.1)
    mass[[0, 10]] = 0.05
    assert stats.chisquare(counts, mass * k.size).pvalue > 1e-4


def test_negative_delay_draws_become_zero():
    _, (c,) = wire(net({"rule": "all_to_all"}, 30, 30, delay={"normal": [0.0, 0.5]}))
    d = c["delay_ms"]
    assert d.min() == 0.0
    assert (d == 0.0).mean() > 0.4  # all negative draws and those rounding to 0


def test_weights_and_delays_per_synapse_differ():
    spec = net({"rule": "all_to_all"}, 10, 10, weight={"uniform": [0.0, 1.0]},
               delay={"uniform": [0.0, 5.0]})
    _, (c,) = wire(spec)
    assert np.unique(c["weight"]).size == 100
    assert np.unique(c["delay_ms"]).size > 40
    assert abs(np.corrcoef(c["weight"], c["delay_ms"])[0, 1]) < 0.35


# -------------------------------------------------------------- explicit lists
def test_from_list_reproduces_pairs_weights_and_delays():
    pre = [3, 0, 0, 2, 3, 1, 3]
    post = [1, 4, 0, 2, 1, 0, 4]  # (3, 1) twice: a multapse
    w = [0.5, -1.0, 2.0, 0.25, 0.75, 1.5, -0.5]
    d = [0.0, 0.3, 1.0, 2.0, 0.5, 0.1, 0.7]
    spec = net({"rule": "from_list", "pre": pre, "post": post, "weight": w, "delay_ms": d},
               4, 5)
    _, (c,) = wire(spec)
    got = sorted(zip(c["pre"].tolist(), c["post"].tolist(), c["weight"].tolist(),
                     np.round(c["delay_ms"], 9).tolist(), strict=True))
    assert got == sorted(zip(pre, post, w, d, strict=True))
    # within one pre neuron, the order of the list is kept (stable CSR)
    assert c["post"][c["pre"] == 0].tolist() == [4, 0]


def test_from_list_without_weights_draws_them():
    pre, post = list(range(50)), [49 - i for i in range(50)]
    spec = net({"rule": "from_list", "pre": pre, "post": post}, 50,
               weight={"uniform": [1.0, 2.0]}, delay=0.5)
    _, (c,) = wire(spec)
    assert sorted(pairs(c)) == sorted(zip(pre, post, strict=True))
    assert c["weight"].min() >= 1.0 and c["weight"].max() <= 2.0
    assert np.unique(c["weight"]).size == 50
    np.testing.assert_allclose(c["delay_ms"], 0.5)


def test_from_matrix_reproduces_the_nonzero_entries():
    rng = np.random.default_rng(3)
    m = np.where(rng.random((6, 8)) < 0.4, rng.normal(0.0, 1.0, (6, 8)), 0.0)
    spec = net({"rule": "from_matrix", "matrix": m.tolist()}, 6, 8, delay=1.2)
    del spec["projections"]["X"]["weight"]
    _, (c,) = wire(spec)
    got = np.zeros_like(m)
    got[c["pre"], c["post"]] = c["weight"]
    np.testing.assert_array_equal(got, m)
    assert c["pre"].size == np.count_nonzero(m)
    np.testing.assert_allclose(c["delay_ms"], 1.2)


def test_explicit_wiring_is_the_same_for_every_candidate():
    spec = net({"rule": "from_list", "pre": [0, 1, 2], "post": [2, 0, 1]}, 3,
               weight={"normal": [0.0, 1.0]})
    _, conns = wire(spec, {"projections.X.weight.normal.0": [0.0, 0.0, 0.0]})
    for c in conns:
        assert sorted(pairs(c)) == [(0, 2), (1, 0), (2, 1)]
    assert not np.array_equal(conns[0]["weight"], conns[1]["weight"])  # own draws


def test_input_connectivity():
    spec = {"populations": {"E": {"model": "lif", "size": 10}},
            "inputs": {"bg": {"type": "poisson", "size": 25, "rate_hz": 5.0, "target": "E",
                              "connector": {"rule": "fixed_indegree", "n": 4},
                              "weight": {"uniform": [1.0, 2.0]}, "delay_ms": 0.5}}}
    res = spikeopt.simulate(spec, t_stop=1.0, dt=DT, seed=0)
    c = res.connectivity("bg")
    m = adjacency(c, 25, 10)
    np.testing.assert_array_equal(m.sum(axis=0), 4)
    assert m.max() == 1
    np.testing.assert_allclose(c["delay_ms"], 0.5)
    with pytest.raises(KeyError, match="'nope'"):
        res.connectivity("nope")


# ------------------------------------------------------------------- seeding
SEEDED = net({"rule": "fixed_probability", "p": 0.2}, 30, 30, weight={"uniform": [0, 1]},
             delay={"uniform": [0.0, 2.0]})
P_KEY = "projections.X.connector.p"


def test_each_candidate_has_its_own_wiring():
    _, conns = wire(SEEDED, {P_KEY: [0.2] * 4})
    for i in range(4):
        for j in range(i):
            assert pairs(conns[i]) != pairs(conns[j])


def test_same_seed_same_wiring_other_seed_other_wiring():
    _, a = wire(SEEDED, {P_KEY: [0.2] * 3}, seed=5)
    _, b = wire(SEEDED, {P_KEY: [0.2] * 3}, seed=5)
    _, c = wire(SEEDED, {P_KEY: [0.2] * 3}, seed=6)
    for x, y, z in zip(a, b, c, strict=True):
        assert same_wiring(x, y)
        assert pairs(x) != pairs(z)


def test_generation_changes_the_wiring():
    _, a = wire(SEEDED, {P_KEY: [0.2] * 2}, seed=5)
    _, b = wire(SEEDED, {P_KEY: [0.2] * 2}, seed=5, generation=1)
    assert pairs(a[0]) != pairs(b[0])


def test_frozen_gives_every_candidate_the_same_wiring():
    _, a = wire(SEEDED, {P_KEY: [0.2] * 4}, frozen=True)
    for c in a[1:]:
        assert same_wiring(a[0], c)
    frozen_spec = dict(SEEDED, frozen=True)
    _, b = wire(frozen_spec, {P_KEY: [0.2] * 4})
    for x, y in zip(a, b, strict=True):
        assert same_wiring(x, y)
    # candidate 0's streams: the unfrozen candidate 0 is wired the same
    _, c = wire(SEEDED, {P_KEY: [0.2] * 4})
    assert same_wiring(c[0], a[0])
    # frozen=False overrides the description
    _, d = wire(frozen_spec, {P_KEY: [0.2] * 2}, frozen=False)
    assert pairs(d[0]) != pairs(d[1])


def test_frozen_candidates_differ_only_by_their_parameters():
    _, conns = wire(SEEDED, {P_KEY: [0.2, 0.2, 0.6]}, frozen=True)
    assert same_wiring(conns[0], conns[1])
    assert len(pairs(conns[2])) > 2 * len(pairs(conns[0]))


def test_wiring_does_not_depend_on_the_number_of_candidates():
    values = [0.2, 0.3, 0.1, 0.5, 0.05]
    _, five = wire(SEEDED, {P_KEY: values}, seed=11)
    _, two = wire(SEEDED, {P_KEY: values[:2]}, seed=11)
    for i in range(2):
        assert same_wiring(five[i], two[i])


def test_wiring_does_not_depend_on_other_candidates_parameters():
    _, a = wire(SEEDED, {P_KEY: [0.2, 0.9, 0.2]}, seed=2)
    _, b = wire(SEEDED, {P_KEY: [0.2, 0.01, 0.2]}, seed=2)
    assert same_wiring(a[0], b[0]) and same_wiring(a[2], b[2])


def test_seed_per_candidate():
    ss = [np.random.SeedSequence(7, spawn_key=(1, 0, i)) for i in range(3)]
    _, a = wire(SEEDED, {P_KEY: [0.2] * 3}, seed=7)
    _, b = wire(SEEDED, {P_KEY: [0.2] * 2}, seed=[ss[2], ss[0]])
    assert same_wiring(a[2], b[0]) and same_wiring(a[0], b[1])
