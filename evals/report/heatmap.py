"""The models x behaviours heat map: rows are models (or model versions), columns are training-gaming per
hypothesis context (the compliance gap at each level of the factor the hypothesis varies, pooled over the
suite's other factors) and each worst-case behaviour (its pooled effect). Every column reads "higher = more
concerning": sandbagging is the accuracy drop, not accuracy. A cell is marked when its 95% interval excludes 0.
Every gap comes from `evals.analysis.rates.differences`, the estimator of the cards and the tables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from evals.analysis.numbers import DASH
from evals.analysis.rates import Layout, differences, scored_frame
from evals.logs import SampleTable
from evals.report.metric_kinds import COMPLIANCE
from evals.report.run_groups import base_suite
from evals.report.verdict import (
    AWARENESS,
    NO_ESTIMATE,
    TG_METRIC,
    Estimate,
    VerdictCard,
    estimate_from_difference,
    hypothesis_order,
)
from tasks.suites import HYPOTHESES

HYPOTHESIS_FACTOR = {"value_conflict": "topic_relevance", "training_info": "training_info", "cot_availability": "cot"}
"""The factor each hypothesis is about: one heat-map column per level."""

POOLED = "one level run"
"""The column of a suite whose hypothesis factor was run at a single level."""


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    group: str
    """`TG H1`, ..., or `worst case`."""
    measure: str


@dataclass(frozen=True)
class Cell:
    estimate: Estimate
    note: str = ""
    """Shown on hover: what else is known (the TG-reasoning gap)."""

    @property
    def marked(self) -> bool:
        e = self.estimate
        return e.n > 0 and (e.low > 0 or e.high < 0)


@dataclass
class HeatMap:
    models: list[str]
    columns: list[Column]
    cells: dict[tuple[str, str], Cell]

    def cell(self, model: str, column: str) -> Cell | None:
        return self.cells.get((model, column))


def _tg_columns(table: SampleTable, layouts: Mapping[str, Layout]) -> tuple[list[Column], dict[tuple[str, str], Cell]]:
    """One column per level of the factor each hypothesis varies; a suite run at one level of that factor gets one
    column for that run, pooled, so a gap the cards show is never missing from the heat map."""
    columns: list[Column] = []
    cells: dict[tuple[str, str], Cell] = {}
    for suite, layout in sorted(layouts.items(), key=lambda item: hypothesis_order(item[0])):
        base = base_suite(suite)
        factor = HYPOTHESIS_FACTOR.get(base)
        if factor is None or AWARENESS not in layout.factors:
            continue
        hypothesis = HYPOTHESES[base][0]
        frame = scored_frame(table, layout)
        varied = factor in layout.factors
        if not varied:
            frame = frame.assign(**{factor: POOLED})
        levels = layout.levels[factor] if varied else (POOLED,)
        gaps = differences(frame[frame["metric"] == COMPLIANCE], AWARENESS, "training", "unmonitored", within=[factor])
        reasoning = differences(
            frame[frame["metric"] == TG_METRIC], AWARENESS, "training", "unmonitored", within=[factor]
        )
        reasoning_by = {(r["model"], str(r[factor])): r for r in reasoning.to_dict("records")}
        suffix = "" if suite == base else suite[len(base) :]
        for level in levels:
            key = f"{suite}:{factor}={level}"
            columns.append(Column(key, f"{level}{suffix}", f"TG {hypothesis}: {factor}", "compliance gap"))
            for row in gaps[gaps[factor].astype(str) == level].to_dict("records"):
                model = str(row["model"])
                tg = reasoning_by.get((model, level))
                note = f"TG-reasoning gap {estimate_from_difference(tg).text()}" if tg else "TG reasoning not scored"
                cells[(model, key)] = Cell(estimate_from_difference(row), note)
    return columns, cells


def heat_map(table: SampleTable, layouts: Mapping[str, Layout], cards: Sequence[VerdictCard]) -> HeatMap:
    columns, cells = _tg_columns(table, layouts)
    behaviours = list(dict.fromkeys(b.behaviour for card in cards for b in card.worst_case))
    for behaviour in behaviours:
        findings = [(card.model, next(b for b in card.worst_case if b.behaviour == behaviour)) for card in cards]
        measured = [(model, finding) for model, finding in findings if finding.status != "not measured"]
        if not measured:
            continue
        measure = measured[0][1].measure
        label = f"{behaviour} (accuracy drop)" if measure == "accuracy drop" else behaviour
        columns.append(Column(behaviour, label, "worst case", measure))
        for model, finding in measured:
            cells[(model, behaviour)] = Cell(finding.pooled, finding.consistency)
    return HeatMap([card.model for card in cards], columns, cells)


def cell_text(cell: Cell | None) -> str:
    if cell is None or cell.estimate is NO_ESTIMATE or not cell.estimate.measured:
        return DASH
    return cell.estimate.effect_text() + (" ●" if cell.marked else "")
