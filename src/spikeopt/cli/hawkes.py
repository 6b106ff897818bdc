"""``spikeopt hawkes SPIKES``: fit a multivariate Hawkes process to spike trains
(see :mod:`spikeopt.hawkes`) and write the estimates and figures.

SPIKES is a spike file (``.npz``, ``.csv``: times in ms; ``.mat``: unit
``--time-unit``, seconds by default). ``--out DIR`` receives ``estimate.json``
(all numbers, units, test settings, goodness of fit), ``alpha.csv``, ``mu.csv``,
``significant.csv`` and the figures ``alpha.png``, ``rescaled_qq.png`` (and
``posterior.png`` for ``--method mcmc``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..errors import InvalidParameterError


def parse_neurons(text: str) -> list[int]:
    """``"0,2,5-7"`` → ``[0, 2, 5, 6, 7]`` (0-based train indices, order kept)."""
    out: list[int] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            if "-" in part:
                a, b = (int(x) for x in part.split("-", 1))
                if b < a:
                    raise ValueError
                out.extend(range(a, b + 1))
            else:
                out.append(int(part))
        except ValueError:
            raise InvalidParameterError(
                f"--neurons takes 0-based indices and ranges such as '0,2,5-7'. Got {text!r}."
            ) from None
    if not out or min(out) < 0 or len(set(out)) != len(out):
        raise InvalidParameterError(
            f"--neurons needs distinct indices >= 0. Got {text!r}."
        )
    return out


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spikes", help="spike file (.npz, .csv, .mat)")
    parser.add_argument("--neurons", type=parse_neurons, default=None,
                        help="0-based trains to use, e.g. '0,2,5-7' (default: all)")
    parser.add_argument("--method", choices=("mle", "mcmc"), default="mle")
    parser.add_argument("--out", type=Path, default=None, help="write estimates and figures here")
    parser.add_argument("--time-unit", choices=("s", "ms"), default="s",
                        help="time unit of .mat files (default: s)")
    parser.add_argument("--mat-variable", default=None, help="variable of a .mat file")
    parser.add_argument("--t-stop", type=float, default=None,
                        help="end of the observation window in ms (default: last spike)")
    parser.add_argument("--beta-shape", choices=("shared", "source", "pair"), default="shared",
                        help="decays to fit: one shared, one per source or one per pair")
    parser.add_argument("--beta", type=float, default=None,
                        help="fix one shared decay (1/ms) instead of fitting it (mle)")
    parser.add_argument("--level", type=float, default=0.05,
                        help="significance level of the likelihood-ratio tests (mle)")
    parser.add_argument("--correction", choices=("bh", "holm", "bonferroni", "none"),
                        default="bh", help="multiple-testing correction (mle; default: bh)")
    parser.add_argument("--samples", type=int, default=1000, help="posterior draws per chain")
    parser.add_argument("--warmup", type=int, default=500, help="warm-up steps per chain")
    parser.add_argument("--chains", type=int, default=2, help="MCMC chains")
    parser.add_argument("--seed", type=int, default=0, help="seed of the MCMC chains")
    parser.add_argument("--no-figures", action="store_true", help="with --out: skip figures")


def _load(args):
    from ..io.spikefiles import load_mat_spikes, load_spikes

    path = Path(args.spikes)
    if path.suffix.lower() == ".mat":
        st = load_mat_spikes(path, variable=args.mat_variable, time_unit=args.time_unit)
    else:
        st = load_spikes(path)
    names = [str(i) for i in range(len(st))]
    if args.neurons is not None:
        bad = [i for i in args.neurons if i >= len(st)]
        if bad:
            raise InvalidParameterError(
                f"--neurons {bad} out of range: {path} holds {len(st)} trains (0-based)."
            )
        st = st.take(args.neurons)
        names = [names[i] for i in args.neurons]
    return st, names


def run(args: argparse.Namespace) -> int:
    from .. import hawkes

    st, names = _load(args)
    if args.method == "mle":
        est = hawkes.fit(st, method="mle", beta=args.beta, beta_shape=args.beta_shape,
                         t_stop=args.t_stop, level=args.level, correction=args.correction,
                         names=names)
    else:
        if args.beta is not None:
            raise InvalidParameterError("--beta (a fixed decay) is for --method mle only.")
        est = hawkes.fit(st, method="mcmc", beta_shape=args.beta_shape, t_stop=args.t_stop,
                         num_samples=args.samples, num_warmup=args.warmup,
                         num_chains=args.chains, rng=args.seed, names=names)
    gof = hawkes.time_rescaling(st, est)
    print(est)
    print(f"time rescaling: KS = {gof.ks_stat:.4f}, p = {gof.pvalue:.3g} "
          f"({gof.pooled.size} intervals)")
    if est.significant is not None:
        pairs = [f"{names[j]}->{names[i]} ({est.alpha[i, j]:.3f})"
                 for i, j in zip(*est.significant.nonzero(), strict=True)]
        print(f"significant interactions ({len(pairs)}): " + ", ".join(pairs[:30])
              + (" ..." if len(pairs) > 30 else ""))
    if args.out is not None:
        paths = est.save(args.out)
        data = json.loads(paths["json"].read_text())
        data["goodness_of_fit"] = {"test": "time rescaling, KS vs Exp(1)",
                                   "ks_stat": gof.ks_stat, "pvalue": gof.pvalue,
                                   "per_train_pvalues": gof.pvalues.tolist()}
        data["source"] = str(args.spikes)
        paths["json"].write_text(json.dumps(data, indent=2))
        if not args.no_figures:
            from ..hawkes import plots

            figs = {"alpha": plots.plot_alpha(est), "rescaled_qq": plots.plot_rescaled_qq(
                gof, per_train=True)}
            if est.samples is not None:
                figs["posterior"] = plots.plot_posterior(est)
            for name, fig in figs.items():
                paths[name + "_png"] = Path(args.out) / f"{name}.png"
                fig.savefig(paths[name + "_png"], dpi=120)
        print(f"wrote {len(paths)} files to {args.out}")
    return 0
