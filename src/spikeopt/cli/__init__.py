"""The ``spikeopt`` command. Each sub-command lives in its own module of this
package and registers itself in :data:`COMMANDS` (name -> module path); the
module defines ``add_arguments(parser)`` and ``run(args) -> int``."""

from __future__ import annotations

import argparse
import importlib
import sys

from .._version import __version__

# name -> (module, one-line help). Modules are imported lazily so that
# ``spikeopt --help`` stays fast and optional dependencies stay optional.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("spikeopt.cli.init", "write a starter fit (cell, network or task) that runs as is"),
    "fit": ("spikeopt.cli.fit", "fit a model or network to data or targets (config file)"),
    "resume": ("spikeopt.cli.fit:Resume", "continue a stopped or finished fit"),
    "report": ("spikeopt.cli.fit:Report", "rewrite the report of a fit's run folder"),
    "schema": ("spikeopt.cli.schema", "print the fit configuration's JSON Schema"),
    "simulate": ("spikeopt.cli.simulate", "simulate a population of neurons under a stimulus"),
    "validate": ("spikeopt.cli.validate", "compare model and target spike trains statistically"),
    "hawkes": ("spikeopt.cli.hawkes", "fit a multivariate Hawkes process to spike trains"),
}


def _load(spec: str):
    """``"pkg.module"`` or ``"pkg.module:Attr"`` → the object with add_arguments/run."""
    module, _, attr = spec.partition(":")
    obj = importlib.import_module(module)
    return getattr(obj, attr) if attr else obj


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spikeopt",
        description="Fit spiking neuron models and networks to data and goals.",
    )
    parser.add_argument("--version", action="version", version=f"spikeopt {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_) in COMMANDS.items():
        p = sub.add_parser(name, help=help_, description=help_)
        p.set_defaults(_module=module)
        _load(module).add_arguments(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    module = _load(args._module)
    try:
        return int(module.run(args) or 0)
    except (ValueError, KeyError, FileNotFoundError, FileExistsError) as exc:
        # user errors: one clear line
        print(f"spikeopt {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
