"""``spikeopt init cell|network|task DIR``: a commented starter config, a README, the
config's JSON Schema and the small generated data it needs, so that
``spikeopt fit DIR/config.yaml`` runs as written."""

from __future__ import annotations


def add_arguments(p) -> None:
    from ..fitting.scaffold import KINDS

    p.add_argument("kind", choices=KINDS, help="what to fit: a cell to a recording, a "
                   "network to a raster, or a network to a task")
    p.add_argument("dir", help="the folder to write (created if needed)")
    p.add_argument("--overwrite", action="store_true", help="replace existing starter files")


def run(args) -> int:
    from ..fitting.scaffold import scaffold

    config = scaffold(args.kind, args.dir, overwrite=args.overwrite)
    folder = config.parent
    print(f"wrote a {args.kind} fit to {folder}/: config.yaml, README.md, config.schema.json"
          + ("" if args.kind == "task" else " and its data"))
    print(f"run it: spikeopt fit {config}   (add --live to watch it)")
    return 0
