"""Tonight against the baseline: the comparison alias by alias (the Holm family is the gated comparisons
only), the rows that move past a threshold, and each regression as a line for the gate's tables."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd

from evals.compare import Comparison, Side, compare, describe
from evals.logs import SampleTable, load
from evals.nightly.config import NightlyConfig, Threshold
from evals.nightly.gate import RegressionLine
from evals.nightly.panel import read_panel
from evals.report.tables import fmt_delta, fmt_p, fmt_rate


@dataclass(frozen=True)
class Regression:
    threshold: Threshold
    row: pd.Series
    direction: Literal["increase", "decrease"]

    def message(self, baseline_label: str) -> str:
        return (
            f"REGRESSION {self.direction} past threshold: {describe(self.row, baseline_label, 'tonight')}; "
            f"threshold {self.threshold.describe()}"
        )


def check_thresholds(comparison: Comparison, config: NightlyConfig) -> list[Regression]:
    """Every comparison row that moves past the first threshold that applies to its suite and metric."""
    regressions: list[Regression] = []
    for _, row in comparison.rows.iterrows():
        rule = config.rule(str(row["suite"]), str(row["metric"]))
        delta = float(row["delta"])
        if rule is None or math.isnan(delta) or not rule.gates(str(row["cell"])):
            continue
        if rule.significant and not bool(row["significant"]):
            continue
        if rule.max_increase is not None and delta > rule.max_increase:
            regressions.append(Regression(rule, row, "increase"))
        elif rule.max_decrease is not None and delta < -rule.max_decrease:
            regressions.append(Regression(rule, row, "decrease"))
    return regressions


def compare_runs(
    config: NightlyConfig, baseline: Path, run_dir: Path, tonight: SampleTable | None = None, paired: bool = True
) -> Comparison:
    """Tonight against the baseline, alias by alias; the Holm family is the gated comparisons only."""
    baseline_aliases = read_panel(baseline)
    tonight_aliases = {model: alias for alias, model in config.models.items()}
    return compare(
        Side(f"baseline {baseline.name}", load([baseline]), baseline_aliases),
        Side(f"tonight {run_dir.name}", tonight if tonight is not None else load([run_dir]), tonight_aliases),
        alpha=config.alpha,
        paired=paired,
        family=lambda suite, metric, cell: config.gated(suite, metric, cell, primary_only=False),
    )


def regression_line(regression: Regression) -> RegressionLine:
    row = regression.row

    def rate(side: str) -> str:
        return fmt_rate(*(row[f"{side}_{c}"] for c in ("rate", "ci_low", "ci_high", "n", "unscored")))

    where = " ".join(
        part for part in (str(row["key"]), str(row["suite"]), str(row["metric"]), f"[{row['cell']}]") if part
    )
    return RegressionLine(
        where=where,
        baseline=rate("a"),
        tonight=rate("b"),
        change=fmt_delta(row["delta"], row["ci_low"], row["ci_high"]),
        p_adjusted=fmt_p(row["p_adjusted"]),
        p_raw=fmt_p(row["p_value"]),
        threshold=regression.threshold.describe(),
    )
