"""The result record of a Hawkes fit."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["HawkesEstimate"]


@dataclass
class HawkesEstimate:
    """Fitted Hawkes parameters with their uncertainty.

    Attributes
    ----------
    mu : ndarray, shape (D,)
        Baseline rates in Hz (posterior means for MCMC).
    alpha : ndarray, shape (D, D)
        Branching ratios, ``alpha[i, j]`` = effect of source ``j`` on target ``i``.
    beta : float or ndarray, shape (D,) or (D, D)
        Decay rates in 1/ms (shared, per source, per pair — as fitted).
    log_likelihood : float
        Log-likelihood at ``(mu, alpha, beta)``.
    method : str
        ``"mle"`` or ``"mcmc"``.
    n_events, t_stop_ms : int, float
        Data size and observation window (ms).
    spectral_radius : float
        Of ``alpha``; the fitted process is stationary iff it is < 1.
    significant : ndarray of bool, shape (D, D) or None
        Interactions judged real: likelihood-ratio test (MLE) or credible
        interval above ``min_effect`` (MCMC).
    pvalues : ndarray, shape (D, D) or None
        Likelihood-ratio p-values (MLE; before multiple-testing correction).
    ci : dict or None
        ``{"mu": (lo, hi), "alpha": (lo, hi), "beta": (lo, hi)}`` credible intervals (MCMC).
    samples : dict or None
        Posterior draws ``{"mu": (S, D), "alpha": (S, D, D), "beta": (S, ...)}`` (MCMC).
    rhat, ess : dict or None
        Convergence diagnostics per parameter (MCMC).
    starts : list of float
        Log-likelihood reached from each start (MLE).
    names : list of str
        Train names (default "0", "1", ...).
    info : dict
        Everything else worth keeping (optimiser messages, test settings, timings).
    """

    mu: np.ndarray
    alpha: np.ndarray
    beta: Any
    log_likelihood: float
    method: str
    n_events: int
    t_stop_ms: float
    spectral_radius: float
    significant: np.ndarray | None = None
    pvalues: np.ndarray | None = None
    ci: dict | None = None
    samples: dict | None = None
    rhat: dict | None = None
    ess: dict | None = None
    starts: list = field(default_factory=list)
    names: list = field(default_factory=list)
    info: dict = field(default_factory=dict)

    @property
    def n_dim(self) -> int:
        return int(np.asarray(self.mu).size)

    @property
    def stationary(self) -> bool:
        return bool(self.spectral_radius < 1.0)

    @property
    def beta_matrix(self) -> np.ndarray:
        """Decays as a (D, D) matrix in 1/ms."""
        from .likelihood import expand_beta

        return expand_beta(self.beta, self.n_dim)

    def to_dict(self) -> dict:
        """A JSON-serialisable summary (no posterior samples)."""

        def conv(x):
            if isinstance(x, np.ndarray):
                return x.tolist()
            if isinstance(x, np.generic):
                return x.item()
            if isinstance(x, dict):
                return {k: conv(v) for k, v in x.items()}
            if isinstance(x, list | tuple):
                return [conv(v) for v in x]
            return x

        out = {
            "method": self.method,
            "units": {"mu": "Hz", "alpha": "branching ratio (target i, source j)",
                      "beta": "1/ms", "t_stop_ms": "ms"},
            "names": list(self.names),
            "mu": self.mu,
            "alpha": self.alpha,
            "beta": self.beta,
            "log_likelihood": self.log_likelihood,
            "n_events": self.n_events,
            "t_stop_ms": self.t_stop_ms,
            "spectral_radius": self.spectral_radius,
            "stationary": self.stationary,
            "significant": self.significant,
            "pvalues": self.pvalues,
            "ci": self.ci,
            "rhat": self.rhat,
            "ess": self.ess,
            "starts": self.starts,
            "info": self.info,
        }
        return conv(out)

    def save(self, folder) -> dict[str, Path]:
        """Write ``estimate.json`` and ``alpha.csv``/``mu.csv`` (plus
        ``significant.csv``) into ``folder``; returns the paths."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        paths = {"json": folder / "estimate.json"}
        paths["json"].write_text(json.dumps(self.to_dict(), indent=2, default=float))
        names = self.names or [str(i) for i in range(self.n_dim)]
        header = "target\\source," + ",".join(names)

        def write(name, mat, fmt):
            p = folder / f"{name}.csv"
            rows = [f"{n}," + ",".join(fmt(v) for v in row)
                    for n, row in zip(names, mat, strict=True)]
            p.write_text(header + "\n" + "\n".join(rows) + "\n")
            paths[name] = p

        write("alpha", np.asarray(self.alpha), lambda v: f"{v:.6g}")
        if self.significant is not None:
            write("significant", np.asarray(self.significant), lambda v: str(int(v)))
        p = folder / "mu.csv"
        p.write_text("name,mu_hz\n" + "\n".join(
            f"{n},{m:.6g}" for n, m in zip(names, np.asarray(self.mu), strict=True)) + "\n")
        paths["mu"] = p
        return paths

    def __repr__(self) -> str:
        b = np.asarray(self.beta)
        bs = f"{float(b):.4g}" if b.ndim == 0 else f"shape {b.shape}"
        sig = "" if self.significant is None else f", significant={int(self.significant.sum())}"
        return (
            f"HawkesEstimate(method={self.method!r}, D={self.n_dim}, events={self.n_events}, "
            f"loglik={self.log_likelihood:.6g}, beta={bs} 1/ms, "
            f"spectral_radius={self.spectral_radius:.3g}{sig})"
        )
