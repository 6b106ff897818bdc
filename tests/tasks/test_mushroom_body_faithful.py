"""A short faithful GeNN_Autoparam run through spikeopt's runner: upstream's microbial
GA (population 10, 3 of 6 genes, one gene redrawn, ties to the second) on the
241-point fitness. To stay fast: N_KC drawn from upstream's generator divided by 20
(0..109) and 5 ms blanks; 30 evaluations."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from spikeopt.run import optimize
from spikeopt.tasks.mushroom_body import MAX_FITNESS, MushroomBodyTask, UpstreamPrior

DATA = Path("/work/shared/data/genn_autoparam_glyphs/dataset.csv")


class SmallPrior(UpstreamPrior):
    """Upstream's gene generators with N_KC divided by 20 (picklable: the run store
    keeps the optimizer)."""

    def __call__(self, rng, n):
        X = super().__call__(rng, n)
        X[:, 0] = np.floor(X[:, 0] / 20)
        return X


def test_short_faithful_run_reaches_a_sensible_fitness():
    task = MushroomBodyTask(faithful=True, data=str(DATA) if DATA.is_file() else None,
                            blank_ms=5.0)

    opts = dict(task.optimizer_defaults()["microbial"], prior=SmallPrior())
    assert opts["popsize"] == 10 and opts["transfer"] == 3 and opts["tie"] == "second"
    res = optimize(task, task.space, optimizer="microbial", optimizer_options=opts,
                   budget=30, seed=3)
    hist = res.history
    assert len(hist) >= 30 and set(hist["status"]) <= {"ok", "failed"}
    fitness = MAX_FITNESS - res.best_loss
    # upstream's sanity points alone give 81; a teacher >= 1 nA earns most of the 160
    # first-two-spike points; README: "local optima (around 220)"
    assert fitness >= 220.0
    initial_best = MAX_FITNESS - hist["loss"].to_numpy()[:10].min()
    assert fitness >= initial_best
    assert (MAX_FITNESS - hist["loss"].to_numpy() <= MAX_FITNESS).all()
