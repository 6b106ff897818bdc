"""Figures of a Hawkes fit: interaction heatmap, posterior marginals, rescaled-time QQ plot.

Each function returns a :class:`matplotlib.figure.Figure` built without pyplot
(no global figure state; saving uses the Agg canvas), or draws into ``ax``.
"""

from __future__ import annotations

import numpy as np

from .diagnostics import RescalingResult
from .estimate import HawkesEstimate

__all__ = ["plot_alpha", "plot_posterior", "plot_rescaled_qq"]


def _figure(figsize):
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:  # pragma: no cover - matplotlib is a core dependency
        raise ImportError("spikeopt.hawkes.plots needs matplotlib: pip install matplotlib") from exc
    return Figure(figsize=figsize, layout="constrained")


def _names(est: HawkesEstimate, names):
    if names is not None:
        return [str(n) for n in names]
    return est.names or [str(i) for i in range(est.n_dim)]


def plot_alpha(est: HawkesEstimate, *, ax=None, significant=None, names=None,
               cmap: str = "viridis", annotate: bool | None = None):
    """Heatmap of ``alpha[i, j]`` (rows: target i, columns: source j) with a colour bar.

    Significant entries (``est.significant`` unless ``significant`` is given) are
    outlined in red; the others are dimmed. ``annotate`` writes the values
    (default: when D <= 12).
    """
    fig = ax.figure if ax is not None else _figure((5.6, 4.8))
    ax = ax if ax is not None else fig.add_subplot()
    a = np.asarray(est.alpha)
    D = a.shape[0]
    mask = est.significant if significant is None else np.asarray(significant, dtype=bool)
    im = ax.imshow(a, cmap=cmap, vmin=0.0, vmax=max(float(a.max()), 1e-12),
                   interpolation="nearest")
    cb = fig.colorbar(im, ax=ax, shrink=0.85)
    cb.set_label("alpha (branching ratio)")
    if mask is not None:
        dim = np.where(mask, np.nan, 1.0)
        ax.imshow(dim, cmap="Greys", vmin=0, vmax=1, alpha=0.45, interpolation="nearest")
        from matplotlib.patches import Rectangle

        for i, j in zip(*np.nonzero(mask), strict=True):
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="red", lw=1.5))
    if annotate is None:
        annotate = D <= 12
    if annotate:
        for i in range(D):
            for j in range(D):
                ax.text(j, i, f"{a[i, j]:.2f}", ha="center", va="center", fontsize=7,
                        color="white" if a[i, j] < 0.6 * a.max() else "black")
    labels = _names(est, names)
    ax.set_xticks(range(D), labels, rotation=90 if D > 8 else 0, fontsize=8)
    ax.set_yticks(range(D), labels, fontsize=8)
    ax.set_xlabel("source j")
    ax.set_ylabel("target i")
    n_sig = "" if mask is None else f"; {int(mask.sum())} significant, outlined"
    ax.set_title(f"Hawkes alpha ({est.method}{n_sig})", fontsize=10)
    return fig


def plot_posterior(est: HawkesEstimate, *, max_alpha: int = 9, truth: dict | None = None,
                   names=None):
    """Posterior marginals (MCMC): each ``mu``, the decay(s) and the ``max_alpha``
    interactions with the largest posterior means, with credible intervals (dashed)
    and optionally true values (``truth={"mu": ..., "alpha": ..., "beta": ...}``, red).
    """
    if est.samples is None:
        raise ValueError("plot_posterior needs an MCMC estimate (est.samples is None).")
    labels = _names(est, names)
    s = est.samples
    panels = []
    for i in range(est.n_dim):
        panels.append((f"mu[{labels[i]}] (Hz)", s["mu"][:, i], ("mu", (i,))))
    b = s["beta"].reshape(s["beta"].shape[0], -1)
    for k in range(min(b.shape[1], 4)):
        panels.append((f"beta[{k}] (1/ms)" if b.shape[1] > 1 else "beta (1/ms)", b[:, k],
                       ("beta", np.unravel_index(k, np.shape(est.beta)) if b.shape[1] > 1
                        else ())))
    order = np.argsort(np.asarray(est.alpha).ravel())[::-1][:max_alpha]
    for f in order:
        i, j = np.unravel_index(f, est.alpha.shape)
        panels.append((f"alpha[{labels[i]}<-{labels[j]}]", s["alpha"][:, i, j],
                       ("alpha", (i, j))))
    ncol = 4
    nrow = -(-len(panels) // ncol)
    fig = _figure((3.0 * ncol, 2.2 * nrow))
    axes = fig.subplots(nrow, ncol, squeeze=False).ravel()
    for ax, (title, x, (name, idx)) in zip(axes, panels, strict=False):
        ax.hist(x, bins=40, color="0.4")
        if est.ci is not None:
            lo, hi = (np.asarray(v)[idx] for v in est.ci[name])
            for v in (lo, hi):
                ax.axvline(float(v), ls="--", color="k", lw=1)
        if truth is not None and name in truth:
            ax.axvline(float(np.asarray(truth[name])[idx]), color="red", lw=1.5)
        ax.set_title(title, fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    return fig


def plot_rescaled_qq(res: RescalingResult, *, ax=None, per_train: bool = False):
    """QQ plot of ``1 - exp(-tau)`` (uniform under the model) against uniform quantiles,
    with the 95 % KS band. ``per_train`` adds one thin line per train."""
    fig = ax.figure if ax is not None else _figure((4.6, 4.4))
    ax = ax if ax is not None else fig.add_subplot()

    def curve(tau):
        z = np.sort(1.0 - np.exp(-np.asarray(tau)))
        q = (np.arange(1, z.size + 1) - 0.5) / z.size
        return q, z

    if per_train:
        for tau in res.intervals:
            if len(tau) > 1:
                q, z = curve(tau)
                ax.plot(q, z, lw=0.6, alpha=0.5)
    pooled = res.pooled
    q, z = curve(pooled)
    ax.plot(q, z, color="k", lw=1.5, label=f"pooled (KS p = {res.pvalue:.2g})")
    band = 1.36 / np.sqrt(max(pooled.size, 1))
    ax.plot([0, 1], [0, 1], color="0.5", lw=1)
    ax.fill_between([0, 1], [-band, 1 - band], [band, 1 + band], color="0.85", zorder=0,
                    label="95 % KS band")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("uniform quantile")
    ax.set_ylabel("rescaled interval quantile")
    ax.set_title("Time-rescaling QQ plot", fontsize=10)
    ax.legend(fontsize=8, loc="upper left")
    return fig
