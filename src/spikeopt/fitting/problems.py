"""The Problem protocol (DESIGN.md): what each ``kind`` of fit supplies to the one
runner, store and report.

A kind (``cell``, ``network``; ``task`` next) is registered in :data:`PROBLEMS`
and answers four questions:

``build(cfg) -> Built``
    the ParameterSpace and the callable ``(params, seeds) -> (P,) or (P, M)``
    losses (the runner's objective), plus whatever the outcome needs again;
``outcome(cfg, result, built) -> Outcome``
    the best candidate re-scored away from the fit (held-out sweeps, fresh
    seeds), written to ``best_params.json`` / ``scores.json`` and the kind's
    files;
``sections(cfg, result, outcome, out) -> list[Section]``
    what the report shows for this kind, after the common sections
    (summary, best parameters, convergence, population, degeneracy);
``title(cfg) -> str``
    the report's heading;

and, optionally,

``raster_source(cfg, built) -> (params -> spikeopt.run.Raster)``
    the best candidate's spikes for the live view (``spikeopt fit --live``),
    simulated the way the report simulates it (:func:`live_raster`).

``store_kind`` is the name under which the kind registers its objective
factory with the run engine, so that ``resume`` rebuilds the problem from the
stored config.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..params import ParameterSpace

__all__ = ["Built", "Outcome", "Section", "ProblemKind", "PROBLEMS", "register_problem",
           "get_problem", "live_raster"]


@dataclass
class Built:
    """A kind's problem for one config: the objective, its space, and the context
    (recording, network problem...) that the outcome uses again."""

    objective: Callable
    space: ParameterSpace
    context: Any = None
    optimizer_defaults: dict | None = None  # per optimizer name, unless the config sets them


@dataclass
class Outcome:
    """The best candidate away from the fit: ``scores`` (as in ``scores.json``) and
    kind-specific ``data`` for the report's sections."""

    scores: dict
    data: dict = field(default_factory=dict)


@dataclass
class Section:
    """One part of the report: a heading, HTML (tables, text) and/or a figure file
    in the run folder, and a one-line caption saying what to look for."""

    title: str
    html: str = ""
    figure: str | None = None
    caption: str = ""


class ProblemKind(Protocol):
    name: str
    store_kind: str

    def build(self, cfg: dict) -> Built: ...

    def outcome(self, cfg: dict, result, built: Built) -> Outcome: ...

    def sections(self, cfg: dict, result, outcome: Outcome, out) -> list[Section]: ...

    def title(self, cfg: dict) -> str: ...


PROBLEMS: dict[str, ProblemKind] = {}


def register_problem(kind: ProblemKind) -> ProblemKind:
    """Add ``kind`` to :data:`PROBLEMS` under ``kind.name``."""
    PROBLEMS[kind.name] = kind
    return kind


def get_problem(cfg: dict) -> ProblemKind:
    """The kind of a (validated or stored) config; a config without ``kind`` is a
    cell fit."""
    from . import cell, network_fit, task_fit  # noqa: F401  (each registers its kind)

    return PROBLEMS[cfg.get("kind", "cell")]


def live_raster(kind: ProblemKind, cfg: dict, built: Built):
    """The kind's raster source for the live view (``params -> Raster``), or None
    for a kind without one."""
    source = getattr(kind, "raster_source", None)
    return None if source is None else source(cfg, built)
