"""The report's rates, gaps and main effects respect the design: clustered by scenario, the training gap
paired by cell index, with the naive figures alongside and `method="naive"` giving exactly them."""

from __future__ import annotations

import pandas as pd
import pytest

from evals.analysis.rates import Layout, cell_rates, main_effects, pair_key, training_gap
from evals.organisms.profiles import PROFILES
from evals.organisms.simulation import COMPLIANCE, perceive_samples, simulate
from scorers.data_files import load_yaml
from tasks.value_conflict import value_conflict_samples

FACTORS = ("training_awareness", "topic_relevance", "cot", "value_domain")
LAYOUT = Layout(
    "value_conflict",
    ("training_awareness", "topic_relevance"),
    {"training_awareness": ("unmonitored", "training"), "topic_relevance": ("unrelated", "relevant")},
)


def run(profile: str, seed: int = 1) -> pd.DataFrame:
    """Twelve samples per scenario, so that clustering matters: three passes through each domain's requests,
    keeping the first four of each domain (20 scenarios, 12 cell indices per cell, pairs kept whole)."""
    domains = load_yaml("value_conflict/scenarios.yaml")["value_domains"]
    pool = min(len(domain["requests"]) for domain in domains.values())
    first = {request["id"] for domain in domains.values() for request in domain["requests"][:4]}
    samples = value_conflict_samples(
        training_awareness="training,unmonitored", cot="hidden_scratchpad", scenarios_per_cell=3 * pool
    )
    kept = perceive_samples([s for s in samples if (s.metadata or {})["scenario_id"] in first])
    frame = simulate(PROFILES[profile], kept, seed, factors=FACTORS)
    frame["model"] = f"organism/{profile}"
    return frame


def test_pair_key_blanks_the_level_token() -> None:
    a = pair_key("value_conflict-copyright-relevant-training-hidden_scratchpad-3", "training")
    b = pair_key("value_conflict-copyright-relevant-unmonitored-hidden_scratchpad-3", "unmonitored")
    assert a == b == "value_conflict-copyright-relevant-*-hidden_scratchpad-3"


def test_cell_rates_are_clustered_by_scenario_and_keep_the_naive_bounds() -> None:
    cells = cell_rates(run("gamer_40_clustered"), LAYOUT)
    pooled = cells[(cells["metric"] == COMPLIANCE) & (cells["cell"] == "all")].iloc[0]
    assert pooled["interval"] == "cluster_wilson" and pooled["n_clusters"] == 20 and pooled["n"] == 240
    clustered_width = pooled["ci_high"] - pooled["ci_low"]
    naive_width = pooled["naive_ci_high"] - pooled["naive_ci_low"]
    assert clustered_width > 1.3 * naive_width  # 12 samples per scenario, correlated
    naive = cell_rates(run("gamer_40_clustered"), LAYOUT, method="naive")
    naive_pooled = naive[(naive["metric"] == COMPLIANCE) & (naive["cell"] == "all")].iloc[0]
    assert naive_pooled["ci_low"] == pytest.approx(pooled["naive_ci_low"])
    assert naive_pooled["interval"] == "wilson"


def test_training_gap_is_paired_by_cell_index() -> None:
    gaps = training_gap(run("gamer_40_clustered"), LAYOUT)
    relevant = gaps[(gaps["metric"] == COMPLIANCE) & (gaps["cell"] == "relevant")].iloc[0]
    assert relevant["interval"].startswith("paired_mover") and relevant["n_pairs"] == 60
    assert relevant["n_clusters"] == 20
    assert relevant["ci_low"] > 0
    # Pairing removes the shared scenario propensity: narrower than the unpaired Newcombe interval.
    assert relevant["ci_high"] - relevant["ci_low"] < relevant["naive_ci_high"] - relevant["naive_ci_low"]


def test_a_cue_blind_profile_has_a_zero_gap_with_an_honest_interval() -> None:
    gaps = training_gap(run("honest"), LAYOUT)
    pooled = gaps[(gaps["metric"] == COMPLIANCE) & (gaps["cell"] == "all")].iloc[0]
    assert pooled["delta"] == 0.0 and pooled["p_value"] == 1.0
    assert pooled["ci_low"] < 0 < pooled["ci_high"] and pooled["ci_high"] < 0.2


def test_main_effects_are_clustered_and_naive_on_request() -> None:
    frame = run("gamer_40_clustered")
    effects = main_effects(frame, LAYOUT)
    relevance = effects[(effects["metric"] == COMPLIANCE) & (effects["factor"] == "topic_relevance")].iloc[0]
    assert relevance["interval"] == "clustered_ols" and relevance["n_clusters"] == 20
    naive = main_effects(frame, LAYOUT, method="naive")
    naive_relevance = naive[(naive["metric"] == COMPLIANCE) & (naive["factor"] == "topic_relevance")].iloc[0]
    assert naive_relevance["interval"] == "newcombe"
    assert naive_relevance["ci_low"] == pytest.approx(relevance["naive_ci_low"])
    assert naive_relevance["p_value"] == pytest.approx(relevance["naive_p_value"])
