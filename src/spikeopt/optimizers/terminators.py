"""When to stop: terminators that report progress in [0, 1] and combine.

A terminator is a frozen record with ``progress(status) -> float``; the run
stops when it reaches 1. ``a | b`` stops when either does (progress is the
larger), ``a & b`` when both do (the smaller). They keep no state of their
own: everything they need is in :class:`RunStatus`, which the runner rebuilds
from its store on resume.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..errors import InvalidParameterError

__all__ = [
    "RunStatus",
    "Terminator",
    "Usage",
    "MaxEvaluations",
    "MaxGenerations",
    "TargetLoss",
    "Stagnation",
    "WallTime",
    "AnyOf",
    "AllOf",
    "as_terminator",
]


@dataclass
class RunStatus:
    """What terminators look at.

    ``best_history[g]`` is the best loss seen up to and including generation
    ``g``; ``elapsed`` is the run's wall time in seconds summed over resumes.
    """

    evaluations: int = 0
    generations: int = 0
    best_loss: float = math.inf
    elapsed: float = 0.0
    best_history: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class Usage:
    """How much of a countable budget is spent, in the user's units:
    ``done`` of ``total`` ``unit`` (``"evaluations"``, ``"generations"`` or
    ``"s"`` of wall time).

    >>> str(Usage(1200, 4000, "evaluations"))
    '1200/4000 evaluations'
    """

    done: float
    total: float
    unit: str

    def __str__(self) -> str:
        if self.unit == "s":
            return f"{self.done:.0f}/{self.total:g} s"
        return f"{self.done:g}/{self.total:g} {self.unit}"


class Terminator:
    """Base class; subclasses implement :meth:`progress` (and, for a budget that
    counts something, :meth:`usage`)."""

    def progress(self, status: RunStatus) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def usage(self, status: RunStatus) -> Usage | None:
        """The budget spent in its own units, or None when this terminator
        counts nothing (a target loss, stagnation)."""
        return None

    def describe(self, status: RunStatus) -> str:
        """One line for people: where the run stands against this terminator."""
        u = self.usage(status)
        return str(u) if u is not None else repr(self)

    def done(self, status: RunStatus) -> bool:
        return self.progress(status) >= 1.0

    def reason(self, status: RunStatus) -> str:
        """What stopped the run (the member that fired, for combinations)."""
        return repr(self)

    def __or__(self, other: Terminator) -> AnyOf:
        return AnyOf((self, as_terminator(other)))

    def __and__(self, other: Terminator) -> AllOf:
        return AllOf((self, as_terminator(other)))


def _clip(x: float) -> float:
    return 0.0 if x != x else min(1.0, max(0.0, float(x)))


def _positive(name, value, where, *, integer=True):
    v = int(value) if integer else float(value)
    if v <= 0 or (integer and v != value):
        kind = "an integer" if integer else "a number"
        raise InvalidParameterError(
            f"The {name!r} parameter of {where} must be {kind} > 0. Got {value!r} instead."
        )
    return v


@dataclass(frozen=True)
class MaxEvaluations(Terminator):
    """Stop after the generation in which ``n`` evaluations are reached."""

    n: int

    def __post_init__(self):
        _positive("n", self.n, "MaxEvaluations")

    def progress(self, status: RunStatus) -> float:
        return _clip(status.evaluations / self.n)

    def usage(self, status: RunStatus) -> Usage:
        return Usage(status.evaluations, self.n, "evaluations")


@dataclass(frozen=True)
class MaxGenerations(Terminator):
    """Stop after ``n`` generations."""

    n: int

    def __post_init__(self):
        _positive("n", self.n, "MaxGenerations")

    def progress(self, status: RunStatus) -> float:
        return _clip(status.generations / self.n)

    def usage(self, status: RunStatus) -> Usage:
        return Usage(status.generations, self.n, "generations")


@dataclass(frozen=True)
class TargetLoss(Terminator):
    """Stop once the best loss is <= ``target``. Progress is the fraction of
    the way from the first generation's best loss to the target, on a log
    scale when both are positive."""

    target: float

    def progress(self, status: RunStatus) -> float:
        if status.best_loss <= self.target:
            return 1.0
        if not status.best_history:
            return 0.0
        first, now, t = status.best_history[0], status.best_loss, self.target
        if t > 0 and now > 0 and first > now:
            return _clip(math.log(first / now) / math.log(first / t)) * 0.999
        return _clip((first - now) / (first - t)) * 0.999 if first > t else 0.0

    def describe(self, status: RunStatus) -> str:
        return f"best loss {status.best_loss:.4g}, target {self.target:g}"


@dataclass(frozen=True)
class Stagnation(Terminator):
    """Stop when the best loss improved by less than ``tol`` (absolute) over
    the last ``patience`` generations."""

    patience: int
    tol: float = 0.0

    def __post_init__(self):
        _positive("patience", self.patience, "Stagnation")

    def _stall(self, status: RunStatus) -> int:
        h = status.best_history
        stall = 0
        for k in range(len(h) - 2, -1, -1):
            if h[k] - h[-1] > self.tol:
                break
            stall += 1
        return stall

    def progress(self, status: RunStatus) -> float:
        return _clip(self._stall(status) / self.patience)

    def describe(self, status: RunStatus) -> str:
        return f"{self._stall(status)}/{self.patience} generations without improvement"


@dataclass(frozen=True)
class WallTime(Terminator):
    """Stop after ``seconds`` of run time (summed over resumes)."""

    seconds: float

    def __post_init__(self):
        _positive("seconds", self.seconds, "WallTime", integer=False)

    def progress(self, status: RunStatus) -> float:
        return _clip(status.elapsed / self.seconds)

    def usage(self, status: RunStatus) -> Usage:
        return Usage(status.elapsed, self.seconds, "s")


@dataclass(frozen=True)
class AnyOf(Terminator):
    """Stop when any member stops."""

    members: tuple

    def progress(self, status: RunStatus) -> float:
        return max(m.progress(status) for m in self.members)

    def reason(self, status: RunStatus) -> str:
        return next((m.reason(status) for m in self.members if m.done(status)), repr(self))

    def usage(self, status: RunStatus) -> Usage | None:
        """The usage of the counting member nearest to stopping the run."""
        return _pick_usage(self.members, status, max)

    def describe(self, status: RunStatus) -> str:
        return " | ".join(m.describe(status) for m in self.members)

    def __or__(self, other):
        return AnyOf((*self.members, as_terminator(other)))


@dataclass(frozen=True)
class AllOf(Terminator):
    """Stop when every member has stopped."""

    members: tuple

    def progress(self, status: RunStatus) -> float:
        return min(m.progress(status) for m in self.members)

    def usage(self, status: RunStatus) -> Usage | None:
        """The usage of the counting member farthest from stopping the run."""
        return _pick_usage(self.members, status, min)

    def describe(self, status: RunStatus) -> str:
        return " & ".join(m.describe(status) for m in self.members)

    def __and__(self, other):
        return AllOf((*self.members, as_terminator(other)))


def _pick_usage(members, status: RunStatus, choose) -> Usage | None:
    counted = [(m.progress(status), u) for m in members
               if (u := m.usage(status)) is not None]
    if not counted:
        return None
    return choose(counted, key=lambda pu: pu[0])[1]


_CONFIG_KEYS = ("evaluations", "generations", "target_loss", "stagnation", "wall_time")


def _from_config(cfg: dict) -> Terminator:
    unknown = set(cfg) - set(_CONFIG_KEYS)
    if unknown or not cfg:
        raise InvalidParameterError(
            f"A budget dict takes one or more of {list(_CONFIG_KEYS)}. Got keys {sorted(cfg)}."
        )
    parts: list[Terminator] = []
    if "evaluations" in cfg:
        parts.append(MaxEvaluations(cfg["evaluations"]))
    if "generations" in cfg:
        parts.append(MaxGenerations(cfg["generations"]))
    if "target_loss" in cfg:
        parts.append(TargetLoss(float(cfg["target_loss"])))
    if "stagnation" in cfg:
        st = cfg["stagnation"]
        parts.append(Stagnation(**st) if isinstance(st, dict) else Stagnation(st))
    if "wall_time" in cfg:
        parts.append(WallTime(cfg["wall_time"]))
    return parts[0] if len(parts) == 1 else AnyOf(tuple(parts))


def as_terminator(budget) -> Terminator:
    """An int is an evaluation budget; a terminator passes through; a dict
    (as in a config file) such as ``{"evaluations": 5000, "target_loss": 1e-3,
    "stagnation": {"patience": 50, "tol": 1e-6}, "wall_time": 3600,
    "generations": 100}`` stops at whichever comes first."""
    if isinstance(budget, Terminator):
        return budget
    if isinstance(budget, int) and not isinstance(budget, bool):
        return MaxEvaluations(budget)
    if isinstance(budget, dict):
        return _from_config(budget)
    raise InvalidParameterError(
        "The 'budget' must be an evaluation count (int), a dict such as "
        "{'evaluations': 5000, 'target_loss': 1e-3}, or a terminator such as "
        f"MaxEvaluations(1000) | TargetLoss(1e-3). Got {budget!r} instead."
    )
