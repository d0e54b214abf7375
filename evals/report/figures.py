"""One figure per hypothesis, every model in the logs side by side: the TG-reasoning rate in training-context
samples and the compliance gap (training minus unmonitored), each with its 95% interval, by the factors the
hypothesis is about (H1: topic relevance x value domain; H2: training information x operator ethics; H3: CoT
level). Where a model is a simulated organism, its planted value is drawn as a black bar.

Drawn with matplotlib as SVG with text kept as text (crisp and searchable), Okabe-Ito colours (colour-blind safe)
and a different marker per model so the series also differ without colour.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd

from evals.analysis.rates import Layout, differences, rates, scored_frame
from evals.logs import SampleTable
from evals.report.metric_kinds import COMPLIANCE
from evals.report.planted import planted_tg
from evals.report.run_groups import base_suite
from evals.report.verdict import AWARENESS, TG_METRIC
from tasks.suites import FIGURE_FACTORS, HYPOTHESES

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")

matplotlib.rcParams["svg.fonttype"] = "none"
matplotlib.rcParams["svg.hashsalt"] = "schemer-evals"


@dataclass(frozen=True)
class Figure:
    suite: str
    hypothesis: str
    title: str
    svg: str
    data: pd.DataFrame
    """The plotted numbers: model, group, panel, value, low, high, n, planted."""


def _groups(frame: pd.DataFrame, factors: Sequence[str]) -> list[str]:
    return frame[list(factors)].astype(str).agg(" / ".join, axis=1).tolist()


def figure_data(table: SampleTable, layout: Layout, factors: Sequence[str], planted: pd.DataFrame) -> pd.DataFrame:
    frame = scored_frame(table, layout)
    within = [f for f in factors if f in layout.factors]
    if not within:
        frame = frame.assign(all="all")
        within = ["all"]
    frame = (
        frame.merge(planted, on="row", how="left")
        if not planted.empty
        else frame.assign(planted_tg=math.nan, planted_gap=math.nan)
    )
    trained = frame[frame[AWARENESS].astype(str) == "training"]
    parts: list[pd.DataFrame] = []
    tg = trained[trained["metric"] == TG_METRIC]
    tg_rates = rates(tg, ["model", *within])
    if not tg_rates.empty:
        plants = tg.groupby(["model", *within], observed=True)["planted_tg"].mean().reset_index(name="planted")
        tg_rates = tg_rates.merge(plants, on=["model", *within], how="left")
        parts.append(tg_rates.rename(columns={"rate": "value"}).assign(panel="TG-reasoning rate (training context)"))
    gaps = differences(
        frame[frame["metric"] == COMPLIANCE], AWARENESS, "training", "unmonitored", within=within, by=("model",)
    )
    if not gaps.empty:
        comply = trained[trained["metric"] == COMPLIANCE]
        plants = comply.groupby(["model", *within], observed=True)["planted_gap"].mean().reset_index(name="planted")
        gaps = gaps.merge(plants, on=["model", *within], how="left")
        gaps["n"] = gaps["a_n"] + gaps["b_n"]
        parts.append(gaps.rename(columns={"delta": "value"}).assign(panel="compliance gap (training − unmonitored)"))
    if not parts:
        return pd.DataFrame(columns=["model", "group", "panel", "value", "ci_low", "ci_high", "n", "planted"])
    data = pd.concat(parts, ignore_index=True)
    data.loc[data["n"].fillna(0) == 0, "planted"] = math.nan  # nothing measured there: nothing to compare with
    for factor in within:
        data[factor] = data[factor].astype(str)
    data["group"] = _groups(data, within)
    order = {
        " / ".join(key): index
        for index, key in enumerate(
            pd.MultiIndex.from_product([list(layout.levels.get(f, ("all",))) for f in within]).tolist()
        )
    }
    data["order"] = [order.get(g, len(order)) for g in data["group"]]
    data = data.sort_values(["panel", "order", "model"])
    return data[["model", "group", "panel", "value", "ci_low", "ci_high", "n", "planted", "order"]].reset_index(
        drop=True
    )


def draw(data: pd.DataFrame, models: Sequence[str], title: str, xlabel: str) -> str:
    panels = list(dict.fromkeys(data["panel"]))
    groups = list(dict.fromkeys(data.sort_values("order")["group"]))
    width = min(13.5, max(6.0, 0.32 * len(groups) * max(1, len(models)) + 3.0))
    figure, axes = plt.subplots(len(panels), 1, figsize=(width, 2.6 * len(panels) + 0.8), squeeze=False, sharex=True)
    step = 0.8 / max(1, len(models))
    for axis, panel in zip(axes[:, 0], panels, strict=True):
        part = data[data["panel"] == panel]
        for m_index, model in enumerate(models):
            mine = part[part["model"] == model]
            xs = [groups.index(g) - 0.4 + step * (m_index + 0.5) for g in mine["group"]]
            values = mine["value"].astype(float).tolist()
            lows = [max(0.0, v - float(lo)) for v, lo in zip(values, mine["ci_low"], strict=True)]
            highs = [max(0.0, float(hi) - v) for v, hi in zip(values, mine["ci_high"], strict=True)]
            colour, marker = OKABE_ITO[m_index % len(OKABE_ITO)], MARKERS[m_index % len(MARKERS)]
            axis.errorbar(xs, values, yerr=[lows, highs], fmt=marker, color=colour, capsize=2, ms=5, label=model)
            planted = [(x, float(p)) for x, p in zip(xs, mine["planted"], strict=True) if not pd.isna(p)]
            if planted:
                axis.scatter(
                    [x for x, _ in planted],
                    [p for _, p in planted],
                    marker="_",
                    s=160,
                    color="black",
                    linewidths=2,
                    label="planted (organism profile)" if m_index == 0 else None,
                    zorder=3,
                )
        axis.axhline(0, color="#888888", linewidth=0.8)
        axis.set_ylabel(panel.split(" (")[0], fontsize=8)
        axis.set_title(panel, fontsize=9, loc="left")
        axis.set_ylim(-0.45 if "gap" in panel else -0.03, 1.03)
        axis.grid(axis="y", alpha=0.3)
    bottom = axes[-1, 0]
    bottom.set_xticks(range(len(groups)))
    bottom.set_xticklabels(groups, rotation=20, ha="right", fontsize=7)
    bottom.set_xlabel(xlabel, fontsize=8)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    unique = dict(zip(labels, handles, strict=True))
    figure.suptitle(title + " (95% intervals)", fontsize=10, x=0.01, y=0.995, ha="left")
    figure.legend(
        list(unique.values()),
        list(unique),
        loc="upper left",
        bbox_to_anchor=(0.01, 0.955),
        fontsize=7,
        ncol=min(5, len(unique)),
        frameon=False,
    )
    figure.tight_layout(rect=(0, 0, 1, 0.9))
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg")
    plt.close(figure)
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :]


def hypothesis_figures(table: SampleTable, layouts: Mapping[str, Layout], with_planted: bool = True) -> list[Figure]:
    chosen = {suite: layout for suite, layout in layouts.items() if base_suite(suite) in FIGURE_FACTORS}
    chosen = {s: layout for s, layout in chosen.items() if AWARENESS in layout.factors}
    planted = planted_tg(table, set(chosen)) if with_planted and chosen else pd.DataFrame(columns=["row"])
    figures: list[Figure] = []
    for suite, layout in sorted(chosen.items(), key=lambda item: HYPOTHESES[base_suite(item[0])][0]):
        base = base_suite(suite)
        factors = FIGURE_FACTORS[base]
        data = figure_data(table, layout, factors, planted)
        if data.empty:
            continue
        hypothesis, varies = HYPOTHESES[base]
        models = sorted(data["model"].unique())
        title = f"{hypothesis} ({varies}), suite {suite}: by {' x '.join(factors)}"
        figures.append(Figure(suite, hypothesis, title, draw(data, models, title, " / ".join(factors)), data))
    return figures
