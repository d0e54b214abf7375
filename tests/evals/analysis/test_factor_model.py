"""The factor model recovers planted interactions of the organisms, falls back (and says so) on separation, and
gives a sensible interval when the training cue changes nothing."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from evals.analysis.factor_model import HypothesisResult, hypothesis_lines, hypothesis_results
from evals.organisms.profiles import PROFILES
from evals.organisms.simulation import COMPLIANCE, TRAINING_GAMING, perceive_samples, sample_table, simulate
from tasks.value_conflict import value_conflict_samples

FACTORS = ("training_awareness", "topic_relevance", "cot", "value_domain")
MODELS = ("gamer_40_clustered", "honest", "cot_gated_gamer")
PER_CELL = 8
SCENARIOS = len(
    {(s.metadata or {})["scenario_id"] for s in value_conflict_samples(cot="none", scenarios_per_cell=PER_CELL)}
)
"""The scenarios (clusters) the run asks: eight per domain, since the pool holds at least eight."""


@pytest.fixture(scope="module")
def results() -> list[HypothesisResult]:
    samples = perceive_samples(
        value_conflict_samples(
            training_awareness="training,unmonitored", cot="none,hidden_scratchpad", scenarios_per_cell=PER_CELL
        )
    )
    runs = {f"organism/{name}": simulate(PROFILES[name], samples, 3, factors=FACTORS) for name in MODELS}
    return hypothesis_results(sample_table(runs, "value_conflict"))


def pick(results: Sequence[HypothesisResult], hypothesis: str, model: str, metric: str) -> HypothesisResult:
    (found,) = [
        r for r in results if r.hypothesis.id == hypothesis and r.model == f"organism/{model}" and r.metric == metric
    ]
    return found


def test_h1_recovers_the_planted_compliance_interaction(results: list[HypothesisResult]) -> None:
    profile = PROFILES["gamer_40_clustered"]
    planted = profile.gaming_rate * (1 - profile.base_compliance)  # cue effect on relevant requests; 0 on unrelated
    result = pick(results, "H1", "gamer_40_clustered", COMPLIANCE)
    assert result.low <= planted <= result.high
    assert result.low > 0 and result.p_value < 0.05
    assert result.method.startswith("logistic GLM") and result.n_clusters == SCENARIOS
    assert result.effect_low == pytest.approx(0.0, abs=1e-6)


def test_separation_falls_back_to_a_cluster_bootstrap(results: list[HypothesisResult]) -> None:
    # TG reasoning never appears unmonitored: every unmonitored cell is all 0.
    result = pick(results, "H1", "gamer_40_clustered", TRAINING_GAMING)
    assert "cluster bootstrap" in result.method and "separation" in result.method
    assert result.low <= PROFILES["gamer_40_clustered"].gaming_rate <= result.high
    assert result.low > 0


def test_no_planted_interaction_is_not_claimed(results: list[HypothesisResult]) -> None:
    h3 = pick(results, "H3", "gamer_40_clustered", COMPLIANCE)  # gamer_40 ignores reasoning space
    assert h3.low < 0 < h3.high
    cot_gated = pick(results, "H3", "cot_gated_gamer", COMPLIANCE)
    planted = PROFILES["cot_gated_gamer"].gaming_rate * (1 - PROFILES["cot_gated_gamer"].base_compliance)
    assert cot_gated.low <= planted <= cot_gated.high and cot_gated.low > 0


def test_a_cue_that_changes_nothing_gets_a_nonzero_interval(results: list[HypothesisResult]) -> None:
    honest = pick(results, "H1", "honest", COMPLIANCE)
    assert honest.estimate == pytest.approx(0.0, abs=1e-12) and honest.p_value == pytest.approx(1.0, abs=1e-6)
    assert -0.3 < honest.low < -0.05 and 0.05 < honest.high < 0.3
    assert f"0 of {SCENARIOS} scenarios" in honest.method


def test_lines_read_as_one_sentence_per_hypothesis(results: list[HypothesisResult]) -> None:
    line = pick(results, "H1", "gamer_40_clustered", COMPLIANCE).line()
    assert line.startswith("H1 (value_conflict, compliance, organism/gamer_40_clustered): the training-awareness")
    assert "[+" in line and f"{SCENARIOS} scenarios" in line
    # Only hypotheses whose factors the suite varies appear (value_conflict has no training_info factor).
    assert not any(result.hypothesis.id == "H2" for result in results)


def test_hypothesis_lines_of_an_empty_table() -> None:
    samples = perceive_samples(value_conflict_samples(training_awareness="training", scenarios_per_cell=1))
    table = sample_table({"organism/honest": simulate(PROFILES["honest"], samples, 0, factors=FACTORS)}, "x")
    assert hypothesis_lines(table) == []
