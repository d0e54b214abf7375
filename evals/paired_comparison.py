"""The two-run comparison engine: tonight vs a baseline (or model B vs model A), sample by sample.

Two runs of one suite answer the same samples, so the right comparison is paired: a sample id and epoch in one
run against the same sample id and epoch in the other, with the interval and test from the cluster-robust
variance of the per-sample differences, clustered by scenario (`scorers.statistics.paired_difference`).
Pairing removes what the two runs share (which scenarios a model finds acceptable); clustering accounts for a
scenario's paraphrases, cue styles and epochs moving together. Every metric x cell comparison is one test of
a family, corrected with Holm (family-wise error: a gate must not cry wolf on any of them) or Benjamini-Hochberg
(false discovery rate: for lists of discoveries in reports).

`method="clustered"` compares the runs as unmatched groups clustered by scenario, and `method="naive"` as
independent samples (Newcombe interval, pooled z-test): the figures the harness used before, kept to show
the difference. Frames are shaped like `evals.report.rates.scored_frame` (one row per sample, epoch and
metric, with `sample_id`, `epoch`, `scenario_id`, `metric`, `hit`, `scored` and the cell factors).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Literal

import pandas as pd

from scorers.statistics import Difference, adjust_p_values, clustered_difference, difference, paired_difference

ALL = "all"
Method = Literal["paired", "clustered", "naive"]
Adjustment = Literal["holm", "fdr_bh"]
PAIR_KEYS = ("metric", "sample_id", "epoch")
COLUMNS = [
    "metric",
    "cell",
    "baseline_rate",
    "tonight_rate",
    "delta",
    "ci_low",
    "ci_high",
    "p_value",
    "p_adjusted",
    "significant",
    "n_pairs",
    "n_clusters",
    "method",
]


class ComparisonError(ValueError):
    """Two runs that cannot be compared as asked (no shared samples, missing columns); one line."""


def _require(frame: pd.DataFrame, columns: Sequence[str], name: str) -> None:
    missing = [column for column in columns if column not in frame]
    if missing:
        raise ComparisonError(f"{name} run lacks column(s) {', '.join(missing)} needed for a paired comparison")


def _cells(frame: pd.DataFrame, cell_factors: Sequence[str]) -> pd.Series:
    if not cell_factors:
        return pd.Series([ALL] * len(frame), index=frame.index)
    names = frame[cell_factors[0]].astype(str)
    for factor in cell_factors[1:]:
        names = names + "/" + frame[factor].astype(str)
    return names


def _clusters(frame: pd.DataFrame, column: str) -> list[Hashable]:
    return list(frame[column])


def _one(part: pd.DataFrame, method: Method) -> Difference:
    tonight = part["hit_t"].astype(float).where(part["scored_t"].astype(bool))
    baseline = part["hit_b"].astype(float).where(part["scored_b"].astype(bool))
    if method == "paired":
        return paired_difference(tonight.tolist(), baseline.tolist(), _clusters(part, "scenario_id_b"))
    scored_t = part[part["scored_t"].astype(bool)]
    scored_b = part[part["scored_b"].astype(bool)]
    if method == "clustered":
        return clustered_difference(
            scored_t["hit_t"].astype(float).tolist(),
            _clusters(scored_t, "scenario_id_t"),
            scored_b["hit_b"].astype(float).tolist(),
            _clusters(scored_b, "scenario_id_b"),
        )
    return difference(float(scored_t["hit_t"].sum()), len(scored_t), float(scored_b["hit_b"].sum()), len(scored_b))


def compare_runs(
    baseline: pd.DataFrame,
    tonight: pd.DataFrame,
    cell_factors: Sequence[str] = (),
    *,
    method: Method = "paired",
    alpha: float = 0.05,
    adjust: Adjustment = "holm",
    metrics: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Tonight minus baseline for every metric, pooled (`all`) and in every cell of `cell_factors`, with
    intervals, raw and family-adjusted p-values and `significant` (adjusted p < alpha). Samples present in
    only one run are left out (a paired comparison needs both sides); comparisons with no scored pair are
    skipped. Raises ComparisonError when the runs share no sample."""
    for frame, name in ((baseline, "baseline"), (tonight, "tonight")):
        _require(frame, [*PAIR_KEYS, "hit", "scored", *cell_factors], name)
    sides = [
        frame if "scenario_id" in frame else frame.assign(scenario_id=frame["sample_id"])
        for frame in (baseline, tonight)
    ]
    if metrics is not None:
        sides = [frame[frame["metric"].isin(metrics)] for frame in sides]
    keep = [*PAIR_KEYS, "hit", "scored", "scenario_id", *cell_factors]
    matched = sides[0][keep].merge(sides[1][keep], on=[*PAIR_KEYS, *cell_factors], suffixes=("_b", "_t"))
    if matched.empty:
        raise ComparisonError("the two runs share no sample (same sample ids and epochs); nothing to compare")
    matched["cell"] = _cells(matched, cell_factors)
    rows: list[dict[str, object]] = []
    for metric, by_metric in matched.groupby("metric", observed=True, sort=True):
        groups: list[tuple[object, pd.DataFrame]] = [(ALL, by_metric)]
        if cell_factors:
            groups += [(cell, part) for cell, part in by_metric.groupby("cell", sort=True)]
        for cell, part in groups:
            if not (part["scored_b"].astype(bool) & part["scored_t"].astype(bool)).any():
                continue
            diff = _one(part, method)
            rows.append(
                {
                    "metric": str(metric),
                    "cell": str(cell),
                    "baseline_rate": diff.second.value,
                    "tonight_rate": diff.first.value,
                    "delta": diff.value,
                    "ci_low": diff.low,
                    "ci_high": diff.high,
                    "p_value": diff.p_value,
                    "n_pairs": diff.n_pairs,
                    "n_clusters": diff.n_clusters,
                    "method": diff.method,
                }
            )
    result = pd.DataFrame(rows, columns=COLUMNS)
    result["p_adjusted"] = adjust_p_values(result["p_value"].tolist(), adjust)
    result["significant"] = result["p_adjusted"] < alpha
    return result
