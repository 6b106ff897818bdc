"""tick's Hawkes likelihood and learners on one data set; runs INSIDE ``.venv-tick``.

    .venv-tick/bin/python bench/peers/tick_hawkes.py DATA.npz REPEATS

DATA.npz holds ``times`` (ms), ``offsets``, ``t_stop`` (ms), ``mu`` (Hz), ``alpha``,
``beta`` (1/ms, shared). Prints one JSON object. Only numpy and tick are used.
tick works in seconds here (its solvers' default steps assume O(1) rates):
baseline in Hz, decay in 1/s. tick's loss is the negative log-likelihood per
event minus D*T/N (tick issue #449), a constant that changes no gradient.
"""

from __future__ import annotations

import json
import sys
import time
import warnings

import numpy as np
from timing import median_rate  # bench/peers/timing.py, beside this script


def main(path: str, repeats: int) -> dict:
    warnings.simplefilter("ignore")
    import tick
    from tick.hawkes import HawkesExpKern, ModelHawkesExpKernLogLik

    z = np.load(path)
    off = z["offsets"]
    events = [np.ascontiguousarray(z["times"][a:b] * 1e-3)
              for a, b in zip(off[:-1], off[1:], strict=True)]
    T = float(z["t_stop"]) * 1e-3
    alpha = z["alpha"]
    decay = float(z["beta"]) * 1e3
    coeffs = np.concatenate([z["mu"], alpha.ravel()])
    out = {"tick_version": tick.__version__, "numpy_version": np.__version__}

    model = ModelHawkesExpKernLogLik(decay)
    t0 = time.perf_counter()
    model.fit(events, end_times=T)
    model.loss(coeffs)  # tick precomputes the decay-dependent sums at the first call
    out["model_precompute_s"] = time.perf_counter() - t0
    grad = np.empty_like(coeffs)
    out["loglik_grad_evals_per_s"] = median_rate(lambda: model.loss_and_grad(coeffs, out=grad))
    out["loglik_evals_per_s"] = median_rate(lambda: model.loss(coeffs))

    learners = {
        # the likelihood learner: only SVRG with a hand-tuned step ran without
        # "the sum of the influence ... cannot be negative" here (agd, bfgs, gd failed)
        "likelihood_svrg": dict(gofit="likelihood", penalty="l2", C=1e6, solver="svrg",
                                step=1e-3, max_iter=300, tol=1e-8),
        "least_squares_agd": dict(gofit="least-squares", penalty="none", solver="agd",
                                  max_iter=1000, tol=1e-8),
    }
    for name, kw in learners.items():
        times, maes = [], []
        for _ in range(repeats):
            learner = HawkesExpKern(decay, **kw)
            t0 = time.perf_counter()
            try:
                learner.fit(events)
            except Exception as exc:  # report the failure, keep benchmarking the rest
                out[name] = {"error": str(exc)[:200]}
                break
            times.append(time.perf_counter() - t0)
            maes.append(float(np.abs(learner.adjacency - alpha).mean()))
        else:
            out[name] = {"fit_s": float(np.median(times)), "alpha_mae": float(np.median(maes)),
                         "baseline_hz_mae": float(np.abs(learner.baseline - z["mu"]).mean())}
    return out


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], int(sys.argv[2]))))
