"""Interval estimates used by every metric and report: Wilson intervals for rates and Newcombe intervals for
differences of rates (e.g. the compliance gap, tonight vs baseline).

Pure functions over counts, so scorers, reports and comparisons compute intervals the same way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist


def z_value(level: float = 0.95) -> float:
    return NormalDist().inv_cdf(0.5 + level / 2)


@dataclass(frozen=True)
class Rate:
    """A proportion with its sample count and Wilson interval."""

    successes: float
    n: int
    low: float
    high: float

    @property
    def value(self) -> float:
        return self.successes / self.n if self.n else math.nan


def wilson(successes: float, n: int, level: float = 0.95) -> Rate:
    """Wilson score interval; well behaved for small n and rates near 0 or 1. NaN bounds when n == 0."""
    if n == 0:
        return Rate(successes, 0, math.nan, math.nan)
    z = z_value(level)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    low = 0.0 if successes <= 0 else max(0.0, centre - half)
    high = 1.0 if successes >= n else min(1.0, centre + half)
    return Rate(successes, n, low, high)


@dataclass(frozen=True)
class Difference:
    """A difference of two proportions (first minus second) with Newcombe's hybrid score interval."""

    first: Rate
    second: Rate
    low: float
    high: float
    p_value: float

    @property
    def value(self) -> float:
        return self.first.value - self.second.value


def difference(successes_a: float, n_a: int, successes_b: float, n_b: int, level: float = 0.95) -> Difference:
    """Rate A minus rate B, with Newcombe's method-10 interval and a two-proportion z-test p-value."""
    a, b = wilson(successes_a, n_a, level), wilson(successes_b, n_b, level)
    if not n_a or not n_b:
        return Difference(a, b, math.nan, math.nan, math.nan)
    delta = a.value - b.value
    low = delta - math.sqrt((a.value - a.low) ** 2 + (b.high - b.value) ** 2)
    high = delta + math.sqrt((a.high - a.value) ** 2 + (b.value - b.low) ** 2)
    return Difference(a, b, max(-1.0, low), min(1.0, high), two_proportion_p_value(successes_a, n_a, successes_b, n_b))


def two_proportion_p_value(successes_a: float, n_a: int, successes_b: float, n_b: int) -> float:
    """Two-sided pooled z-test for equal proportions (1.0 when both rates are 0 or both 1)."""
    if not n_a or not n_b:
        return math.nan
    pooled = (successes_a + successes_b) / (n_a + n_b)
    variance = pooled * (1 - pooled) * (1 / n_a + 1 / n_b)
    if variance <= 0:
        return 1.0
    z = (successes_a / n_a - successes_b / n_b) / math.sqrt(variance)
    return 2 * (1 - NormalDist().cdf(abs(z)))
