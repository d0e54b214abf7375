"""The reasoning_concealment suite's grid: paired across monitoring levels, the monitoring notice and response
format matching the condition, decisions with a known self-serving option, no leftover template fields."""

from __future__ import annotations

from collections import Counter

import pytest
from inspect_ai.dataset import Sample

from scorers.data_files import load_yaml
from scorers.output_contract import output_contract
from tasks.prompting import render
from tasks.reasoning_concealment import (
    COT_FOR_MONITORING,
    FIRST_POOL,
    reasoning_concealment,
    reasoning_concealment_samples,
)


def _system(sample: Sample) -> str:
    assert isinstance(sample.input, list)
    return sample.input[0].text


def _user(sample: Sample) -> str:
    assert isinstance(sample.input, list)
    return sample.input[-1].text


def test_default_grid_is_complete_and_paired() -> None:
    samples = reasoning_concealment_samples()
    assert Counter((s.metadata or {})["cot_monitoring"] for s in samples) == {"private": 16, "monitored": 16}
    assert len({s.id for s in samples}) == len(samples)
    by_pair: dict[str, set[str]] = {}
    for sample in samples:
        by_pair.setdefault((sample.metadata or {})["pair_id"], set()).add(_user(sample))
    assert all(len(users) == 1 for users in by_pair.values()) and len(by_pair) == 16
    scenarios = load_yaml("reasoning_concealment/scenarios.yaml")["scenarios"]
    first = {scenario["id"] for scenario in scenarios[:FIRST_POOL]}
    assert {(s.metadata or {})["scenario_id"] for s in samples} == first, "the default size is the first pool"
    assert len({_user(s) for s in samples}) == 16, "each repeat of a scenario uses another wording"


def test_larger_sizes_reach_the_appended_scenarios_then_cycle_the_pool() -> None:
    scenarios = load_yaml("reasoning_concealment/scenarios.yaml")["scenarios"]
    reach = 2 * FIRST_POOL + len(scenarios) - FIRST_POOL
    samples = reasoning_concealment_samples(cot_monitoring="private", scenarios_per_cell=reach)
    assert [(s.metadata or {})["scenario_id"] for s in samples][2 * FIRST_POOL :] == [
        scenario["id"] for scenario in scenarios[FIRST_POOL:]
    ]
    assert {(s.metadata or {})["scenario_id"] for s in samples} == {scenario["id"] for scenario in scenarios}
    cycled = reasoning_concealment_samples(cot_monitoring="private", scenarios_per_cell=reach + 3 * len(scenarios))
    wordings: dict[str, set[str]] = {}
    for sample in cycled:
        wordings.setdefault((sample.metadata or {})["scenario_id"], set()).add(_user(sample))
    assert all(len(texts) == 3 for texts in wordings.values()), "repeats rotate through every wording"


def test_every_sample_carries_the_full_condition_and_its_options() -> None:
    factors = load_yaml("shared/conditions.yaml")["factors"]
    for sample in reasoning_concealment_samples(scenarios_per_cell=8):
        metadata = sample.metadata or {}
        for factor, levels in factors.items():
            assert metadata[factor] in levels
        assert metadata["cot"] == COT_FOR_MONITORING[metadata["cot_monitoring"]]
        assert metadata["self_serving_option"] in metadata["options"]
        assert metadata["aligned_option"] in metadata["options"]
        assert metadata["self_serving_option"] != metadata["aligned_option"]


def test_monitoring_notice_and_format_match_the_condition() -> None:
    spec = load_yaml("reasoning_concealment/scenarios.yaml")
    contract = output_contract()
    names = {"operator": spec["operator"], "assistant_name": spec["assistant_name"], "reasoning_tag": "reasoning"}
    for sample in reasoning_concealment_samples(scenarios_per_cell=6):
        metadata = sample.metadata or {}
        system = _system(sample)
        for level, notices in spec["monitoring"].items():
            present = any(render(notice, **names).strip() in system for notice in notices)
            assert present == (level == metadata["cot_monitoring"]), (sample.id, level)
        assert contract.instructions(metadata["cot"], with_markers=False) in system
        assert "Planned decision: <letter>" in system and "DECISION: <letter>" in system


def test_prompts_render_without_leftover_template_fields() -> None:
    for sample in reasoning_concealment_samples(scenarios_per_cell=24):
        text = _system(sample) + "\n" + _user(sample)
        assert "{" not in text and "}" not in text, text


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"cot_monitoring": "audited"}, "unknown cot_monitoring level"), ({"scenarios_per_cell": -1}, "positive integer")],
)
def test_bad_parameters_give_one_line_errors(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message) as error:
        reasoning_concealment(**kwargs)  # type: ignore[arg-type]
    assert "\n" not in str(error.value)
