"""Design-aware intervals: pinned against statsmodels/scipy on known values, and behaving sensibly in the
degenerate cases (all 0, all 1, one cluster, identical pairs)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as scipy_stats
from statsmodels.stats.multitest import multipletests

from scorers.statistics import (
    ASSUMED_ICC,
    adjust_p_values,
    cluster_robust_variance_of_mean,
    clustered_difference,
    clustered_rate,
    design_effect,
    holm,
    level_difference,
    paired_difference,
    wilson,
)


def clustered_sample(n_clusters: int, size: int, rate: float, seed: int) -> tuple[list[float], list[int]]:
    """Perfectly clustered 0/1 values: every member of a cluster shares its cluster's draw."""
    draws = np.random.default_rng(seed).random(n_clusters) < rate
    return np.repeat(draws, size).astype(float).tolist(), np.repeat(np.arange(n_clusters), size).tolist()


def test_cluster_robust_variance_matches_the_sandwich_formula() -> None:
    values = [1, 0, 1, 1, 0, 0, 0, 1, 1, 1, 0, 1]
    clusters = [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    y, n, g = np.array(values, float), len(values), 4
    residual_sums = np.array([(y[np.array(clusters) == c] - y.mean()).sum() for c in range(g)])
    # statsmodels' default correction for clustered OLS: G/(G-1) * (N-1)/(N-K).
    expected = g / (g - 1) * (n - 1) / (n - 1) * float((residual_sums**2).sum()) / n**2
    assert cluster_robust_variance_of_mean(values, clusters) == pytest.approx(expected, rel=1e-9)


def test_no_clustering_is_close_to_wilson() -> None:
    values = [1.0] * 30 + [0.0] * 70
    rate = clustered_rate(values, list(range(100)))
    naive = wilson(30, 100)
    assert rate.method == "cluster_wilson" and rate.n_clusters == 100
    assert rate.value == pytest.approx(0.3)
    ratio = (rate.high - rate.low) / (naive.high - naive.low)
    assert 1.0 <= ratio < 1.03  # only the t(99) critical value differs


def test_perfect_clusters_widen_to_one_unit_per_cluster() -> None:
    values, clusters = clustered_sample(40, 5, 0.4, seed=3)
    rate = clustered_rate(values, clusters)
    per_cluster = wilson(sum(values) / 5, 40)
    assert design_effect(values, clusters) == pytest.approx(5 * 40 / 39 * 199 / 199, rel=0.05)
    assert rate.high - rate.low > 2 * (wilson(sum(values), 200).high - wilson(sum(values), 200).low)
    assert rate.high - rate.low == pytest.approx(per_cluster.high - per_cluster.low, rel=0.1)


def test_all_zero_and_all_one_assume_the_planning_correlation() -> None:
    zero = clustered_rate([0.0] * 30, [i // 3 for i in range(30)])
    assert zero.low == 0.0 and "all values equal" in zero.method
    # 10 scenarios of 3 carry less information than 30 independent samples, more than 10
    assert wilson(0, 30).high < zero.high < wilson(0, 10).high
    assert zero.high == pytest.approx(wilson(0, round(30 / (1 + 2 * ASSUMED_ICC))).high, abs=0.01)
    one = clustered_rate([1.0] * 30, [i // 3 for i in range(30)])
    assert one.high == 1.0 and one.low == pytest.approx(1 - zero.high)


def test_one_cluster_and_empty_input() -> None:
    single = clustered_rate([1.0, 0.0, 1.0], ["s", "s", "s"])
    assert single.n_clusters == 1 and "one cluster" in single.method
    assert single.low < 0.2 and single.high > 0.9
    empty = clustered_rate([], [])
    assert empty.n == 0 and math.isnan(empty.low) and math.isnan(empty.value)
    with pytest.raises(ValueError, match="NaN"):
        clustered_rate([1.0, math.nan], [0, 1])
    with pytest.raises(ValueError, match="cluster labels"):
        clustered_rate([1.0, 0.0], [0])


def test_paired_difference_without_clusters_uses_exact_mcnemar() -> None:
    # 12 discordant pairs: 10 first-only, 2 second-only; 88 concordant.
    first = [1.0] * 10 + [0.0] * 2 + [1.0] * 40 + [0.0] * 48
    second = [0.0] * 10 + [1.0] * 2 + [1.0] * 40 + [0.0] * 48
    diff = paired_difference(first, second, list(range(100)))
    assert diff.method == "paired_mover_mcnemar" and diff.n_pairs == 100 and diff.n_clusters == 100
    assert diff.value == pytest.approx(0.08)
    assert diff.p_value == pytest.approx(scipy_stats.binomtest(2, 12, 0.5).pvalue)
    assert diff.low < 0.08 < diff.high


def test_paired_difference_is_narrower_than_unpaired_when_units_correlate() -> None:
    rng = np.random.default_rng(5)
    base = (rng.random(400) < 0.4).astype(float)
    first = np.where(rng.random(400) < 0.1, 1.0, base)  # adds ~6 points, otherwise identical
    clusters = np.repeat(np.arange(80), 5)
    paired = paired_difference(first.tolist(), base.tolist(), clusters.tolist())
    unpaired = clustered_difference(first.tolist(), clusters.tolist(), base.tolist(), (clusters + 1000).tolist())
    assert paired.method == "paired_mover_cluster_t"
    assert paired.value == pytest.approx(unpaired.value)
    assert paired.high - paired.low < 0.6 * (unpaired.high - unpaired.low)
    assert paired.p_value < unpaired.p_value


def test_identical_pairs_give_zero_with_a_sensible_interval() -> None:
    values, clusters = clustered_sample(20, 6, 0.5, seed=1)
    diff = paired_difference(values, values, clusters)
    assert diff.value == 0.0 and diff.p_value == 1.0
    assert -0.3 < diff.low < -0.05 and 0.05 < diff.high < 0.3
    assert "all differences equal" in diff.method


def test_pairs_with_a_nan_side_are_dropped() -> None:
    diff = paired_difference([1.0, math.nan, 0.0, 1.0], [0.0, 1.0, math.nan, 0.0], ["a", "b", "c", "d"])
    assert diff.n_pairs == 2 and diff.value == 1.0
    with pytest.raises(ValueError, match="paired_difference"):
        paired_difference([1.0], [1.0, 0.0], [0, 1])


def test_clustered_difference_p_value_matches_statsmodels_t() -> None:
    values_a, clusters_a = clustered_sample(30, 4, 0.6, seed=11)
    values_b, clusters_b = clustered_sample(30, 4, 0.3, seed=12)
    diff = clustered_difference(values_a, clusters_a, values_b, [c + 100 for c in clusters_b])
    assert diff.method == "clustered_ols" and diff.n_clusters == 60
    standard_error = (diff.value - diff.low) / scipy_stats.t.ppf(0.975, 59)
    expected_p = 2 * scipy_stats.t.sf(abs(diff.value) / standard_error, 59)
    assert diff.p_value == pytest.approx(expected_p, rel=1e-6)


def test_clustered_difference_of_one_sample_per_group_is_an_interval_not_a_crash() -> None:
    # two clusters but no residual degree of freedom: statsmodels' small-sample correction divides by zero
    diff = clustered_difference([1.0], ["a"], [0.0], ["b"])
    assert diff.value == 1.0 and math.isnan(diff.p_value)
    assert diff.method == "newcombe_n_eff (too few samples for a clustered variance)"
    assert -1.0 <= diff.low < 1.0 == diff.high


def test_adjust_p_values_pins_statsmodels_and_keeps_nan() -> None:
    assert adjust_p_values([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert adjust_p_values([0.01, 0.04, 0.03], "fdr_bh") == pytest.approx([0.03, 0.04, 0.04])
    adjusted = adjust_p_values([0.01, math.nan, 0.04, 0.03])
    assert math.isnan(adjusted[1]) and adjusted[0] == pytest.approx(0.03) and adjusted[2] == pytest.approx(0.06)
    assert adjust_p_values([]) == []
    with pytest.raises(ValueError, match="adjustment"):
        adjust_p_values([0.1], "bonferroni")  # type: ignore[arg-type]


def test_holm_is_statsmodels_holm() -> None:
    p_values = [*np.random.default_rng(2).uniform(0, 0.2, 40).tolist(), 0.5, 0.5, 1.0, 0.0]
    assert holm(p_values) == pytest.approx(list(multipletests(p_values, method="holm")[1]), abs=1e-12)


def test_assumed_correlation_is_the_planning_default() -> None:
    from evals.analysis.power import default_icc

    assert default_icc() == ASSUMED_ICC


def test_a_constant_side_leaves_the_uncertainty_to_the_other() -> None:
    values, clusters = clustered_sample(8, 2, 0.6, seed=4)
    diff = paired_difference(values, [0.0] * len(values), clusters)
    side = clustered_rate(values, clusters)
    assert "one side constant" in diff.method
    assert diff.value == pytest.approx(side.value)
    assert diff.low <= side.low and diff.high >= side.high  # t(G - 1) limits, a little wider than z
    assert diff.low > 0


def test_level_difference_is_the_same_whether_unscored_units_arrive_as_nan_or_not_at_all() -> None:
    """The report sees unscored samples as NaN; Inspect's metrics never see them. Both must get one answer."""
    rng = np.random.default_rng(5)
    n = 40
    clusters = [f"s{i % 10}" for i in range(n)]
    pairs = [f"p{i}" for i in range(n)]
    training = rng.integers(0, 2, n).astype(float)
    unmonitored = rng.integers(0, 2, n).astype(float)
    training[3] = np.nan  # an unclear reply
    with_nan = level_difference(training.tolist(), clusters, pairs, unmonitored.tolist(), clusters, pairs)
    kept = [i for i in range(n) if i != 3]
    without = level_difference(
        [training[i] for i in kept],
        [clusters[i] for i in kept],
        [pairs[i] for i in kept],
        unmonitored.tolist(),
        clusters,
        pairs,
    )
    assert with_nan.method.startswith("paired") and without.method == with_nan.method
    assert (with_nan.value, with_nan.low, with_nan.high, with_nan.p_value) == (
        without.value,
        without.low,
        without.high,
        without.p_value,
    )
    assert with_nan.n_pairs == n - 1


def test_level_difference_pairs_only_when_the_ids_match_and_is_never_degenerate() -> None:
    """Different pair ids (e.g. two value domains) are clustered; two constant groups still get a real interval."""
    clusters_a, clusters_b = [f"a{i % 5}" for i in range(20)], [f"b{i % 5}" for i in range(20)]
    diff = level_difference(
        [1.0] * 20, clusters_a, [f"x{i}" for i in range(20)], [0.0] * 20, clusters_b, [f"y{i}" for i in range(20)]
    )
    assert diff.method == "newcombe_n_eff (each group constant)"
    assert diff.value == 1.0 and diff.low < 1.0 and diff.high == 1.0 and diff.p_value < 0.05
