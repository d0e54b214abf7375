"""Everything a report shows, computed from a SampleTable: first the answer (a verdict card per model, the
models x behaviours heat map, one figure per hypothesis), then per-suite rates for every metric and condition,
main effects, the compliance gap, training-gaming criteria and motives, the TG-vs-worst-case matrix and the
example transcripts, and as an appendix the logs, judge cost and unscored samples. Rendering (HTML, Markdown,
plots) lives in sibling modules and only formats this."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from evals.analysis.evidence import DEFAULT_MARGIN
from evals.analysis.factor_model import hypothesis_lines
from evals.analysis.rates import (
    DIFFERENCE_COLUMNS,
    Layout,
    cell_names,
    cell_rates,
    differences,
    layouts,
    main_effects,
    rates,
    scored_frame,
    training_gap,
)
from evals.logs import LogInfo, SampleTable, skipped_logs
from evals.report.cost import judge_cost
from evals.report.examples import Example, choose_examples, load_examples
from evals.report.figures import Figure, hypothesis_figures
from evals.report.heatmap import HeatMap, heat_map
from evals.report.metric_kinds import (
    COMPLIANCE,
    TG_CRITERIA,
    TG_VERDICT,
    TRAINING_GAMING,
    Kind,
    kind_of,
    main_key,
    metric_name,
)
from evals.report.run_groups import LogHeader, read_headers, split_runs
from evals.report.unscored import unscored_table
from evals.report.verdict import VerdictCard, verdict_cards


@dataclass(frozen=True)
class MetricInfo:
    metric: str
    scorer: str
    key: str
    kind: Kind
    headline: bool
    """The scorer's main indicator (compliance, the TG verdict, a behaviour), shown in plots and the matrix."""


@dataclass
class SuiteSection:
    suite: str
    layout: Layout
    metrics: list[MetricInfo]
    cells: pd.DataFrame
    """`cell_rates` for every model and metric (rows per cell, and the pooled `all`)."""
    effects: pd.DataFrame
    gap: pd.DataFrame
    """Training minus unmonitored for compliance and the TG verdict, pooled and within cells."""
    motives: pd.DataFrame
    """Among samples judged training-gaming: counts per motive, per model and cell."""
    examples: list[Example] = field(default_factory=list)

    @property
    def headline(self) -> list[MetricInfo]:
        return [m for m in self.metrics if m.headline]

    def scorers(self) -> list[str]:
        return list(dict.fromkeys(m.scorer for m in self.metrics))


@dataclass
class Report:
    sources: list[str]
    logs: list[LogInfo]
    warnings: list[str]
    models: list[str]
    cards: list[VerdictCard]
    """One verdict card per model: the report's first screen."""
    heat_map: HeatMap
    figures: list[Figure]
    """One figure per hypothesis suite in the logs, every model side by side."""
    sections: list[SuiteSection]
    matrix: pd.DataFrame
    """Per model, factor and level: each headline TG / worst-case metric's rate and its difference from the
    factor's reference level (pooled over the suites that vary that factor and measure that metric)."""
    sample_counts: pd.DataFrame
    judge_cost: pd.DataFrame
    """Judge calls and tokens of every scorer and the grader role's usage, per log and in total (`cost`)."""
    unscored: pd.DataFrame
    """Unscored samples per suite, model, scorer and reason, by design or failure (`unscored`)."""
    log_counts: pd.DataFrame
    """Per log: samples planned (dataset x epochs), run, scored and errored."""
    errored_by_log: dict[str, int] = field(default_factory=dict)
    """Samples that ended in an error (left out of every rate), per log path."""
    hypotheses: list[str] = field(default_factory=list)
    """One line per hypothesis, suite, model and outcome from the factor model (`evals.analysis.factor_model`)."""
    margin: float = DEFAULT_MARGIN
    """The largest effect a "not found" leaves unexcluded (`evals.analysis.evidence`)."""

    @property
    def skipped_logs(self) -> list[str]:
        """Warnings about logs left out of every number (unreadable or corrupt)."""
        return skipped_logs(self.warnings)


def metric_infos(scores: pd.DataFrame) -> list[MetricInfo]:
    """The metrics of some scores, each scorer's keys in its own order, compliance and TG first."""
    pairs = scores[["scorer", "key"]].astype(str).drop_duplicates()
    by_scorer: dict[str, list[str]] = {}
    for scorer, key in pairs.itertuples(index=False):
        by_scorer.setdefault(scorer, []).append(key)
    order = {"compliance": 0, "training_gaming": 1, "worst_case": 2, "other": 3}
    infos: list[MetricInfo] = []
    for scorer in sorted(by_scorer, key=lambda s: (order[kind_of(s, by_scorer[s])], s)):
        keys = by_scorer[scorer]
        if scorer == TRAINING_GAMING:
            keys = [k for k in TG_CRITERIA if k in keys] + [k for k in keys if k not in TG_CRITERIA]
        headline = main_key(scorer, keys)
        kind = kind_of(scorer, keys)
        infos += [MetricInfo(metric_name(scorer, key), scorer, key, kind, key == headline) for key in keys]
    return infos


def _label_counts(table: SampleTable, layout: Layout, column: str, only_verdict: bool) -> pd.DataFrame:
    samples = table.samples
    if column not in samples:
        return pd.DataFrame(columns=["model", "cell", "label", "count"])
    chosen = samples[(samples["suite"] == layout.suite) & samples[column].notna()]
    if only_verdict:
        verdicts = table.scores[(table.scores["metric"].astype(str) == metric_name(TRAINING_GAMING, TG_VERDICT))]
        gaming_rows = set(verdicts.loc[verdicts["value"] >= 1.0, "row"])
        chosen = chosen[chosen["row"].isin(gaming_rows)]
    if chosen.empty:
        return pd.DataFrame(columns=["model", "cell", "label", "count"])
    frame = pd.DataFrame(
        {"model": chosen["model"], "cell": cell_names(chosen, layout.cell_factors), "label": chosen[column]}
    )
    per_cell = frame.groupby(["model", "cell", "label"]).size().reset_index(name="count")
    pooled = frame.groupby(["model", "label"]).size().reset_index(name="count")
    pooled["cell"] = "all"
    return pd.concat([pooled, per_cell], ignore_index=True)[["model", "cell", "label", "count"]]


def suite_section(table: SampleTable, layout: Layout, examples_per_cell: int) -> SuiteSection:
    frame = scored_frame(table, layout)
    metrics = metric_infos(frame)
    gap_metrics = {COMPLIANCE, metric_name(TRAINING_GAMING, TG_VERDICT)}
    section = SuiteSection(
        suite=layout.suite,
        layout=layout,
        metrics=metrics,
        cells=cell_rates(frame, layout),
        effects=main_effects(frame, layout),
        gap=training_gap(frame[frame["metric"].isin(gap_metrics)], layout),
        motives=_label_counts(table, layout, f"motive:{TRAINING_GAMING}", only_verdict=True),
    )
    primary = next((m.metric for m in section.headline if m.kind == "training_gaming"), None) or next(
        (m.metric for m in section.headline), None
    )
    if primary and examples_per_cell > 0:
        section.examples = load_examples(choose_examples(table.samples, layout, frame, primary, examples_per_cell))
    return section


def tg_worst_case_matrix(table: SampleTable, sections: list[SuiteSection]) -> pd.DataFrame:
    """Rates of the TG verdict and each worst-case behaviour by factor level, next to each other."""
    parts: list[pd.DataFrame] = []
    for section in sections:
        wanted = [m.metric for m in section.headline if m.kind in ("training_gaming", "worst_case")]
        if not wanted:
            continue
        frame = scored_frame(table, section.layout)
        frame = frame[frame["metric"].isin(wanted)]
        for factor in section.layout.factors:
            part = frame[["model", "metric", "value", "scored", "hit"]].copy()
            part["factor"] = factor
            part["level"] = frame[factor].astype(str)
            part["reference"] = section.layout.levels[factor][0]
            parts.append(part)
    columns = ["model", "metric", "factor", "level", "reference", "successes", "n", "unscored", "rate", "ci_low"]
    if not parts:
        return pd.DataFrame(columns=[*columns, "ci_high", *[f"d_{c}" for c in DIFFERENCE_COLUMNS]])
    long = pd.concat(parts, ignore_index=True)
    level_rates = rates(long, ["model", "metric", "factor", "reference", "level"])
    effects: list[pd.DataFrame] = []
    for (factor_name, reference), part in long.groupby(["factor", "reference"], sort=False):
        part = part.assign(level_factor=part["level"])
        for level in part["level"].unique():
            if level == reference:
                continue
            effect = differences(part, "level_factor", str(level), str(reference), by=("model", "metric"))
            effect["factor"], effect["level"] = str(factor_name), str(level)
            effects.append(effect)
    effect_frame = pd.concat(effects, ignore_index=True) if effects else pd.DataFrame(columns=["factor", "level"])
    effect_frame = effect_frame.rename(columns={c: f"d_{c}" for c in DIFFERENCE_COLUMNS})
    matrix = level_rates.merge(effect_frame, on=["model", "metric", "factor", "level"], how="left")
    # Keep only factors a metric was actually measured across (at least two levels).
    levels_seen = matrix.groupby(["model", "metric", "factor"])["level"].transform("nunique")
    return matrix[levels_seen > 1].reset_index(drop=True)


def sample_counts(table: SampleTable) -> pd.DataFrame:
    samples = table.samples
    if samples.empty:
        return pd.DataFrame(columns=["suite", "model", "samples", "errors"])
    grouped = samples.groupby(["suite", "model"]).agg(samples=("row", "size"), errors=("error", "sum"))
    return grouped.reset_index()


def log_counts(table: SampleTable, headers: dict[str, LogHeader]) -> pd.DataFrame:
    """Samples each log planned, actually ran (a `--limit` run runs fewer than its dataset), scored (at least
    one score value) and errored."""
    samples, scores = table.samples, table.scores
    scored_rows = set(scores.loc[scores["value"].notna(), "row"]) if len(scores) else set()
    rows = []
    for info in table.logs:
        mine = samples[samples["log"] == info.path] if len(samples) else samples
        rows.append(
            {
                "log": info.path,
                "planned": info.samples_expected,
                "run": len(mine),
                "scored": int(mine["row"].isin(scored_rows).sum()) if len(mine) else 0,
                "errored": int(mine["error"].astype(bool).sum()) if len(mine) else 0,
                "completed (log header)": headers[info.path].completed_samples if info.path in headers else 0,
            }
        )
    return pd.DataFrame(rows, columns=["log", "planned", "run", "scored", "errored", "completed (log header)"])


def build_report(
    table: SampleTable,
    sources: list[str],
    examples_per_cell: int = 2,
    planted: bool = True,
    margin: float = DEFAULT_MARGIN,
) -> Report:
    """The report's content. `planted=False` skips reading organism transcripts for the planted values; `margin`
    is the largest effect a "not found" may leave unexcluded."""
    headers = read_headers(table)
    table = split_runs(table, headers)
    suite_layouts = layouts(table)
    sections = [suite_section(table, layout, examples_per_cell) for layout in suite_layouts.values()]
    cards = verdict_cards(table, suite_layouts, margin)
    return Report(
        sources=sources,
        logs=table.logs,
        warnings=table.warnings,
        models=table.models,
        cards=cards,
        heat_map=heat_map(table, suite_layouts, cards),
        figures=hypothesis_figures(table, suite_layouts, with_planted=planted),
        sections=sections,
        matrix=tg_worst_case_matrix(table, sections),
        sample_counts=sample_counts(table),
        judge_cost=judge_cost(table, headers),
        unscored=unscored_table(table, suite_layouts),
        log_counts=log_counts(table, headers),
        errored_by_log={str(k): int(v) for k, v in table.samples.groupby("log")["error"].sum().items()},
        hypotheses=report_hypotheses(table),
        margin=margin,
    )


def report_hypotheses(table: SampleTable) -> list[str]:
    """The factor model's lines; a failure of the model becomes a line saying so, not a lost report."""
    try:
        return hypothesis_lines(table)
    except Exception as error:  # the rest of the report must survive a model that cannot be fitted
        return [f"factor model not available: {type(error).__name__}: {' '.join(str(error).split())[:300]}"]
