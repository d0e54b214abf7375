"""Combining the votes of a judge: majority per field, with the vote share kept as a confidence.

A yes/no field holds only when strictly more than half of the usable votes say so (a tie is "not shown"). A
categorical field takes the value with the most votes, and has none on a tie. A judgement needs usable votes
from a majority of the calls made; otherwise it is unscored.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    """A combined vote: the winning value and the share of usable votes that gave it."""

    value: bool
    share: float


def enough_votes(usable: int, calls: int) -> bool:
    """Whether usable votes are a majority of the calls made."""
    return calls > 0 and 2 * usable > calls


def majority(values: Sequence[bool]) -> Decision:
    """True only if strictly more than half of `values` are True."""
    if not values:
        raise ValueError("majority() needs at least one vote")
    yes = sum(values)
    decided = 2 * yes > len(values)
    return Decision(decided, (yes if decided else len(values) - yes) / len(values))


def plurality(values: Sequence[str]) -> tuple[str | None, float]:
    """The most common value and its share; None when the top two are tied or there are no votes."""
    if not values:
        return None, 0.0
    ranked = Counter(values).most_common()
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        return None, ranked[0][1] / len(values)
    return ranked[0][0], ranked[0][1] / len(values)
