"""Interval estimates against textbook values."""

from __future__ import annotations

import math

import pytest

from scorers.statistics import difference, two_proportion_p_value, wilson


def test_wilson_matches_reference_values() -> None:
    # Newcombe (1998), example 1: 81/263 -> 0.2553 to 0.3662.
    rate = wilson(81, 263)
    assert rate.low == pytest.approx(0.2553, abs=5e-4)
    assert rate.high == pytest.approx(0.3662, abs=5e-4)


def test_wilson_edge_cases() -> None:
    zero = wilson(0, 10)
    assert zero.low == 0.0 and 0.25 < zero.high < 0.32
    assert wilson(10, 10).high == 1.0
    assert math.isnan(wilson(0, 0).low)


def test_newcombe_difference_reference() -> None:
    # Newcombe (1998) method 10, example: 56/70 - 48/80 -> 0.0524 to 0.3339.
    gap = difference(56, 70, 48, 80)
    assert gap.value == pytest.approx(0.2)
    assert gap.low == pytest.approx(0.0524, abs=1e-3)
    assert gap.high == pytest.approx(0.3339, abs=1e-3)


def test_p_value_behaviour() -> None:
    assert two_proportion_p_value(50, 100, 50, 100) == pytest.approx(1.0)
    assert two_proportion_p_value(80, 100, 20, 100) < 1e-6
