"""Bootstrap intervals for differences of means (e.g. accuracy under neutral minus accuracy under an
incentive), for the metrics where a percentile bootstrap is the requested estimate.

Resampling is seeded, so a log's metrics are reproducible; each group is resampled independently (the
groups of a between-condition comparison are different samples).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from scorers.statistics import two_proportion_p_value

DEFAULT_RESAMPLES = 2000


@dataclass(frozen=True)
class BootstrapDifference:
    """mean(first) - mean(second), its percentile bootstrap interval, and a two-proportion p-value."""

    value: float
    low: float
    high: float
    n_first: int
    n_second: int
    p_value: float


def bootstrap_difference(
    first: Sequence[float],
    second: Sequence[float],
    level: float = 0.95,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> BootstrapDifference:
    """Difference of means of two groups of 0/1 (or fractional) values with a percentile bootstrap interval.

    NaN everywhere when either group is empty. The p-value is the pooled two-proportion z-test.
    """
    a = np.asarray(first, dtype=float)
    b = np.asarray(second, dtype=float)
    if a.size == 0 or b.size == 0:
        return BootstrapDifference(math.nan, math.nan, math.nan, int(a.size), int(b.size), math.nan)
    rng = np.random.default_rng(seed)
    means_a = rng.choice(a, size=(resamples, a.size), replace=True).mean(axis=1)
    means_b = rng.choice(b, size=(resamples, b.size), replace=True).mean(axis=1)
    tail = (1 - level) / 2
    low, high = np.quantile(means_a - means_b, [tail, 1 - tail])
    return BootstrapDifference(
        value=float(a.mean() - b.mean()),
        low=float(low),
        high=float(high),
        n_first=int(a.size),
        n_second=int(b.size),
        p_value=two_proportion_p_value(float(a.sum()), int(a.size), float(b.sum()), int(b.size)),
    )
