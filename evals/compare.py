"""`compare`: what changed between two models or two versions of one.

For every metric (scorer key) x condition cell present on both sides: each side's rate with its Wilson
interval and the change B minus A, with its 95% interval and p-value from one test
(`evals.analysis.run_change`): paired by sample id and epoch, the exact cluster sign-flip test over scenarios
and its inversion, so interval and p-value cannot disagree (Newcombe's interval and its inversion where the
runs share no sample, or with `--naive`). The family of comparisons (all of them here; the gated ones in a
nightly run) is judged at Bonferroni's level 1 - alpha / k: a change is significant when its interval at that
level excludes 0, which is the same as its Bonferroni-adjusted p <= alpha. Nightly runs use this comparison,
so the gate and `compare` show the same estimate and interval for the same two runs.

Models are matched by the aliases each run recorded (a nightly run's `panel.yaml`), else by name, else (one
model a side, no aliases) with each other. What A measured that B did not is kept: `coverage` says which
share of A's metric x cell pairs were compared, so a comparison of nothing can never read as "no change".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from evals.analysis.rates import ALL, cell_names, cell_rates, layouts, scored_frame
from evals.analysis.run_change import Change, NewcombeChange, change_frame, paired_change
from evals.logs import SampleTable
from evals.report.markdown import markdown_table
from evals.report.metric_kinds import behaviour_label
from evals.report.tables import fmt_delta, fmt_p, fmt_rate, num

CORRECTION = "Bonferroni"
UNPAIRED = (
    "unpaired: Newcombe interval per metric x cell, p by inverting it; Bonferroni level 1 - alpha/k across the family"
)
PAIRED = (
    "paired by (sample id, epoch): exact cluster sign-flip test over scenarios, interval by inverting it; "
    "Bonferroni level 1 - alpha/k across the family"
)
SIDE_COLUMNS = ["successes", "n", "unscored", "rate", "ci_low", "ci_high"]


@dataclass(frozen=True)
class Side:
    """One side of a comparison: its samples, a label for output, and how its models map to matching keys."""

    label: str
    table: SampleTable
    aliases: Mapping[str, str] = field(default_factory=dict)
    """model -> alias (e.g. `organism/honest` -> `model-under-test`); models without one match by name."""


@dataclass
class Comparison:
    a_label: str
    b_label: str
    alpha: float
    rows: pd.DataFrame
    """One row per (key, suite, metric, cell) scored on both sides: `a_*`, `b_*` rate columns, then
    `evals.analysis.run_change.CHANGE_COLUMNS` (`delta` = B - A, its 95% `ci_low`/`ci_high` and raw `p_value`;
    for the family: `adj_low`/`adj_high` at `family_level`, `p_adjusted`, `decidable`, `significant`)."""
    only_one_side: list[str]
    unscored_pairs: int = 0
    """Metric x cell pairs left out because one side has no scored sample there (e.g. TG without reasoning)."""
    baseline_pairs: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Every (key, suite, metric, cell) A scored (n > 0), with `compared` True when B scored it too."""
    matching: list[str] = field(default_factory=list)
    """How the two sides' models were matched, one line each (alias, name, or the single model a side)."""
    unmatched_models: list[str] = field(default_factory=list)
    """Match keys (aliases or models) with samples on one side only, as `A only: key` / `B only: key`."""
    statistic: str = ""
    """How each change was tested."""
    family_rows: int = -1
    """How many rows form the family (-1: every tested row)."""
    changes: list[Change] = field(default_factory=list)
    """Each row's change (same order as `rows`), for tests against other values (a gate's allowed change)."""

    @property
    def significant(self) -> pd.DataFrame:
        return self.rows[self.rows["significant"].astype(bool)].sort_values("p_adjusted", kind="stable")

    @property
    def family_size(self) -> int:
        return int(self.rows["in_family"].astype(bool).sum()) if "in_family" in self.rows else 0

    @property
    def undecidable(self) -> pd.DataFrame:
        """Family rows whose test cannot exclude any value at the family's level (too few scenarios)."""
        if "decidable" not in self.rows:
            return self.rows
        return self.rows[self.rows["in_family"].astype(bool) & ~self.rows["decidable"].astype(bool)]


def _match_keys(a: Side, b: Side) -> tuple[pd.Series, pd.Series]:
    """The key each sample is matched on: alias or model name; one model per side without aliases matches
    the other side's single model whatever their names (two versions of one model)."""
    if _single_unaliased(a, b):
        return (
            pd.Series("", index=a.table.samples.index, dtype=object),
            pd.Series("", index=b.table.samples.index, dtype=object),
        )
    return (
        a.table.samples["model"].map(lambda m: a.aliases.get(m, m)),
        b.table.samples["model"].map(lambda m: b.aliases.get(m, m)),
    )


def _single_unaliased(a: Side, b: Side) -> bool:
    a_models, b_models = set(a.table.samples["model"]), set(b.table.samples["model"])
    return len(a_models) == 1 and len(b_models) == 1 and not a.aliases and not b.aliases


def matching_lines(a: Side, b: Side) -> tuple[list[str], list[str]]:
    """How models were matched (one line per match key) and the keys present on one side only."""
    a_models, b_models = sorted(set(a.table.samples["model"])), sorted(set(b.table.samples["model"]))
    if _single_unaliased(a, b):
        if a_models == b_models:
            return [f"models matched by name: {a_models[0]}"], []
        return [f"one model a side, matched with each other: {a_models[0]} (A) vs {b_models[0]} (B)"], []
    a_keys = {a.aliases.get(m, m): m for m in a_models}
    b_keys = {b.aliases.get(m, m): m for m in b_models}
    lines = []
    for key in sorted(set(a_keys) & set(b_keys)):
        if key in a.aliases.values() or key in b.aliases.values():
            how = "same model" if a_keys[key] == b_keys[key] else "model changed"
            lines.append(f"alias {key}: {a_keys[key]} (A) vs {b_keys[key]} (B), {how}")
        else:
            lines.append(f"models matched by name: {key}")
    unmatched = [
        f"A only: {key} ({a_keys[key]})" if key != a_keys[key] else f"A only: {key}"
        for key in sorted(set(a_keys) - set(b_keys))
    ]
    unmatched += [
        f"B only: {key} ({b_keys[key]})" if key != b_keys[key] else f"B only: {key}"
        for key in sorted(set(b_keys) - set(a_keys))
    ]
    return lines, unmatched


def _combined(a: Side, b: Side) -> SampleTable:
    a_keys, b_keys = _match_keys(a, b)
    offset = int(a.table.samples["row"].max()) + 1 if len(a.table.samples) else 0
    a_samples = a.table.samples.assign(side="a", key=a_keys)
    b_samples = b.table.samples.assign(side="b", key=b_keys, row=b.table.samples["row"] + offset)
    b_scores = b.table.scores.assign(row=b.table.scores["row"] + offset)
    scores = pd.concat([a.table.scores, b_scores], ignore_index=True)
    for column in ("scorer", "key", "metric"):
        scores[column] = scores[column].astype(str)
    samples = pd.concat([a_samples, b_samples], ignore_index=True)
    # The match key replaces the model, so both sides' rates group by it.
    samples["model"] = samples["key"]
    conditions = list(dict.fromkeys([*a.table.conditions, *b.table.conditions]))
    return SampleTable([*a.table.logs, *b.table.logs], samples, scores, conditions)


Family = Callable[[str, str, str], bool]
"""(suite, metric, cell) -> whether the comparison belongs to the multiple-testing family."""

PAIR_KEYS = ["sample_id", "epoch"]
CLUSTER = "scenario_id"


def _units(frame: pd.DataFrame, side: str) -> pd.DataFrame:
    """One side's per-sample 0/1 values (NaN unscored), indexed by (sample id, epoch), with its cluster."""
    part = frame[frame["side"] == side]
    values = part["hit"].astype(float).where(part["scored"])
    clusters = part[CLUSTER] if CLUSTER in part else part["sample_id"]
    units = pd.DataFrame(
        {"sample_id": part["sample_id"].astype(str), "epoch": part["epoch"], "value": values, "cluster": clusters}
    )
    return units.drop_duplicates(PAIR_KEYS, keep="last").set_index(PAIR_KEYS)


def _paired(frame: pd.DataFrame, row: Any) -> Change | None:
    """B minus A over the samples both runs have (same sample id and epoch), clustered by scenario; None when
    the runs share no scored sample."""
    chosen = frame[(frame["model"] == row.model) & (frame["metric"] == row.metric)]
    if str(row.cell) != ALL:
        chosen = chosen[chosen["cell"] == str(row.cell)]
    joined = _units(chosen, "b").merge(
        _units(chosen, "a"), left_index=True, right_index=True, how="inner", suffixes=("_b", "_a")
    )
    joined = joined[joined["value_b"].notna() & joined["value_a"].notna()]
    if joined.empty:
        return None
    return paired_change(joined["value_b"].tolist(), joined["value_a"].tolist(), [str(c) for c in joined["cluster_b"]])


def compare(a: Side, b: Side, alpha: float = 0.05, paired: bool = True, family: Family | None = None) -> Comparison:
    """Compare B against A on every metric and cell both sides measure.

    With `paired` (the default) each change is tested on the samples both runs share (same sample id and
    epoch) with the cluster sign-flip test over scenarios (`paired_change`); rows whose runs share no scored
    sample, and every row with `paired=False` (`--naive`), use Newcombe's interval and its inversion. The rows
    `family` accepts (all by default) are judged at Bonferroni's level (`change_frame`); rows outside it get no
    adjusted interval or p and never count as significant."""
    combined = _combined(a, b)
    parts: list[pd.DataFrame] = []
    frames: dict[str, pd.DataFrame] = {}
    for suite, layout in layouts(combined).items():
        frame = scored_frame(combined, layout, extra=["side", *PAIR_KEYS, CLUSTER])
        cells = cell_rates(frame, layout, by=("model", "metric", "side"))
        cells["suite"] = suite
        parts.append(cells[["model", "suite", "metric", "cell", "side", *SIDE_COLUMNS]])
        frame["cell"] = cell_names(frame, layout.cell_factors)
        frames[suite] = frame
    long = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["side"])
    long["order"] = range(len(long))
    keys = ["model", "suite", "metric", "cell"]

    def side_rates(side: str) -> pd.DataFrame:
        part = long[long["side"] == side].drop(columns="side")
        return part.rename(columns={c: f"{side}_{c}" for c in part.columns if c not in keys})

    merged = side_rates("a").merge(side_rates("b"), on=keys, how="outer", indicator="present")
    merged["order"] = merged[["a_order", "b_order"]].min(axis=1)
    merged = merged.sort_values("order", kind="stable").drop(columns=["a_order", "b_order", "order"])
    one_side = merged[merged["present"] != "both"]
    only_one_side = list(
        dict.fromkeys(
            f"{'A' if str(row.present) == 'left_only' else 'B'} only: {row.suite!s}"
            + (f" ({row.model!s})" if row.model else "")
            for row in one_side.itertuples(index=False)
        )
    )
    scored_a = merged["present"].astype(str).isin(["both", "left_only"]) & (merged["a_n"].fillna(0) > 0)
    baseline_pairs = merged[scored_a][keys].rename(columns={"model": "key"}).reset_index(drop=True)
    baseline_pairs["compared"] = (
        (merged[scored_a]["present"].astype(str) == "both") & (merged[scored_a]["b_n"].fillna(0) > 0)
    ).to_numpy()
    both = merged[merged["present"] == "both"].drop(columns="present")
    scored_both = (both["a_n"] > 0) & (both["b_n"] > 0)
    rows = both[scored_both].reset_index(drop=True)
    changes: list[Change] = []
    for r in rows.itertuples(index=False):
        change = _paired(frames[str(r.suite)], r) if paired else None
        changes.append(
            change or NewcombeChange(num(r.b_successes), int(num(r.b_n)), num(r.a_successes), int(num(r.a_n)))
        )
    in_family = [
        family is None or family(str(r.suite), str(r.metric), str(r.cell)) for r in rows.itertuples(index=False)
    ]
    tested = change_frame(changes, in_family, alpha)
    rows = pd.concat([rows, tested], axis=1)
    rows = rows.rename(columns={"model": "key"})
    matching, unmatched = matching_lines(a, b)
    methods = sorted(set(rows["method"])) if len(rows) else []
    statistic = (
        (PAIRED if any(m.startswith("paired") for m in methods) else UNPAIRED) if paired else UNPAIRED + " (--naive)"
    )
    if paired and any(not m.startswith("paired") for m in methods):
        statistic += "; unpaired where the runs share no sample"
    return Comparison(
        a.label,
        b.label,
        alpha,
        rows,
        only_one_side,
        int((~scored_both).sum()),
        baseline_pairs,
        matching,
        unmatched,
        statistic,
        sum(in_family),
        changes,
    )


def where(row: pd.Series) -> str:
    """`key suite metric [cell]`: which comparison a row is."""
    return " ".join(
        part for part in (str(row["key"]), str(row["suite"]), str(row["metric"]), f"[{row['cell']}]") if part
    )


def describe(row: pd.Series, a_label: str = "A", b_label: str = "B", with_p: bool = True) -> str:
    """One line: where, both rates with intervals, the change with its 95% interval and (`with_p`) its
    family-adjusted and raw p-value against no change."""

    def rate(side: str) -> str:
        return fmt_rate(*(row[f"{side}_{c}"] for c in ("rate", "ci_low", "ci_high", "n", "unscored")))

    text = (
        f"{where(row)}: {a_label} {rate('a')} -> {b_label} {rate('b')}, "
        f"change {fmt_delta(row['delta'], row['ci_low'], row['ci_high'])}"
    )
    if with_p:
        text += f", {CORRECTION} p {fmt_p(row['p_adjusted'])} (raw {fmt_p(row['p_value'])})"
    return text


def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    """`1 regression`, `2 regressions`, `0 comparisons`."""
    return f"{count} {noun if count == 1 else plural_form or noun + 's'}"


@dataclass(frozen=True)
class Coverage:
    """Which share of the baseline's (A's) metric x cell pairs was compared with B."""

    compared: int
    total: int
    missing: list[str]
    """The baseline pairs not compared, as `key suite metric [cell]`."""

    @property
    def share(self) -> float:
        """Compared / total; 0 when the baseline has nothing to compare (nothing compared is no evidence)."""
        return self.compared / self.total if self.total else 0.0

    def describe(self) -> str:
        return f"coverage {self.share:.0%} ({self.compared} of {plural(self.total, 'baseline metric x cell pair')})"


def coverage(comparison: Comparison, gated: Callable[[str, str, str, str], bool] | None = None) -> Coverage:
    """Coverage of A's scored pairs whose (key, suite, metric, cell) `gated` accepts (all of them by default)."""
    pairs = comparison.baseline_pairs
    if pairs.empty:
        return Coverage(0, 0, [])
    chosen = pairs
    if gated is not None:
        chosen = pairs[[gated(str(r.key), str(r.suite), str(r.metric), str(r.cell)) for r in pairs.itertuples()]]
    missing = [
        " ".join(part for part in (str(r.key), str(r.suite), str(r.metric), f"[{r.cell}]") if part)
        for r in chosen[~chosen["compared"].astype(bool)].itertuples()
    ]
    return Coverage(int(chosen["compared"].astype(bool).sum()), len(chosen), missing)


def summary_line(comparison: Comparison) -> str:
    count = len(comparison.significant)
    skipped = f" ({comparison.unscored_pairs} without scored samples on a side)" if comparison.unscored_pairs else ""
    undecidable = len(comparison.undecidable)
    cannot = f"; {undecidable} cannot be decided (too few scenarios)" if undecidable else ""
    return (
        f"{plural(comparison.family_size, 'metric x cell comparison')}{skipped}; {count} changed significantly "
        f"({CORRECTION}-corrected p <= {comparison.alpha:g}){cannot}"
    )


def family_text(comparison: Comparison) -> str:
    """How the family is judged, e.g. `Bonferroni over 49 comparisons: each at the 99.90% level`."""
    size = comparison.family_size
    level = 1 - comparison.alpha / max(1, size)
    return f"{CORRECTION} over {plural(size, 'comparison')}: each judged at the {level:.2%} level"


def render_markdown(comparison: Comparison) -> str:
    lines = [
        f"# Comparison: {comparison.a_label} vs {comparison.b_label}",
        "",
        f"A = {comparison.a_label}; B = {comparison.b_label}. Change = B - A with its 95% interval; "
        f"statistic: {comparison.statistic or UNPAIRED}; {family_text(comparison)} (significant: the interval "
        "at that level excludes 0; a comparison with too few scenarios for the test to reach that level cannot "
        "be decided).",
        "",
        f"{summary_line(comparison)}; {coverage(comparison).describe()}.",
        "",
        "Models: " + ("; ".join(comparison.matching) or "none matched") + ".",
        "",
        "## Significant changes",
        "",
    ]
    significant = comparison.significant
    lines += [f"- {describe(row)}" for _, row in significant.iterrows()] or ["None."]
    if comparison.only_one_side or comparison.unmatched_models:
        lines += ["", "## Measured on one side only", ""]
        lines += [f"- {line}" for line in [*comparison.unmatched_models, *comparison.only_one_side]]
    table = pd.DataFrame(
        {
            "model": comparison.rows["key"],
            "suite": comparison.rows["suite"],
            "metric": [behaviour_label(str(m)) if ":" not in str(m) else str(m) for m in comparison.rows["metric"]],
            "cell": comparison.rows["cell"],
            "A": [
                fmt_rate(r.a_rate, r.a_ci_low, r.a_ci_high, r.a_n, r.a_unscored) for r in comparison.rows.itertuples()
            ],
            "B": [
                fmt_rate(r.b_rate, r.b_ci_low, r.b_ci_high, r.b_n, r.b_unscored) for r in comparison.rows.itertuples()
            ],
            "change [95% CI]": [fmt_delta(r.delta, r.ci_low, r.ci_high) for r in comparison.rows.itertuples()],
            "interval at family level": [
                fmt_delta(r.delta, r.adj_low, r.adj_high).split(" ", 1)[-1] if r.in_family else ""
                for r in comparison.rows.itertuples()
            ],
            "p": [fmt_p(p) for p in comparison.rows["p_value"]],
            f"{CORRECTION} p": [fmt_p(p) for p in comparison.rows["p_adjusted"]],
            "test": [str(m) for m in comparison.rows["method"]] if "method" in comparison.rows else "",
            "significant": [
                "yes" if r.significant else ("cannot decide" if r.in_family and not r.decidable else "")
                for r in comparison.rows.itertuples()
            ],
        }
    )
    if not table["model"].astype(bool).any():
        table = table.drop(columns="model")
    lines += ["", "## Every comparison", "", markdown_table(table)]
    return "\n".join(lines) + "\n"
