"""Single cells in NEURON: imported cells (:class:`NeuronCell`) and the built-in
``hh`` soma, their fittable parameter names, and sweeps under a current clamp.

Everything below :func:`start_neuron` runs inside a worker process (see
:mod:`.workers`): the calling process never starts NEURON. Parameter names are
``<section>.<attribute>`` (``soma.diam``, ``soma.L``, ``soma.Ra``, ``soma.cm``,
``soma.ena``), ``<section>.<mechanism>.<parameter>`` for density mechanisms and
point processes (``soma.hh.gnabar``, ``soma.Izhi2007b.a``) and the cell-wide
``celsius`` (degC) and ``v_init`` (mV). A section is named by the attribute of a
Python cell that holds it (``self.soma`` → ``soma``), else by what follows the
last ``.`` of NEURON's name (``HHCell[0].dend[3]`` → ``dend[3]``). Setting a
segment quantity or a density-mechanism parameter sets it on every segment of
that section; a point-process parameter is set on every point process of that
type in that section.
"""

from __future__ import annotations

import difflib
import importlib.util
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .._imports import optional_import
from ..errors import InvalidParameterError, SimulationError, UnknownNameError
from ..params import Parameter
from ..stimuli import Stimulus
from ._nrnivmodl import compile_mechanisms, load_mechanisms
from .results import cell_result

__all__ = ["NeuronCell", "start_neuron", "BuiltCell", "build_cell", "build_hh", "run_sweeps",
           "as_array", "ADVANCE", "PERSISTENT"]

_SECTION_ATTRS = ("L", "Ra")  # one value per section
_SEGMENT_ATTRS = ("diam", "cm")  # one value per segment
_LOCATION = re.compile(r"^\s*([A-Za-z_][\w\[\]]*)\s*(?:\(\s*([0-9.eE+-]+)\s*\))?\s*$")
_CELL_UNITS = {"celsius": "degC", "v_init": "mV"}
ADVANCE = "spikeopt_advance"  # a hoc proc: fadvance() $1 times


def as_array(vec) -> np.ndarray:
    """A copy of a NEURON Vector as float64 (``np.asarray`` fails on empty ones)."""
    return np.array(vec.as_numpy(), dtype=np.float64)


def start_neuron(secondorder: int = 0):
    """NEURON's ``h`` in this process (no GUI), with the step loop defined."""
    os.environ.setdefault("NEURON_MODULE_OPTIONS", "-nogui")
    optional_import("neuron", extra="neuron", purpose="The NEURON backend")
    from neuron import h

    if not hasattr(h, ADVANCE):
        h(f"proc {ADVANCE}() {{ local i  for i = 1, $1 fadvance() }}")
    h.CVode().active(0)  # fixed step: the step of the numba engine
    h.secondorder = int(secondorder)
    return h


def _location(text: str, where: str) -> tuple[str, float]:
    m = _LOCATION.match(str(text))
    if not m:
        raise InvalidParameterError(
            f"The {where!r} of a NEURON cell must read like 'soma' or 'soma(0.5)' (a section "
            f"and a location in [0, 1]). Got {text!r}.")
    x = float(m.group(2)) if m.group(2) is not None else 0.5
    if not 0.0 <= x <= 1.0:
        raise InvalidParameterError(
            f"The location in {where!r} must be in [0, 1]. Got {text!r}.")
    return m.group(1), x


@dataclass(frozen=True)
class NeuronCell:
    """A cell defined in a ``.hoc`` or ``.py`` file, run by the NEURON backend.

    Parameters
    ----------
    file : path
        A ``.hoc`` file (loaded with ``load_file``) or a ``.py`` file (imported
        as a module of its own).
    template : str, optional
        The hoc template or the Python class (or function) that builds one
        cell. Required for ``.py`` files; for a ``.hoc`` file without templates,
        None runs the file (again for every candidate) and takes every section
        it creates.
    mod_dir : path, optional
        A folder of ``.mod`` files the cell needs; compiled once with
        ``nrnivmodl`` (cached by content) and loaded before ``file``.
    args : list or mapping, optional
        Arguments of the template or class: positional (a list) or, for Python,
        keywords (a mapping).
    section : str
        Where the current clamp injects the stimulus and ``v`` is recorded:
        ``"soma"``, ``"soma(0.5)"`` (default), ``"dend[2](0.8)"``.
    threshold_mv : float
        Spike detection threshold (mV): an upward crossing of ``v`` at
        ``section`` (NEURON's NetCon threshold; NetPyNE's default 10 mV).
    spike_source : str, optional
        The name of a point process (``"Izhi2007b"``) whose own events are the
        spikes (a NetCon from the point process), instead of threshold
        crossings. Exactly one point process of that type must exist.
    v_source : str, optional
        Record ``"<point process>.<variable>"`` (e.g. ``"Izhi2003a.V"`` for a
        cell with its own voltage) instead of ``v`` at ``section``.

    Parameter names, as :attr:`parameters` lists them: ``soma.diam`` (µm),
    ``soma.L`` (µm), ``soma.cm`` (µF/cm²), ``soma.Ra`` (Ω·cm), ``soma.ena``
    (mV), ``soma.hh.gnabar`` (S/cm², the mechanism's own unit),
    ``soma.Izhi.a`` (a point process's), ``celsius`` (degC), ``v_init`` (mV,
    default -65). The stimulus is a current in pA (the clamp gets nA).

    Examples
    --------
    >>> cell = NeuronCell("cells/hh.hoc", template="HHCell", section="soma(0.5)")
    >>> cell.section
    'soma(0.5)'
    """

    file: str
    template: str | None = None
    mod_dir: str | None = None
    args: tuple | Mapping = ()
    section: str = "soma(0.5)"
    threshold_mv: float = 10.0
    spike_source: str | None = None
    v_source: str | None = None
    describe_timeout_s: float | None = field(default=300.0, compare=False, repr=False)
    _info: dict | None = field(default=None, compare=False, repr=False)

    def __post_init__(self):
        path = Path(self.file)
        if path.suffix not in (".hoc", ".py"):
            raise InvalidParameterError(
                f"The 'file' of a NEURON cell must end in .hoc or .py. Got {str(self.file)!r}.")
        object.__setattr__(self, "file", str(path.resolve()))
        if self.template is not None and not str(self.template).isidentifier():
            raise InvalidParameterError(
                f"The 'template' of a NEURON cell must be a hoc template or Python class name. "
                f"Got {self.template!r}.")
        if path.suffix == ".py" and self.template is None:
            raise InvalidParameterError(
                f"A .py NEURON cell needs 'template': the class (or function) in "
                f"{path.name} that builds the cell. Got None.")
        if self.mod_dir is not None:
            object.__setattr__(self, "mod_dir", str(Path(self.mod_dir).resolve()))
        args = self.args
        if isinstance(args, Mapping):
            if path.suffix == ".hoc" and args:
                raise InvalidParameterError(
                    "The 'args' of a hoc template are positional: give a list. "
                    f"Got the mapping {dict(args)!r}.")
            object.__setattr__(self, "args", dict(args))
        elif isinstance(args, Sequence) and not isinstance(args, str):
            object.__setattr__(self, "args", tuple(args))
        else:
            raise InvalidParameterError(
                f"The 'args' of a NEURON cell must be a list or a mapping. Got {args!r}.")
        _location(self.section, "section")
        t = float(self.threshold_mv)
        if not math.isfinite(t):
            raise InvalidParameterError(
                f"The 'threshold_mv' of a NEURON cell must be a finite number (mV). "
                f"Got {self.threshold_mv!r}.")
        object.__setattr__(self, "threshold_mv", t)
        if self.v_source is not None and str(self.v_source).count(".") != 1:
            raise InvalidParameterError(
                "The 'v_source' of a NEURON cell must read '<point process>.<variable>', "
                f"e.g. 'Izhi2003a.V'. Got {self.v_source!r}.")

    @property
    def name(self) -> str:
        """``"NEURON cell <template>"`` (the file's name without a template)."""
        return f"NEURON cell {self.template or Path(self.file).stem}"

    @property
    def parameters(self) -> dict[str, Parameter]:
        """``{name: Parameter}`` of every fittable parameter, each with its unit
        (NEURON's, e.g. ``S/cm2``, ``um``, ``mV``) and ``default`` = the value the
        cell builds with (bounds: that value; a fit gives its own). Read once, in
        a worker process (this process never starts NEURON; ``mod_dir`` is
        compiled first if needed)."""
        if self._info is None:
            from .workers import Task, run_tasks

            out = run_tasks("neuron", {}, [Task("describe", (self,), {})], workers=1,
                            timeout_s=self.describe_timeout_s)[0]
            if out.result is None:
                raise SimulationError(f"Reading the parameters of {Path(self.file).name} "
                                      f"failed: {out.reason}")
            info = {k: Parameter(v, v, unit=u, default=v, name=k)
                    for k, (v, u) in out.result.items()}
            object.__setattr__(self, "_info", info)
        return self._info

    def defaults(self) -> dict[str, float]:
        """``{name: value}`` as the cell builds itself (see :attr:`parameters`)."""
        return {k: p.default for k, p in self.parameters.items()}

    def parameter(self, name: str) -> Parameter:
        """One :class:`~spikeopt.Parameter`; an unknown name raises
        :class:`~spikeopt.UnknownNameError` with the closest names."""
        _check_names([name], list(self.parameters), self.file)
        return self.parameters[name]

    def check_names(self, names) -> None:
        """Raise :class:`~spikeopt.UnknownNameError` (with close matches) unless
        every name in ``names`` is a parameter of this cell."""
        _check_names(list(names), list(self.parameters), self.file)


def _check_names(names, known, file) -> None:
    for n in names:
        if n not in known:
            close = difflib.get_close_matches(n, known, n=3, cutoff=0.5)
            hint = f" Did you mean {close}?" if close else ""
            raise UnknownNameError(
                f"{n!r} is not a parameter of the NEURON cell {Path(file).name}.{hint} "
                f"Parameters: {sorted(known)}.")


# ---------------------------------------------------------------- in the worker


@dataclass
class BuiltCell:
    """One cell instantiated in this process's NEURON (and what keeps it alive).

    ``table`` maps each parameter name to how it is set: ``(kind, section,
    mechanism, attribute)`` with kind ``section``, ``segment``, ``density``,
    ``point`` or ``cell``.
    """

    keep: list
    sections: dict
    points: dict  # (section name, point process type) -> [point processes]
    table: dict
    where: tuple  # (section name, x) of the clamp and the recording
    threshold_mv: float
    spike_source: str | None = None
    v_source: str | None = None
    cell_values: dict = field(default_factory=lambda: {"celsius": 6.3, "v_init": -65.0})

    def describe(self, h) -> dict[str, tuple[float, str]]:
        """``{name: (current value, unit)}`` (first segment, first point process;
        units as NEURON's ``units()`` gives them)."""
        out = {}
        for name, (kind, sec, mech, attr) in self.table.items():
            if kind == "cell":
                out[name] = (float(self.cell_values[attr]), _CELL_UNITS[attr])
            elif kind == "section":
                out[name] = (float(getattr(sec, attr)), str(h.units(attr)))
            elif kind == "segment":
                out[name] = (float(getattr(next(iter(sec)), attr)), str(h.units(attr)))
            elif kind == "density":
                out[name] = (float(getattr(getattr(next(iter(sec)), mech), attr)),
                             str(h.units(f"{attr}_{mech}")))
            else:
                out[name] = (float(getattr(self.points[(mech[0], mech[1])][0], attr)),
                             str(h.units(f"{mech[1]}.{attr}")))
        return out

    def set(self, params: Mapping[str, float], file: str = "cell") -> None:
        """Set each named parameter (unknown names: error with close matches)."""
        _check_names(list(params), list(self.table), file)
        for name, value in params.items():
            v = float(value)
            kind, sec, mech, attr = self.table[name]
            if kind == "cell":
                self.cell_values[attr] = v
            elif kind == "section":
                setattr(sec, attr, v)
            elif kind == "segment":
                for seg in sec:
                    setattr(seg, attr, v)
            elif kind == "density":
                for seg in sec:
                    setattr(getattr(seg, mech), attr, v)
            else:
                for pp in self.points[(mech[0], mech[1])]:
                    setattr(pp, attr, v)


def _short(sec) -> str:
    return sec.name().rsplit(".", 1)[-1]


def _mech_params(h, mech: str, *, suffix: bool) -> list[str]:
    """PARAMETER names of a mechanism (scalars only)."""
    ms = h.MechanismStandard(mech, 1)
    ref = h.ref("")
    names = []
    for i in range(int(ms.count())):
        size = ms.name(ref, i)
        if size != 1:
            continue
        n = ref[0]
        if suffix and n.endswith(f"_{mech}"):
            n = n[: -len(mech) - 1]
        names.append(n)
    return names


def _table(h, sections: dict, points: dict) -> dict:
    table = {"celsius": ("cell", None, None, "celsius"),
             "v_init": ("cell", None, None, "v_init")}
    for name, sec in sections.items():
        for attr in _SECTION_ATTRS:
            table[f"{name}.{attr}"] = ("section", sec, None, attr)
        for attr in _SEGMENT_ATTRS:
            table[f"{name}.{attr}"] = ("segment", sec, None, attr)
        for ion in sec.psection()["ions"]:
            table[f"{name}.e{ion}"] = ("segment", sec, None, f"e{ion}")
        seg = next(iter(sec))
        for mech in seg:
            m = mech.name()
            if m.endswith("_ion"):
                continue
            for p in _mech_params(h, m, suffix=True):
                table[f"{name}.{m}.{p}"] = ("density", sec, m, p)
    for secname, kind in points:
        for p in _mech_params(h, kind, suffix=False):
            table[f"{secname}.{kind}.{p}"] = ("point", None, (secname, kind), p)
    return table


_modules: dict[str, object] = {}
_file_celsius: dict[str, float] = {}  # h.celsius right after a file was first loaded
PERSISTENT: set[str] = set()  # sections a file creates when loaded (module level): kept


def _load(h, cell: NeuronCell):
    """Load the cell's file once per process (a .py file as a module of its own);
    sections it creates at load time are persistent, not the cell's."""
    before = {sec.name() for sec in h.allsec()}
    if cell.file.endswith(".py"):
        if cell.file not in _modules:
            name = f"spikeopt_neuron_cell_{len(_modules)}_" + re.sub(r"\W", "_",
                                                                       Path(cell.file).stem)
            spec = importlib.util.spec_from_file_location(name, cell.file)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            _modules[cell.file] = module
        loaded = _modules[cell.file]
    else:
        if not h.load_file(cell.file):  # once per file name, as NEURON does
            raise SimulationError(f"NEURON could not load {cell.file}.")
        loaded = None
    PERSISTENT.update(sec.name() for sec in h.allsec() if sec.name() not in before)
    _file_celsius.setdefault(cell.file, float(h.celsius))
    return loaded


def _instantiate(h, cell: NeuronCell, cache_dir=None):
    """Load ``cell.file`` (mechanisms first) and build one cell; returns the
    object that keeps it alive (None for a hoc file without a template)."""
    if cell.mod_dir is not None:
        load_mechanisms(compile_mechanisms(cell.mod_dir, cache_dir=cache_dir))
    if not Path(cell.file).is_file():
        raise InvalidParameterError(f"The NEURON cell file {cell.file!r} does not exist.")
    args = cell.args
    if cell.template is None:  # a hoc file that creates its sections itself, every time
        if not h.load_file(1, cell.file):
            raise SimulationError(f"NEURON could not load {cell.file}.")
        _file_celsius.setdefault(cell.file, float(h.celsius))
        return None
    module = _load(h, cell)
    where = module if module is not None else h
    factory = getattr(where, cell.template, None)
    if factory is None:
        what = "Python class or function" if module is not None else "hoc template"
        raise UnknownNameError(f"{Path(cell.file).name} defines no {what} {cell.template!r}.")
    return factory(**args) if isinstance(args, dict) else factory(*args)


def _sections(h, obj) -> dict:
    """The cell's sections by name: a Python object's Section attributes by
    attribute name (``self.soma`` → ``soma``, lists → ``dend[2]``), then every
    other non-persistent section by what follows the last '.' of its name."""
    from neuron import nrn

    named: dict = {}
    if obj is not None and hasattr(obj, "__dict__") and not hasattr(obj, "hname"):
        for k, v in vars(obj).items():
            if isinstance(v, nrn.Section):
                named.setdefault(k, v)
            elif isinstance(v, list | tuple) and v and all(isinstance(x, nrn.Section)
                                                           for x in v):
                for i, x in enumerate(v):
                    named.setdefault(f"{k}[{i}]", x)
    taken = {sec.name() for sec in named.values()}
    for sec in h.allsec():
        if sec.name() in PERSISTENT or sec.name() in taken:
            continue
        name = _short(sec)
        named[name if name not in named else sec.name()] = sec
    return named


def build_cell(h, cell: NeuronCell, *, cache_dir=None) -> BuiltCell:
    """Instantiate ``cell`` in this process's NEURON (which must hold no other
    cell: the backend resets it between candidates)."""
    obj = _instantiate(h, cell, cache_dir)
    sections = _sections(h, obj)
    if not sections:
        raise SimulationError(f"{Path(cell.file).name} created no sections.")
    points: dict = {}
    for name, sec in sections.items():
        for seg in sec:
            for pp in seg.point_processes():
                points.setdefault((name, pp.hname().split("[", 1)[0]), []).append(pp)
    built = BuiltCell([obj], sections, points, _table(h, sections, points),
                      _location(cell.section, "section"), cell.threshold_mv,
                      cell.spike_source, cell.v_source)
    if built.where[0] not in sections:
        raise UnknownNameError(
            f"The 'section' {cell.section!r} names no section of {Path(cell.file).name}; "
            f"its sections are {sorted(sections)}.")
    built.cell_values["celsius"] = _file_celsius.get(cell.file, float(h.celsius))
    return built


_HH_NAMES = {"diam": ("segment", "diam"), "L": ("section", "L"), "cm": ("segment", "cm"),
             "gnabar": ("density", "gnabar"), "gkbar": ("density", "gkbar"),
             "gl": ("density", "gl"), "el": ("density", "el"), "ena": ("segment", "ena"),
             "ek": ("segment", "ek"), "celsius": ("cell", "celsius"),
             "v_init": ("cell", "v_init")}


def build_hh(h, params: Mapping[str, float], defaults: Mapping[str, float]) -> BuiltCell:
    """spikeopt's ``hh`` model as NEURON builds it: one section, one segment,
    the ``hh`` mechanism; ``params`` use the model's names and units."""
    sec = h.Section(name="soma")
    sec.nseg = 1
    sec.insert("hh")
    table = {k: (kind, sec, "hh" if kind == "density" else None, attr)
             for k, (kind, attr) in _HH_NAMES.items()}
    values = {**defaults, **params}
    built = BuiltCell([sec], {"soma": sec}, {}, table, ("soma", 0.5),
                      float(values["v_thresh"]))
    built.set({k: v for k, v in values.items() if k in table}, "hh")
    return built


def _point(built: BuiltCell, kind: str):
    found = [pp for (_, k), pps in built.points.items() if k == kind for pp in pps]
    if len(found) != 1:
        raise InvalidParameterError(
            f"The cell needs exactly one point process {kind!r} (spike_source or v_source). "
            f"Found {len(found)}; point processes: {sorted({k for _, k in built.points})}.")
    return found[0]


def _resample(stim: Stimulus, dt: float, n_steps: int) -> np.ndarray:
    """(S, n_steps) current (pA) on the simulation grid, held between samples
    (the numba engine's rule)."""
    vals = np.atleast_2d(stim.values)
    if stim.dt == dt:
        idx = np.arange(n_steps)
    else:
        idx = np.floor(np.arange(n_steps) * (dt / stim.dt) + 1e-9).astype(np.int64)
    if idx[-1] >= vals.shape[-1]:
        raise InvalidParameterError(
            f"The simulation ({n_steps * dt:g} ms) is longer than the stimulus "
            f"({stim.duration:g} ms); pass a shorter t_stop or a longer stimulus.")
    return vals[:, idx]


def run_sweeps(h, built: BuiltCell, stimulus: Stimulus, *, dt: float, t_stop: float | None,
               record_v: bool, v_every: int):
    """Every sweep of ``stimulus`` (pA) through an IClamp at ``built.where``, each
    from ``finitialize(v_init)``, fixed step ``dt`` (ms); a one-candidate SimResult.

    Spike times are NEURON's: the end of the step in which ``v`` reached the
    threshold (a point process's event time for ``spike_source``)."""
    n_steps = int(round((t_stop if t_stop is not None else stimulus.duration) / dt))
    if n_steps < 1:
        raise InvalidParameterError(f"Nothing to simulate: t_stop / dt gives {n_steps} steps.")
    current = _resample(stimulus, dt, n_steps) * 1e-3  # pA -> nA
    name, x = built.where
    sec = built.sections[name]
    seg = sec(x)
    clamp = h.IClamp(seg)
    clamp.delay, clamp.dur = 0.0, 1e9
    if built.spike_source is not None:
        detector = h.NetCon(_point(built, built.spike_source), None)
    else:
        detector = h.NetCon(seg._ref_v, None, sec=sec)
        detector.threshold = built.threshold_mv
    if built.v_source is not None:
        kind, var = built.v_source.split(".")
        vref = getattr(_point(built, kind), f"_ref_{var}")
    else:
        vref = seg._ref_v
    h.dt = dt
    h.celsius = built.cell_values["celsius"]
    t_end = n_steps * dt
    trains, vs, failed = [], [], []
    for row in current:
        times = h.Vector()
        detector.record(times)
        play = h.Vector(row)
        play.play(clamp._ref_amp, dt)
        vrec = h.Vector().record(vref, dt) if record_v else None
        h.finitialize(built.cell_values["v_init"])
        getattr(h, ADVANCE)(n_steps)
        t = np.round(as_array(times), 9)
        trains.append(t[t < t_end - 0.5 * dt])
        failed.append(not math.isfinite(float(vref[0])))
        if record_v:
            vs.append(as_array(vrec)[:n_steps:int(v_every)])
            vrec.play_remove()
        play.play_remove()
    res = cell_result(trains, t_stop=t_end, dt=dt, v=np.stack(vs) if record_v else None,
                      v_dt=dt * int(v_every))
    res.failed[:] = failed
    res.fail_time[np.asarray(failed)] = t_end
    built.keep.extend([clamp, detector])
    return res
