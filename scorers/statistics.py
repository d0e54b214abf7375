"""Interval estimates used by every metric and report.

Two families: the naive ones over counts (Wilson for rates, Newcombe for differences, a pooled z-test), which
treat every sample as independent, and the design-aware ones the harness uses by default: `clustered_rate`
(scenarios, not samples, are the independent units), `paired_difference` (the same unit measured twice:
training vs unmonitored samples of one cell index, or one sample id and epoch in two runs),
`clustered_difference` (unmatched groups, clustered by scenario) and `adjust_p_values` (Holm / BH families).
Pure functions, so scorers, reports and comparisons compute intervals the same way.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Literal

import numpy as np

# pandas, scipy and statsmodels are imported in the functions that use them: every `inspect` command loads the
# scorer registry, and importing them here would add about 1.3 s to each one's start.


def z_value(level: float = 0.95) -> float:
    return NormalDist().inv_cdf(0.5 + level / 2)


@dataclass(frozen=True)
class Rate:
    """A proportion with its sample count and interval (`method` says which interval; `n_clusters` how many
    independent units it rests on, 0 when unknown)."""

    successes: float
    n: int
    low: float
    high: float
    n_clusters: int = 0
    method: str = "wilson"

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
    return Rate(successes, n, low, high, n, "wilson")


@dataclass(frozen=True)
class Difference:
    """A difference of two proportions (first minus second) with its interval and p-value; `method` names them
    (Newcombe's hybrid score interval by default), `n_pairs` counts matched units of a paired comparison (0 when
    unpaired) and `n_clusters` the independent units (0 when unknown)."""

    first: Rate
    second: Rate
    low: float
    high: float
    p_value: float
    method: str = "newcombe"
    n_pairs: int = 0
    n_clusters: int = 0

    @property
    def value(self) -> float:
        return self.first.value - self.second.value


def difference(successes_a: float, n_a: int, successes_b: float, n_b: int, level: float = 0.95) -> Difference:
    """Rate A minus rate B, with Newcombe's method-10 interval and a two-proportion z-test p-value."""
    a, b = wilson(successes_a, n_a, level), wilson(successes_b, n_b, level)
    if not n_a or not n_b:
        return Difference(a, b, math.nan, math.nan, math.nan, "newcombe", 0, 0)
    low, high = _newcombe_bounds(a, b)
    p_value = two_proportion_p_value(successes_a, n_a, successes_b, n_b)
    return Difference(a, b, low, high, p_value, "newcombe", 0, n_a + n_b)


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


# --- Design-aware intervals and tests -------------------------------------------------------------------------
# The unit of independence is the scenario: paraphrases, cue styles and epochs of one scenario are correlated,
# so intervals use cluster-robust variances (statsmodels); Wald-type intervals and tests use t(G - 1) critical
# values, G = number of scenarios; score-type (Wilson) intervals use an effective sample size and z.


def _cluster_codes(clusters: Sequence[Hashable]) -> np.ndarray[Any, np.dtype[np.int64]]:
    import pandas as pd

    codes, _ = pd.factorize(pd.Series(list(clusters), dtype=object), sort=False)
    return np.asarray(codes, dtype=np.int64)


def _cluster_robust_ols(y: Any, design: Any, codes: Any, use_t: bool | None = None) -> Any:
    """OLS of `y` on `design` with cluster-robust (sandwich) errors grouped by `codes` (statsmodels)."""
    from statsmodels.regression.linear_model import OLS

    return OLS(y, design).fit(cov_type="cluster", cov_kwds={"groups": codes}, use_t=use_t)


def _critical_value(level: float, n_clusters: int) -> float:
    """t quantile with G - 1 degrees of freedom (the usual small-sample correction for clustered errors)."""
    if n_clusters < 2:
        return z_value(level)
    from scipy import stats as scipy_stats

    return float(scipy_stats.t.ppf(0.5 + level / 2, n_clusters - 1))


def _wilson_bounds(p: float, n_effective: float, critical: float) -> tuple[float, float]:
    z2 = critical * critical
    denominator = 1 + z2 / n_effective
    centre = (p + z2 / (2 * n_effective)) / denominator
    half = critical * math.sqrt(p * (1 - p) / n_effective + z2 / (4 * n_effective**2)) / denominator
    low = 0.0 if p <= 0 else max(0.0, centre - half)
    high = 1.0 if p >= 1 else min(1.0, centre + half)
    return low, high


def cluster_robust_variance_of_mean(values: Sequence[float], clusters: Sequence[Hashable]) -> float:
    """Variance of the mean of `values` with a cluster-robust (sandwich) estimator, from a statsmodels
    intercept-only OLS with `cov_type="cluster"` (its small-sample correction included)."""
    y = np.asarray(values, dtype=float)
    codes = _cluster_codes(clusters)
    fit = _cluster_robust_ols(y, np.ones((len(y), 1)), codes)
    return float(fit.cov_params()[0, 0])


def design_effect(values: Sequence[float], clusters: Sequence[Hashable]) -> float:
    """Cluster-robust variance of the mean over the binomial variance p(1 - p)/n (1 = no clustering);
    NaN when the binomial variance is 0 (all values equal)."""
    n = len(values)
    p = float(np.mean(values)) if n else math.nan
    naive = p * (1 - p) / n if n else math.nan
    if not n or naive <= 0:
        return math.nan
    return cluster_robust_variance_of_mean(values, clusters) / naive


ASSUMED_ICC = 0.17
"""The intra-scenario correlation assumed where the data cannot estimate it (every value equal): that of the
heterogeneous organisms at a rate of 0.5, which `schemer-evals plan` also assumes (a test keeps the two equal)."""


def assumed_effective_n(n: int, n_clusters: int) -> float:
    """Effective sample size of `n` values in `n_clusters` scenarios at the assumed intra-scenario correlation:
    n / (1 + (m - 1) rho) with m the mean scenario size; never below the number of scenarios."""
    mean_size = n / max(1, n_clusters)
    return max(float(n_clusters), n / (1.0 + (mean_size - 1.0) * ASSUMED_ICC))


def clustered_rate(values: Sequence[float], clusters: Sequence[Hashable], level: float = 0.95) -> Rate:
    """Mean of 0/1 (or [0, 1]) values with an interval that treats clusters (scenarios), not samples, as the
    independent units.

    The interval is Wilson's at the effective sample size n / deff, where the design effect deff is the
    cluster-robust variance of the mean (statsmodels sandwich, with its G/(G - 1) correction) over the binomial
    one, never below 1 (Korn and Graubard's effective-n approach for survey proportions). Wilson keeps the bounds
    inside [0, 1] and sensible near 0 and 1; with 20 scenarios its coverage on heterogeneous organisms is 94-97%
    (`make validate`), where a t(G - 1) critical value on top over-covered. When the design
    effect cannot be estimated (all values 0 or all 1) the effective n is the number of clusters (each scenario
    counts once); with a single cluster it is 1. `method` says which applied. NaN values must be dropped first.
    """
    return _clustered_rate(values, clusters, z_value(level))


def _clustered_rate(values: Sequence[float], clusters: Sequence[Hashable], critical: float) -> Rate:
    if len(values) != len(clusters):
        raise ValueError(f"clustered_rate: {len(values)} values but {len(clusters)} cluster labels")
    n = len(values)
    if n == 0:
        return Rate(0.0, 0, math.nan, math.nan, 0, "empty")
    y = np.asarray(values, dtype=float)
    if np.isnan(y).any():
        raise ValueError("clustered_rate: values contain NaN (drop unscored samples first)")
    successes = float(y.sum())
    p = successes / n
    n_clusters = len(set(clusters))
    if n_clusters == 1:
        low, high = _wilson_bounds(p, 1.0, critical)
        return Rate(successes, n, low, high, 1, "wilson_n_eff=1 (one cluster)")
    deff = design_effect(values, clusters)
    if math.isnan(deff):
        low, high = _wilson_bounds(p, assumed_effective_n(n, n_clusters), critical)
        return Rate(successes, n, low, high, n_clusters, "wilson_assumed_icc (all values equal)")
    n_effective = n / max(1.0, deff)
    low, high = _wilson_bounds(p, n_effective, critical)
    return Rate(successes, n, low, high, n_clusters, "cluster_wilson")


def _exact_sign_p_value(positive: int, negative: int) -> float:
    if positive + negative == 0:
        return 1.0
    from scipy import stats as scipy_stats

    return float(scipy_stats.binomtest(positive, positive + negative, 0.5).pvalue)


def _constant_difference(
    delta: float, n_pairs: int, n_clusters: int, level: float, cluster_signs: tuple[int, int]
) -> tuple[float, float, float]:
    """Interval and p-value when every unit differs by the same amount (the robust variance is 0): the
    difference is bounded by Wilson's upper bound for 0 discordant pairs out of the effective number of pairs
    at the assumed intra-scenario correlation (one pair with a single scenario), and the p-value is the exact
    sign test over clusters."""
    n_effective = assumed_effective_n(n_pairs, n_clusters) if n_clusters > 1 else 1.0
    _, bound = _wilson_bounds(0.0, n_effective, z_value(level))
    return max(-1.0, delta - bound), min(1.0, delta + bound), _exact_sign_p_value(*cluster_signs)


def _cluster_signs(differences: np.ndarray[Any, Any], codes: np.ndarray[Any, Any]) -> tuple[int, int]:
    import pandas as pd

    sums = pd.Series(differences).groupby(codes).sum()
    return int((sums > 0).sum()), int((sums < 0).sum())


def _mover_interval(
    first: np.ndarray[Any, Any],
    second: np.ndarray[Any, Any],
    clusters: Sequence[Hashable],
    first_rate: Rate,
    second_rate: Rate,
) -> tuple[float, float]:
    """Zou and Donner's MOVER interval for a difference of two correlated proportions: the sides' own
    (cluster-adjusted Wilson) limits, combined with the correlation of the two means taken from their
    cluster-robust variances, Var(a - b) = Va + Vb - 2 r sqrt(Va Vb)."""
    p1, l1, u1 = first_rate.value, first_rate.low, first_rate.high
    p2, l2, u2 = second_rate.value, second_rate.low, second_rate.high
    v1 = cluster_robust_variance_of_mean(first.tolist(), clusters)
    v2 = cluster_robust_variance_of_mean(second.tolist(), clusters)
    vd = cluster_robust_variance_of_mean((first - second).tolist(), clusters)
    r = (v1 + v2 - vd) / (2 * math.sqrt(v1 * v2)) if v1 > 0 and v2 > 0 else 0.0
    r = min(1.0, max(-1.0, r))
    delta = p1 - p2
    low = delta - math.sqrt(max(0.0, (p1 - l1) ** 2 + (u2 - p2) ** 2 - 2 * r * (p1 - l1) * (u2 - p2)))
    high = delta + math.sqrt(max(0.0, (u1 - p1) ** 2 + (p2 - l2) ** 2 - 2 * r * (u1 - p1) * (p2 - l2)))
    return max(-1.0, low), min(1.0, high)


def paired_difference(
    first: Sequence[float], second: Sequence[float], clusters: Sequence[Hashable], level: float = 0.95
) -> Difference:
    """Mean of `first` minus `second`, aligned unit by unit (a pair: the same sample id and epoch in two runs,
    or the training and unmonitored samples of one cell index). Pairs with a NaN on either side are dropped.

    The interval is MOVER (Zou and Donner): each side's cluster-adjusted Wilson limits (`clustered_rate`, at a
    t(G - 1) critical value) combined with the correlation of the two means from cluster-robust variances,
    which keeps it inside [-1, 1] and covers well near 0 and 1 (a plain Wald interval under-covered there).
    The p-value is the cluster-robust t-test of the per-unit differences (statsmodels OLS on an intercept,
    `cov_type="cluster"`, t(G - 1)); without clustering (every pair its own cluster) and with 0/1 values it
    is McNemar's exact test. Interval and test can disagree at the margin. When every difference is equal
    (robust variance 0) the interval is the difference plus/minus Wilson's bound for 0 discordant scenarios
    and the p-value the exact sign test over scenarios. When one side is constant (e.g. no TG reasoning
    unmonitored) the interval is the other side's clustered interval, shifted.
    """
    if not len(first) == len(second) == len(clusters):
        raise ValueError(
            f"paired_difference: {len(first)} first, {len(second)} second and {len(clusters)} cluster values"
        )
    a = np.asarray(first, dtype=float)
    b = np.asarray(second, dtype=float)
    keep = ~(np.isnan(a) | np.isnan(b))
    a, b = a[keep], b[keep]
    kept_clusters = [cluster for cluster, kept in zip(clusters, keep, strict=True) if kept]
    n_pairs = len(a)
    first_rate = clustered_rate(a.tolist(), kept_clusters, level)
    second_rate = clustered_rate(b.tolist(), kept_clusters, level)
    if n_pairs == 0:
        return Difference(first_rate, second_rate, math.nan, math.nan, math.nan, "empty", 0, 0)
    codes = _cluster_codes(kept_clusters)
    n_clusters = int(codes.max()) + 1
    d = a - b
    delta = float(d.mean())
    if n_clusters < 2 or np.allclose(d, d[0]):
        low, high, p_value = _constant_difference(delta, n_pairs, n_clusters, level, _cluster_signs(d, codes))
        method = "paired_sign_test (one cluster)" if n_clusters < 2 else "paired_sign_test (all differences equal)"
        return Difference(first_rate, second_rate, low, high, p_value, method, n_pairs, n_clusters)
    # The sides' limits at t(G - 1): with z the MOVER interval under-covered (91-93%) with 20 scenarios.
    critical = _critical_value(level, n_clusters)
    limits_a = _clustered_rate(a.tolist(), kept_clusters, critical)
    limits_b = _clustered_rate(b.tolist(), kept_clusters, critical)
    constant = "" if np.ptp(a) > 0 and np.ptp(b) > 0 else " (one side constant)"
    if np.ptp(b) == 0:
        # d = a - constant: all the uncertainty is in a (MOVER would add the constant side's worst-case bound).
        low, high = limits_a.low - float(b[0]), limits_a.high - float(b[0])
    elif np.ptp(a) == 0:
        low, high = float(a[0]) - limits_b.high, float(a[0]) - limits_b.low
    else:
        low, high = _mover_interval(a, b, kept_clusters, limits_a, limits_b)
    binary = bool(np.isin(a, (0.0, 1.0)).all() and np.isin(b, (0.0, 1.0)).all())
    if n_clusters == n_pairs and binary:
        table = [
            [int(((a == 1) & (b == 1)).sum()), int(((a == 1) & (b == 0)).sum())],
            [int(((a == 0) & (b == 1)).sum()), int(((a == 0) & (b == 0)).sum())],
        ]
        from statsmodels.stats.contingency_tables import mcnemar

        p_value = float(mcnemar(table, exact=True).pvalue)
        method = f"paired_mover_mcnemar{constant}"
        return Difference(first_rate, second_rate, low, high, p_value, method, n_pairs, n_clusters)
    fit = _cluster_robust_ols(d, np.ones((n_pairs, 1)), codes, use_t=True)
    with np.errstate(invalid="ignore"):  # a degenerate sandwich gives NaN, handled as such, not a warning
        p_value = float(fit.pvalues[0])
    method = f"paired_mover_cluster_t{constant}"
    return Difference(first_rate, second_rate, low, high, p_value, method, n_pairs, n_clusters)


def clustered_difference(
    values_a: Sequence[float],
    clusters_a: Sequence[Hashable],
    values_b: Sequence[float],
    clusters_b: Sequence[Hashable],
    level: float = 0.95,
) -> Difference:
    """Mean of group A minus mean of group B when the samples are not matched one to one, clustered by
    scenario: OLS of the values on a group indicator with cluster-robust errors (statsmodels, t(G - 1)).
    Scenarios that appear in both groups make it a partly paired comparison automatically (their shared
    propensity cancels in the sandwich). NaN values are dropped. Falls back to Newcombe's interval with
    effective sample sizes when the robust variance is 0 (all values equal)."""
    a = [(float(v), c) for v, c in zip(values_a, clusters_a, strict=True) if not math.isnan(float(v))]
    b = [(float(v), c) for v, c in zip(values_b, clusters_b, strict=True) if not math.isnan(float(v))]
    rate_a = clustered_rate([v for v, _ in a], [c for _, c in a], level)
    rate_b = clustered_rate([v for v, _ in b], [c for _, c in b], level)
    if not a or not b:
        return Difference(rate_a, rate_b, math.nan, math.nan, math.nan, "empty", 0, 0)
    y = np.array([v for v, _ in a] + [v for v, _ in b])
    group = np.array([1.0] * len(a) + [0.0] * len(b))
    codes = _cluster_codes([c for _, c in a] + [c for _, c in b])
    n_clusters = int(codes.max()) + 1
    delta = rate_a.value - rate_b.value
    constant = bool(np.allclose(y, y[0]))
    # The sandwich needs two clusters and a residual degree of freedom (one value per group leaves none).
    if n_clusters < 2 or len(y) <= 2 or constant:
        reason = "no variance" if constant else "too few samples for a clustered variance"
        return _newcombe_of_rates(rate_a, rate_b, 1.0 if constant else math.nan, reason, n_clusters)
    design = np.column_stack([np.ones(len(y)), group])
    fit = _cluster_robust_ols(y, design, codes, use_t=True)
    with np.errstate(invalid="ignore"):  # a negative sandwich diagonal is the zero-variance case below
        standard_error, p_value = float(fit.bse[1]), float(fit.pvalues[1])
    if standard_error <= 1e-9 or math.isnan(standard_error):
        # Each group constant (e.g. all 1 against all 0): the sandwich says "no uncertainty", which is false
        # with a handful of scenarios; the groups' own clustered (Wilson) limits bound the difference instead.
        p_value = _cluster_fisher_p_value(rate_a, rate_b)
        return _newcombe_of_rates(rate_a, rate_b, p_value, "each group constant", n_clusters)
    critical = _critical_value(level, n_clusters)
    low, high = max(-1.0, delta - critical * standard_error), min(1.0, delta + critical * standard_error)
    return Difference(rate_a, rate_b, low, high, p_value, "clustered_ols", 0, n_clusters)


PAIRED_COVERAGE = 0.9
"""The share of each level's scored units that must have a partner for a difference to be paired."""


def level_difference(
    first: Sequence[float],
    first_clusters: Sequence[Hashable],
    first_pairs: Sequence[Hashable | None],
    second: Sequence[float],
    second_clusters: Sequence[Hashable],
    second_pairs: Sequence[Hashable | None],
    level: float = 0.95,
) -> Difference:
    """Mean at one level of a factor minus the mean at another: the one estimator behind every gap the harness
    shows (the scorers' metrics, the report's tables, cards, heat map and why-the-gap).

    NaN values (unscored samples) are dropped first, so a caller that never sees them (Inspect leaves samples
    with a NaN score out of a scalar scorer's metrics) gets the same answer as one that does. Then the estimate
    is paired (`paired_difference`) when the levels' units pair one to one: every unit carries a pair id (the
    training and unmonitored samples of one cell index and epoch share one), the ids are distinct on each side,
    and the shared ids cover at least `PAIRED_COVERAGE` of each side; units without a partner (an unscored or
    errored partner) are left out. Otherwise it is clustered by scenario (`clustered_difference`)."""
    a = [(v, c, p) for v, c, p in zip(first, first_clusters, first_pairs, strict=True) if not math.isnan(v)]
    b = [(v, c, p) for v, c, p in zip(second, second_clusters, second_pairs, strict=True) if not math.isnan(v)]
    ids_a, ids_b = [p for _, _, p in a], [p for _, _, p in b]
    shared = set(ids_a) & set(ids_b)
    pairable = (
        None not in ids_a
        and None not in ids_b
        and len(set(ids_a)) == len(ids_a)
        and len(set(ids_b)) == len(ids_b)
        and len(shared) >= PAIRED_COVERAGE * max(len(ids_a), len(ids_b), 1)  # so at least one pair
    )
    if pairable:
        partner = {p: v for v, _, p in b}
        matched = [(v, partner[p], c) for v, c, p in a if p in shared]
        return paired_difference([m[0] for m in matched], [m[1] for m in matched], [m[2] for m in matched], level)
    return clustered_difference(
        [v for v, _, _ in a], [c for _, c, _ in a], [v for v, _, _ in b], [c for _, c, _ in b], level
    )


def _newcombe_bounds(rate_a: Rate, rate_b: Rate) -> tuple[float, float]:
    """Newcombe's method-10 interval of A minus B from the two rates' own limits, kept inside [-1, 1]."""
    delta = rate_a.value - rate_b.value
    low = delta - math.sqrt((rate_a.value - rate_a.low) ** 2 + (rate_b.high - rate_b.value) ** 2)
    high = delta + math.sqrt((rate_a.high - rate_a.value) ** 2 + (rate_b.value - rate_b.low) ** 2)
    return max(-1.0, low), min(1.0, high)


def _newcombe_of_rates(rate_a: Rate, rate_b: Rate, p_value: float, reason: str, n_clusters: int) -> Difference:
    """Newcombe's combination of the two groups' own (clustered) limits, for when no clustered variance of the
    difference can be estimated."""
    low, high = _newcombe_bounds(rate_a, rate_b)
    return Difference(rate_a, rate_b, low, high, p_value, f"newcombe_n_eff ({reason})", 0, n_clusters)


def _cluster_fisher_p_value(rate_a: Rate, rate_b: Rate) -> float:
    """Fisher's exact test with scenarios as the units, for two groups that are each constant (every scenario of
    a group has its group's value)."""
    from scipy import stats as scipy_stats

    clusters_a, clusters_b = max(1, rate_a.n_clusters), max(1, rate_b.n_clusters)
    hits_a, hits_b = round(rate_a.value * clusters_a), round(rate_b.value * clusters_b)
    table = [[hits_a, clusters_a - hits_a], [hits_b, clusters_b - hits_b]]
    return float(scipy_stats.fisher_exact(table).pvalue)


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values, identical to statsmodels `multipletests(method="holm")` (a test pins
    it) without the full `gc.collect()` that function runs on every Holm call (~0.3 s in a large process, which
    dominated the gate simulations)."""
    values = np.asarray(p_values, dtype=float)
    order = np.argsort(values)
    stepped = np.maximum.accumulate(values[order] * np.arange(len(values), 0, -1))
    adjusted = np.empty_like(values)
    adjusted[order] = np.minimum(stepped, 1.0)
    return [float(p) for p in adjusted]


def adjust_p_values(p_values: Sequence[float], method: Literal["holm", "fdr_bh"] = "holm") -> list[float]:
    """Multiplicity-adjusted p-values: Holm controls the family-wise error rate (gates), Benjamini-Hochberg
    (`fdr_bh`, statsmodels `multipletests`) the false discovery rate (report discovery lists). NaN entries stay
    NaN and do not count towards the family."""
    values = [float(p) for p in p_values]
    present = [i for i, p in enumerate(values) if not math.isnan(p)]
    adjusted = [math.nan] * len(values)
    if present:
        chosen = [values[i] for i in present]
        if method == "holm":
            corrected = holm(chosen)
        elif method == "fdr_bh":
            from statsmodels.stats.multitest import multipletests

            corrected = [float(p) for p in multipletests(chosen, method="fdr_bh")[1]]
        else:
            raise ValueError(f"unknown p-value adjustment {method!r}; use holm or fdr_bh")
        for i, p in zip(present, corrected, strict=True):
            adjusted[i] = float(p)
    return adjusted
