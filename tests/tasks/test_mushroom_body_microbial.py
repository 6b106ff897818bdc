"""MicrobialGA's options for GeNN_Autoparam's GA (transfer of exactly k genes, a
gene redrawn from a prior, ties to the second, steady-state tournaments batched
exactly), with their statistics; the default behaviour is unchanged."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from spikeopt.errors import InvalidParameterError
from spikeopt.optimizers import MicrobialGA
from spikeopt.params import ParameterSpace

SPACE6 = ParameterSpace({f"g{i}": (0.0, 1.0) for i in range(6)})


def uniform_prior(rng, n):
    return rng.random((n, 6))


def sphere(X):
    return ((X - 0.3) ** 2).sum(axis=1)


def steady(seed=0, **kw):
    opts = dict(popsize=10, transfer=3, mutation="redraw", prior=uniform_prior, tie="second",
                tournaments=1)
    opts.update(kw)
    return MicrobialGA(SPACE6, seed=seed, **opts)



def test_default_behaviour_is_the_generational_ga_as_before():
    """An inline copy of the algorithm before the new options: same draws, same result."""
    space = ParameterSpace({"a": (-5.0, 5.0), "n": {"low": 0, "high": 9, "integer": True},
                            "b": (0.0, 1.0)})
    ga = MicrobialGA(space, seed=4, popsize=8)
    rng = np.random.default_rng(4)
    X = space.sample(8, rng)
    F = sphere(X)
    assert np.array_equal(ga.ask(), X)
    ga.tell(X, F)
    for _ in range(20):
        order = rng.permutation(8)
        a, b = order[0::2], order[1::2]
        a_wins = F[a] <= F[b]
        win, lose = np.where(a_wins, a, b), np.where(a_wins, b, a)
        child = np.where(rng.random((4, 3)) < 0.5, X[win], X[lose])
        gene = rng.integers(0, 3, size=4)
        span = space.upper - space.lower
        step = rng.normal(0.0, 0.1, size=4) * span[gene]
        step = np.where(space.discrete[gene] & (np.abs(step) < 0.5), np.sign(step), step)
        child[np.arange(4), gene] = np.clip(child[np.arange(4), gene] + step,
                                            space.lower[gene], space.upper[gene])
        child = space.repair(child)
        got = ga.ask()
        assert np.array_equal(got, child)
        ga.tell(got, sphere(got))
        X[lose], F[lose] = child, sphere(child)


def test_exactly_k_genes_transferred_then_one_redrawn():
    ga = steady(seed=1)
    X0 = ga.ask()
    ga.tell(X0, sphere(X0))
    copied = np.zeros(6)
    kinds = {(2, 3, 1): 0, (3, 2, 1): 0}
    n = 600
    fresh = np.random.default_rng(0)
    for _ in range(n):
        ga.state["X"] = X = fresh.random((10, 6))  # all values distinct: genes traceable
        ga.state["F"] = F = fresh.random(10)
        child = ga.ask()
        loser = int(ga.state["losers"][0])
        others = [i for i in range(10) if i != loser]
        # the winner is the member the child shares genes with (values are all distinct)
        winner = max(others, key=lambda i: int((child[0] == X[i]).sum()))
        assert F[winner] < F[loser]
        from_w = child[0] == X[winner]
        from_l = child[0] == X[loser]
        kind = (int(from_w.sum()), int(from_l.sum()), int((~from_w & ~from_l).sum()))
        kinds[kind] += 1  # KeyError: any other split
        copied += from_w
        ga.tell(child, sphere(child))
    # the redrawn gene is one of the 3 copied ones half of the time
    assert kinds[(2, 3, 1)] / n == pytest.approx(0.5, abs=0.07)
    # every gene is copied with probability 1/2 (3 of 6), less 1/12 when redrawn
    assert np.allclose(copied / n, 0.5 - 1 / 12, atol=0.07)


def test_redrawn_genes_follow_the_prior():
    def prior(rng, n):  # gene j ~ U(0, 0.1) + j / 10: redraws are recognisable
        return rng.random((n, 6)) * 0.1 + np.arange(6) / 10

    space = ParameterSpace({f"g{i}": (0.0, 1.0) for i in range(6)})
    ga = MicrobialGA(space, seed=2, popsize=10, transfer=0, mutation="redraw", prior=prior,
                     tournaments=1)
    X0 = ga.ask()
    assert np.all((X0 >= np.arange(6) / 10) & (X0 < np.arange(6) / 10 + 0.1))
    ga.tell(X0, sphere(X0))
    changed = []
    for _ in range(300):
        X = ga.state["X"].copy()
        child = ga.ask()
        loser = int(ga.state["losers"][0])
        diff = np.flatnonzero(child[0] != X[loser])
        assert len(diff) == 1  # transfer=0: only the redrawn gene changes
        j = int(diff[0])
        assert j / 10 <= child[0, j] < j / 10 + 0.1
        changed.append(j)
        ga.tell(child, sphere(child))
    assert np.allclose(np.bincount(changed, minlength=6) / 300, 1 / 6, atol=0.06)


def test_ties_go_to_the_chosen_member():
    F = np.array([1.0, 1.0, 0.0, 2.0])
    a, b = np.array([0, 2]), np.array([1, 3])
    w_first, _ = MicrobialGA(SPACE6, seed=0, popsize=4)._winners(F, a, b)
    w_second, _ = MicrobialGA(SPACE6, seed=0, popsize=4, tie="second")._winners(F, a, b)
    assert w_first.tolist() == [0, 2] and w_second.tolist() == [1, 2]


def test_steady_state_batches_are_the_sequential_algorithm():
    """tournaments=k only batches consecutive tournaments with disjoint pairs: the
    children, their order and the final population are those of k = 1."""

    def run(k, evaluations=120):
        ga = steady(seed=7, tournaments=k)
        kids, sizes, n = [], [], 0
        while n < evaluations:
            X = ga.ask()
            ga.tell(X, sphere(X))
            kids.append(X)
            sizes.append(len(X))
            n += len(X)
        return np.concatenate(kids)[:evaluations], ga.state["X"], sizes

    ref, popref, _ = run(1)
    for k in (2, 5, 50):  # more than popsize // 2 = 5: batches stop at the first overlap
        kids, pop, sizes = run(k)
        assert np.array_equal(kids, ref)
        assert max(sizes[1:]) > 1
    kids, pop, sizes = run(2, evaluations=2000)
    # two random pairs of 10 members are disjoint with probability C(8,2)/C(10,2) = 28/45
    assert np.mean(np.array(sizes[1:]) == 2) == pytest.approx(28 / 45, abs=0.04)


def test_steady_state_resume_continues_identically():
    def trajectory(ga, n):
        out = []
        for _ in range(n):
            X = ga.ask()
            ga.tell(X, sphere(X))
            out.append(X)
        return np.concatenate(out)

    ref = steady(seed=3, tournaments=3)
    trajectory(ref, 6)
    ref.ask()  # pending, with a tournament queued for the next batch
    state = pickle.loads(pickle.dumps(ref.state_dict()))
    other = steady(seed=99, tournaments=3)
    other.load_state_dict(state)
    assert np.array_equal(trajectory(ref, 8), trajectory(other, 8))


def test_winner_keeps_its_recorded_loss():
    ga = steady(seed=5, tournaments=2)
    X = ga.ask()
    ga.tell(X, sphere(X))
    F_before = ga.state["F"].copy()
    child = ga.ask()
    ga.tell(child, np.full(len(child), 123.0))
    lose = np.isin(np.arange(10), np.flatnonzero(ga.state["F"] == 123.0))
    assert lose.sum() == len(child)
    assert np.array_equal(ga.state["F"][~lose], F_before[~lose])


def test_options_are_checked():
    with pytest.raises(InvalidParameterError, match="'transfer'.*within \\[0, 6\\]"):
        MicrobialGA(SPACE6, seed=0, transfer=7)
    with pytest.raises(InvalidParameterError, match="'mutation'"):
        MicrobialGA(SPACE6, seed=0, mutation="flip")
    with pytest.raises(InvalidParameterError, match="'tie'"):
        MicrobialGA(SPACE6, seed=0, tie="random")
    with pytest.raises(InvalidParameterError, match="'tournaments'.*>= 1"):
        MicrobialGA(SPACE6, seed=0, popsize=10, tournaments=0)
    bad = MicrobialGA(SPACE6, seed=0, prior=lambda rng, n: rng.random((n, 5)))
    with pytest.raises(InvalidParameterError, match="must return shape \\(50, 6\\)"):
        bad.ask()
    out_of_bounds = MicrobialGA(SPACE6, seed=0, prior=lambda rng, n: rng.random((n, 6)) + 2)
    with pytest.raises(InvalidParameterError, match="within \\[0, 1\\]"):
        out_of_bounds.ask()


def test_redraw_without_a_prior_draws_uniformly_from_the_space():
    space = ParameterSpace({"x": (2.0, 3.0), "k": {"low": 0, "high": 4, "integer": True},
                            "t": {"low": 1.0, "high": 100.0, "log": True}})
    ga = MicrobialGA(space, seed=4, popsize=10, transfer=1, mutation="redraw",
                     tournaments=1)  # what a config file gives before the task's prior
    X = ga.ask()
    ga.tell(X, sphere(X))
    new = []
    for _ in range(400):
        old = ga.state["X"].copy()
        child = ga.ask()
        ga.tell(child, sphere(child))
        assert np.all(child >= space.lower) and np.all(child <= space.upper)
        new.append((~np.isin(child[0], old)).sum())
    # the redrawn gene is a value new to the population whenever it is x or t (2 of 3
    # genes), and sometimes when it is k
    assert set(new) <= {0, 1} and np.mean(new) > 2 / 3 - 0.08


def test_generational_form_takes_the_new_operators_too():
    ga = MicrobialGA(SPACE6, seed=0, popsize=20, transfer=3, mutation="redraw",
                     prior=uniform_prior, tie="second")
    best = np.inf
    for _ in range(150):
        X = ga.ask()
        F = sphere(X)
        ga.tell(X, F)
        best = min(best, F.min())
    assert ga.ask().shape == (10, 6) and best < 0.05
