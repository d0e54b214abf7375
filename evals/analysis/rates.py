"""Rates per condition, main effects and gaps, computed one way for the report, `compare` and nightly runs.

Works on a `SampleTable` (see `evals.logs`) with pandas. A score counts as a hit when its value is 1 (for
`compliance`: fully complied; partial compliance, 0.5, is not a hit); NaN values are unscored and counted
separately. Intervals come from `scorers.statistics` and respect the design by default (`method="clustered"`):
a scenario's paraphrases, cue styles and epochs are one cluster, rates get cluster-robust intervals, and a
difference is paired by cell index (clustered by scenario) when its two levels' samples pair one to one (the
training-minus-unmonitored gap), else clustered by scenario: the same estimator as the scorers' metrics
(`scorers.statistics.level_difference`). `method="naive"` gives the old Wilson / Newcombe figures, which treat
every sample as independent; the clustered tables carry them too (`naive_ci_low`, `naive_ci_high`, `naive_p_value`).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from evals.logs import SampleTable, level_order, suite_factors
from scorers.statistics import Difference, clustered_rate, difference, level_difference, wilson

NOT_CELL_FACTORS = ("value_domain",)
"""Factors kept out of the per-condition cross (they still get main effects): five value domains would
multiply every table by five and leave a handful of samples per cell."""

ALL = "all"
"""The cell that pools every condition."""

RATE_COLUMNS = ["successes", "n", "unscored", "rate", "ci_low", "ci_high"]
DIFFERENCE_COLUMNS = ["a_rate", "a_n", "b_rate", "b_n", "delta", "ci_low", "ci_high", "p_value"]
INTERVAL_COLUMNS = ["n_clusters", "interval", "naive_ci_low", "naive_ci_high"]
"""Added after the columns above: independent units, which interval `ci_low`/`ci_high` are, the naive ones."""
DIFFERENCE_EXTRA_COLUMNS = ["n_pairs", *INTERVAL_COLUMNS, "naive_p_value"]

Method = Literal["clustered", "naive"]

CLUSTER = "scenario_id"
"""The unit of independence: a scenario's paraphrases, cue styles and epochs are correlated."""
PAIR = "pair_id"
"""The cell index a task gives the samples that differ only in the compared cue (see `level_rows_difference`)."""
IDENTITY_COLUMNS = (CLUSTER, "sample_id", "epoch", PAIR, "log")
"""Kept in scored frames so intervals can cluster by scenario and pair samples."""


@dataclass(frozen=True)
class Layout:
    """Which factors one suite varies and their levels (reference level first)."""

    suite: str
    factors: tuple[str, ...]
    levels: dict[str, tuple[str, ...]]

    @property
    def cell_factors(self) -> tuple[str, ...]:
        return tuple(factor for factor in self.factors if factor not in NOT_CELL_FACTORS)


def layout_of(
    samples: pd.DataFrame,
    suite: str,
    conditions: Sequence[str],
    declared: Sequence[str] | None = None,
    declared_levels: Mapping[str, Sequence[str]] | None = None,
) -> Layout:
    factors = tuple(suite_factors(samples, conditions, declared))
    known = declared_levels or {}
    levels = {factor: tuple(level_order(factor, samples[factor].dropna(), known.get(factor))) for factor in factors}
    return Layout(suite, factors, levels)


def layouts(table: SampleTable) -> dict[str, Layout]:
    samples = table.samples
    return {
        suite: layout_of(
            samples[samples["suite"] == suite],
            suite,
            table.conditions,
            table.declared_factors(suite),
            table.declared_levels(suite),
        )
        for suite in table.suites
    }


def scored_frame(table: SampleTable, layout: Layout, extra: Sequence[str] = ()) -> pd.DataFrame:
    """One row per numeric score of the suite's (non-errored) samples, with the model, the suite's factors as
    ordered categoricals, `scored` (not NaN) and `hit` (value 1)."""
    samples = table.samples
    chosen = samples[(samples["suite"] == layout.suite) & ~samples["error"].astype(bool)]
    wanted = [*IDENTITY_COLUMNS, *extra]
    columns = [
        "row",
        "model",
        *layout.factors,
        *dict.fromkeys(c for c in wanted if c in chosen and c not in layout.factors),
    ]
    frame = table.scores.merge(chosen[columns], on="row", how="inner")
    for factor in layout.factors:
        frame[factor] = pd.Categorical(frame[factor], categories=list(layout.levels[factor]), ordered=True)
    frame["metric"] = frame["metric"].astype(str)
    frame["scored"] = frame["value"].notna()
    frame["hit"] = frame["value"] >= 1.0
    return frame


def _clusters(frame: pd.DataFrame) -> list[Hashable]:
    """Each row's cluster: its scenario, else its sample (so epochs of a sample still cluster), else itself."""
    for column in (CLUSTER, "sample_id"):
        if column in frame:
            labels = frame[column]
            return [f"row:{i}" if pd.isna(v) else v for i, v in zip(frame.index, labels, strict=True)]
    return list(frame.index)


def rates(frame: pd.DataFrame, by: Sequence[str], method: Method = "clustered") -> pd.DataFrame:
    """Successes, n (scored), unscored, rate and 95% interval per group of `by`: clustered by scenario
    (`clustered_rate`) by default, Wilson with `method="naive"`; plus n_clusters, the interval's name and the
    naive Wilson bounds."""
    if frame.empty:
        return pd.DataFrame(columns=[*by, *RATE_COLUMNS, *INTERVAL_COLUMNS])
    grouped = (
        frame.groupby(list(by), observed=True, sort=True)
        .agg(successes=("hit", "sum"), n=("scored", "sum"), total=("value", "size"))
        .reset_index()
    )
    grouped["unscored"] = grouped["total"] - grouped["n"]
    naive = [wilson(float(s), int(n)) for s, n in zip(grouped["successes"], grouped["n"], strict=True)]
    if method == "naive":
        intervals = naive
    else:
        scored = frame[frame["scored"]]
        parts = {
            key if isinstance(key, tuple) else (key,): part
            for key, part in scored.groupby(list(by), observed=True, sort=True)
        }
        intervals = []
        for key in grouped[list(by)].itertuples(index=False, name=None):
            part = parts.get(tuple(key))
            if part is None:
                intervals.append(clustered_rate([], []))
            else:
                intervals.append(clustered_rate(part["hit"].astype(float).tolist(), _clusters(part)))
    grouped["rate"] = [r.value for r in intervals]
    grouped["ci_low"] = [r.low for r in intervals]
    grouped["ci_high"] = [r.high for r in intervals]
    grouped["n_clusters"] = [r.n_clusters for r in intervals]
    grouped["interval"] = [r.method for r in intervals]
    grouped["naive_ci_low"] = [r.low for r in naive]
    grouped["naive_ci_high"] = [r.high for r in naive]
    return grouped.drop(columns="total")


def cell_rates(
    frame: pd.DataFrame, layout: Layout, by: Sequence[str] = ("model", "metric"), method: Method = "clustered"
) -> pd.DataFrame:
    """Rates per cell of the suite's cell factors, plus the pooled `all` row (its factor columns set to `all`)."""
    per_cell = rates(frame, [*by, *layout.cell_factors], method)
    pooled = rates(frame, list(by), method)
    for factor in layout.cell_factors:
        per_cell[factor] = per_cell[factor].astype(str)
        pooled[factor] = ALL
    combined = pd.concat([pooled, per_cell], ignore_index=True) if layout.cell_factors else pooled
    combined["cell"] = cell_names(combined, layout.cell_factors)
    return combined


MISSING_LEVEL = "n/a"
"""Shown for a factor a sample's metadata does not carry (pandas keeps NaN through `astype(str)`)."""


def cell_names(frame: pd.DataFrame, factors: Sequence[str]) -> list[str]:
    if not factors or frame.empty:
        return [ALL] * len(frame)
    names = frame[list(factors)].fillna(MISSING_LEVEL).astype(str).agg("/".join, axis=1).tolist()
    return [ALL if set(name.split("/")) == {ALL} else name for name in names]


def pair_key(sample_id: object, level: str) -> str:
    """A sample id with the token naming `level` blanked: the training and unmonitored samples of one cell
    index (ids `<suite>-<levels>-<index>`) get the same key."""
    tokens = str(sample_id).split("-")
    if level in tokens:
        tokens[tokens.index(level)] = "*"
    return "-".join(tokens)


def _difference_row(diff: Difference, naive: Difference) -> dict[str, object]:
    return {
        "a_rate": diff.first.value,
        "a_n": diff.first.n,
        "b_rate": diff.second.value,
        "b_n": diff.second.n,
        "delta": diff.value,
        "ci_low": diff.low,
        "ci_high": diff.high,
        "p_value": diff.p_value,
        "n_pairs": diff.n_pairs,
        "n_clusters": diff.n_clusters,
        "interval": diff.method,
        "naive_ci_low": naive.low,
        "naive_ci_high": naive.high,
        "naive_p_value": naive.p_value,
    }


def _pair_ids(part: pd.DataFrame) -> list[Hashable | None]:
    """Each row's pair: its log, pair id and epoch (the training and unmonitored samples of one cell index share
    them); None where a row has no pair id (then the difference is clustered, not paired)."""
    if PAIR not in part:
        return [None] * len(part)
    epochs = part["epoch"].tolist() if "epoch" in part else [None] * len(part)
    logs = part["log"].tolist() if "log" in part else [None] * len(part)
    return [
        None if pd.isna(pair) else (log, str(pair), epoch)
        for log, pair, epoch in zip(logs, part[PAIR], epochs, strict=True)
    ]


def level_rows_difference(part_a: pd.DataFrame, part_b: pd.DataFrame) -> Difference:
    """Rows at `level_a` minus rows at `level_b` (`hit` where `scored`): `scorers.statistics.level_difference`,
    the estimator the scorers' metrics use, so a gap reads the same in the terminal and the report."""
    values_a = part_a["hit"].astype(float).where(part_a["scored"]).tolist()
    values_b = part_b["hit"].astype(float).where(part_b["scored"]).tolist()
    return level_difference(
        values_a,
        _clusters(part_a),
        _pair_ids(part_a),
        values_b,
        _clusters(part_b),
        _pair_ids(part_b),
    )


def differences(
    frame: pd.DataFrame,
    factor: str,
    level_a: str,
    level_b: str,
    within: Sequence[str] = (),
    by: Sequence[str] = ("model", "metric"),
    method: Method = "clustered",
) -> pd.DataFrame:
    """Rate at `level_a` minus rate at `level_b` of `factor`, per group of `by` (and `within`), with 95%
    intervals and p-values; groups without scored samples at either level are left out.

    `method="clustered"` (default): `level_rows_difference`, paired sample by sample (same log, pair id and
    epoch) when the two levels' samples pair one to one, else cluster-robust by scenario. `method="naive"`:
    Newcombe's interval and the pooled z-test. The naive figures are in `naive_*` columns either way."""
    keys = [*by, *within]
    columns = [*keys, *DIFFERENCE_COLUMNS, *DIFFERENCE_EXTRA_COLUMNS]
    subset = frame[frame[factor].astype(str).isin([level_a, level_b])].copy()
    if subset.empty:
        return pd.DataFrame(columns=columns)
    subset["level"] = subset[factor].astype(str)
    if not keys:
        subset["_all"] = ALL
    rows: list[dict[str, object]] = []
    for group, part in subset.groupby(keys or ["_all"], observed=True, sort=True):
        group_values = group if isinstance(group, tuple) else (group,)
        part_a = part[part["level"] == level_a]
        part_b = part[part["level"] == level_b]
        scored_a, scored_b = part_a[part_a["scored"]], part_b[part_b["scored"]]
        if scored_a.empty or scored_b.empty:
            continue
        naive = difference(float(scored_a["hit"].sum()), len(scored_a), float(scored_b["hit"].sum()), len(scored_b))
        diff = naive if method == "naive" else level_rows_difference(part_a, part_b)
        rows.append({**dict(zip(keys, group_values[: len(keys)], strict=True)), **_difference_row(diff, naive)})
    return pd.DataFrame(rows, columns=columns)


def main_effects(
    frame: pd.DataFrame, layout: Layout, by: Sequence[str] = ("model", "metric"), method: Method = "clustered"
) -> pd.DataFrame:
    """For every factor and every non-reference level: rate at that level minus rate at the reference level,
    pooled over the other factors (clustered by scenario by default)."""
    parts = []
    for factor in layout.factors:
        reference = layout.levels[factor][0]
        for level in layout.levels[factor][1:]:
            effect = differences(frame, factor, level, reference, by=by, method=method)
            effect.insert(len(by), "factor", factor)
            effect.insert(len(by) + 1, "level", level)
            effect.insert(len(by) + 2, "reference", reference)
            parts.append(effect)
    if not parts:
        return pd.DataFrame(
            columns=[*by, "factor", "level", "reference", *DIFFERENCE_COLUMNS, *DIFFERENCE_EXTRA_COLUMNS]
        )
    return pd.concat(parts, ignore_index=True)


def training_gap(
    frame: pd.DataFrame, layout: Layout, by: Sequence[str] = ("model", "metric"), method: Method = "clustered"
) -> pd.DataFrame:
    """Training minus unmonitored, pooled (`all`) and within each cell of the other cell factors: paired by
    cell index and epoch, clustered by scenario (naive Newcombe with `method="naive"`)."""
    factor = "training_awareness"
    if factor not in layout.factors or not {"training", "unmonitored"} <= set(layout.levels[factor]):
        return pd.DataFrame(columns=[*by, "cell", *DIFFERENCE_COLUMNS, *DIFFERENCE_EXTRA_COLUMNS])
    within = [f for f in layout.cell_factors if f != factor]
    pooled = differences(frame, factor, "training", "unmonitored", by=by, method=method)
    pooled["cell"] = ALL
    if not within:
        return pooled
    per_cell = differences(frame, factor, "training", "unmonitored", within=within, by=by, method=method)
    per_cell["cell"] = cell_names(per_cell, within)
    per_cell = per_cell.drop(columns=within)
    return pd.concat([pooled, per_cell], ignore_index=True)
