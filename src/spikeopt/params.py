"""Parameters and parameter spaces: bounds, units, log scale, integer and
categorical genes, and the encode/decode between named dicts of (P,) arrays
and the (P, D) gene matrix that optimizers work on.

Gene coordinates
----------------
Each parameter is one column of the gene matrix ``X`` (shape (P, D)):

* continuous: the value itself, within ``[low, high]``;
* ``log=True``: ``log10(value)``, within ``[log10(low), log10(high)]``;
* ``integer=True``: the value (a float holding an integer after decoding);
* ``choices=[...]``: the index of the choice, within ``[0, k - 1]``.

``space.lower`` / ``space.upper`` are the gene bounds and ``space.discrete``
marks the columns that decode by rounding. ``to_unit`` / ``from_unit`` map
genes to and from the unit cube ``[0, 1]^D`` for optimizers that want it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._rng import check_rng
from .errors import InvalidParameterError, ShapeError, UnknownNameError

__all__ = ["Parameter", "ParameterSpace"]


@dataclass(frozen=True)
class Parameter:
    """One gene: bounds in the parameter's unit, or a list of choices.

    Parameters
    ----------
    low, high : float
        Bounds (inclusive) in ``unit``; ignored for categorical genes.
    log : bool
        Search in log10 space (needs ``low > 0``).
    integer : bool
        Decode to integers.
    choices : sequence, optional
        Categorical values; the gene is the index of the choice.
    unit : str
        Unit of the value ("ms", "mV", "pA", "nS", "" for dimensionless).
    default : float, optional
        A value used when a model parameter is not fitted.
    """

    low: float = 0.0
    high: float = 1.0
    log: bool = False
    integer: bool = False
    choices: tuple | None = None
    unit: str = ""
    default: Any = None
    name: str = field(default="", compare=False)

    def __post_init__(self):
        where = f"Parameter {self.name!r}" if self.name else "Parameter"
        if self.choices is not None:
            ch = tuple(self.choices)
            if len(ch) == 0:
                raise InvalidParameterError(f"{where}: 'choices' must not be empty.")
            object.__setattr__(self, "choices", ch)
            object.__setattr__(self, "low", 0.0)
            object.__setattr__(self, "high", float(len(ch) - 1))
            return
        lo, hi = float(self.low), float(self.high)
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise InvalidParameterError(
                f"{where}: bounds must be finite. Got ({self.low!r}, {self.high!r})."
            )
        if not lo <= hi:
            raise InvalidParameterError(
                f"{where}: 'low' must be <= 'high'. Got low={lo!r}, high={hi!r}."
            )
        if self.log and lo <= 0:
            raise InvalidParameterError(
                f"{where}: a log-scale parameter needs low > 0. Got low={lo!r}."
            )
        if self.integer:
            lo, hi = math.ceil(lo), math.floor(hi)
            if lo > hi:
                raise InvalidParameterError(
                    f"{where}: no integer lies within ({self.low!r}, {self.high!r})."
                )
        object.__setattr__(self, "low", lo)
        object.__setattr__(self, "high", hi)

    # gene coordinates ------------------------------------------------------
    @property
    def gene_low(self) -> float:
        return math.log10(self.low) if self.log else float(self.low)

    @property
    def gene_high(self) -> float:
        return math.log10(self.high) if self.log else float(self.high)

    @property
    def discrete(self) -> bool:
        return self.integer or self.choices is not None

    def to_gene(self, values: np.ndarray) -> np.ndarray:
        if self.choices is not None:
            out = np.empty(values.shape, dtype=np.float64)
            lookup = {c: i for i, c in enumerate(self.choices)}
            for k, v in enumerate(values.tolist()):
                if v not in lookup:
                    raise InvalidParameterError(
                        f"Parameter {self.name!r} must be one of {list(self.choices)}. "
                        f"Got {v!r} instead."
                    )
                out[k] = lookup[v]
            return out
        v = np.asarray(values, dtype=np.float64)
        return np.log10(v) if self.log else v

    def from_gene(self, genes: np.ndarray) -> np.ndarray:
        g = np.clip(genes, self.gene_low, self.gene_high)
        if self.choices is not None:
            idx = np.rint(g).astype(np.int64)
            return np.asarray(self.choices, dtype=object)[idx] if not _numeric(
                self.choices
            ) else np.asarray(self.choices)[idx]
        v = 10.0**g if self.log else g
        if self.integer:
            return np.clip(np.rint(v), self.low, self.high).astype(np.int64)
        return np.clip(v, self.low, self.high)


def _numeric(choices: tuple) -> bool:
    return all(isinstance(c, int | float | np.number) and not isinstance(c, bool) for c in choices)


_SPEC_KEYS = {"low", "high", "log", "integer", "choices", "unit", "default", "bounds"}


def _as_parameter(name: str, spec) -> Parameter:
    if isinstance(spec, Parameter):
        return Parameter(
            spec.low, spec.high, spec.log, spec.integer, spec.choices, spec.unit, spec.default,
            name=name,
        )
    if isinstance(spec, Mapping):
        unknown = set(spec) - _SPEC_KEYS
        if unknown:
            raise InvalidParameterError(
                f"Parameter {name!r}: unknown key(s) {sorted(unknown)}; allowed keys are "
                f"{sorted(_SPEC_KEYS)}."
            )
        kw = dict(spec)
        if "bounds" in kw:
            kw["low"], kw["high"] = kw.pop("bounds")
        if "choices" not in kw and not {"low", "high"} <= set(kw):
            raise InvalidParameterError(
                f"Parameter {name!r} needs 'low' and 'high' (or 'bounds', or 'choices'). "
                f"Got keys {sorted(spec)}."
            )
        return Parameter(name=name, **kw)
    if isinstance(spec, Sequence) and not isinstance(spec, str) and len(spec) == 2:
        return Parameter(spec[0], spec[1], name=name)
    raise InvalidParameterError(
        f"Parameter {name!r} must be given as (low, high), a dict such as "
        f"{{'low': 1, 'high': 10, 'log': True, 'unit': 'ms'}}, or a Parameter. Got {spec!r}."
    )


class ParameterSpace:
    """An ordered set of named genes.

    Examples
    --------
    >>> space = ParameterSpace({"a": (0.01, 0.1), "d": (2.0, 8.0)})
    >>> X = space.encode({"a": [0.02, 0.05], "d": [8.0, 2.0]})
    >>> X.shape
    (2, 2)
    >>> space.decode(X)["d"].tolist()
    [8.0, 2.0]
    >>> rich = ParameterSpace({
    ...     "tau_m": {"low": 1.0, "high": 100.0, "log": True, "unit": "ms"},
    ...     "n": {"low": 1, "high": 8, "integer": True},
    ...     "rule": {"choices": ["stdp", "none"]},
    ... })
    >>> rich.names
    ('tau_m', 'n', 'rule')
    """

    def __init__(self, spec: Mapping[str, Any]):
        if isinstance(spec, ParameterSpace):
            spec = spec.parameters
        if not isinstance(spec, Mapping) or len(spec) == 0:
            raise InvalidParameterError(
                f"ParameterSpace needs a non-empty dict of name -> spec. Got {spec!r}."
            )
        self.parameters: dict[str, Parameter] = {
            str(k): _as_parameter(str(k), v) for k, v in spec.items()
        }
        ps = list(self.parameters.values())
        self.names: tuple[str, ...] = tuple(self.parameters)
        self.lower = np.array([p.gene_low for p in ps])
        self.upper = np.array([p.gene_high for p in ps])
        self.discrete = np.array([p.discrete for p in ps])

    @property
    def dim(self) -> int:
        return len(self.names)

    def __len__(self) -> int:
        return self.dim

    def __contains__(self, name) -> bool:
        return name in self.parameters

    def __getitem__(self, name: str) -> Parameter:
        try:
            return self.parameters[name]
        except KeyError:
            raise UnknownNameError(
                f"Unknown parameter {name!r}; this space has {list(self.names)}."
            ) from None

    def __repr__(self) -> str:
        parts = []
        for n, p in self.parameters.items():
            if p.choices is not None:
                parts.append(f"{n} in {list(p.choices)}")
            else:
                flags = "".join([" log" if p.log else "", " int" if p.integer else ""])
                unit = f" {p.unit}" if p.unit else ""
                parts.append(f"{n} in [{p.low:g}, {p.high:g}]{unit}{flags}")
        return "ParameterSpace(" + "; ".join(parts) + ")"

    def to_config(self) -> dict:
        """A plain dict that rebuilds this space (for run stores and configs)."""
        out = {}
        for n, p in self.parameters.items():
            d: dict[str, Any] = {}
            if p.choices is not None:
                d["choices"] = list(p.choices)
            else:
                d["low"], d["high"] = p.low, p.high
                if p.log:
                    d["log"] = True
                if p.integer:
                    d["integer"] = True
            if p.unit:
                d["unit"] = p.unit
            out[n] = d
        return out

    # -- encode / decode -----------------------------------------------------
    def encode(self, params: Mapping[str, Any]) -> np.ndarray:
        """Named values → gene matrix (P, D); raises on unknown/missing names,
        inconsistent shapes and out-of-bounds values."""
        unknown = set(params) - set(self.names)
        if unknown:
            raise UnknownNameError(
                f"Unknown parameter(s) {sorted(unknown)}; this space has {list(self.names)}."
            )
        missing = [n for n in self.names if n not in params]
        if missing:
            raise InvalidParameterError(
                f"Missing parameter(s) {missing}; encode needs all of {list(self.names)}."
            )
        cols = [np.atleast_1d(np.asarray(params[n], dtype=object if self[n].choices else None))
                for n in self.names]
        sizes = {c.shape for c in cols}
        if len(sizes) != 1 or len(next(iter(sizes))) != 1:
            shapes = {n: c.shape for n, c in zip(self.names, cols, strict=True)}
            raise ShapeError(f"All parameters must be 1-D arrays of one length P. Got {shapes}.")
        X = np.empty((cols[0].size, self.dim))
        for j, (n, c) in enumerate(zip(self.names, cols, strict=True)):
            p = self.parameters[n]
            if p.choices is None:
                v = c.astype(np.float64)
                bad = ~np.isfinite(v) | (v < p.low) | (v > p.high)
                if np.any(bad):
                    raise InvalidParameterError(
                        f"Parameter {n!r} must lie within [{p.low:g}, {p.high:g}]"
                        f"{' ' + p.unit if p.unit else ''}. Got {v[bad][0]!r} instead."
                    )
                X[:, j] = p.to_gene(v)
            else:
                X[:, j] = p.to_gene(c)
        return X

    def decode(self, X: np.ndarray) -> dict[str, np.ndarray]:
        """Gene matrix (P, D) → named values; genes are clipped into bounds,
        integer and categorical genes rounded."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim == 1 and X.size == self.dim:
            X = X[None, :]
        if X.ndim != 2 or X.shape[1] != self.dim:
            raise ShapeError(
                f"Gene matrix must have shape (P, {self.dim}) for parameters "
                f"{list(self.names)}. Got shape {X.shape}."
            )
        if not np.all(np.isfinite(X)):
            raise InvalidParameterError("Gene matrix contains NaN or inf.")
        return {n: p.from_gene(X[:, j]) for j, (n, p) in enumerate(self.parameters.items())}

    def repair(self, X: np.ndarray) -> np.ndarray:
        """Clip genes into bounds and round the discrete ones (same shape)."""
        X = np.clip(np.asarray(X, dtype=np.float64), self.lower, self.upper)
        X[:, self.discrete] = np.rint(X[:, self.discrete])
        return X

    def to_unit(self, X: np.ndarray) -> np.ndarray:
        """Genes → unit cube [0, 1]^D (degenerate genes map to 0.5)."""
        span = self.upper - self.lower
        safe = np.where(span > 0, span, 1.0)
        U = (np.asarray(X, dtype=np.float64) - self.lower) / safe
        return np.where(span > 0, U, 0.5)

    def from_unit(self, U: np.ndarray) -> np.ndarray:
        """Unit cube → genes (not rounded; call :meth:`repair` for that)."""
        return self.lower + np.asarray(U, dtype=np.float64) * (self.upper - self.lower)

    def sample(self, n: int, rng) -> np.ndarray:
        """``n`` genes drawn uniformly in gene coordinates (log genes log-uniform),
        discrete genes uniform over their values; shape (n, D)."""
        rng = check_rng(rng)
        lo = np.where(self.discrete, self.lower - 0.5, self.lower)
        hi = np.where(self.discrete, self.upper + 0.5, self.upper)
        X = rng.uniform(lo, hi, size=(int(n), self.dim))
        return self.repair(X)
