"""Combining the votes of a judge into a graded score, a verdict and a `maybe` band, and deciding when to stop
asking (sequential voting).

The graded score of a yes/no field is its vote share: the share of usable votes that said yes. The verdict is
`share >= threshold`; a share in `[maybe_low, maybe_high)` is also flagged `maybe` so reports can count the
borderline cases separately. A categorical field takes the value with the most votes, and has none on a tie. A
judgement needs usable votes from a majority of the calls made; otherwise it is unscored.

Sequential ("adaptive") voting asks `min_votes` first, then `step` more at a time, and stops once either
- the remaining votes cannot move the sample across the threshold or into or out of the maybe band, whatever
  they say; or
- the Wilson (or Jeffreys) interval at `confidence` of the vote share lies entirely at or above the threshold,
  or entirely below the maybe band: the sample is clearly one side and clearly not borderline.
A sample whose interval touches the maybe band is asked up to the full `votes`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Voting = Literal["fixed", "adaptive"]
VOTING_MODES: tuple[str, ...] = ("fixed", "adaptive")
Interval = Literal["wilson", "jeffreys"]
INTERVALS: tuple[str, ...] = ("wilson", "jeffreys")


@dataclass(frozen=True)
class Decision:
    """A combined vote: the winning value and the share of usable votes that gave it."""

    value: bool
    share: float


@dataclass(frozen=True)
class VotingRule:
    """Threshold, maybe band and (adaptive) stopping rule of a judge's votes.

    `votes` is the most calls per sample; under `fixed` voting every sample gets all of them."""

    votes: int = 5
    threshold: float = 0.4
    maybe_low: float = 0.2
    maybe_high: float = 0.4
    voting: Voting = "fixed"
    min_votes: int = 8
    step: int = 1
    confidence: float = 0.7
    interval: Interval = "wilson"

    def __post_init__(self) -> None:
        if self.votes < 1:
            raise ValueError(f"judge votes must be at least 1, got {self.votes}")
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError(f"judge threshold must be in (0, 1], got {self.threshold}")
        if not 0.0 <= self.maybe_low <= self.maybe_high <= 1.0:
            raise ValueError(
                f"judge maybe band must satisfy 0 <= low <= high <= 1, got {self.maybe_low}-{self.maybe_high}"
            )
        if self.voting not in VOTING_MODES:
            raise ValueError(f"judge voting must be one of {', '.join(VOTING_MODES)}, got {self.voting!r}")
        if self.min_votes < 1 or self.step < 1:
            raise ValueError(f"judge min_votes and step must be at least 1, got {self.min_votes} and {self.step}")
        if self.interval not in INTERVALS:
            raise ValueError(f"judge stopping interval must be one of {', '.join(INTERVALS)}, got {self.interval!r}")
        if not 0.5 <= self.confidence < 1.0:
            raise ValueError(f"judge stopping confidence must be in [0.5, 1), got {self.confidence}")

    def is_maybe(self, share: float) -> bool:
        return self.maybe_low <= share < self.maybe_high

    def first_round(self) -> int:
        return self.votes if self.voting == "fixed" else min(self.min_votes, self.votes)

    def next_round(self, asked: int) -> int:
        """How many more votes to ask after `asked` calls (0 when the budget is spent)."""
        return max(0, min(self.step, self.votes - asked))

    def settled(self, yes: int, usable: int, asked: int) -> bool:
        """Whether adaptive voting may stop after `asked` calls of which `usable` parsed and `yes` said yes."""
        if self.voting == "fixed" or asked >= self.votes:
            return asked >= self.votes
        if usable == 0:
            return False
        remaining = self.votes - asked
        lowest, highest = yes / (usable + remaining), (yes + remaining) / (usable + remaining)
        if self._same_region(lowest, highest):
            return True
        low, high = interval(yes, usable, self.confidence, self.interval)
        return low >= self.threshold or high < min(self.maybe_low, self.threshold)

    def _same_region(self, lowest: float, highest: float) -> bool:
        """Every share from `lowest` to `highest` falls in one region (no region edge lies between them)."""
        edges = (self.maybe_low, self.maybe_high, self.threshold)
        return not any(lowest < edge <= highest for edge in edges)


def interval(yes: int, n: int, confidence: float = 0.95, method: Interval = "wilson") -> tuple[float, float]:
    """Two-sided interval of a proportion (statsmodels): Wilson score, or Jeffreys (the equal-tailed Beta
    posterior interval under a Beta(1/2, 1/2) prior)."""
    from statsmodels.stats.proportion import proportion_confint  # here, not at the top: see scorers.statistics

    low, high = proportion_confint(yes, n, alpha=1.0 - confidence, method=method)
    return float(low), float(high)


def wilson(yes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion (statsmodels)."""
    return interval(yes, n, confidence, "wilson")


def enough_votes(usable: int, calls: int) -> bool:
    """Whether usable votes are a majority of the calls made."""
    return calls > 0 and 2 * usable > calls


def share(values: Sequence[bool]) -> float:
    """The share of `values` that are True."""
    if not values:
        raise ValueError("share() needs at least one vote")
    return sum(values) / len(values)


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
