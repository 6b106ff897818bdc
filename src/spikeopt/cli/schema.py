"""``spikeopt schema [--kind cell|network] [-o FILE]``: the fit configuration's JSON
Schema, for editors that complete and check YAML (e.g. VS Code's YAML extension:
``# yaml-language-server: $schema=spikeopt.schema.json`` on a config's first line)."""

from __future__ import annotations

from pathlib import Path


def add_arguments(p) -> None:
    from ..fitting.schema import CONFIGS

    p.add_argument("--kind", choices=sorted(CONFIGS), default=None,
                   help="only this kind's schema (default: any kind)")
    p.add_argument("-o", "--output", default=None, help="write to this file instead of stdout")


def run(args) -> int:
    from ..fitting.schema import dumps_schema

    text = dumps_schema(args.kind)
    if args.output:
        Path(args.output).write_text(text + "\n")
    else:
        print(text)
    return 0
