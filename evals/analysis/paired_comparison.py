"""The two-run comparison engine: tonight vs a baseline (or model B vs model A), sample by sample.

Two runs of one suite answer the same samples, so the right comparison is paired: a sample id and epoch in one
run against the same sample id and epoch in the other, with the test, its p-value and the interval that inverts
it from the cluster sign-flip test over scenarios (`evals.analysis.run_change`, the one `compare` and the
nightly gate use). Pairing removes what the two runs share (which scenarios a model finds acceptable);
clustering accounts for a scenario's paraphrases, cue styles and epochs moving together. Every metric x cell
comparison is one test of a family, corrected with Bonferroni (the gate's: family-wise error, and "adjusted
p <= alpha" is "the interval at 1 - alpha/k excludes 0"), Holm, or Benjamini-Hochberg (false discovery rate:
for lists of discoveries in reports).

`method="clustered"` compares the runs as unmatched groups clustered by scenario, and `method="naive"` as
independent samples (Newcombe interval, pooled z-test): the figures the harness used before, kept to show
the difference. Frames are shaped like `evals.analysis.rates.scored_frame` (one row per sample, epoch and
metric, with `sample_id`, `epoch`, `scenario_id`, `metric`, `hit`, `scored` and the cell factors).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from statistics import NormalDist
from typing import Any, Literal

import pandas as pd

from evals.analysis.rates import pair_key
from evals.analysis.run_change import bonferroni, paired_change, sign_flip_change
from scorers.statistics import (
    Difference,
    Rate,
    adjust_p_values,
    clustered_difference,
    difference,
    z_value,
)

ALL = "all"
Method = Literal["paired", "clustered", "naive"]
Adjustment = Literal["bonferroni", "holm", "fdr_bh"]
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
    return _cell_names(frame, cell_factors)


def _clusters(frame: pd.DataFrame, column: str) -> list[Hashable]:
    return list(frame[column])


def _one(part: pd.DataFrame, method: Method) -> dict[str, object]:
    """The row's change: estimate, 95% interval, p-value, pairs, clusters and method."""
    tonight = part["hit_t"].astype(float).where(part["scored_t"].astype(bool))
    baseline = part["hit_b"].astype(float).where(part["scored_b"].astype(bool))
    if method == "paired":
        change = paired_change(tonight.tolist(), baseline.tolist(), _clusters(part, "scenario_id_b"))
        low, high = change.interval()
        both = tonight.notna() & baseline.notna()
        return {
            "baseline_rate": float(baseline[both].mean()),
            "tonight_rate": float(tonight[both].mean()),
            "delta": change.estimate,
            "ci_low": low,
            "ci_high": high,
            "p_value": change.p_value(),
            "n_pairs": change.n_pairs,
            "n_clusters": change.n_clusters,
            "method": change.method,
        }
    scored_t = part[part["scored_t"].astype(bool)]
    scored_b = part[part["scored_b"].astype(bool)]
    if method == "clustered":
        diff = clustered_difference(
            scored_t["hit_t"].astype(float).tolist(),
            _clusters(scored_t, "scenario_id_t"),
            scored_b["hit_b"].astype(float).tolist(),
            _clusters(scored_b, "scenario_id_b"),
        )
    else:
        diff = difference(float(scored_t["hit_t"].sum()), len(scored_t), float(scored_b["hit_b"].sum()), len(scored_b))
    return {
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


def compare_runs(
    baseline: pd.DataFrame,
    tonight: pd.DataFrame,
    cell_factors: Sequence[str] = (),
    *,
    method: Method = "paired",
    alpha: float = 0.05,
    adjust: Adjustment = "bonferroni",
    metrics: Sequence[str] | None = None,
    gap_factor: str | None = "training_awareness",
    gap_levels: tuple[str, str] = ("training", "unmonitored"),
) -> pd.DataFrame:
    """Tonight minus baseline for every metric, pooled (`all`) and in every cell of `cell_factors`, with
    intervals, raw and family-adjusted p-values and `significant` (adjusted p <= alpha; with the default
    Bonferroni and the paired method, the same as the interval at 1 - alpha/k excluding 0, as in the gate).
    Samples present in only one run are left out (a paired comparison needs both sides); comparisons with no
    scored pair are skipped. Raises ComparisonError when the runs share no sample.

    When `gap_factor` is one of `cell_factors`, the family also holds the change of each metric's gap
    (`gap_levels[0]` minus `gap_levels[1]`, e.g. the compliance gap) pooled and within every cell of the other
    cell factors: metric `<metric> gap`, see `gap_changes`."""
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
            rows.append({"metric": str(metric), "cell": str(cell), **_one(part, method)})
    if gap_factor is not None and gap_factor in cell_factors:
        within = [f for f in cell_factors if f != gap_factor]
        rows += gap_changes(sides[0], sides[1], gap_factor, gap_levels, within, method)
    result = pd.DataFrame(rows, columns=COLUMNS)
    p_values = result["p_value"].tolist()
    if adjust == "bonferroni":
        size = sum(not math.isnan(p) for p in p_values)
        result["p_adjusted"] = [bonferroni(p, size) for p in p_values]
    else:
        result["p_adjusted"] = adjust_p_values(p_values, adjust)
    result["significant"] = result["p_adjusted"] <= alpha
    return result


def _pair_gaps(frame: pd.DataFrame, factor: str, levels: tuple[str, str], within: Sequence[str]) -> pd.DataFrame:
    """Per metric, cell-index pair and epoch: the gap (first level minus second, NaN when a side is unscored)."""
    first, second = levels
    part = frame[frame[factor].astype(str).isin(levels)]
    keyed = pd.DataFrame(
        {
            "metric": part["metric"].astype(str).to_numpy(),
            "pair": [pair_key(i, str(level)) for i, level in zip(part["sample_id"], part[factor], strict=True)],
            "epoch": part["epoch"].to_numpy(),
            "level": part[factor].astype(str).to_numpy(),
            "value": part["hit"].astype(float).where(part["scored"].astype(bool)).to_numpy(),
            "scenario_id": part["scenario_id"].to_numpy(),
            **{f: part[f].astype(str).to_numpy() for f in within},
        }
    )
    index = ["metric", "pair", "epoch", "scenario_id", *within]
    indexed = keyed.set_index([*index, "level"])["value"]
    if indexed.index.duplicated().any():
        # Sample ids do not identify cell-index pairs one to one: the gap cannot be paired, so it is not tested.
        return pd.DataFrame(columns=[*index, "gap"])
    wide = indexed.unstack("level")
    if first not in wide or second not in wide:
        return pd.DataFrame(columns=[*index, "gap"])
    wide = wide.reset_index()
    wide["gap"] = wide[first] - wide[second]
    return wide[[*index, "gap"]]


def _cell_names(frame: pd.DataFrame, within: Sequence[str]) -> pd.Series:
    if not within:
        return pd.Series([ALL] * len(frame), index=frame.index)
    names = frame[within[0]].astype(str)
    for factor in within[1:]:
        names = names + "/" + frame[factor].astype(str)
    return names


def _naive_gap(
    baseline: pd.DataFrame,
    tonight: pd.DataFrame,
    factor: str,
    levels: tuple[str, str],
    within: Sequence[str],
    metric: str,
    cell: str,
) -> Difference:
    """Unpaired: each run's gap as a difference of independent proportions, the runs independent (z-test)."""
    estimates: list[tuple[float, float]] = []
    for frame in (tonight, baseline):
        chosen = frame[(frame["metric"].astype(str) == metric) & frame["scored"].astype(bool)]
        if cell != ALL:
            chosen = chosen[_cell_names(chosen, within) == cell]
        gap, variance = 0.0, 0.0
        for level, sign in zip(levels, (1.0, -1.0), strict=True):
            values = chosen.loc[chosen[factor].astype(str) == level, "hit"].astype(float)
            if values.empty:
                return Difference(*(Rate(0.0, 0, math.nan, math.nan),) * 2, math.nan, math.nan, math.nan, "empty")
            p = float(values.mean())
            gap += sign * p
            variance += p * (1 - p) / len(values)
        estimates.append((gap, variance))
    delta = estimates[0][0] - estimates[1][0]
    standard_error = math.sqrt(estimates[0][1] + estimates[1][1])
    z = z_value(0.95)
    p_value = 1.0 if standard_error == 0 else 2 * (1 - NormalDist().cdf(abs(delta) / standard_error))
    nothing = Rate(0.0, 0, math.nan, math.nan)
    return Difference(nothing, nothing, delta - z * standard_error, delta + z * standard_error, p_value, "naive_z")


def gap_changes(
    baseline: pd.DataFrame,
    tonight: pd.DataFrame,
    factor: str,
    levels: tuple[str, str],
    within: Sequence[str],
    method: Method,
) -> list[dict[str, Any]]:
    """Tonight's gap minus baseline's gap per metric, pooled and in each cell of `within`.

    Paired: per cell-index pair and epoch, the gap d in {-1, 0, 1} in each run, matched across runs; the change
    of d is tested with the cluster sign-flip test over scenarios (`sign_flip_change`, range -2..2). Clustered:
    the same per-pair gaps as unmatched groups clustered by scenario. Naive:
    each run's gap from independent proportions, the runs independent (z-test)."""
    gaps_b = _pair_gaps(baseline, factor, levels, within)
    gaps_t = _pair_gaps(tonight, factor, levels, within)
    keys = ["metric", "pair", "epoch", *within]
    matched = gaps_b.merge(gaps_t, on=keys, suffixes=("_b", "_t"))
    rows: list[dict[str, Any]] = []
    for metric, by_metric in matched.groupby("metric", sort=True):
        groups: list[tuple[object, pd.DataFrame]] = [(ALL, by_metric)]
        if within:
            named = by_metric.assign(cell=_cell_names(by_metric, within).to_numpy())
            groups += [(cell, part) for cell, part in named.groupby("cell", sort=True)]
        for cell, part in groups:
            both = part.dropna(subset=["gap_b", "gap_t"])
            if both.empty:
                continue
            shifted_t, shifted_b = ((both["gap_t"] + 1) / 2).tolist(), ((both["gap_b"] + 1) / 2).tolist()
            p_value, n_clusters, name = math.nan, 0, ""
            if method == "paired":
                change = sign_flip_change(
                    (both["gap_t"] - both["gap_b"]).tolist(), both["scenario_id_b"].tolist(), bounds=(-2.0, 2.0)
                )
                (low, high), p_value = change.interval(), change.p_value()
                n_clusters, name = change.n_clusters, change.method
            elif method == "clustered":
                diff = clustered_difference(
                    shifted_t, both["scenario_id_t"].tolist(), shifted_b, both["scenario_id_b"].tolist()
                )
                low, high = 2 * diff.low, 2 * diff.high
                p_value, n_clusters, name = diff.p_value, diff.n_clusters, diff.method
            else:
                diff = _naive_gap(baseline, tonight, factor, levels, within, str(metric), str(cell))
                low, high = diff.low, diff.high
                p_value, n_clusters, name = diff.p_value, diff.n_clusters, diff.method
            rows.append(
                {
                    "metric": f"{metric} gap",
                    "cell": str(cell),
                    "baseline_rate": float(both["gap_b"].mean()),
                    "tonight_rate": float(both["gap_t"].mean()),
                    "delta": float(both["gap_t"].mean() - both["gap_b"].mean()),
                    "ci_low": max(-2.0, low),
                    "ci_high": min(2.0, high),
                    "p_value": p_value,
                    "n_pairs": len(both),
                    "n_clusters": n_clusters,
                    "method": f"gap change: {name}",
                }
            )
    return rows
