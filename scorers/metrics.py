"""Inspect metrics that report rates per condition and gaps between conditions (e.g. training minus
unmonitored), with intervals that respect the design and sample counts.

Each metric built on these returns a flat dict: for every cell the rate, its `ci_low`, `ci_high` and `n`.
Unscored samples (NaN or missing values) are left out of rates and counted under `unscored`. Intervals are
clustered by the sample's `scenario_id` (its paraphrases, cue styles and epochs are correlated; a sample
without one is its own cluster); gaps pair the two levels' samples by `pair_id` (the cell index) when the
samples pair one to one, and are clustered by scenario otherwise (see `scorers.statistics`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from typing import NamedTuple

from inspect_ai.scorer import SampleScore

from scorers.statistics import Difference, clustered_rate, level_difference

Indicator = Callable[[SampleScore], float | None]
"""Maps a scored sample to 1.0 / 0.0 (or a fraction), or None when it is unscored."""

Cell = Callable[[SampleScore], str | None]
"""Maps a scored sample to the name of its cell, or None to leave it out of the per-cell rows."""

Filter = Callable[[SampleScore], bool]
"""Which samples a table considers at all (others are neither rated nor counted as unscored)."""


def numeric_indicator(key: str | None = None, threshold: float = 1.0) -> Indicator:
    """1.0 when the score's value (or the dict entry `key`) reaches `threshold`; None when unscored."""

    def indicator(sample_score: SampleScore) -> float | None:
        value: object = sample_score.score.value
        if key is not None:
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, bool):
            return float(value)
        if not isinstance(value, int | float) or math.isnan(float(value)):
            return None
        return 1.0 if float(value) >= threshold else 0.0

    return indicator


CLUSTER_KEY = "scenario_id"
PAIR_KEY = "pair_id"


def cluster_of(sample_score: SampleScore) -> Hashable:
    """The sample's scenario (its unit of independence), else the sample itself."""
    metadata = sample_score.sample_metadata or {}
    scenario = metadata.get(CLUSTER_KEY)
    if scenario is not None:
        return f"scenario:{scenario}"
    # without an id (hand-built scores) every score is its own unit
    return f"sample:{sample_score.sample_id}" if sample_score.sample_id is not None else f"score:{id(sample_score)}"


def pair_of(sample_score: SampleScore) -> Hashable | None:
    """The sample's pair id (Inspect reduces epochs before metrics, so one score per sample arrives here)."""
    pair = (sample_score.sample_metadata or {}).get(PAIR_KEY)
    return None if pair is None else str(pair)


def cell_key(sample_score: SampleScore, factors: Sequence[str]) -> str:
    metadata = sample_score.sample_metadata or {}
    return "/".join(str(metadata.get(factor, "?")) for factor in factors) if factors else "all"


def metadata_cell(key: str) -> Cell:
    """Cells named by one entry of the score's own metadata (e.g. the action a TG scorer read)."""

    def cell(sample_score: SampleScore) -> str | None:
        value = (sample_score.score.metadata or {}).get(key)
        return None if value is None else str(value)

    return cell


def rate_table(
    scores: list[SampleScore],
    factors: Sequence[str],
    indicator: Indicator,
    prefix: str = "rate ",
    *,
    cell: Cell | None = None,
    where: Filter | None = None,
    count_unscored: bool = True,
) -> dict[str, float]:
    """Rate, clustered interval and n for each cell of `factors` (and `all`), plus the unscored count.

    Keys are `<prefix><cell>`, `<prefix><cell> ci_low`, ...: Inspect flattens dict-valued metrics by key, so
    each metric of a scorer needs its own prefix. `cell` replaces the factor cells with cells of its own;
    `where` restricts the table to some samples. Leave out `<prefix>unscored` (`count_unscored=False`) for
    scalar scores and for a second table of the same scorer: Inspect drops samples whose value is a bare NaN
    before metrics run (it counts them in `EvalScore.unscored_samples`), so a metric would always see 0 there;
    a dict value's NaN entries do reach the metrics.
    """
    cells: dict[str, list[tuple[float, Hashable]]] = defaultdict(list)
    unscored = 0
    for sample_score in scores:
        if where is not None and not where(sample_score):
            continue
        value = indicator(sample_score)
        if value is None:
            unscored += 1
            continue
        entry = (value, cluster_of(sample_score))
        cells["all"].append(entry)
        if cell is not None:
            name = cell(sample_score)
            if name is not None:
                cells[name].append(entry)
        elif factors:
            cells[cell_key(sample_score, factors)].append(entry)
    table: dict[str, float] = {}
    for name in sorted(cells, key=lambda cell: (cell != "all", cell)):
        entries = cells[name]
        rate = clustered_rate([value for value, _ in entries], [cluster for _, cluster in entries])
        table[f"{prefix}{name}"] = rate.value
        table[f"{prefix}{name} ci_low"] = rate.low
        table[f"{prefix}{name} ci_high"] = rate.high
        table[f"{prefix}{name} n"] = rate.n
    if count_unscored:
        table[f"{prefix}unscored"] = unscored
    return table


def gap_table(
    scores: list[SampleScore],
    factor: str,
    first: str,
    second: str,
    within: Sequence[str],
    indicator: Indicator,
    prefix: str = "gap ",
    *,
    where: Filter | None = None,
) -> dict[str, float]:
    """`first` minus `second` level of `factor`, overall and within each cell of `within`, with intervals
    (`scorers.statistics.level_difference`: paired by `pair_id` when the two levels' samples pair one to one, else
    clustered by scenario). Cells where either level has no scored sample are left out."""
    counts: dict[str, dict[str, list[_Unit]]] = defaultdict(lambda: {first: [], second: []})
    for sample_score in scores:
        if where is not None and not where(sample_score):
            continue
        metadata = sample_score.sample_metadata or {}
        level = metadata.get(factor)
        if level not in (first, second):
            continue
        value = indicator(sample_score)
        # An unscored sample stays as NaN so that its pair is dropped, not the whole table unpaired.
        unit = _Unit(math.nan if value is None else value, cluster_of(sample_score), pair_of(sample_score))
        counts["all"][level].append(unit)
        if within:
            counts[cell_key(sample_score, within)][level].append(unit)
    table: dict[str, float] = {}
    for name in sorted(counts, key=lambda cell: (cell != "all", cell)):
        a, b = counts[name][first], counts[name][second]
        if not any(not math.isnan(u.value) for u in a) or not any(not math.isnan(u.value) for u in b):
            continue  # a level that was not run (or never scored) has no gap to report, not a NaN one
        gap = _gap(a, b)
        table[f"{prefix}{name}"] = gap.value
        table[f"{prefix}{name} ci_low"] = gap.low
        table[f"{prefix}{name} ci_high"] = gap.high
        table[f"{prefix}{name} n"] = gap.first.n + gap.second.n
        table[f"{prefix}{name} p_value"] = gap.p_value
    return table


class _Unit(NamedTuple):
    value: float
    cluster: Hashable
    pair: Hashable | None


def _gap(a: list[_Unit], b: list[_Unit]) -> Difference:
    return level_difference(
        [unit.value for unit in a],
        [unit.cluster for unit in a],
        [unit.pair for unit in a],
        [unit.value for unit in b],
        [unit.cluster for unit in b],
        [unit.pair for unit in b],
    )
