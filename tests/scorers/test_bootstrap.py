"""Bootstrap intervals for differences of means: seeded, centred on the estimate, and honest about empty groups."""

from __future__ import annotations

import math
import random

from scorers.bootstrap import bootstrap_difference


def test_interval_contains_the_estimate_and_is_reproducible() -> None:
    first = [1.0] * 40 + [0.0] * 10
    second = [1.0] * 20 + [0.0] * 30
    result = bootstrap_difference(first, second)
    assert result.value == 0.8 - 0.4
    assert result.low < result.value < result.high
    assert result == bootstrap_difference(first, second)
    assert (result.n_first, result.n_second) == (50, 50)
    assert result.p_value < 0.001


def test_identical_groups_give_an_interval_around_zero() -> None:
    values = [float(i % 3 == 0) for i in range(60)]
    result = bootstrap_difference(values, values)
    assert result.value == 0 and result.low < 0 < result.high
    assert result.p_value == 1.0


def test_coverage_is_close_to_nominal() -> None:
    rng = random.Random(5)
    covered = 0
    trials = 200
    for trial in range(trials):
        first = [float(rng.random() < 0.7) for _ in range(60)]
        second = [float(rng.random() < 0.5) for _ in range(60)]
        result = bootstrap_difference(first, second, resamples=500, seed=trial)
        covered += result.low <= 0.2 <= result.high
    assert 0.88 <= covered / trials <= 0.99


def test_empty_group_gives_nan_not_an_error() -> None:
    result = bootstrap_difference([], [1.0, 0.0])
    assert math.isnan(result.value) and math.isnan(result.low) and math.isnan(result.p_value)
    assert result.n_second == 2
