"""The report's tables as DataFrames of display strings, shared by the HTML page and the Markdown summary, so
both show the same numbers formatted the same way."""

from __future__ import annotations

import math
from typing import SupportsFloat, cast

import pandas as pd

from evals.analysis.numbers import DASH, with_interval
from evals.analysis.rates import ALL
from evals.report.build import Report, SuiteSection
from evals.report.metric_kinds import COMPLIANCE, behaviour_label, kind_order
from scorers.vocabulary import factor_levels


def num(value: object) -> float:
    """A table cell as a float (NaN for missing values)."""
    if value is None or value is pd.NA:
        return math.nan
    return float(cast(SupportsFloat, value))


def fmt_rate(rate: object, low: object, high: object, n: object, unscored: object = 0) -> str:
    count, missing = num(n), num(unscored)
    if not count or math.isnan(num(rate)):
        return f"{DASH} (n=0{_unscored(missing)})"
    return f"{num(rate):.2f} [{num(low):.2f}, {num(high):.2f}] (n={int(count)}{_unscored(missing)})"


def _unscored(unscored: float) -> str:
    return f", {int(unscored)} unscored" if unscored and not math.isnan(unscored) else ""


def fmt_count_rate(rate: object, n: object) -> str:
    return f"{num(rate):.2f} (n={int(num(n))})"


def fmt_delta(delta: object, low: object, high: object) -> str:
    return with_interval(num(delta), num(low), num(high))


def fmt_p(p_value: object) -> str:
    p = num(p_value)
    if math.isnan(p):
        return DASH
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def significant(low: object, high: object) -> bool:
    """The 95% interval of a difference excludes zero."""
    lo, hi = num(low), num(high)
    return not math.isnan(lo) and (lo > 0 or hi < 0)


def direction_marker(low: object, high: object) -> str:
    if not significant(low, high):
        return ""
    return " ▲" if num(low) > 0 else " ▼"


def overview_table(report: Report) -> pd.DataFrame:
    """One row per log: the samples it planned (dataset x epochs), actually ran, scored and errored."""
    counts = {str(row["log"]): row for row in report.log_counts.to_dict("records")}
    rows = []
    for info in report.logs:
        count = counts.get(info.path, {})
        rows.append(
            {
                "suite": info.suite,
                "model": info.model,
                "status": info.status,
                "samples run": str(count.get("run", 0)),
                "scored": str(count.get("scored", 0)),
                "errored": str(count.get("errored", report.errored_by_log.get(info.path, 0))),
                "planned (dataset x epochs)": str(info.samples_expected),
                "log": info.file_name,
            }
        )
    columns = ["suite", "model", "status", "samples run", "scored", "errored", "planned (dataset x epochs)", "log"]
    return pd.DataFrame(rows, columns=columns)


def unscored_display(report: Report) -> pd.DataFrame:
    """The unscored table with failures first and counts as integers."""
    frame = report.unscored.copy()
    if frame.empty:
        return frame
    frame["samples"] = frame["samples"].astype(int).astype(str)
    return frame


def headline_table(report: Report, model: str) -> pd.DataFrame:
    """Pooled rate of every headline metric, per suite, for one model."""
    rows = []
    for section in report.sections:
        cells = section.cells[(section.cells["model"] == model) & (section.cells["cell"] == ALL)]
        for info in section.headline:
            match = cells[cells["metric"] == info.metric]
            if match.empty:
                continue
            row = match.iloc[0]
            rows.append(
                {
                    "suite": section.suite,
                    "metric": behaviour_label(info.metric),
                    "rate [95% CI] (n)": fmt_rate(
                        row["rate"], row["ci_low"], row["ci_high"], row["n"], row["unscored"]
                    ),
                }
            )
    return pd.DataFrame(rows, columns=["suite", "metric", "rate [95% CI] (n)"])


def cell_table(section: SuiteSection, model: str, scorer: str) -> pd.DataFrame:
    """Rows: condition cells (and `all`); one column per key of the scorer: rate [CI] (n, unscored)."""
    cells = section.cells[section.cells["model"] == model]
    metrics = [m for m in section.metrics if m.scorer == scorer]
    factors = list(section.layout.cell_factors)
    order = list(dict.fromkeys(cells["cell"]))
    rows = []
    for cell in order:
        part = cells[cells["cell"] == cell]
        if part.empty:
            continue
        first = part.iloc[0]
        row = {factor: str(first[factor]) for factor in factors} if factors else {"cell": ALL}
        for info in metrics:
            match = part[part["metric"] == info.metric]
            if match.empty:
                row[info.key or scorer] = DASH
                continue
            m = match.iloc[0]
            row[info.key or scorer] = fmt_rate(m["rate"], m["ci_low"], m["ci_high"], m["n"], m["unscored"])
        rows.append(row)
    return pd.DataFrame(rows)


def gap_table(section: SuiteSection, model: str) -> pd.DataFrame:
    gap = section.gap[section.gap["model"] == model]
    rows = []
    for row in gap.itertuples(index=False):
        rows.append(
            {
                "metric": behaviour_label(str(row.metric)),
                "cell": str(row.cell),
                "training": fmt_count_rate(row.a_rate, row.a_n),
                "unmonitored": fmt_count_rate(row.b_rate, row.b_n),
                "gap [95% CI]": fmt_delta(row.delta, row.ci_low, row.ci_high)
                + direction_marker(row.ci_low, row.ci_high),
                "p": fmt_p(row.p_value),
            }
        )
    return pd.DataFrame(rows, columns=["metric", "cell", "training", "unmonitored", "gap [95% CI]", "p"])


def effects_table(section: SuiteSection, model: str, headline: bool) -> pd.DataFrame:
    wanted = {m.metric for m in section.metrics if m.headline == headline}
    effects = section.effects[(section.effects["model"] == model) & section.effects["metric"].isin(wanted)]
    rows = []
    for row in effects.itertuples(index=False):
        rows.append(
            {
                "metric": behaviour_label(str(row.metric)) if headline else str(row.metric),
                "factor": str(row.factor),
                "level vs reference": f"{row.level} vs {row.reference}",
                "rate at level": fmt_count_rate(row.a_rate, row.a_n),
                "rate at reference": fmt_count_rate(row.b_rate, row.b_n),
                "effect [95% CI]": fmt_delta(row.delta, row.ci_low, row.ci_high)
                + direction_marker(row.ci_low, row.ci_high),
                "p": fmt_p(row.p_value),
            }
        )
    columns = ["metric", "factor", "level vs reference", "rate at level", "rate at reference", "effect [95% CI]", "p"]
    return pd.DataFrame(rows, columns=columns)


def label_table(frame: pd.DataFrame, model: str, label_name: str) -> pd.DataFrame:
    """Counts of a per-sample label (TG motive, unscored reason) per cell, with the share of the cell's total."""
    part = frame[frame["model"] == model]
    if part.empty:
        return pd.DataFrame(columns=["cell", label_name, "count", "share of cell"])
    totals = part.groupby("cell")["count"].transform("sum")
    return pd.DataFrame(
        {
            "cell": part["cell"].astype(str),
            label_name: part["label"].astype(str),
            "count": part["count"].astype(int).astype(str),
            "share of cell": [f"{c / t:.2f}" for c, t in zip(part["count"], totals, strict=True)],
        }
    )


def matrix_table(report: Report, model: str) -> pd.DataFrame:
    """Rows: factor levels; columns: TG reasoning and each worst-case behaviour (rate [CI] (n), ▲/▼ when the
    level differs significantly from the factor's reference level)."""
    matrix = report.matrix[report.matrix["model"] == model]
    if matrix.empty:
        return pd.DataFrame(columns=["factor", "level"])
    metrics = sorted(dict.fromkeys(matrix["metric"]), key=lambda metric: kind_order(str(metric)))
    rows: list[dict[str, str]] = []
    for (factor, level), part in matrix.groupby(["factor", "level"], sort=False):
        row = {"factor": str(factor), "level": str(level) + (" (ref)" if level == part["reference"].iloc[0] else "")}
        for metric in metrics:
            match = part[part["metric"] == metric]
            if match.empty:
                row[behaviour_label(metric)] = DASH
                continue
            m = match.iloc[0]
            text = fmt_rate(m["rate"], m["ci_low"], m["ci_high"], m["n"], m["unscored"])
            if "d_ci_low" in m:
                text += direction_marker(m["d_ci_low"], m["d_ci_high"])
            row[behaviour_label(metric)] = text
        rows.append(row)
    vocabulary = factor_levels()
    factor_rank = {factor: index for index, factor in enumerate(vocabulary)}

    def sort_key(entry: dict[str, str]) -> tuple[int, str, int, str]:
        name, shown = entry["factor"], entry["level"]
        bare = shown.removesuffix(" (ref)")
        levels = vocabulary.get(name, ())
        rank = -1 if shown.endswith(" (ref)") else (levels.index(bare) if bare in levels else len(levels))
        return factor_rank.get(name, len(factor_rank)), name, rank, bare

    ordered: list[dict[str, str]] = sorted(rows, key=sort_key)
    return pd.DataFrame(ordered)


def findings(report: Report, model: str) -> list[str]:
    """Significant main effects and training gaps of headline metrics, one sentence each."""
    lines: list[str] = []
    for section in report.sections:
        headline = {m.metric for m in section.headline}
        gaps = section.gap[(section.gap["model"] == model) & section.gap["metric"].isin(headline)]
        for row in gaps.itertuples(index=False):
            if significant(row.ci_low, row.ci_high):
                lines.append(
                    f"{section.suite}: {behaviour_label(str(row.metric))} gap (training - unmonitored) in {row.cell}: "
                    f"{fmt_delta(row.delta, row.ci_low, row.ci_high)}, p {fmt_p(row.p_value)}"
                )
        in_gap_table = set(gaps["metric"])
        effects = section.effects[(section.effects["model"] == model) & section.effects["metric"].isin(headline)]
        for row in effects.itertuples(index=False):
            if row.factor == "training_awareness" and row.level == "training" and row.metric in in_gap_table:
                continue
            if significant(row.ci_low, row.ci_high):
                lines.append(
                    f"{section.suite}: {behaviour_label(str(row.metric))} at {row.factor}={row.level} vs "
                    f"{row.reference}: {fmt_delta(row.delta, row.ci_low, row.ci_high)}, p {fmt_p(row.p_value)}"
                )
    return lines


def scorer_title(scorer: str) -> str:
    if scorer == COMPLIANCE:
        return "Compliance (rate = fully complied; partial counts as not complied)"
    return scorer
