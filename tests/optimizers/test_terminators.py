import math

import pytest

from spikeopt.errors import InvalidParameterError
from spikeopt.optimizers import (
    AllOf,
    AnyOf,
    MaxEvaluations,
    MaxGenerations,
    RunStatus,
    Stagnation,
    TargetLoss,
    WallTime,
    as_terminator,
)


def test_budgets_report_progress():
    s = RunStatus(evaluations=250, generations=5, elapsed=3.0)
    assert MaxEvaluations(1000).progress(s) == 0.25
    assert MaxGenerations(10).progress(s) == 0.5
    assert WallTime(2.0).progress(s) == 1.0 and WallTime(2.0).done(s)
    assert not MaxEvaluations(1000).done(s)


def test_target_loss_progress_is_monotone_and_done_at_target():
    t = TargetLoss(1e-4)
    hist = [1.0, 1e-1, 1e-2, 1e-3]
    prog = [t.progress(RunStatus(best_loss=h, best_history=hist[: i + 1]))
            for i, h in enumerate(hist)]
    assert prog == sorted(prog) and prog[0] == 0.0 and prog[-1] < 1.0
    assert prog[2] == pytest.approx(0.5, abs=0.01)  # log scale: halfway from 1 to 1e-4
    assert t.done(RunStatus(best_loss=1e-4, best_history=[1.0, 1e-4]))


def test_stagnation_counts_generations_without_improvement():
    st = Stagnation(patience=3, tol=0.01)
    assert st.progress(RunStatus(best_history=[5.0, 4.0, 3.0])) == 0.0
    assert st.progress(RunStatus(best_history=[5.0, 3.0, 2.995, 2.994])) == pytest.approx(2 / 3)
    assert st.done(RunStatus(best_history=[5.0, 3.0, 3.0, 3.0, 3.0]))


def test_combinations():
    s = RunStatus(evaluations=500, generations=9)
    either = MaxEvaluations(1000) | MaxGenerations(10)
    both = MaxEvaluations(1000) & MaxGenerations(10)
    assert isinstance(either, AnyOf) and isinstance(both, AllOf)
    assert either.progress(s) == 0.9 and both.progress(s) == 0.5
    three = either | 2000
    assert len(three.members) == 3
    s.generations = 10
    assert either.done(s) and not both.done(s)


def test_as_terminator_and_validation():
    assert as_terminator(100) == MaxEvaluations(100)
    for bad in (0, -5, 2.5):
        with pytest.raises(InvalidParameterError):
            MaxEvaluations(bad)
    with pytest.raises(InvalidParameterError, match="budget"):
        as_terminator("lots")
    with pytest.raises(InvalidParameterError):
        as_terminator(True)
    assert math.isinf(RunStatus().best_loss)


def test_budget_dicts_from_config_files():
    t = as_terminator({"evaluations": 500, "target_loss": 1e-3,
                       "stagnation": {"patience": 5, "tol": 1e-6}, "wall_time": 60,
                       "generations": 10})
    assert isinstance(t, AnyOf) and len(t.members) == 5
    assert Stagnation(5, 1e-6) in t.members and TargetLoss(1e-3) in t.members
    assert as_terminator({"stagnation": 7}) == Stagnation(7)
    assert as_terminator({"evaluations": 100}) == MaxEvaluations(100)
    for bad in ({}, {"evals": 5}):
        with pytest.raises(InvalidParameterError, match="budget dict"):
            as_terminator(bad)


def test_a_combination_reports_the_member_that_fired():
    from spikeopt.optimizers import MaxEvaluations, RunStatus, TargetLoss

    term = MaxEvaluations(4000) | TargetLoss(0.0)
    status = RunStatus(evaluations=2112, generations=66, best_loss=0.0, elapsed=1.0,
                       best_history=[0.0])
    assert term.done(status)
    assert term.reason(status) == "TargetLoss(target=0.0)"


def test_usage_is_the_budget_in_its_own_units():
    from spikeopt.optimizers import Usage

    s = RunStatus(evaluations=1200, generations=12, elapsed=35.2, best_loss=0.5,
                  best_history=[1.0, 0.5, 0.5, 0.5])
    assert MaxEvaluations(4000).usage(s) == Usage(1200, 4000, "evaluations")
    assert str(MaxEvaluations(4000).usage(s)) == "1200/4000 evaluations"
    assert str(MaxGenerations(50).usage(s)) == "12/50 generations"
    assert str(WallTime(60).usage(s)) == "35/60 s"
    assert TargetLoss(0.1).usage(s) is None and Stagnation(5).usage(s) is None
    # a combination: the counting member nearest to stopping (AnyOf), farthest (AllOf)
    assert (MaxEvaluations(4000) | MaxGenerations(20) | TargetLoss(0.0)).usage(s).unit \
        == "generations"
    assert (MaxEvaluations(4000) & MaxGenerations(20)).usage(s).unit == "evaluations"
    assert (TargetLoss(0.0) | Stagnation(5)).usage(s) is None


def test_describe_says_where_the_run_stands():
    s = RunStatus(evaluations=1200, generations=4, best_loss=0.5,
                  best_history=[1.0, 0.5, 0.5, 0.5])
    text = (MaxEvaluations(4000) | TargetLoss(0.01) | Stagnation(5)).describe(s)
    assert text == ("1200/4000 evaluations | best loss 0.5, target 0.01 | "
                    "2/5 generations without improvement")
