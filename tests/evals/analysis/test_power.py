"""Power and planning: the design effect, statsmodels-backed minimum detectable differences, a simulation
check that the promised power is real for clustered data, and the `plan` command."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as scipy_stats

from evals.analysis.power import (
    default_icc,
    design_effect,
    minimum_detectable_difference,
)
from evals.cli import main
from scorers.statistics import clustered_difference


def test_design_effect() -> None:
    assert design_effect(1, 0.5) == 1.0
    assert design_effect(5, 0.25) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="correlation"):
        design_effect(3, 1.5)
    assert 0.1 < default_icc() < 0.3


def test_minimum_detectable_difference_matches_the_arcsine_formula() -> None:
    n = 100
    h = (scipy_stats.norm.ppf(0.975) + scipy_stats.norm.ppf(0.8)) * math.sqrt(2 / n)
    expected = math.sin(math.asin(math.sqrt(0.5)) + h / 2) ** 2 - 0.5
    assert minimum_detectable_difference(n, 0.5) == pytest.approx(expected, rel=1e-4)
    assert minimum_detectable_difference(4 * n) < minimum_detectable_difference(n)
    assert math.isnan(minimum_detectable_difference(1))


def test_promised_power_holds_for_clustered_data() -> None:
    """At the MDD for effective n = n / deff, a clustered test detects the gap about 80% of the time."""
    scenarios, per_scenario, icc, baseline = 30, 4, 0.2, 0.3
    n_effective = scenarios * per_scenario / design_effect(per_scenario, icc)
    gap = minimum_detectable_difference(n_effective, baseline)
    rng = np.random.default_rng(7)

    def group(rate: float) -> tuple[list[float], list[int]]:
        a, b = rate * (1 - icc) / icc, (1 - rate) * (1 - icc) / icc
        propensities = np.repeat(rng.beta(a, b, scenarios), per_scenario)
        values = (rng.random(scenarios * per_scenario) < propensities).astype(float)
        return values.tolist(), np.repeat(np.arange(scenarios), per_scenario).tolist()

    detected = []
    for _ in range(300):
        values_a, clusters_a = group(baseline + gap)
        values_b, clusters_b = group(baseline)
        diff = clustered_difference(values_a, clusters_a, values_b, [c + 1000 for c in clusters_b])
        detected.append(diff.p_value < 0.05)
    assert 0.7 <= float(np.mean(detected)) <= 0.92


def test_plan_command_prints_the_detectable_gap_and_the_cost(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--suite", "value_conflict", "--scenarios-per-cell", "40", "--icc", "0.3"]) == 0
    out = capsys.readouterr().out
    assert "2400 samples x 1 epoch(s) = 2400 model calls" in out
    assert "design effect 1.30" in out  # 2 samples per scenario per cell: two passes through 20 requests
    assert "minimum detectable gap at 80% power" in out and "scenarios_per_cell" in out


def test_plan_command_rejects_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--suite", "value_conflict", "-T", "colour=red"]) == 2
    assert "colour" in capsys.readouterr().err
    assert main(["plan", "--suite", "nope"]) == 2
    assert main(["plan", "--suite", "value_conflict", "--icc", "-0.1"]) == 2
