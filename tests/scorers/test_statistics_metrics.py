"""The Inspect metrics' intervals are cluster-aware by `scenario_id` and gaps are paired by `pair_id`."""

from __future__ import annotations

from inspect_ai.scorer import SampleScore, Score

from scorers.metrics import gap_table, numeric_indicator, rate_table
from scorers.statistics import wilson


def sample(index: int, value: float, scenario: str | None, **metadata: object) -> SampleScore:
    meta = {**metadata, **({"scenario_id": scenario} if scenario is not None else {})}
    return SampleScore(score=Score(value=value), sample_id=f"s{index}", sample_metadata=meta)


def test_rates_widen_when_samples_share_scenarios() -> None:
    # 10 scenarios x 6 samples, each scenario all 1 or all 0: worth about 10 samples, not 60.
    scores = [sample(i, float((i // 6) % 2), f"scenario-{i // 6}") for i in range(60)]
    table = rate_table(scores, [], numeric_indicator())
    naive = wilson(30, 60)
    assert table["rate all"] == 0.5 and table["rate all n"] == 60
    assert table["rate all ci_high"] - table["rate all ci_low"] > 2 * (naive.high - naive.low)


def test_samples_without_a_scenario_are_their_own_clusters() -> None:
    scores = [sample(i, float(i % 2), None) for i in range(60)]
    table = rate_table(scores, [], numeric_indicator())
    naive = wilson(30, 60)
    assert abs((table["rate all ci_high"] - table["rate all ci_low"]) - (naive.high - naive.low)) < 0.01


def test_gaps_pair_samples_by_pair_id() -> None:
    scores = []
    for index in range(40):
        base = float(index % 4 == 0)
        bump = float(index % 5 == 0)
        scenario = f"scenario-{index // 2}"
        pair = f"pair-{index}"
        scores.append(sample(2 * index, max(base, bump), scenario, training_awareness="training", pair_id=pair))
        scores.append(sample(2 * index + 1, base, scenario, training_awareness="unmonitored", pair_id=pair))
    table = gap_table(scores, "training_awareness", "training", "unmonitored", [], numeric_indicator())
    assert abs(table["gap all"] - 0.15) < 1e-12 and table["gap all n"] == 80
    # Paired: only the 6 discordant pairs carry variance, so the interval is far narrower than Newcombe's.
    assert table["gap all ci_high"] - table["gap all ci_low"] < 0.3
    assert table["gap all ci_low"] > 0
    assert table["gap all p_value"] < 0.05


def test_a_level_that_was_not_run_gives_no_gap_rather_than_a_nan_one() -> None:
    """A look-alike run of only rated_not_trained and unmonitored: there is no training minus unmonitored gap."""
    scores = [
        sample(i, float(i % 2), f"scenario-{i}", training_awareness=level, pair_id=f"pair-{i}")
        for i, level in enumerate(["rated_not_trained", "unmonitored"] * 10)
    ]
    assert gap_table(scores, "training_awareness", "training", "unmonitored", [], numeric_indicator()) == {}
