"""The change between two runs (B minus A, tonight minus baseline): one estimate, one interval and one p-value,
all from one test, so a gate's flag, the interval it shows and the p-value beside it cannot disagree.

Why one test. The comparison used to pair a MOVER interval with a cluster-robust t p-value (or McNemar's test):
two methods that disagree at the margin, so a night could fail on "p 0.006" with an interval that included 0,
and another row show an interval that excluded 0 with "p 1.000". Here the interval is the inversion of the test
that gives the p-value: a change d0 lies outside the interval at level 1 - a exactly when the test of d0 gives
p <= a. A gate that flags when the interval excludes its allowed change therefore flags exactly when the test
of that allowed change rejects.

Why a cluster sign-flip test. A night has few independent units: the scenarios (paraphrases, cue styles and
epochs of one scenario move together), often fewer than ten in one cell. Normal or t(G - 1) approximations of a
cluster-robust variance over-reject with so few clusters. The sign-flip (randomization) test needs no such
approximation: under "no change" the two runs are exchangeable within a scenario, so each scenario's total of
per-pair differences is as likely to be negative as positive, and the p-value is the share of the 2^G sign
patterns whose total is at least as far from 0 as the observed one (exact; enumerated up to `EXACT_UP_TO`
scenarios, else `RANDOM_FLIPS` random patterns with a fixed seed). It is the wild cluster bootstrap with
Rademacher weights and the null imposed, enumerated. Testing a change d0 flips the totals of d - d0 (a shift
model). The inversion is exact, not a search: the pattern that flips scenario set F reaches the observed total
exactly when d0 lies between the pair-weighted mean change of F and that of the other scenarios, so the
interval's ends are order statistics of those means.

Few clusters decide nothing: with G scenarios the smallest p-value the test can give is 2 / 2^G (the observed
pattern and its mirror image), so below a level it cannot reach the interval is the whole range and
`decidable` is False; a gate reports "cannot decide" instead of guessing. When every pair agrees the interval
collapses to the common difference once the test can decide (no scenario varies); `method` says so.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

import numpy as np
import pandas as pd

from scorers.statistics import difference

LEVEL = 0.95
"""The interval shown for every change (compare, the gate, the report)."""
EXACT_UP_TO = 16
"""Up to this many scenarios every sign pattern is enumerated (2^16 = 65,536)."""
RANDOM_FLIPS = 19_999
"""Random sign patterns (plus the observed one) beyond `EXACT_UP_TO` scenarios; p-values resolve to 1/20,000."""
SEED = 20_261_206
"""Fixed, so a comparison gives the same figures every time it is run."""

Array = np.ndarray[Any, np.dtype[np.float64]]


class Change(Protocol):
    """What every run-to-run change offers: the estimate, an interval at any level, a p-value against any
    null value, whether the test can decide at a level, and the method's name."""

    @property
    def estimate(self) -> float: ...

    @property
    def method(self) -> str: ...

    @property
    def n_pairs(self) -> int: ...

    @property
    def n_clusters(self) -> int: ...

    def interval(self, level: float = LEVEL) -> tuple[float, float]: ...

    def p_value(self, null: float = 0.0) -> float: ...

    def decidable(self, level: float = LEVEL) -> bool: ...


@lru_cache(maxsize=32)
def _flip_sets(n_clusters: int) -> tuple[np.ndarray[Any, np.dtype[np.float64]], bool]:
    """One row per sign pattern, 1.0 where the scenario's sign is flipped; whether it enumerates all of them."""
    if n_clusters <= EXACT_UP_TO:
        codes = np.arange(2**n_clusters, dtype=np.int64)[:, None]
        return ((codes >> np.arange(n_clusters)) & 1).astype(np.float64), True
    rng = np.random.default_rng(SEED)
    random = rng.integers(0, 2, size=(RANDOM_FLIPS, n_clusters)).astype(np.float64)
    return np.vstack([np.zeros((1, n_clusters)), random]), False


@dataclass(frozen=True)
class SignFlipChange:
    """Mean of the per-pair differences with the cluster sign-flip test and its exact inversion.

    `low_roots` / `high_roots` hold, for each sign pattern that flips some but not all scenarios, the two
    pair-weighted means (flipped scenarios, the others) in order; the pattern reaches the observed total for a
    null value d0 exactly when low <= d0 <= high. `always` counts the patterns that always do (no flip, all
    flipped), `patterns` all of them."""

    estimate: float
    n_pairs: int
    n_clusters: int
    low_roots: Array
    high_roots: Array
    always: int
    patterns: int
    exact: bool
    bounds: tuple[float, float]
    all_equal: bool

    @property
    def method(self) -> str:
        how = (
            f"all {self.patterns} sign patterns" if self.exact else f"{self.patterns} random sign patterns, seed {SEED}"
        )
        agree = ", every pair differs by the same amount" if self.all_equal else ""
        return f"paired cluster sign-flip test: {self.n_clusters} scenarios, {how}{agree}"

    def p_value(self, null: float = 0.0) -> float:
        """Two-sided p-value of "the change is `null`": the share of sign patterns at least as extreme."""
        inside = int(np.count_nonzero((self.low_roots <= null) & (null <= self.high_roots)))
        return (self.always + inside) / self.patterns

    def _needed(self, level: float) -> int | None:
        """How many of the mixed patterns must reach the observed total for a value to stay in the interval at
        `level`; None when every value stays (the test cannot reject at 1 - level)."""
        excess = (1.0 - level) * self.patterns - self.always
        return None if excess < 0 else math.floor(excess) + 1

    def decidable(self, level: float = LEVEL) -> bool:
        """Whether any data on these scenarios could exclude a value at `level` (2 / 2^G <= 1 - level)."""
        return self._needed(level) is not None

    def interval(self, level: float = LEVEL) -> tuple[float, float]:
        """Every change the test does not reject at 1 - level (the whole range when it cannot decide)."""
        needed = self._needed(level)
        if needed is None or needed > len(self.high_roots):
            return self.bounds
        high = float(np.sort(self.high_roots)[::-1][needed - 1])
        low = float(np.sort(self.low_roots)[needed - 1])
        return max(self.bounds[0], low), min(self.bounds[1], high)


def sign_flip_change(
    differences: Sequence[float], clusters: Sequence[Hashable], bounds: tuple[float, float] = (-1.0, 1.0)
) -> SignFlipChange:
    """The change (mean of `differences`, one per pair) with the cluster sign-flip test, clustered by
    `clusters`. `bounds` is the parameter's range (-1..1 for a difference of rates, -2..2 for a change of a
    gap), the interval when the test cannot decide. NaN differences must be dropped first."""
    if len(differences) != len(clusters):
        raise ValueError(f"sign_flip_change: {len(differences)} differences but {len(clusters)} cluster labels")
    d = np.asarray(differences, dtype=float)
    if np.isnan(d).any():
        raise ValueError("sign_flip_change: differences contain NaN (drop unscored pairs first)")
    empty = np.zeros(0)
    if len(d) == 0:
        return SignFlipChange(math.nan, 0, 0, empty, empty, 0, 1, True, bounds, False)
    labels: dict[Hashable, int] = {}
    codes = np.array([labels.setdefault(c, len(labels)) for c in clusters], dtype=np.int64)
    totals = np.bincount(codes, weights=d)
    sizes = np.bincount(codes).astype(float)
    flips, exact = _flip_sets(len(totals))
    flipped_total, flipped_size = flips @ totals, flips @ sizes
    mixed = (flipped_size > 0) & (flipped_size < sizes.sum())
    flipped_mean = flipped_total[mixed] / flipped_size[mixed]
    kept_mean = (totals.sum() - flipped_total[mixed]) / (sizes.sum() - flipped_size[mixed])
    return SignFlipChange(
        estimate=float(d.mean()),
        n_pairs=len(d),
        n_clusters=len(totals),
        low_roots=np.minimum(flipped_mean, kept_mean),
        high_roots=np.maximum(flipped_mean, kept_mean),
        always=int((~mixed).sum()),
        patterns=len(flips),
        exact=exact,
        bounds=bounds,
        all_equal=bool(np.allclose(d, d[0])),
    )


def paired_change(first: Sequence[float], second: Sequence[float], clusters: Sequence[Hashable]) -> SignFlipChange:
    """`first` minus `second` pair by pair (the same sample id and epoch in two runs); pairs with a NaN side
    (unscored) are dropped."""
    if not len(first) == len(second) == len(clusters):
        raise ValueError(f"paired_change: {len(first)} first, {len(second)} second and {len(clusters)} clusters")
    a, b = np.asarray(first, dtype=float), np.asarray(second, dtype=float)
    keep = ~(np.isnan(a) | np.isnan(b))
    kept = [cluster for cluster, k in zip(clusters, keep, strict=True) if k]
    return sign_flip_change((a[keep] - b[keep]).tolist(), kept)


@dataclass(frozen=True)
class NewcombeChange:
    """Rate B minus rate A for runs that share no sample (or `--naive`): Newcombe's interval, and the p-value
    from inverting it (the smallest alpha whose interval excludes the null value), so the two cannot
    disagree."""

    successes_first: float
    n_first: int
    successes_second: float
    n_second: int
    method: str = "unpaired Newcombe interval (p by test inversion)"

    @property
    def estimate(self) -> float:
        return difference(self.successes_first, self.n_first, self.successes_second, self.n_second).value

    @property
    def n_pairs(self) -> int:
        return 0

    @property
    def n_clusters(self) -> int:
        return self.n_first + self.n_second

    def interval(self, level: float = LEVEL) -> tuple[float, float]:
        diff = difference(self.successes_first, self.n_first, self.successes_second, self.n_second, level)
        return diff.low, diff.high

    def p_value(self, null: float = 0.0) -> float:
        if not self.n_first or not self.n_second:
            return math.nan
        if not self._excludes(null, 1.0):
            return 1.0  # even the point interval (alpha 1) holds the null: it is the estimate
        low, high = 0.0, 1.0  # alpha: `high` excludes the null, `low` does not
        for _ in range(60):
            middle = (low + high) / 2
            low, high = (low, middle) if self._excludes(null, middle) else (middle, high)
        return high

    def _excludes(self, null: float, alpha: float) -> bool:
        low, high = self.interval(min(1.0 - 1e-15, max(1e-15, 1.0 - alpha)))
        return not low <= null <= high

    def decidable(self, level: float = LEVEL) -> bool:
        return bool(self.n_first and self.n_second)


def family_level(alpha: float, family_size: int) -> float:
    """The confidence level of each interval in a family of `family_size` decisions at family-wise error
    `alpha` (Bonferroni: 1 - alpha / k), so "the adjusted interval excludes 0" and "the adjusted p <= alpha"
    are one statement."""
    return 1.0 - alpha / max(1, family_size)


def bonferroni(p_value: float, family_size: int) -> float:
    return math.nan if math.isnan(p_value) else min(1.0, p_value * max(1, family_size))


def fewest_clusters(level: float) -> int:
    """The fewest scenarios with which the sign-flip test can exclude a value at `level` (2 / 2^G <= 1 - level)."""
    return max(2, math.ceil(1.0 - math.log2(1.0 - level) - 1e-12))


CHANGE_COLUMNS = [
    "delta",
    "ci_low",
    "ci_high",
    "p_value",
    "method",
    "n_pairs",
    "n_clusters",
    "in_family",
    "family_level",
    "adj_low",
    "adj_high",
    "p_adjusted",
    "decidable",
    "significant",
]
"""What `change_frame` gives per change: the 95% interval and raw p (against 0) shown everywhere, and for the
family's members the Bonferroni level, the interval at it, the adjusted p, whether the test can decide at that
level and `significant` (the adjusted interval excludes 0, the same as adjusted p <= alpha)."""


def change_frame(changes: Sequence[Change], in_family: Sequence[bool], alpha: float) -> pd.DataFrame:
    """One row per change, in order: every column compare, the gate and the bench read (`CHANGE_COLUMNS`).
    The family is the changes `in_family` marks; each of its members is judged at `family_level(alpha, k)`."""
    size = int(sum(in_family))
    level = family_level(alpha, size)
    rows: list[dict[str, object]] = []
    for change, member in zip(changes, in_family, strict=True):
        low, high = change.interval(LEVEL)
        adj_low, adj_high = change.interval(level) if member else (math.nan, math.nan)
        raw = change.p_value(0.0)
        rows.append(
            {
                "delta": change.estimate,
                "ci_low": low,
                "ci_high": high,
                "p_value": raw,
                "method": change.method,
                "n_pairs": change.n_pairs,
                "n_clusters": change.n_clusters,
                "in_family": member,
                "family_level": level if member else math.nan,
                "adj_low": adj_low,
                "adj_high": adj_high,
                "p_adjusted": bonferroni(raw, size) if member else math.nan,
                "decidable": bool(member and change.decidable(level)),
                "significant": bool(member and (adj_low > 0 or adj_high < 0)),
            }
        )
    return pd.DataFrame(rows, columns=CHANGE_COLUMNS)
