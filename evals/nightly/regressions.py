"""Tonight against the baseline: the comparison alias by alias (the family is the gated comparisons only), the
rows whose interval excludes the allowed change, the rows the test cannot decide, and each regression as a line
for the gate's tables.

A regression is claimed only when the change's interval at the gate's level (Bonferroni: 1 - alpha / k over the
k gated comparisons) lies wholly beyond the allowed change; the p-value shown is the same test's, of the allowed
change, so the line can never read "significant" beside an interval that includes what is allowed. A gated
comparison whose scenarios are too few for the test to exclude anything at that level is "cannot decide", not a
pass and not a regression.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd

from evals.analysis.run_change import Change, bonferroni, fewest_clusters
from evals.compare import Comparison, Side, compare, describe, plural, where
from evals.logs import SampleTable, load
from evals.nightly.config import NightlyConfig, Threshold
from evals.nightly.gate import RegressionLine
from evals.nightly.panel import read_panel
from evals.report.tables import fmt_delta, fmt_p, fmt_rate, num


@dataclass(frozen=True)
class Regression:
    threshold: Threshold
    row: pd.Series
    direction: Literal["increase", "decrease"]
    change: Change
    family_size: int

    @property
    def allowed(self) -> float:
        """The allowed change it crossed: +max_increase or -max_decrease."""
        limit = self.threshold.max_increase if self.direction == "increase" else self.threshold.max_decrease
        return float(limit or 0.0) * (1 if self.direction == "increase" else -1)

    def p_values(self) -> tuple[float, float]:
        """(Bonferroni-adjusted, raw) two-sided p-value of "the change equals the allowed change"."""
        raw = self.change.p_value(self.allowed)
        return bonferroni(raw, self.family_size), raw

    def evidence(self) -> str:
        """Why it counts: the gate-level interval beyond the allowed change, its p and the method."""
        if not self.threshold.significant:
            return f"point estimate beyond the allowed {self.allowed:+.2f} (significant: false, no interval needed)"
        adjusted, raw = self.p_values()
        level = float(self.row["family_level"])
        interval = fmt_delta(self.row["delta"], self.row["adj_low"], self.row["adj_high"]).split(" ", 1)[1]
        return (
            f"{level:.2%} interval {interval} excludes the allowed {self.allowed:+.2f}; p {fmt_p(adjusted)} "
            f"(raw {fmt_p(raw)}), Bonferroni over {plural(self.family_size, 'gated comparison')}; "
            f"{self.change.method}"
        )

    def message(self, baseline_label: str) -> str:
        return (
            f"REGRESSION {self.direction} past threshold: {describe(self.row, baseline_label, 'tonight', False)}; "
            f"{self.evidence()}; threshold {self.threshold.describe()}"
        )


@dataclass(frozen=True)
class Undecided:
    """A gated comparison the test cannot decide at the gate's level: too few scenarios."""

    row: pd.Series
    threshold: Threshold

    @property
    def level(self) -> float:
        return float(self.row["family_level"])

    def message(self) -> str:
        return (
            f"{where(self.row)}: {int(self.row['n_clusters'])} scenarios; the sign-flip test needs at least "
            f"{fewest_clusters(self.level)} to exclude any change at the gate's level {self.level:.2%}"
        )


FIX_UNDECIDED = "add scenarios (scenarios_per_cell), or gate fewer cells (cells: all) or fewer metrics"


def undecided_summary(found: list[Undecided]) -> str:
    """One terminal line for every comparison the gate cannot decide (they share the level and the fix)."""
    if not found:
        return ""
    level = found[0].level
    counts = sorted({int(u.row["n_clusters"]) for u in found})
    scenarios = f"{counts[0]}" if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"
    shown = ", ".join(where(u.row) for u in found[:4]) + (f" and {len(found) - 4} more" if len(found) > 4 else "")
    return (
        f"CANNOT DECIDE {plural(len(found), 'gated comparison')}: {scenarios} scenarios, and the sign-flip test "
        f"needs at least {fewest_clusters(level)} to exclude any change at the gate's level {level:.2%} (alpha "
        f"{1 - level:.4f} for each of the gated comparisons): {shown}; {FIX_UNDECIDED}"
    )


def _gated(comparison: Comparison, config: NightlyConfig) -> list[tuple[int, Threshold]]:
    rows = comparison.rows
    chosen = []
    for index, row in enumerate(rows.itertuples(index=False)):
        rule = config.rule(str(row.suite), str(row.metric))
        if rule is not None and rule.gates(str(row.cell)) and not math.isnan(num(row.delta)):
            chosen.append((index, rule))
    return chosen


def check_thresholds(comparison: Comparison, config: NightlyConfig) -> list[Regression]:
    """Every gated comparison whose gate-level interval lies beyond the allowed change of the first threshold
    that applies (with `significant: false`, whose point estimate does)."""
    regressions: list[Regression] = []
    for index, rule in _gated(comparison, config):
        row = comparison.rows.iloc[index]
        low, high = (float(row["adj_low"]), float(row["adj_high"]))
        if not rule.significant:
            low = high = float(row["delta"])
        change, size = comparison.changes[index], comparison.family_size
        if rule.max_increase is not None and low > rule.max_increase:
            regressions.append(Regression(rule, row, "increase", change, size))
        elif rule.max_decrease is not None and high < -rule.max_decrease:
            regressions.append(Regression(rule, row, "decrease", change, size))
    return regressions


def undecided(comparison: Comparison, config: NightlyConfig) -> list[Undecided]:
    """The gated comparisons of primary rules that need an interval (`significant`) and whose test cannot
    exclude any change at the gate's level."""
    found = []
    for index, rule in _gated(comparison, config):
        row = comparison.rows.iloc[index]
        if rule.primary and rule.significant and not bool(row["decidable"]):
            found.append(Undecided(row, rule))
    return found


def gate_compare(config: NightlyConfig, baseline: Side, tonight: Side, paired: bool = True) -> Comparison:
    """The gate's comparison: `compare` itself (so the gate shows the estimate and interval `schemer-evals
    compare` shows for the same runs), with the family limited to the gated comparisons."""
    return compare(
        baseline,
        tonight,
        alpha=config.alpha,
        paired=paired,
        family=lambda suite, metric, cell: config.gated(suite, metric, cell, primary_only=False),
    )


def compare_runs(
    config: NightlyConfig, baseline: Path, run_dir: Path, tonight: SampleTable | None = None, paired: bool = True
) -> Comparison:
    """Tonight against the baseline, alias by alias; the family is the gated comparisons only."""
    tonight_aliases = {model: alias for alias, model in config.models.items()}
    return gate_compare(
        config,
        Side(f"baseline {baseline.name}", load([baseline]), read_panel(baseline)),
        Side(f"tonight {run_dir.name}", tonight if tonight is not None else load([run_dir]), tonight_aliases),
        paired,
    )


def regression_line(regression: Regression) -> RegressionLine:
    row = regression.row

    def rate(side: str) -> str:
        return fmt_rate(*(row[f"{side}_{c}"] for c in ("rate", "ci_low", "ci_high", "n", "unscored")))

    adjusted, raw = regression.p_values()
    return RegressionLine(
        where=where(row),
        baseline=rate("a"),
        tonight=rate("b"),
        change=fmt_delta(row["delta"], row["ci_low"], row["ci_high"]),
        p_adjusted=fmt_p(adjusted),
        p_raw=fmt_p(raw),
        threshold=regression.threshold.describe(),
        evidence=regression.evidence(),
    )
