"""What each scorer in a log measures, so the report can put the special views (compliance gap, training-gaming
criteria and motive, the TG-vs-worst-case matrix) on top of the generic per-metric tables.

Scorers are recognised by name; anything unknown still gets the generic tables.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from evals.logs import METRIC_SEPARATOR
from tasks.suites import WORST_CASE_BEHAVIOURS

COMPLIANCE = "compliance"
TRAINING_GAMING = "training_gaming_reasoning"
TG_VERDICT = "training_gaming"
TG_CRITERIA = (
    "aware_of_training",
    "sees_modification",
    "prefers_no_modification",
    "acts_to_avoid_modification",
    "training_gaming",
    "gaming_changed_action",
)
"""The TG scorer's keys: the four criteria, the overall verdict, and whether gaming changed the action."""


Kind = Literal["compliance", "training_gaming", "worst_case", "other"]


def metric_name(scorer: str, key: str = "") -> str:
    return f"{scorer}{METRIC_SEPARATOR}{key}" if key else scorer


def split_metric(metric: str) -> tuple[str, str]:
    scorer, _, key = metric.partition(METRIC_SEPARATOR)
    return scorer, key


def kind_of(scorer: str, keys: Iterable[str] = ()) -> Kind:
    if scorer == COMPLIANCE:
        return "compliance"
    if scorer == TRAINING_GAMING:
        return "training_gaming"
    if scorer in WORST_CASE_BEHAVIOURS or any(key in WORST_CASE_BEHAVIOURS for key in keys):
        return "worst_case"
    return "other"


def main_key(scorer: str, keys: Iterable[str]) -> str:
    """The key that carries a scorer's headline indicator: the behaviour's name, the TG verdict, the scorer's own
    name, `correct` (sandbagging measures accuracy), else the first key ('' for a scalar score)."""
    keys = [key for key in keys]
    if not keys or keys == [""]:
        return ""
    for candidate in (TG_VERDICT if scorer == TRAINING_GAMING else None, *WORST_CASE_BEHAVIOURS, scorer, "correct"):
        if candidate in keys:
            return str(candidate)
    return keys[0]


def behaviour_label(metric: str) -> str:
    """How a headline metric is named in tables: `compliance`, `TG reasoning`, or the behaviour."""
    scorer, key = split_metric(metric)
    if scorer == TRAINING_GAMING and key == TG_VERDICT:
        return "TG reasoning"
    if not key or key == scorer:
        return scorer
    return f"{scorer} ({key})" if key not in WORST_CASE_BEHAVIOURS else key


def kind_order(metric: str) -> tuple[int, int, str]:
    """Sort key: compliance, then the TG verdict, then worst-case behaviours in their canonical order."""
    scorer, key = split_metric(metric)
    kind = kind_of(scorer, [key])
    rank = {"compliance": 0, "training_gaming": 1, "worst_case": 2, "other": 3}[kind]
    behaviour = next((i for i, b in enumerate(WORST_CASE_BEHAVIOURS) if b in (scorer, key)), len(WORST_CASE_BEHAVIOURS))
    return rank, behaviour, metric
