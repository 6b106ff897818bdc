"""The operators of the faithful GAs (Evolutionary.jl's ranklinear / intermediate /
uniform as SpikeNetOpt.jl uses them, inspyred's absolute Gaussian step, SpikeNetOpt's
corner initialisation) and the GA built from config mappings, with seeded statistical
checks against the formulas of those libraries."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import yaml

from spikeopt.errors import ConfigError, InvalidParameterError
from spikeopt.optimizers import GeneticAlgorithm, make_optimizer
from spikeopt.optimizers.operators import (
    OPERATORS,
    GaussianMutation,
    GenerationalReplacement,
    IntermediateCrossover,
    RankSelection,
    TournamentSelection,
    UniformCrossover,
    UniformMutation,
    make_operator,
)
from spikeopt.params import ParameterSpace

from .test_conformance import sphere, trajectory

SPACE = ParameterSpace({"a": (0.0, 10.0), "b": (-1.0, 1.0), "c": (100.0, 300.0)})
UNIT4 = ParameterSpace({k: (0.0, 1.0) for k in ("see", "pee", "sei", "pei")})

SPIKENETOPT = yaml.safe_load("""
popsize: 10
init: corners
selection: {name: rank, pressure: 1.5}
crossover: {name: intermediate, d: 0.5, rate: 0.8, clip: false}
mutation: {name: uniform, width: 0.5, rate: 0.5, absolute: true}
replacement: {name: generational, num_elites: 4}
""")
NETPYNE = yaml.safe_load("""
popsize: 10
selection: {name: tournament, size: 2}
crossover: {name: uniform, rate: 1.0, bias: 0.5}
mutation: {name: gaussian, rate: 0.2, stdev: 1.0, absolute: true}
replacement: {name: generational, num_elites: 1}
""")


def within(count, expected, sigmas=5.0):
    return abs(count - expected) < sigmas * np.sqrt(expected) + 5


@pytest.mark.parametrize("s", [1.0, 1.5, 2.0])
def test_rank_pressure_is_evolutionary_jl_linear_ranking(s):
    rng = np.random.default_rng(0)
    P, n = 12, 60000
    F = rng.permutation(P).astype(float)  # member j has rank F[j] (0 = best)
    counts = np.bincount(RankSelection(pressure=s)(F, n, rng), minlength=P)
    i = (P - 1) - F  # 0 = worst, P - 1 = best
    p = ((2 - s) + 2 * (s - 1) * i / (P - 1)) / P  # Fitness(P)/M of ranklinear's docstring
    assert p.sum() == pytest.approx(1.0)
    assert all(within(c, n * q) for c, q in zip(counts, p, strict=True))
    if s == 2.0:
        assert counts[np.argmax(F)] == 0  # the worst is never drawn
    best = counts[np.argmin(F)] / n
    assert best == pytest.approx(s / P, rel=0.05)  # s times the average share


def test_rank_default_is_unchanged_and_pressure_is_checked():
    F = np.arange(5.0)
    a = RankSelection()(F, 50, np.random.default_rng(1))
    b = RankSelection(pressure=None)(F, 50, np.random.default_rng(1))
    assert np.array_equal(a, b)
    one = RankSelection(pressure=2.0)(np.array([3.0]), 4, np.random.default_rng(0))
    assert one.tolist() == [0] * 4  # a population of one
    for bad in (0.9, 2.1):
        with pytest.raises(InvalidParameterError, match="'pressure' parameter of RankSelection"):
            RankSelection(pressure=bad)


def test_intermediate_crossover_draws_alpha_per_gene_in_minus_d_to_1_plus_d():
    wide = ParameterSpace({f"g{k}": (-1e6, 1e6) for k in range(4)})
    rng = np.random.default_rng(2)
    A, B = rng.uniform(-10, 10, (20000, 4)), rng.uniform(-10, 10, (20000, 4))
    d = 0.5
    C1, C2 = IntermediateCrossover(d=d, rate=1.0, clip=False)(A, B, wide, rng)
    a1, a2 = (C1 - B) / (A - B), (C2 - A) / (B - A)
    for a in (a1, a2):
        assert a.min() >= -d and a.max() <= 1 + d
        assert a.mean() == pytest.approx(0.5, abs=0.01)
        assert a.var() == pytest.approx((1 + 2 * d) ** 2 / 12, rel=0.03)  # U(-d, 1+d)
        assert np.histogram(a, bins=4, range=(-d, 1 + d))[0].min() > 0.23 * a.size
    assert abs(np.corrcoef(a1.ravel(), a2.ravel())[0, 1]) < 0.02  # independent per child
    assert abs(np.corrcoef(a1[:, 0], a1[:, 1])[0, 1]) < 0.03  # and per gene
    # rate: the share of pairs that cross (others pass unchanged)
    D1, D2 = IntermediateCrossover(d=d, rate=0.8)(A, B, wide, np.random.default_rng(3))
    crossed = np.any(D1 != A, axis=1)
    assert crossed.mean() == pytest.approx(0.8, abs=0.015)
    assert np.array_equal(D2[~crossed], B[~crossed])


def test_intermediate_crossover_clips_unless_told_not_to():
    A = np.tile([0.0, 1.0, 0.0, 1.0], (2000, 1))
    B = np.tile([1.0, 0.0, 1.0, 1.0], (2000, 1))
    C1, _ = IntermediateCrossover(d=0.5, rate=1.0)(A, B, UNIT4, np.random.default_rng(4))
    assert C1.min() == 0.0 and C1.max() == 1.0
    R1, _ = IntermediateCrossover(d=0.5, rate=1.0, clip=False)(
        A, B, UNIT4, np.random.default_rng(4)
    )
    assert R1.min() < -0.4 and R1.max() > 1.4
    assert np.array_equal(np.clip(R1, 0.0, 1.0), C1)  # the same draws


def test_uniform_mutation_is_per_individual_on_every_gene():
    X = np.tile([5.0, 0.0, 200.0], (20000, 1))
    Y = UniformMutation(width=0.1, rate=0.3)(X, SPACE, np.random.default_rng(5))
    moved = np.any(Y != X, axis=1)
    assert moved.mean() == pytest.approx(0.3, abs=0.012)
    assert np.all(Y[moved] != X[moved])  # a mutated individual moves in every gene
    step = (Y - X)[moved]
    span = SPACE.upper - SPACE.lower
    assert np.all(np.abs(step) <= 0.1 * span + 1e-12)  # relative to the range by default
    np.testing.assert_allclose(step.std(axis=0), 0.1 * span / np.sqrt(3), rtol=0.03)
    Z = UniformMutation(width=0.5, rate=1.0, absolute=True)(X, SPACE, np.random.default_rng(6))
    assert np.abs(Z - X).max() <= 0.5
    np.testing.assert_allclose((Z - X)[:, [0, 2]].std(axis=0), 0.5 / np.sqrt(3), rtol=0.03)
    edge = UniformMutation(width=0.5, rate=1.0)(np.ones((500, 4)), UNIT4, np.random.default_rng(7))
    assert edge.max() == 1.0 and edge.min() >= 0.0 and (edge == 1.0).mean() > 0.4  # clipped


def test_gaussian_mutation_absolute_stdev_is_in_gene_units():
    X = np.tile([5.0, 0.0, 200.0], (20000, 1))
    Y = GaussianMutation(rate=0.2, stdev=1.0, absolute=True)(X, SPACE, np.random.default_rng(8))
    changed = Y != X
    assert changed.mean() == pytest.approx(0.2, abs=0.01)  # per gene
    assert np.std((Y - X)[changed[:, 2], 2]) == pytest.approx(1.0, rel=0.05)  # not 200
    assert np.std((Y - X)[changed[:, 0], 0]) == pytest.approx(1.0, rel=0.05)  # not 10
    assert np.all(Y >= SPACE.lower) and np.all(Y <= SPACE.upper)
    rel = GaussianMutation(rate=0.2, stdev=0.01)(X, SPACE, np.random.default_rng(8))
    assert np.std((rel - X)[rel[:, 2] != 200.0, 2]) == pytest.approx(2.0, rel=0.05)


def test_corner_initialisation():
    space = ParameterSpace(
        {
            "x": (0.0, 1.0),
            "tau": {"low": 1.0, "high": 100.0, "log": True},
            "n": {"low": 2, "high": 9, "integer": True},
        }
    )
    ga = GeneticAlgorithm(space, seed=9, popsize=4000, init="corners")
    X = ga.ask()
    for k in range(space.dim):
        assert set(np.unique(X[:, k])) == {space.lower[k], space.upper[k]}
        assert (X[:, k] == space.upper[k]).mean() == pytest.approx(0.5, abs=0.03)
    assert sorted(set(space.decode(X)["tau"].round(9).tolist())) == [1.0, 100.0]
    corners = GeneticAlgorithm(UNIT4, seed=1, popsize=10, init="corners").ask()
    assert set(corners.ravel().tolist()) == {0.0, 1.0}
    uniform = GeneticAlgorithm(UNIT4, seed=1, popsize=10).ask()
    assert np.array_equal(uniform, UNIT4.sample(10, np.random.default_rng(1)))
    with pytest.raises(
        InvalidParameterError,
        match=r"'init' parameter of GeneticAlgorithm must "
        r"be one of \['uniform', 'corners'\]. Got "
        r"'sobol'",
    ):
        GeneticAlgorithm(UNIT4, seed=1, init="sobol")


def test_operators_from_config_mappings_equal_operator_objects():
    ga = make_optimizer("ga", UNIT4, seed=4, **SPIKENETOPT)
    assert ga.selection == RankSelection(pressure=1.5)
    assert ga.crossover == IntermediateCrossover(d=0.5, rate=0.8, clip=False)
    assert ga.mutation == UniformMutation(width=0.5, rate=0.5, absolute=True)
    assert ga.replacement == GenerationalReplacement(num_elites=4)
    objects = GeneticAlgorithm(
        UNIT4,
        seed=4,
        popsize=10,
        init="corners",
        selection=RankSelection(1.5),
        crossover=IntermediateCrossover(0.5, 0.8, clip=False),
        mutation=UniformMutation(0.5, 0.5, absolute=True),
        replacement=GenerationalReplacement(4),
    )
    assert np.array_equal(trajectory(ga, sphere, 6), trajectory(objects, sphere, 6))
    net = make_optimizer("ga", UNIT4, seed=4, **NETPYNE)
    assert net.mutation == GaussianMutation(rate=0.2, stdev=1.0, absolute=True)
    assert net.selection == TournamentSelection(2) and net.crossover == UniformCrossover(1.0, 0.5)
    bare = GeneticAlgorithm(UNIT4, seed=0, selection="rank", mutation="uniform")
    assert bare.selection == RankSelection() and bare.mutation == UniformMutation()
    assert {k: sorted(v) for k, v in OPERATORS.items()} == {
        "selection": ["rank", "tournament", "truncation"],
        "crossover": ["blend", "intermediate", "sbx", "uniform"],
        "mutation": ["gaussian", "polynomial", "uniform"],
        "replacement": ["generational", "steady_state"],
    }


@pytest.mark.parametrize(
    "options,error,match",
    [
        (
            {"selection": {"name": "roulette"}},
            ConfigError,
            r"The 'selection' of GeneticAlgorithm has an unknown name 'roulette'; allowed: "
            r"\['rank', 'tournament', 'truncation'\]. Got \{'name': 'roulette'\}",
        ),
        ({"mutation": "cauchy"}, ConfigError, r"unknown name 'cauchy'; allowed: \['gaussian', "),
        ({"crossover": {"d": 0.5}}, ConfigError, r"'crossover' of GeneticAlgorithm needs a 'name'"),
        (
            {"selection": {"name": "rank", "presure": 1.5}},
            ConfigError,
            r"\(rank\) has unknown key\(s\) \['presure'\]; allowed: \['name', 'pressure', "
            r"'variant'\]",
        ),
        (
            {"replacement": ["generational"]},
            ConfigError,
            r"must be an operator, a name or a mapping",
        ),
        (
            {"selection": {"name": "rank", "pressure": 3}},
            InvalidParameterError,
            r"'pressure' parameter of RankSelection must be within \[1, 2\]",
        ),
        (
            {"mutation": {"name": "uniform", "rate": "often"}},
            InvalidParameterError,
            r"The 'mutation' of GeneticAlgorithm \(uniform\): .*often",
        ),
    ],
)
def test_config_errors_name_the_key_the_allowed_values_and_what_came(options, error, match):
    with pytest.raises(error, match=match):
        make_optimizer("ga", UNIT4, seed=0, **options)


def test_make_operator_passes_objects_and_none_through():
    op = IntermediateCrossover()
    assert make_operator("crossover", op) is op
    assert make_operator("crossover", None) is None
    with pytest.raises(InvalidParameterError, match="Unknown operator role 'mutator'"):
        make_operator("mutator", "uniform")


@pytest.mark.parametrize("options", [SPIKENETOPT, NETPYNE], ids=["spikenetopt", "netpyne"])
@pytest.mark.parametrize("pending", [False, True])
def test_faithful_recipes_resume_identically(options, pending):
    ref = make_optimizer("ga", UNIT4, seed=3, **options)
    trajectory(ref, sphere, 3)
    if pending:
        ref.ask()
    state = pickle.loads(pickle.dumps(ref.state_dict()))
    other = make_optimizer("ga", UNIT4, seed=99, **options)
    other.load_state_dict(state)
    assert np.array_equal(trajectory(ref, sphere, 4), trajectory(other, sphere, 4))
    again = make_optimizer("ga", UNIT4, seed=3, **options)
    assert np.array_equal(
        trajectory(again, sphere, 3),
        trajectory(make_optimizer("ga", UNIT4, seed=3, **options), sphere, 3),
    )


def test_spikenetopt_recipe_finds_the_true_genes_of_a_smooth_problem():
    """50 generations of 10 on a sphere around SpikeNetOpt's true genes (0.5, 0.8, 0.5, 0.8)."""
    truth = np.array([0.5, 0.8, 0.5, 0.8])
    for seed in (0, 1):
        ga = make_optimizer("ga", UNIT4, seed=seed, **SPIKENETOPT)
        for _ in range(50):
            X = ga.ask()
            ga.tell(X, ((X - truth) ** 2).sum(axis=1))
        assert ga.best_loss < 0.01


def test_rank_selection_can_reproduce_evolutionary_jl_as_shipped():
    # Evolutionary.jl's own test: ranklinear(2.0) on fitness [1, 2] returns [2, 2]
    sel = RankSelection(pressure=2.0, variant="evolutionary_jl")
    picks = sel(np.array([1.0, 2.0]), 50, np.random.default_rng(0))
    assert set(picks.tolist()) == {1}
    # member j weighs 2 - s + 2 (s - 1) sortperm(F)[j] / (P - 1)
    F = np.array([3.0, 1.0, 2.0, 0.5])  # sortperm (0-based) = [3, 1, 2, 0]
    picks = RankSelection(pressure=1.5, variant="evolutionary_jl")(
        F, 200_000, np.random.default_rng(1))
    w = 0.5 + 1.0 * np.array([3, 1, 2, 0]) / 3.0
    np.testing.assert_allclose(np.bincount(picks, minlength=4) / 200_000, w / w.sum(),
                               atol=0.005)
    with pytest.raises(InvalidParameterError, match="variant"):
        RankSelection(pressure=1.5, variant="julia")
