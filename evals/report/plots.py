"""Report plots: for one model and suite, each headline metric's rate per condition cell with its 95% Wilson
interval as error bars, drawn with matplotlib (Agg, no display) and embedded in the page as base64 PNG."""

from __future__ import annotations

import base64
import io
import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from evals.report.build import SuiteSection
from evals.report.kinds import behaviour_label
from evals.report.rates import ALL

LEVEL_COLOURS = {"training": "#c0392b", "unmonitored": "#2471a3", "unstated": "#7f8c8d"}


def suite_plot(section: SuiteSection, model: str) -> str | None:
    """A base64 PNG for one model's headline metrics in one suite, or None when there is nothing to plot."""
    cells = section.cells[(section.cells["model"] == model) & (section.cells["cell"] != ALL)]
    metrics = [m for m in section.headline if (cells["metric"] == m.metric).any()]
    if not metrics:
        return None
    factors = list(section.layout.cell_factors)
    colour_factor = "training_awareness" if "training_awareness" in factors else None
    width = min(16.0, max(7.0, 0.55 * cells["cell"].nunique() + 3.0))
    figure, axes = plt.subplots(len(metrics), 1, figsize=(width, 3.8 * len(metrics)), squeeze=False)
    for axis, info in zip(axes[:, 0], metrics, strict=True):
        part = cells[cells["metric"] == info.metric].reset_index(drop=True)
        x = list(range(len(part)))
        for index, row in part.iterrows():
            rate = float(row["rate"])
            if math.isnan(rate):
                continue
            colour = LEVEL_COLOURS.get(str(row[colour_factor]), "#34495e") if colour_factor else "#34495e"
            axis.errorbar(
                [int(str(index))],
                [rate],
                yerr=[[max(0.0, rate - float(row["ci_low"]))], [max(0.0, float(row["ci_high"]) - rate)]],
                fmt="o",
                color=colour,
                capsize=3,
            )
        axis.set_xticks(x)
        axis.set_xticklabels([str(c) for c in part["cell"]], rotation=35, ha="right", fontsize=7)
        axis.set_ylim(-0.03, 1.03)
        axis.set_ylabel("rate")
        axis.set_title(f"{behaviour_label(info.metric)} by condition ({' / '.join(factors) or 'all'})", fontsize=9)
        axis.grid(axis="y", alpha=0.3)
    figure.suptitle(f"{section.suite} — {model} (95% Wilson intervals)", fontsize=10)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")
