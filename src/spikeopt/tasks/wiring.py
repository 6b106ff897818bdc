"""Reading a network's wiring from its spikes with Hawkes processes, and how well
the interaction matrix recovers the true weights.

The spike trains of a discrete-time network are laid on a millisecond axis (one
step = 1 ms; trials back to back with a gap so that kernels decay): a spike of
layer ``l`` at step ``i`` of trial ``r`` sits at ``r·(steps + gap) + i + l·shift``,
so that within a step a cause (the input, layer 0) precedes its effects (hidden
0.25 ms later, output 0.5 ms later) — without the shift, a same-step effect and
its cause would coincide and no causal kernel could see them.

The recovery of the true weight matrix ``W[target, source]`` by the fitted
``alpha[target, source]``:

* ``auc_excitatory``: the probability that a random excitatory synapse (W > 0)
  has a larger alpha than a random pair without one (absent or inhibitory) —
  0.5 is chance, 1 perfect separation;
* ``spearman_existing``: the rank correlation of alpha with W over the synapses
  that exist (inhibition can only show as alpha near 0: a Hawkes kernel excites);
* ``significant_excitatory`` / ``significant_other``: the share of each group whose
  alpha is significant (likelihood-ratio test, BH-corrected).
"""

from __future__ import annotations

import numpy as np

__all__ = ["layered_times", "wiring_recovery", "hawkes_wiring"]


def layered_times(layers: list[np.ndarray], *, gap: int = 50, shift: float = 0.25):
    """``layers``: per layer a (trials, neurons, steps) 0/1 array → one spike-time
    array (ms) per neuron, layers in order, and the window's end (ms)."""
    trials, _, steps = layers[0].shape
    period = steps + int(gap)
    trains = []
    for li, L in enumerate(layers):
        for n in range(L.shape[1]):
            r, i = np.nonzero(L[:, n, :])
            trains.append(np.sort(r * period + i + li * shift).astype(np.float64))
    return trains, float(trials * period)


def wiring_recovery(alpha: np.ndarray, W: np.ndarray, significant=None) -> dict:
    """Compare a Hawkes ``alpha`` with the true weights ``W`` (same (D, D) layout,
    [target, source]; 0 where no synapse; the diagonal is left out)."""
    from scipy import stats

    off = ~np.eye(W.shape[0], dtype=bool)
    exc = (W > 0) & off
    other = (W <= 0) & off
    out = {"n_excitatory": int(exc.sum()), "n_other": int(other.sum())}
    if exc.any() and other.any():
        u = stats.mannwhitneyu(alpha[exc], alpha[other], alternative="two-sided").statistic
        out["auc_excitatory"] = float(u / (exc.sum() * other.sum()))
    exist = (W != 0) & off
    if exist.sum() > 2:
        out["spearman_existing"] = float(stats.spearmanr(alpha[exist], W[exist]).statistic)
    if significant is not None:
        out["significant_excitatory"] = float(significant[exc].mean()) if exc.any() else None
        out["significant_other"] = float(significant[other].mean()) if other.any() else None
    return out


def hawkes_wiring(layers: list[np.ndarray], W: np.ndarray, names: list[str], *,
                  gap: int = 50, max_trials: int | None = None) -> dict:
    """Fit a Hawkes process (MLE, one shared decay, LRT significance) to the layered
    trains and compare its alpha with ``W``. Returns the estimate's alpha, mu,
    beta, p-values and the recovery scores."""
    from .. import hawkes

    if max_trials is not None:
        layers = [L[:max_trials] for L in layers]
    trains, t_stop = layered_times(layers, gap=gap)
    keep = [i for i, t in enumerate(trains) if t.size > 0]
    est = hawkes.fit([trains[i] for i in keep], t_stop=t_stop, n_starts=1, n_grid=6,
                     names=[names[i] for i in keep])
    D = len(trains)
    alpha = np.zeros((D, D))
    sig = np.zeros((D, D), dtype=bool)
    alpha[np.ix_(keep, keep)] = est.alpha
    if getattr(est, "significant", None) is not None:
        sig[np.ix_(keep, keep)] = est.significant
    return {"alpha": alpha, "significant": sig, "mu_hz": est.mu.tolist(),
            "beta_per_ms": np.atleast_1d(est.beta).ravel().tolist(), "names": names,
            "silent": [names[i] for i in range(D) if i not in keep],
            "recovery": wiring_recovery(alpha, W, sig)}
