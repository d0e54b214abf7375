"""Inspect metrics that report rates per condition with Wilson intervals and sample counts, and gaps between
conditions (e.g. training minus unmonitored) with Newcombe intervals.

Each metric built on these returns a flat dict: for every cell the rate, its `ci_low`, `ci_high` and `n`.
Unscored samples (NaN or missing values) are left out of rates and counted under `unscored`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence

from inspect_ai.scorer import SampleScore

from scorers.statistics import difference, wilson

Indicator = Callable[[SampleScore], float | None]
"""Maps a scored sample to 1.0 / 0.0 (or a fraction), or None when it is unscored."""


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


def cell_key(sample_score: SampleScore, factors: Sequence[str]) -> str:
    metadata = sample_score.sample_metadata or {}
    return "/".join(str(metadata.get(factor, "?")) for factor in factors) if factors else "all"


def rate_table(
    scores: list[SampleScore], factors: Sequence[str], indicator: Indicator, prefix: str = "rate "
) -> dict[str, float]:
    """Rate, Wilson interval and n for each cell of `factors` (and `all`), plus the unscored count.

    Keys are `<prefix><cell>`, `<prefix><cell> ci_low`, ...: Inspect flattens dict-valued metrics by key, so
    each metric of a scorer needs its own prefix.
    """
    cells: dict[str, list[float]] = defaultdict(list)
    unscored = 0
    for sample_score in scores:
        value = indicator(sample_score)
        if value is None:
            unscored += 1
            continue
        cells["all"].append(value)
        if factors:
            cells[cell_key(sample_score, factors)].append(value)
    table: dict[str, float] = {}
    for name in sorted(cells, key=lambda cell: (cell != "all", cell)):
        values = cells[name]
        rate = wilson(sum(values), len(values))
        table[f"{prefix}{name}"] = rate.value
        table[f"{prefix}{name} ci_low"] = rate.low
        table[f"{prefix}{name} ci_high"] = rate.high
        table[f"{prefix}{name} n"] = rate.n
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
) -> dict[str, float]:
    """`first` minus `second` level of `factor`, overall and within each cell of `within`, with intervals."""
    counts: dict[str, dict[str, list[float]]] = defaultdict(lambda: {first: [], second: []})
    for sample_score in scores:
        level = (sample_score.sample_metadata or {}).get(factor)
        value = indicator(sample_score)
        if value is None or level not in (first, second):
            continue
        counts["all"][level].append(value)
        if within:
            counts[cell_key(sample_score, within)][level].append(value)
    table: dict[str, float] = {}
    for name in sorted(counts, key=lambda cell: (cell != "all", cell)):
        a, b = counts[name][first], counts[name][second]
        gap = difference(sum(a), len(a), sum(b), len(b))
        table[f"{prefix}{name}"] = gap.value
        table[f"{prefix}{name} ci_low"] = gap.low
        table[f"{prefix}{name} ci_high"] = gap.high
        table[f"{prefix}{name} n"] = len(a) + len(b)
        table[f"{prefix}{name} p_value"] = gap.p_value
    return table
