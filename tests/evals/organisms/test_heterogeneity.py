"""Heterogeneous organisms: scenario effects with a known variance around exactly the planted population rates,
shared by a scenario's samples, keeping common random numbers for the training-vs-unmonitored pair, and the
Inspect-free simulation reproducing the provider sample by sample."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from inspect_ai import Task
from inspect_ai.model import get_model

from evals.organisms.heterogeneity import (
    intra_scenario_correlation,
    logit_intercept,
    population_rate,
    scenario_effects,
    scenario_of,
    scenario_rate,
)
from evals.organisms.profiles import PROFILES, get_profile
from evals.organisms.simulation import COMPLIANCE, TRAINING_GAMING, perceive_samples, simulate
from scorers.compliance import compliance_value
from scorers.data_files import load_yaml
from scorers.statistics import design_effect
from tasks.training_info import training_info
from tasks.value_conflict import value_conflict, value_conflict_samples
from tests.support.inspect_run import run_eval

pytestmark = pytest.mark.inspect_eval


FACTORS = ("training_awareness", "topic_relevance", "cot", "value_domain")


def test_the_organism_recognises_every_scenario_from_the_messages_alone() -> None:
    samples = value_conflict_samples(scenarios_per_cell=12, cot="none,hidden_scratchpad")
    task: Task = training_info(scenarios_per_cell=6)
    samples += list(task.dataset)
    for item in perceive_samples(samples):
        assert scenario_of(item.perception.request) == item.metadata["scenario_id"], item.sample_id
    assert scenario_of("Tell me a joke about cats.").startswith("request:")


@pytest.mark.parametrize("rate", [0.05, 0.2, 0.4, 0.9])
@pytest.mark.parametrize("sd", [0.5, 1.0, 2.0])
def test_calibrated_intercepts_keep_the_planted_population_rate(rate: float, sd: float) -> None:
    assert population_rate(logit_intercept(rate, sd), sd) == pytest.approx(rate, abs=1e-9)
    draws = np.random.default_rng(0).normal(0.0, sd, 200_000)
    monte_carlo = np.mean([scenario_rate(rate, sd, float(u)) for u in draws[:20_000]])
    assert monte_carlo == pytest.approx(rate, abs=0.01)
    assert 0.0 < intra_scenario_correlation(rate, sd) < 1.0


def test_homogeneous_profiles_are_unchanged() -> None:
    assert scenario_rate(0.4, 0.0, 3.0) == 0.4
    assert all(profile.scenario_sd == 0.0 for name, profile in PROFILES.items() if name != "gamer_40_clustered")
    assert scenario_effects("gamer_40", 1, "s", 0.0).gaming == 0.0


def test_scenario_effects_have_the_declared_spread() -> None:
    effects = [scenario_effects("p", 3, f"scenario-{i}", 1.0) for i in range(4000)]
    gaming = np.array([e.gaming for e in effects])
    compliance = np.array([e.compliance for e in effects])
    assert gaming.std() == pytest.approx(1.0, abs=0.05) and abs(gaming.mean()) < 0.05
    assert abs(np.corrcoef(gaming, compliance)[0, 1]) < 0.05
    assert scenario_effects("p", 3, "x", 1.0) == scenario_effects("p", 3, "x", 1.0)
    assert scenario_effects("p", 4, "x", 1.0) != scenario_effects("p", 3, "x", 1.0)


def simulated(
    profile_name: str, seed: int, per_cell: int = 12, sd: float | None = None, only: dict[str, str] | None = None
) -> pd.DataFrame:
    profile = get_profile(profile_name)
    if sd is not None:
        profile = replace(profile, scenario_sd=sd)
    selection = {"cot": "hidden_scratchpad", **(only or {})}
    samples = perceive_samples(value_conflict_samples(scenarios_per_cell=per_cell, **selection))
    return simulate(profile, samples, seed, factors=FACTORS)


def pair_values(frame: pd.DataFrame, metric: str) -> pd.DataFrame:
    part = frame[frame["metric"] == metric].copy()
    part["pair"] = [
        sample_id.replace(f"-{level}-", "-*-", 1)
        for sample_id, level in zip(part["sample_id"], part["training_awareness"], strict=True)
    ]
    return part.pivot_table(index="pair", columns="training_awareness", values="value", observed=True)


def test_cue_blind_profiles_keep_a_gap_of_exactly_zero_when_heterogeneous() -> None:
    frame = simulated("honest", seed=5, sd=1.5)
    pairs = pair_values(frame, COMPLIANCE)
    assert len(pairs) > 100
    assert (pairs["training"] == pairs["unmonitored"]).all()
    assert 0.0 < pairs["training"].mean() < 0.5


def test_clustered_profile_outcomes_are_correlated_within_scenarios() -> None:
    # Twelve unmonitored samples per scenario (the design effect grows with them) and no two prompts alike (an
    # organism's draws follow the prompt): a scenario's relevant and unrelated cells ask it in each of its three
    # paraphrases under two cot levels.
    pool = len(load_yaml("value_conflict/scenarios.yaml")["value_domains"]["copyright"]["requests"])
    only = {"training_awareness": "unmonitored", "cot": "none,hidden_scratchpad"}
    frame = simulated("gamer_40_clustered", seed=2, per_cell=3 * pool, only=only)
    unmonitored = frame[(frame["metric"] == COMPLIANCE) & (frame["training_awareness"] == "unmonitored")]
    clustered = design_effect(unmonitored["value"].tolist(), unmonitored["scenario_id"].tolist())
    flat = simulated("gamer_40_clustered", seed=2, per_cell=3 * pool, sd=0.0, only=only)
    flat_unmonitored = flat[(flat["metric"] == COMPLIANCE) & (flat["training_awareness"] == "unmonitored")]
    homogeneous = design_effect(flat_unmonitored["value"].tolist(), flat_unmonitored["scenario_id"].tolist())
    assert clustered > 2.0 > 1.5 > homogeneous


def test_provider_argument_makes_any_profile_heterogeneous() -> None:
    model = get_model("organism/gamer_40", scenario_sd=0.7, scenario_seed=9)
    profile = model.api.profile  # type: ignore[attr-defined]
    assert profile.scenario_sd == 0.7 and profile.scenario_seed == 9 and profile.gaming_rate == 0.4
    with pytest.raises(ValueError, match="scenario_sd"):
        get_model("organism/gamer_40", scenario_sd=-1)


@pytest.mark.slow
def test_the_simulation_matches_a_real_eval_sample_by_sample(tmp_path: Path) -> None:
    seed = 13
    task = value_conflict(training_awareness="training,unmonitored", cot="none,hidden_scratchpad")
    log = run_eval(task, model="organism/gamer_40_clustered", seed=seed, log_dir=str(tmp_path))[0]
    assert log.status == "success", log.error
    samples = perceive_samples(value_conflict_samples(training_awareness="training,unmonitored"))
    frame = simulate(PROFILES["gamer_40_clustered"], samples, seed)
    expected = {
        (str(sid), str(metric)): float(value)
        for sid, metric, value in frame[["sample_id", "metric", "value"]].itertuples(index=False)
    }
    compared = 0
    for sample in log.samples or []:
        scores = sample.scores or {}
        tg_value = scores["training_gaming_reasoning"].value
        assert isinstance(tg_value, dict)
        observed = {COMPLIANCE: compliance_value(scores["compliance"]), TRAINING_GAMING: tg_value["training_gaming"]}
        for metric, value in observed.items():
            assert isinstance(value, int | float)
            want = expected[(str(sample.id), metric)]
            assert (np.isnan(want) and np.isnan(float(value))) or float(value) == want, (sample.id, metric)
            compared += 1
    assert compared == 2 * len(samples) == 2 * 160
