"""``spikeopt fit CONFIG.yaml``, ``spikeopt resume RUN_DIR`` and ``spikeopt report RUN_DIR``."""

from __future__ import annotations

from pathlib import Path


def add_arguments(p) -> None:
    p.add_argument("config", help="fit configuration (YAML); see examples/")
    p.add_argument("--overwrite", action="store_true",
                   help="replace an existing run in the output folder")
    _watch_arguments(p)


def _watch_arguments(p) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--live", action="store_true",
                   help="a live view in the terminal: best-loss curve, the best candidate's "
                        "raster (cells: data vs model per sweep; networks: per population; tasks: "
                        "output and hidden neurons on held-out trials), "
                        "parameter spread, evaluations/s, budget and time left (a progress "
                        "bar when the output is not a terminal)")
    g.add_argument("--no-progress", action="store_true", help="no progress bar")


def _print_summary(result, out: Path) -> None:
    import json

    from ..fitting.summary import describe_stop

    print(f"best loss {result.best_loss:.5g} after {result.n_evaluations} evaluations "
          f"(stopped by {describe_stop(result.stop_reason)})")
    scores = json.loads((out / "scores.json").read_text())
    for name, t in scores.get("terms", {}).items():  # a network fit
        n = scores["validation_seeds"]
        print(f"{name}: {t['mean']:.4g} ± {t['sd']:.2g} on {n} fresh seeds")
    if "test_accuracy" in scores:  # a task fit
        lo, hi = scores.get("test_accuracy_ci95", (float("nan"), float("nan")))
        n = scores.get("test_trials", scores.get("test_rows", "?"))
        chance = (f"; chance {scores['chance_level']:.2f}" if "chance_level" in scores else "")
        print(f"train accuracy {scores['train_accuracy']:.3f}; test accuracy "
              f"{scores['test_accuracy']:.3f} (95 % CI {lo:.3f}–{hi:.3f}, {n} held-out "
              f"trials{chance})")
    for part in ("train", "test"):
        if part in scores:
            s = scores[part]
            extra = (f", normalised Γ {s['normalized_gamma']:.3f}"
                     if "normalized_gamma" in s else "")
            print(f"{part:>5}: Γ {s['gamma']:.3f}{extra}, SPIKE-distance "
                  f"{s['spike_distance']:.3f}, |rate error| {s['rate_error_Hz']:.2f} Hz")
    for name in ("report.html", "raster.png"):
        if (out / name).exists():
            print(f"report: {out / name}")
            break


def run(args) -> int:
    from ..fitting import fit, load_config

    cfg = load_config(args.config)
    result = fit(cfg, progress=not args.no_progress, overwrite=args.overwrite, live=args.live)
    _print_summary(result, Path(cfg["output"]))
    return 0


class Resume:
    @staticmethod
    def add_arguments(p) -> None:
        p.add_argument("run_dir", help="the run folder of a fit")
        p.add_argument("--budget", type=int, default=None,
                       help="new total number of evaluations (extends a finished run)")
        _watch_arguments(p)

    @staticmethod
    def run(args) -> int:
        from ..fitting import resume_fit

        result = resume_fit(args.run_dir, budget=args.budget, progress=not args.no_progress,
                            live=args.live)
        _print_summary(result, Path(args.run_dir))
        return 0


class Report:
    @staticmethod
    def add_arguments(p) -> None:
        p.add_argument("run_dir", help="the run folder of a fit")

    @staticmethod
    def run(args) -> int:
        from ..fitting import finalize
        from ..run.result import Result
        from ..run.store import RunStore

        store = RunStore.open(args.run_dir)
        try:
            cfg = store.meta()["config"]
            names = list(store.meta()["space"])
            result = Result.from_history(store.history(), names, stop_reason="report",
                                         run_dir=Path(args.run_dir))
        finally:
            store.close()
        finalize(cfg, result)
        _print_summary(result, Path(args.run_dir))
        return 0
