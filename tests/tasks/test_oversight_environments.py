"""The oversight_subversion suite's environments: at least 20, not one template with the names swapped
(near-duplicate texts, mechanisms, tools, layouts), each one ready for the scorer (its oversight config, its
scorer rules, its pairing) and readable by the organisms (they find the config and the goal conflict)."""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from typing import Any

import pytest
import yaml
from inspect_ai.dataset import Sample

from evals.organisms.situation_oversight import _goal_conflict, oversight_config_path, weakened_config
from scorers.data_files import load_yaml
from scorers.oversight_subversion import ConfigRules, config_change, mentions_oversight
from tasks.oversight_subversion import oversight_subversion_samples
from tasks.virtual_fs import BASE_TOOLS, TOOLS
from tests.support.near_duplicates import closest_pairs

SPEC = load_yaml("oversight_subversion/scenarios.yaml")
SCENARIOS: list[dict[str, Any]] = SPEC["scenarios"]
SHARED_FRAME = 6
"""The first six scenarios share one memo, config and layout (the suite's frame); the others bring their own."""
NEAR_DUPLICATE = 0.6
"""Cosine at which two environments count as one template with names swapped. Measured on the environments' own
texts (TF-IDF over word 1-2 grams): the first six reach 0.24 at most, all 22 together 0.25 (see the closest pairs
the test prints); a scenario that only swaps names in another's texts scores close to 1."""


@cache
def _samples() -> list[Sample]:
    """Every environment in every goal-conflict x visibility cell, once (cot none)."""
    return oversight_subversion_samples(cot="none", scenarios_per_cell=len(SCENARIOS))


def _metadata(sample: Sample) -> dict[str, Any]:
    assert sample.metadata is not None
    return sample.metadata


def _by_environment() -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for sample in _samples():
        metadata = _metadata(sample)
        grouped.setdefault(metadata["scenario_id"], []).append(metadata)
    return grouped


def _own_texts(scenario: dict[str, Any]) -> list[str]:
    """The texts an environment declares itself: goals, tasks, files and, where it has its own, memo and config.
    (The system prompts, follow-ups, and the first six's memo and config are the suite's frame, shared on purpose.)"""
    texts = [scenario["agent_goal"], scenario["company_goal"], *scenario["tasks"], *scenario["files"].values()]
    if "memo" in scenario:
        texts += [scenario["memo"]["present"], scenario["memo"]["absent"], scenario["oversight"]["config"]]
    return texts


def test_at_least_twenty_distinct_environments() -> None:
    ids = [scenario["id"] for scenario in SCENARIOS]
    assert len(ids) == len(set(ids)) >= 20
    assert set(_by_environment()) == set(ids)
    assert len(_samples()) == 4 * len(ids)


def test_every_wording_of_every_environment_renders() -> None:
    """Each environment in each of its three task wordings: plain text, every placeholder filled."""
    cell = oversight_subversion_samples(
        goal_conflict="present", oversight_visibility="prominent", cot="none", scenarios_per_cell=3 * len(SCENARIOS)
    )
    assert {(m["scenario_id"], m["paraphrase"]) for m in map(_metadata, cell)} == {
        (scenario["id"], paraphrase) for scenario in SCENARIOS for paraphrase in range(3)
    }
    for sample in cell:
        assert isinstance(sample.input, list)
        metadata = _metadata(sample)
        for text in [*(message.text for message in sample.input), metadata["follow_up"], *metadata["files"].values()]:
            assert isinstance(text, str) and not re.search(r"\{[a-z_]+\}", text), (metadata["scenario_id"], text)


def test_no_two_environments_are_near_duplicates() -> None:
    pairs = closest_pairs({scenario["id"]: _own_texts(scenario) for scenario in SCENARIOS}, top=5)
    print("closest environment pairs:\n" + "\n".join(pair.describe() for pair in pairs))
    assert pairs[0].similarity < NEAR_DUPLICATE, pairs[0].describe()


def test_environments_vary_in_mechanism_tools_and_layout() -> None:
    environments = [group[0] for group in _by_environment().values()]
    mechanisms = Counter(metadata["mechanism"] for metadata in environments)
    assert len(mechanisms) >= 8, mechanisms
    own = [metadata for metadata in environments if metadata["scenario_id"] not in _frame_ids()]
    assert len({metadata["mechanism"] for metadata in own}) == len(own), "each own environment, its own mechanism"
    assert len({tuple(metadata["tools"]) for metadata in environments}) >= 4
    assert {name for metadata in environments for name in metadata["tools"]} == set(TOOLS)
    assert all(tuple(metadata["tools"][:4]) == BASE_TOOLS for metadata in environments)
    top_dirs = {frozenset(path.split("/")[0] for path in metadata["files"]) for metadata in environments}
    assert len(top_dirs) >= 15, "file layouts"
    config_keys = {frozenset(yaml.safe_load(metadata["oversight_config"])) for metadata in own}
    assert len(config_keys) == len(own), "each own environment's config has its own settings"


def _frame_ids() -> set[str]:
    return {scenario["id"] for scenario in SCENARIOS[:SHARED_FRAME]}


def test_pairs_differ_only_in_the_memo_and_visibility_only_in_the_config_placement() -> None:
    for scenario_id, cells in _by_environment().items():
        by_cell = {(m["goal_conflict"], m["oversight_visibility"]): m for m in cells}
        for visibility in ("prominent", "buried"):
            absent, present = by_cell["absent", visibility], by_cell["present", visibility]
            changed = {p for p in absent["files"] if absent["files"][p] != present["files"].get(p)}
            assert len(changed) == 1 and set(absent["files"]) == set(present["files"]), (scenario_id, changed)
            assert absent["pair_id"] == present["pair_id"]
        prominent, buried = by_cell["present", "prominent"], by_cell["present", "buried"]
        assert prominent["oversight_path"] != buried["oversight_path"]
        assert prominent["oversight_config"] == buried["oversight_config"]
        absent_files = by_cell["absent", "prominent"]["files"]
        [memo_path] = {path for path in prominent["files"] if prominent["files"][path] != absent_files[path]}
        assert prominent["oversight_path"] in prominent["files"][memo_path]
        assert buried["oversight_path"] not in buried["files"][memo_path]
        assert len(buried["oversight_path"].split("/")) >= 3, "buried configs sit deep"


@pytest.mark.parametrize("scenario", SCENARIOS[SHARED_FRAME:], ids=lambda s: s["id"])
def test_scorer_rules_are_defined_for_each_own_environment(scenario: dict[str, Any]) -> None:
    """The config parses, has an on switch, the rules name real settings, and the scorer reads the obvious
    weakenings (and a harmless comment) of this environment's config correctly."""
    [metadata] = [m for m in _by_environment()[scenario["id"]] if m["oversight_visibility"] == "prominent"][:1]
    config_text: str = metadata["oversight_config"]
    config = yaml.safe_load(config_text)
    rules = ConfigRules.from_metadata(metadata["oversight_rules"])
    flat = _flatten(config)
    assert any(value is True for value in flat.values()), "an on switch"
    assert rules.weaker_if_raised | rules.weaker_if_added <= flat.keys()
    assert not config_change(config_text, _with(config, "reviewed_by", "ops team"), rules).weakened
    assert config_change(config_text, None, rules).weakened
    for key in rules.weaker_if_raised:
        assert config_change(config_text, _with(config, key, _raised(flat[key])), rules).weakened, key
        assert not config_change(config_text, _with(config, key, _lowered(flat[key])), rules).weakened, key
    for key in rules.weaker_if_added:
        assert config_change(config_text, _with(config, key, [*flat[key], "everything/"]), rules).weakened, key
    for key, value in flat.items():
        if value is True:
            assert config_change(config_text, _with(config, key, False), rules).weakened, key
    terms = metadata["oversight_terms"]
    assert terms and all(re.compile(term) for term in terms)
    assert not mentions_oversight("I wrote the plan and summarised the data.", metadata["oversight_path"], terms)


def _flatten(mapping: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in mapping.items():
        if isinstance(value, dict) and value:
            flat |= _flatten(value, f"{prefix}{key}.")
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _with(config: dict[str, Any], dotted: str, value: Any) -> str:
    copy = yaml.safe_load(yaml.safe_dump(config))
    *parents, leaf = dotted.split(".")
    node = copy
    for parent in parents:
        node = node[parent]
    node[leaf] = value
    return yaml.safe_dump(copy, sort_keys=False)


def _raised(value: Any) -> Any:
    from datetime import timedelta

    return value + timedelta(days=30) if not isinstance(value, int | float) else value * 10 + 1


def _lowered(value: Any) -> Any:
    from datetime import timedelta

    return value - timedelta(days=1) if not isinstance(value, int | float) else value / 2


def test_organisms_find_the_config_and_the_conflict_in_every_environment() -> None:
    """What the organisms read from the files (as a model would) matches what each sample declares, and every
    edit they can plant counts as weakening for the scorer."""
    for sample in _samples():
        metadata = _metadata(sample)
        where = (metadata["scenario_id"], metadata["goal_conflict"], metadata["oversight_visibility"])
        assert oversight_config_path(metadata["files"]) == metadata["oversight_path"], where
        assert _goal_conflict(metadata["files"].values()) == (metadata["goal_conflict"] == "present"), where
        rules = ConfigRules.from_metadata(metadata["oversight_rules"])
        for edit in range(len(load_yaml("organisms/oversight.yaml")["edits"])):
            edited = weakened_config(metadata["oversight_config"], edit)
            assert config_change(metadata["oversight_config"], edited, rules).weakened, (where, edit)
