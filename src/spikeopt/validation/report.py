"""The :class:`ValidationReport` returned by :func:`spikeopt.validate`."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..spikes import SpikeTrains
from .stats import TESTS, TwoSampleResult

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ValidationReport", "TABLE_COLUMNS"]

# the columns every report table has, in order (more may follow)
TABLE_COLUMNS = (
    "measure",
    "test",
    "statistic",
    "p value",
    "effect size",
    "n_model",
    "n_target",
    "verdict",
)


@dataclass
class ValidationReport:
    """Two-sample comparison of a model's spike trains with a target's.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per measure × test with the columns of :data:`TABLE_COLUMNS`
        followed by ``p adjusted`` (after the multiple-comparison correction),
        ``cohen_d``, ``wasserstein`` (in the measure's unit), ``mean_model``,
        ``mean_target`` and ``unit``. ``effect size`` is Hedges' g of
        model minus target (the same on every row of a measure). ``verdict``
        is ``"pass"`` when the adjusted p value is >= ``alpha`` (no detected
        difference), ``"fail"`` when it is below, ``"n/a"`` when the test could
        not run (too few finite values).
    samples : dict
        measure -> (model values, target values), the per-neuron (or per-pair,
        per-bin) samples that were tested, non-finite values included.
    alpha, correction :
        The significance level and the multiple-comparison correction applied
        across all rows of the table (one family).
    window_model, window_target : (float, float)
        Observation windows in ms; ``window_inferred`` says for each set whether
        ``t_stop`` was inferred (from the container's ``t_stop`` or its last spike).
    """

    table: pd.DataFrame
    samples: dict[str, tuple[np.ndarray, np.ndarray]]
    results: list[tuple[str, TwoSampleResult | None]]
    alpha: float
    correction: str
    window_model: tuple[float, float]
    window_target: tuple[float, float]
    window_inferred: tuple[str | None, str | None]
    model: SpikeTrains
    target: SpikeTrains
    units: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    # -- verdicts ------------------------------------------------------------
    @property
    def measures(self) -> list[str]:
        return list(self.samples)

    @property
    def verdicts(self) -> dict[str, str]:
        """measure -> ``"pass"`` (no test rejects after correction), ``"fail"``
        (at least one does) or ``"n/a"`` (no test could run)."""
        out = {}
        for m in self.measures:
            v = self.table.loc[self.table["measure"] == m, "verdict"].tolist()
            if "fail" in v:
                out[m] = "fail"
            elif "pass" in v:
                out[m] = "pass"
            else:
                out[m] = "n/a"
        return out

    @property
    def passed(self) -> bool:
        """True when no measure fails."""
        return "fail" not in self.verdicts.values()

    def summary(self) -> pd.DataFrame:
        """One row per measure: label, unit, means, sizes, effect size, verdict."""
        import pandas as pd

        rows = []
        for m in self.measures:
            sub = self.table[self.table["measure"] == m]
            first = sub.iloc[0] if len(sub) else None
            rows.append(
                {
                    "measure": m,
                    "label": self.labels.get(m, m),
                    "unit": self.units.get(m, ""),
                    "mean_model": None if first is None else first["mean_model"],
                    "mean_target": None if first is None else first["mean_target"],
                    "n_model": None if first is None else first["n_model"],
                    "n_target": None if first is None else first["n_target"],
                    "effect size": None if first is None else first["effect size"],
                    "min p adjusted": sub["p adjusted"].min() if len(sub) else np.nan,
                    "verdict": self.verdicts[m],
                }
            )
        return pd.DataFrame(rows)

    # -- text forms -------------------------------------------------------------
    def header_lines(self) -> list[str]:
        lines = []
        for who, (a, b), how in (
            ("model", self.window_model, self.window_inferred[0]),
            ("target", self.window_target, self.window_inferred[1]),
        ):
            n = len(self.model if who == "model" else self.target)
            src = f" (t_stop inferred from {how})" if how else ""
            lines.append(f"{who}: {n} trains, window {a:.12g}-{b:.12g} ms{src}")
        lines.append(
            f"alpha = {self.alpha:g}, correction = {self.correction} "
            f"over {int(self.table['p value'].notna().sum())} tests"
        )
        lines.extend(self.notes)
        return lines

    def __str__(self) -> str:
        out = ["Validation: model vs target", *("  " + s for s in self.header_lines()), ""]
        for m in self.measures:
            unit = self.units.get(m, "")
            out.append(
                f"{self.labels.get(m, m)}"
                + (f" [{unit}]" if unit else "")
                + f": {self.verdicts[m]}"
            )
            for measure, res in self.results:
                if measure != m or res is None:
                    continue
                row = self.table[(self.table["measure"] == m) & (self.table["test"] == res.test)]
                padj = float(row["p adjusted"].iloc[0])
                out.append(f"  {res}  (adjusted {padj:.3g})")
            skipped = self.table[(self.table["measure"] == m) & self.table["p value"].isna()]
            for test in skipped["test"]:
                out.append(f"  {TESTS[test][0]}  n/a (too few values)")
            out.append("")
        verdict = "PASS" if self.passed else "FAIL"
        out.append(f"overall: {verdict}")
        return "\n".join(out)

    def __repr__(self) -> str:
        v = ", ".join(f"{k}={s}" for k, s in self.verdicts.items())
        return f"ValidationReport({v}; alpha={self.alpha:g}, correction={self.correction!r})"

    def _display_table(self) -> pd.DataFrame:
        t = self.table[list(TABLE_COLUMNS) + ["p adjusted", "wasserstein"]].copy()
        t["test"] = [TESTS[k][0] if k in TESTS else k for k in t["test"]]
        return t

    def to_markdown(self) -> str:
        """The header and the table as GitHub-flavoured Markdown."""
        t = self._display_table()
        cols = list(t.columns)
        lines = [f"- {s}" for s in self.header_lines()]
        lines.append("")
        lines.append("| " + " | ".join(cols) + " |")
        lines.append("|" + "|".join("---:" if _numeric(t[c]) else "---" for c in cols) + "|")
        for _, row in t.iterrows():
            lines.append("| " + " | ".join(_cell(row[c]) for c in cols) + " |")
        return "\n".join(lines) + "\n"

    def to_html(self) -> str:
        """The header and the table as an HTML fragment."""
        head = "".join(f"<li>{html.escape(s)}</li>" for s in self.header_lines())
        body = self._display_table().to_html(
            index=False, float_format=lambda x: f"{x:.4g}", na_rep="", border=0
        )
        return f'<div class="spikeopt-validation"><ul>{head}</ul>\n{body}</div>\n'

    # -- figures and files -----------------------------------------------------
    def figures(self) -> dict:
        """name -> matplotlib Figure: one histogram + violin panel per measure
        (``measure_<key>``), the rasters (``raster``) and the LV-vs-rate scatter
        (``lv_vs_rate``). Uses whatever matplotlib backend is active."""
        from . import plots

        return plots.report_figures(self)

    def save(self, directory, *, figures: bool = True) -> dict[str, Path]:
        """Write ``table.csv``, ``report.md``, ``report.html``, ``report.txt`` and
        (with ``figures``) one PNG per figure into ``directory``; returns the paths."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        paths = {
            "table": d / "table.csv",
            "markdown": d / "report.md",
            "html": d / "report.html",
            "text": d / "report.txt",
        }
        self.table.to_csv(paths["table"], index=False)
        paths["markdown"].write_text(self.to_markdown())
        paths["text"].write_text(str(self) + "\n")
        imgs = ""
        if figures:
            for name, fig in self.figures().items():
                p = d / f"{name}.png"
                fig.savefig(p, dpi=100)
                paths[name] = p
                imgs += f'<p><img src="{p.name}" alt="{html.escape(name)}"></p>\n'
        paths["html"].write_text(
            "<!doctype html><html><head><meta charset='utf-8'><title>spikeopt validation"
            "</title></head><body>\n" + self.to_html() + imgs + "</body></html>\n"
        )
        return paths


def _numeric(col) -> bool:
    import pandas as pd

    return pd.api.types.is_numeric_dtype(col)


def _cell(x) -> str:
    if isinstance(x, float | np.floating):
        return "" if x != x else f"{x:.4g}"
    return str(x).replace("|", "\\|")
