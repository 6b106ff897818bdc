"""``spikeopt validate MODEL [TARGET]``: statistical comparison of two sets of
spike trains (see :func:`spikeopt.validate`).

MODEL and TARGET are spike files (``.npz``, ``.csv``, ``.mat``; times in ms,
except ``.mat`` whose unit is ``--time-unit``, seconds by default) or run
folders. In a run folder the model's spikes are the first of
:data:`MODEL_FILES` that exists and the target's the first of
:data:`TARGET_FILES`; TARGET may be left out when MODEL is a run folder that
holds both.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import InvalidParameterError

MODEL_FILES = ("best_spikes.npz", "spikes.npz", "best_spikes.csv", "spikes.csv")
TARGET_FILES = ("target_spikes.npz", "target_spikes.csv")


def _csv(text: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in text.split(",") if s.strip())


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from ..validation import DEFAULT_STATISTICS, DEFAULT_TESTS

    parser.add_argument("model", help="model spike file or run folder")
    parser.add_argument(
        "target", nargs="?", help="target spike file or run folder (default: MODEL's target)"
    )
    parser.add_argument(
        "--tests",
        type=_csv,
        default=DEFAULT_TESTS,
        help="comma-separated measures: rate,cv,lv,lvr,fano,corr,psth,synchrony "
        f"(default: {','.join(DEFAULT_TESTS)})",
    )
    parser.add_argument(
        "--stats",
        type=_csv,
        default=DEFAULT_STATISTICS,
        help=f"comma-separated two-sample tests (default: {','.join(DEFAULT_STATISTICS)})",
    )
    parser.add_argument("--alpha", type=float, default=0.05, help="significance level")
    parser.add_argument(
        "--correction",
        default="holm",
        choices=("holm", "bonferroni", "bh", "none"),
        help="multiple-comparison correction across all tests (default: holm)",
    )
    parser.add_argument("--t-start", type=float, default=0.0, help="window start in ms")
    parser.add_argument(
        "--t-stop", type=float, default=None, help="window end in ms (default: inferred)"
    )
    parser.add_argument(
        "--time-unit", choices=("s", "ms"), default="s", help="time unit of .mat files"
    )
    parser.add_argument("--out", type=Path, default=None, help="write report files here")
    parser.add_argument("--no-figures", action="store_true", help="with --out: skip figures")
    parser.add_argument(
        "--format", choices=("text", "markdown"), default="text", help="what to print"
    )
    parser.add_argument(
        "--check", action="store_true", help="exit with status 1 when a measure fails"
    )


def _pick(folder: Path, names: tuple[str, ...], what: str) -> Path:
    for n in names:
        if (folder / n).is_file():
            return folder / n
    raise FileNotFoundError(
        f"{folder} is a folder without {what} spikes; expected one of {list(names)}."
    )


def _load(path: Path, time_unit: str):
    from ..io.spikefiles import load_mat_spikes, load_spikes

    if path.suffix.lower() == ".mat":
        return load_mat_spikes(path, time_unit=time_unit)
    return load_spikes(path)


def resolve_inputs(model: str, target: str | None) -> tuple[Path, Path]:
    """The model and target spike files named by the command line."""
    m = Path(model)
    if not m.exists():
        raise FileNotFoundError(f"Not found: {m}")
    if target is None:
        if not m.is_dir():
            raise InvalidParameterError(
                "validate needs a TARGET spike file unless MODEL is a run folder "
                f"holding one of {list(TARGET_FILES)}."
            )
        return _pick(m, MODEL_FILES, "model"), _pick(m, TARGET_FILES, "target")
    t = Path(target)
    if not t.exists():
        raise FileNotFoundError(f"Not found: {t}")
    mf = _pick(m, MODEL_FILES, "model") if m.is_dir() else m
    tf = _pick(t, TARGET_FILES + MODEL_FILES, "target") if t.is_dir() else t
    return mf, tf


def run(args: argparse.Namespace) -> int:
    from ..validation import validate

    mf, tf = resolve_inputs(args.model, args.target)
    model = _load(mf, args.time_unit)
    target = _load(tf, args.time_unit)
    report = validate(
        model,
        target,
        tests=args.tests,
        statistics=args.stats,
        alpha=args.alpha,
        correction=args.correction,
        t_start=args.t_start,
        t_stop=args.t_stop,
    )
    print(f"model: {mf}\ntarget: {tf}")
    print(report.to_markdown() if args.format == "markdown" else report)
    if args.out is not None:
        paths = report.save(args.out, figures=not args.no_figures)
        print(f"wrote {len(paths)} files to {args.out}")
    return 1 if (args.check and not report.passed) else 0
