"""A NEST *plan*: the PyNEST calls that build and run one candidate, as data.

The NEST backend and the PyNEST exporter consume the same plan, so the script a
user gets runs exactly what the backend ran (same calls, same order, hence
the same random draws of NEST's generator for the same ``rng_seed``):

- :func:`run_program` executes the statements with the ``nest`` module;
- :func:`render_program` writes them as Python source.

A program is a list of :class:`Stmt` (``target = call`` or a bare call) and
:class:`Comment`. A call's function is a dotted name rooted at ``nest``,
``np`` or an earlier target (``"E.set"``); its arguments are literals
(numbers, strings, bools, None, lists, tuples, dicts, float arrays),
:class:`Call` (e.g. ``nest.random.uniform(...)`` inside a ``syn_spec``),
:class:`Ref` (an earlier target) or :class:`Ids` (the NEST node IDs of some
neurons of a population, for explicit connections).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import SimulationError

__all__ = ["Ref", "Ids", "Call", "Stmt", "Comment", "Plan", "run_program", "render_program",
           "trains_from_events"]


@dataclass(frozen=True)
class Ref:
    """An earlier statement's target (a NodeCollection in practice)."""

    name: str


@dataclass(frozen=True, eq=False)
class Ids:
    """NEST node IDs of neurons ``index`` (0-based) of the population ``ref``
    (created by one ``nest.Create``, so its IDs are contiguous)."""

    ref: str
    index: np.ndarray


@dataclass(frozen=True, eq=False)
class Call:
    """``fn(*args, **kwargs)``; ``fn`` is dotted, rooted at nest, np or a target."""

    fn: str
    args: tuple = ()
    kwargs: Mapping = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class Stmt:
    """``target = call`` (or the bare call when ``target`` is None). ``where``
    names what the statement builds, for error messages; ``script_only``
    statements (the script's own ``ResetKernel``) are skipped by the backend,
    which resets the kernel itself."""

    target: str | None
    call: Call
    where: str = ""
    script_only: bool = False


@dataclass(frozen=True)
class Comment:
    text: str


@dataclass
class Plan:
    """One candidate as NEST runs it.

    Attributes
    ----------
    program : list of Stmt and Comment
    populations : dict of str -> (target, size)
        Every population (a cell's sweeps are one population ``"cell"``), in order.
    recorders : dict of str -> target
        The ``spike_recorder`` of each recorded population.
    multimeter : str or None
        Target of the membrane-potential multimeter (single cells with ``record_v``).
    v0 : ndarray or None
        Initial membrane potential (mV) of each recorded neuron: NEST's first
        multimeter sample is at one interval, spikeopt's at t = 0.
    t_stop, dt : float
        Simulated duration and spikeopt's step (ms).
    notes : list of str
        Mapping decisions worth telling the user (also written into scripts).
    """

    program: list
    populations: dict
    recorders: dict
    t_stop: float
    dt: float
    multimeter: str | None = None
    v0: np.ndarray | None = None
    notes: list = field(default_factory=list)


# -- execution -------------------------------------------------------------------------
def _value(x, ns: dict):
    if isinstance(x, Call):
        return _call(x, ns)
    if isinstance(x, Ref):
        return ns[x.name]
    if isinstance(x, Ids):
        return ns[x.ref][0].global_id + np.asarray(x.index, dtype=np.int64)
    if isinstance(x, dict):
        return {k: _value(v, ns) for k, v in x.items()}
    if isinstance(x, list):
        return [_value(v, ns) for v in x]
    if isinstance(x, tuple):
        return tuple(_value(v, ns) for v in x)
    return x


def _call(c: Call, ns: dict):
    root, *attrs = c.fn.split(".")
    obj = ns[root]
    for a in attrs:
        obj = getattr(obj, a)
    return obj(*[_value(a, ns) for a in c.args], **{k: _value(v, ns) for k, v in c.kwargs.items()})


def run_program(nest, program: Sequence) -> dict:
    """Execute ``program`` (but its ``script_only`` statements) with the ``nest``
    module; return its targets by name.

    A NEST error becomes a :class:`~spikeopt.errors.SimulationError` that says
    which statement failed (e.g. ``population 'E' (iaf_psc_exp)``) and NEST's
    message.
    """
    ns = {"nest": nest, "np": np}
    for st in program:
        if isinstance(st, Comment) or st.script_only:
            continue
        try:
            out = _call(st.call, ns)
        except Exception as exc:  # NEST's errors carry the useful message
            what = st.where or st.call.fn
            raise SimulationError(f"NEST refused {what}: {type(exc).__name__}: {exc}") from exc
        if st.target is not None:
            ns[st.target] = out
    return ns


# -- rendering -------------------------------------------------------------------------
def _src(x, indent: int = 0) -> str:
    if isinstance(x, Call):
        parts = [_src(a, indent) for a in x.args]
        parts += [f"{k}={_src(v, indent)}" for k, v in x.kwargs.items()]
        return f"{x.fn}({', '.join(parts)})"
    if isinstance(x, Ref):
        return x.name
    if isinstance(x, Ids):
        return f"{x.ref}[0].global_id + {_array(np.asarray(x.index, dtype=np.int64))}"
    if isinstance(x, np.ndarray):
        return _array(x)
    if isinstance(x, dict):
        return "{" + ", ".join(f"{k!r}: {_src(v, indent)}" for k, v in x.items()) + "}"
    if isinstance(x, list):
        return "[" + ", ".join(_src(v, indent) for v in x) + "]"
    if isinstance(x, tuple):
        inner = ", ".join(_src(v, indent) for v in x)
        return f"({inner},)" if len(x) == 1 else f"({inner})"
    if isinstance(x, bool | str) or x is None:
        return repr(x)
    if isinstance(x, int | np.integer):
        return str(int(x))
    if isinstance(x, float | np.floating):
        return _float(float(x))
    raise TypeError(f"Cannot write {type(x).__name__} into a PyNEST script: {x!r}")


def _float(v: float) -> str:
    if v == float("inf"):
        return "float('inf')"
    if v == float("-inf"):
        return "-float('inf')"
    return repr(v)  # round-trips exactly


def _array(a: np.ndarray) -> str:
    if a.dtype.kind in "iu":
        return f"np.array({a.tolist()!r})"
    return "np.array([" + ", ".join(_float(float(v)) for v in a.ravel()) + "])"


def _wrap(line: str, width: int = 99) -> str:
    """Break a long call after commas (numbers are never split)."""
    if len(line) <= width:
        return line
    out, cur = [], ""
    for tok in line.split(", "):
        if cur and len(cur) + len(tok) + 2 > width:
            out.append(cur + ",")
            cur = "    " + tok
        else:
            cur = tok if not cur else f"{cur}, {tok}"
    out.append(cur)
    return "\n".join(out)


def render_program(program: Sequence) -> str:
    """The program as Python source (one statement per line, long ones wrapped)."""
    lines = []
    for st in program:
        if isinstance(st, Comment):
            lines.append("")
            lines.extend(f"# {t}" for t in st.text.splitlines())
            continue
        code = _src(st.call)
        lines.append(_wrap(code if st.target is None else f"{st.target} = {code}"))
    return "\n".join(lines) + "\n"


# -- results ---------------------------------------------------------------------------
def trains_from_events(senders: np.ndarray, times: np.ndarray, n: int) -> list[np.ndarray]:
    """Spike times (ms) per neuron from a recorder's events; ``senders`` are
    0-based indices into the population (NEST ID minus the first ID)."""
    senders = np.asarray(senders, dtype=np.int64)
    times = np.asarray(times, dtype=np.float64)
    order = np.lexsort((times, senders))
    senders, times = senders[order], times[order]
    cuts = np.searchsorted(senders, np.arange(n + 1))
    return [times[cuts[i]:cuts[i + 1]] for i in range(n)]
