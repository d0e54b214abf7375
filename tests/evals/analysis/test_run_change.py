"""The run-to-run change: the p-value is the exact cluster sign-flip test (checked against scipy's), the
interval is exactly that test inverted (so interval and p can never disagree), too few scenarios decide
nothing, and a family's flag, interval and adjusted p are one statement."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from evals.analysis.run_change import (
    NewcombeChange,
    change_frame,
    family_level,
    fewest_clusters,
    paired_change,
    sign_flip_change,
)


def clustered_differences(seed: int, clusters: int, shift: float = 0.0) -> tuple[list[float], list[int]]:
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(clusters), rng.integers(1, 5, size=clusters))
    propensity = rng.normal(shift, 0.5, size=clusters)[labels]
    values = np.clip(np.round(propensity + rng.normal(0, 0.6, size=len(labels))), -1, 1)
    return values.tolist(), labels.tolist()


@pytest.mark.parametrize("null", [0.0, 0.1, -0.25, 0.4])
def test_the_p_value_is_the_exact_sign_flip_test(null: float) -> None:
    differences, clusters = clustered_differences(3, 9, shift=0.2)
    totals = np.bincount(clusters, weights=np.asarray(differences) - null)
    scipy_test = stats.permutation_test(
        (totals,),
        lambda x, axis: np.abs(np.sum(x, axis=axis)),
        permutation_type="samples",
        n_resamples=np.inf,
        alternative="greater",
        vectorized=True,
    )
    assert sign_flip_change(differences, clusters).p_value(null) == pytest.approx(scipy_test.pvalue, abs=1e-12)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("level", [0.95, 1 - 0.05 / 7])
def test_the_interval_is_the_test_inverted(seed: int, level: float) -> None:
    differences, clusters = clustered_differences(seed, 12 + seed, shift=0.3 * (seed % 3 - 1))
    change = sign_flip_change(differences, clusters)
    low, high = change.interval(level)
    assert low <= change.estimate <= high
    alpha = 1 - level
    # Inside (ends included) the test does not reject; just outside it does.
    for inside in (low, high, change.estimate, (low + high) / 2):
        assert change.p_value(inside) > alpha
    for outside in (low - 1e-9, high + 1e-9):
        if -1 < outside < 1:
            assert change.p_value(outside) <= alpha
    # So "the interval excludes 0" and "p <= alpha" are the same statement.
    assert (low > 0 or high < 0) == (change.p_value(0.0) <= alpha)


def test_too_few_scenarios_cannot_decide_and_say_so() -> None:
    # Four scenarios, every pair going from 0 to 1 (the night): 2 / 2^4 = 0.125 is the smallest p the
    # test can give, so no interval below the 87.5% level excludes anything.
    change = paired_change([1.0] * 12, [0.0] * 12, [i % 4 for i in range(12)])
    assert change.estimate == 1.0 and change.p_value(0.0) == pytest.approx(0.125)
    assert not change.decidable(0.95) and change.interval(0.95) == (-1.0, 1.0)
    assert fewest_clusters(0.95) == 6 and fewest_clusters(family_level(0.05, 7)) == 9
    six = paired_change([1.0] * 12, [0.0] * 12, [i % 6 for i in range(12)])
    assert six.decidable(0.95) and six.interval(0.95) == (1.0, 1.0)
    assert "6 scenarios" in six.method and "every pair differs by the same amount" in six.method


def test_pairs_with_an_unscored_side_are_dropped() -> None:
    change = paired_change([1.0, math.nan, 0.0, 1.0], [0.0, 1.0, math.nan, 1.0], ["a", "b", "c", "d"])
    assert change.n_pairs == 2 and change.n_clusters == 2 and change.estimate == pytest.approx(0.5)


def test_unpaired_newcombe_p_is_its_interval_inverted() -> None:
    change = NewcombeChange(30, 60, 15, 60)
    low, _ = change.interval(0.95)
    assert low > 0 and change.p_value(0.0) < 0.05
    p = change.p_value(0.0)
    low_at_p, _ = change.interval(1 - p)
    assert low_at_p == pytest.approx(0.0, abs=1e-6)
    assert change.p_value(change.estimate) == 1.0


def test_a_family_flag_interval_and_adjusted_p_are_one_statement() -> None:
    changes = [sign_flip_change(*clustered_differences(seed, 20, shift=1.2 * (seed % 2))) for seed in range(8)]
    in_family = [True] * 6 + [False] * 2
    frame = change_frame(changes, in_family, alpha=0.05)
    members = frame[frame["in_family"]]
    assert members["family_level"].tolist() == pytest.approx([1 - 0.05 / 6] * 6)
    excludes = (members["adj_low"] > 0) | (members["adj_high"] < 0)
    assert (members["significant"] == excludes).all()
    assert (members["significant"] == (members["p_adjusted"] <= 0.05)).all()
    assert members["significant"].any() and not members["significant"].all()
    outside = frame[~frame["in_family"]]
    assert not outside["significant"].any() and outside["p_adjusted"].isna().all()
    # The 95% interval and raw p are shown for every row, family or not.
    assert frame["ci_low"].notna().all() and frame["p_value"].notna().all()
