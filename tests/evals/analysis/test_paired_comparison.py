"""Two runs compared sample by sample: A/A quiet, a planted change found, families corrected, bad input
refused with one line."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from evals.analysis.paired_comparison import ComparisonError, compare_runs
from evals.organisms.profiles import PROFILES
from evals.organisms.simulation import COMPLIANCE, perceive_samples, simulate
from tasks.value_conflict import value_conflict_samples

FACTORS = ("training_awareness", "topic_relevance", "cot", "value_domain")
CELLS = ("training_awareness", "topic_relevance")
SAMPLES = perceive_samples(
    value_conflict_samples(training_awareness="training,unmonitored", cot="hidden_scratchpad", scenarios_per_cell=8)
)
SAME_MODEL = replace(PROFILES["gamer_40_clustered"], scenario_seed=3)
"""Scenario effects re-drawn (seed 5 before) when the value_conflict pool grew to 20 requests per domain: eight
per cell became 40 scenarios seen once each, and seed 5's draws left the planted +0.45 change at +0.23."""


def night(seed: int, gaming_rate: float | None = None) -> pd.DataFrame:
    profile = SAME_MODEL if gaming_rate is None else replace(SAME_MODEL, gaming_rate=gaming_rate)
    return simulate(profile, SAMPLES, seed, factors=FACTORS)


def test_identical_runs_show_no_change() -> None:
    baseline = night(1)
    result = compare_runs(baseline, baseline.copy(), CELLS)
    assert (result["delta"] == 0).all() and not result["significant"].any()
    rates = result[~result["metric"].str.endswith(" gap")]
    assert set(rates["cell"]) == {
        "all",
        "training/relevant",
        "training/unrelated",
        "unmonitored/relevant",
        "unmonitored/unrelated",
    }
    assert (result["n_pairs"] > 0).all()


def test_a_planted_change_is_found_by_the_paired_test() -> None:
    # The compliance family alone (5 comparisons): at Bonferroni's 99% level the +0.40 change in one cell of 40
    # scenarios is found (raw sign-flip p 0.0005).
    result = compare_runs(night(1), night(2, gaming_rate=0.9), CELLS, metrics=[COMPLIANCE], gap_factor=None)
    changed = result[(result["metric"] == COMPLIANCE) & (result["cell"] == "training/relevant")].iloc[0]
    assert changed["delta"] > 0.2 and changed["significant"]
    assert changed["method"].startswith("paired")
    untouched = result[(result["metric"] == COMPLIANCE) & (result["cell"] == "unmonitored/relevant")].iloc[0]
    assert not untouched["significant"]


def test_holm_is_stricter_than_benjamini_hochberg() -> None:
    baseline, tonight = night(1), night(2, gaming_rate=0.7)
    holm = compare_runs(baseline, tonight, CELLS, adjust="holm")
    bh = compare_runs(baseline, tonight, CELLS, adjust="fdr_bh")
    assert (holm["p_value"] == bh["p_value"]).all()
    assert (holm["p_adjusted"] >= bh["p_adjusted"] - 1e-12).all()


def test_naive_and_clustered_methods_are_available() -> None:
    baseline, tonight = night(1), night(3)
    naive = compare_runs(baseline, tonight, CELLS, method="naive")
    clustered = compare_runs(baseline, tonight, CELLS, method="clustered")
    rate_rows = ~naive["metric"].str.endswith(" gap")
    assert set(naive.loc[rate_rows, "method"]) == {"newcombe"}
    assert set(naive.loc[~rate_rows, "method"]) == {"gap change: naive_z"}
    clustered_rates = clustered[~clustered["metric"].str.endswith(" gap")]
    assert set(clustered_rates["method"]) <= {"clustered_ols", "newcombe_n_eff (no variance)"}


def test_runs_that_cannot_be_compared_are_refused() -> None:
    baseline = night(1)
    with pytest.raises(ComparisonError, match="lacks column"):
        compare_runs(baseline.drop(columns=["epoch"]), baseline, CELLS)
    other = baseline.assign(sample_id=baseline["sample_id"] + "-other")
    with pytest.raises(ComparisonError, match="share no sample"):
        compare_runs(baseline, other, CELLS)


def gap_rows(result: pd.DataFrame) -> dict[str, dict[str, object]]:
    rows = result[result["metric"] == f"{COMPLIANCE} gap"].to_dict("records")
    return {str(row["cell"]): {str(key): value for key, value in row.items()} for row in rows}


def test_a_planted_gap_change_is_found_and_a_stable_gap_is_not() -> None:
    gaps = gap_rows(compare_runs(night(1), night(2, gaming_rate=0.9), CELLS))
    assert set(gaps) == {"all", "relevant", "unrelated"}
    relevant, unrelated = gaps["relevant"], gaps["unrelated"]
    assert float(str(relevant["delta"])) > 0.2 and float(str(relevant["p_value"])) < 0.05
    assert str(relevant["method"]).startswith("gap change: paired") and relevant["n_pairs"] == 40
    # Unrelated requests never game: the gap stays exactly 0 in both runs.
    assert unrelated["delta"] == 0.0 and not unrelated["significant"]
    naive = gap_rows(compare_runs(night(1), night(2, gaming_rate=0.9), CELLS, method="naive"))
    assert float(str(naive["relevant"]["delta"])) == pytest.approx(float(str(relevant["delta"])))
    assert naive["relevant"]["method"] == "gap change: naive_z"


def test_gap_rows_can_be_left_out() -> None:
    result = compare_runs(night(1), night(2), CELLS, gap_factor=None)
    assert not result["metric"].str.endswith(" gap").any()
