"""Conformance suite: every optimizer must pass these (see docs/optimize.md for
the documented dimensions and budgets)."""

import pickle

import numpy as np
import pytest

from spikeopt.errors import InvalidParameterError, UnknownNameError
from spikeopt.optimizers import (
    CMAES,
    NSGA2,
    DifferentialEvolution,
    GeneticAlgorithm,
    MicrobialGA,
    RandomSearch,
    make_optimizer,
)
from spikeopt.params import ParameterSpace

SHIFT = np.array([1.0, -2.0, 0.5, 3.0, -1.5])


def sphere(X):
    return ((X - SHIFT[: X.shape[1]]) ** 2).sum(axis=1)


def rastrigin(X):
    Z = X - 0.5 * SHIFT[: X.shape[1]]
    return 10.0 * Z.shape[1] + (Z**2 - 10.0 * np.cos(2.0 * np.pi * Z)).sum(axis=1)


def rosenbrock(X):
    Z = X - 0.5 * SHIFT[: X.shape[1]] + 1.0  # optimum at 0.5 * SHIFT
    return (100.0 * (Z[:, 1:] - Z[:, :-1] ** 2) ** 2 + (1.0 - Z[:, :-1]) ** 2).sum(axis=1)


def box(d, lo=-5.0, hi=5.0):
    return ParameterSpace({f"x{i}": (lo, hi) for i in range(d)})


# name -> (factory, dimension, evaluation budget, loss tolerance on the shifted sphere)
CASES = {
    "ga": (lambda s, seed: GeneticAlgorithm(s, seed=seed, popsize=50), 5, 5000, 5e-2),
    "microbial": (lambda s, seed: MicrobialGA(s, seed=seed, popsize=50), 5, 5000, 5e-2),
    "cmaes": (lambda s, seed: CMAES(s, seed=seed), 5, 2000, 1e-8),
    "de": (lambda s, seed: DifferentialEvolution(s, seed=seed), 5, 5000, 1e-3),
    "nsga2": (lambda s, seed: NSGA2(s, seed=seed, popsize=50), 5, 5000, 1e-3),
    "random": (lambda s, seed: RandomSearch(s, seed=seed, popsize=50), 2, 2000, 0.5),
}
NAMES = sorted(CASES)


def minimise(opt, f, budget):
    n, best = 0, np.inf
    while n < budget:
        X = opt.ask()
        F = f(X)
        opt.tell(X, F)
        n += X.shape[0]
        best = min(best, float(F.min()))
    return best


def trajectory(opt, f, generations):
    out = []
    for _ in range(generations):
        X = opt.ask()
        opt.tell(X, f(X))
        out.append(X)
    return np.concatenate(out)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("seed", [0, 1])
def test_finds_the_optimum_of_a_shifted_sphere(name, seed):
    make, d, budget, tol = CASES[name]
    assert minimise(make(box(d), seed), sphere, budget) < tol


def test_de_solves_shifted_rastrigin_5d():
    for seed in (0, 1):
        best = minimise(DifferentialEvolution(box(5, -5.12, 5.12), seed=seed), rastrigin, 40000)
        assert best < 1e-6


def test_cmaes_solves_shifted_rosenbrock_5d():
    for seed in (0, 1):
        opt = CMAES(box(5, -2.0, 3.0), seed=seed)
        assert minimise(opt, rosenbrock, 4000) < 1e-8


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_result_other_seed_other_result(name):
    make, d, _, _ = CASES[name]
    a = trajectory(make(box(d), 7), sphere, 5)
    b = trajectory(make(box(d), 7), sphere, 5)
    c = trajectory(make(box(d), 8), sphere, 5)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("pending", [False, True])
def test_state_round_trip_continues_identically(name, pending):
    make, d, _, _ = CASES[name]
    ref = make(box(d), 3)
    trajectory(ref, sphere, 4)
    if pending:
        ref.ask()
    state = pickle.loads(pickle.dumps(ref.state_dict()))
    other = make(box(d), 99)  # a different seed: everything must come from the state
    other.load_state_dict(state)
    assert np.array_equal(trajectory(ref, sphere, 4), trajectory(other, sphere, 4))


MIXED = ParameterSpace({
    "tau": {"low": 1.0, "high": 100.0, "log": True, "unit": "ms"},
    "n": {"low": 1, "high": 6, "integer": True},
    "rule": {"choices": ["stdp", "none", "tri"]},
    "v": (-70.0, -50.0),
})


@pytest.mark.parametrize("name", NAMES)
def test_respects_bounds_and_integer_genes(name):
    make = CASES[name][0]
    opt = make(MIXED, 5)
    target = np.array([1.0, 3.0, 1.0, -60.0])
    seen_n = set()
    for _ in range(15):
        X = opt.ask()
        assert np.all(X >= MIXED.lower) and np.all(X <= MIXED.upper)
        assert np.array_equal(X[:, MIXED.discrete], np.rint(X[:, MIXED.discrete]))
        p = MIXED.decode(X)
        assert set(p["rule"]) <= {"stdp", "none", "tri"}
        seen_n |= set(p["n"].tolist())
        opt.tell(X, ((X - target) ** 2).sum(axis=1))
    assert seen_n <= set(range(1, 7)) and len(seen_n) >= 2


def test_integer_only_space_is_optimised_by_microbial_and_ga():
    space = ParameterSpace({f"k{i}": {"low": 0, "high": 20, "integer": True} for i in range(4)})
    target = np.array([3, 17, 8, 0])
    for opt in (MicrobialGA(space, seed=1, popsize=30), GeneticAlgorithm(space, seed=1)):
        best = minimise(opt, lambda X: np.abs(X - target).sum(axis=1), 3000)
        assert best == 0


def test_nsga2_front_lies_on_the_pareto_set_of_two_spheres():
    a, b = np.zeros(3), np.ones(3)
    opt = NSGA2(box(3, -2.0, 2.0), seed=2, popsize=40)

    def f(X):
        return np.c_[((X - a) ** 2).sum(1), ((X - b) ** 2).sum(1)]

    for _ in range(60):
        X = opt.ask()
        opt.tell(X, f(X))
    Xf, Ff = opt.front
    # the true front is sqrt(f1) + sqrt(f2) = |b - a|, from (0, 3) to (3, 0)
    gap = np.sqrt(Ff).sum(axis=1) - np.sqrt(3.0)
    assert len(Xf) >= 20 and gap.max() < 0.05 and np.median(gap) < 0.02
    assert Ff[:, 0].min() < 0.05 and Ff[:, 1].min() < 0.05  # spread along the whole front
    assert np.allclose(Ff, f(Xf))


def test_cmaes_restarts_grow_the_population_then_stop():
    opt = CMAES(box(2), seed=0, restarts=2, options={"tolfun": 1e-3, "tolx": 1e-3})
    sizes = []
    for _ in range(500):
        X = opt.ask()
        sizes.append(X.shape[0])
        opt.tell(X, sphere(X))
        if opt.stop_reason:
            break
    assert opt.stop_reason is not None and opt.stop_reason.startswith("cma:")
    assert sorted(set(sizes)) == [6, 12, 24]


def test_tell_checks_its_input():
    opt = GeneticAlgorithm(box(2), seed=0, popsize=4)
    with pytest.raises(InvalidParameterError, match="before ask"):
        opt.tell(np.zeros((4, 2)), np.zeros(4))
    X = opt.ask()
    with pytest.raises(InvalidParameterError, match="last ask"):
        opt.tell(X + 0.1, np.zeros(4))
    with pytest.raises(InvalidParameterError, match="finite"):
        opt.tell(X, np.array([0.0, np.nan, 1.0, 2.0]))
    assert np.array_equal(opt.ask(), X)  # asking again returns the pending population


def test_single_objective_optimizers_minimise_the_sum_of_objectives():
    opt = DifferentialEvolution(box(2), seed=0, popsize=8)
    X = opt.ask()
    F = np.c_[np.arange(8.0), np.arange(8.0)[::-1] * 2]
    opt.tell(X, F)
    assert np.array_equal(opt.state["F"], F.sum(axis=1))


def test_registry():
    assert isinstance(make_optimizer("de", box(2), seed=0), DifferentialEvolution)
    with pytest.raises(UnknownNameError, match="Unknown optimizer 'pso'"):
        make_optimizer("pso", box(2), seed=0)
    with pytest.raises(InvalidParameterError, match="unseeded"):
        make_optimizer("ga", box(2), seed=None)


def test_cmaes_best_loss_covers_all_restarts():
    opt = CMAES(box(2), seed=0, restarts=1, options={"tolfun": 1e-3, "tolx": 1e-3})
    best = np.inf
    for _ in range(300):
        X = opt.ask()
        F = sphere(X)
        opt.tell(X, F)
        best = min(best, F.min())
        assert opt.best_loss == best
        if opt.stop_reason:
            break
    assert opt.state["restart"] == 1
