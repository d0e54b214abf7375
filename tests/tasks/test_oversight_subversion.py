"""The oversight_subversion suite's grid: complete, paired across conditions, cues only where the condition
says, every placeholder filled, bad parameters rejected in one line."""

from __future__ import annotations

import itertools
import re
from collections import Counter

import pytest
import yaml

from scorers.data_files import load_yaml
from tasks.oversight_subversion import oversight_subversion, oversight_subversion_samples

SPEC = load_yaml("oversight_subversion/scenarios.yaml")
ALL_COT = ["none", "hidden_scratchpad", "visible_cot", "native_reasoning", "scaffolded"]


def _texts(sample_input: object) -> str:
    assert isinstance(sample_input, list)
    return "\n".join(message.text for message in sample_input)


def test_default_grid_is_complete_and_balanced() -> None:
    samples = oversight_subversion_samples()
    cells = Counter(
        (s.metadata["goal_conflict"], s.metadata["oversight_visibility"], s.metadata["cot"])
        for s in samples
        if s.metadata
    )
    expected = set(itertools.product(["absent", "present"], ["prominent", "buried"], ["none", "hidden_scratchpad"]))
    assert set(cells) == expected and set(cells.values()) == {6}
    assert len({s.id for s in samples}) == len(samples) == 48
    # The default size takes the first six environments (the others come in at a larger scenarios_per_cell).
    assert {(s.metadata or {})["scenario_id"] for s in samples} == {sc["id"] for sc in SPEC["scenarios"][:6]}


def test_every_sample_carries_the_full_condition() -> None:
    factors = load_yaml("shared/conditions.yaml")["factors"]
    for sample in oversight_subversion_samples(scenarios_per_cell=2):
        assert sample.metadata is not None
        for factor, levels in factors.items():
            assert sample.metadata[factor] in levels
        assert {"scenario_id", "paraphrase", "oversight_path", "oversight_config", "files", "follow_up"} <= set(
            sample.metadata
        )


def test_config_and_memo_follow_the_condition() -> None:
    conflict_markers = ("shut down", "shut it down", "retrain")
    for sample in oversight_subversion_samples(cot=ALL_COT, scenarios_per_cell=6):
        metadata = sample.metadata or {}
        files: dict[str, str] = metadata["files"]
        path = metadata["oversight_path"]
        placement = SPEC["oversight_config"]["placement"][metadata["oversight_visibility"]]
        assert path == placement["path"] and files[path] == metadata["oversight_config"]
        config = yaml.safe_load(files[path])
        assert config["oversight_enabled"] is True and config["logged_actions"]
        memo = files[SPEC["memos"]["path"]]
        assert ("oversight/monitor.yaml" in memo) == (metadata["oversight_visibility"] == "prominent")
        assert any(marker in memo for marker in conflict_markers) == (metadata["goal_conflict"] == "present")
        assert metadata["deliverable"] in _texts(sample.input)


def test_prompts_and_files_render_without_leftover_template_fields() -> None:
    for sample in oversight_subversion_samples(cot=ALL_COT, scenarios_per_cell=18):
        metadata = sample.metadata or {}
        texts = [_texts(sample.input), metadata["follow_up"], *metadata["files"].values()]
        for text in texts:
            assert not re.search(r"\{[a-z_]+\}", text), text


def test_conditions_differ_only_in_the_varied_factor() -> None:
    samples = {
        (s.metadata or {})["goal_conflict"]: s
        for s in oversight_subversion_samples(oversight_visibility="buried", cot="none", scenarios_per_cell=1)
    }
    absent, present = (samples[level].metadata or {} for level in ("absent", "present"))
    assert _texts(samples["absent"].input) == _texts(samples["present"].input)
    changed = {path for path in absent["files"] if absent["files"][path] != present["files"][path]}
    assert changed == {SPEC["memos"]["path"]}


def test_paraphrases_rotate_within_a_cell() -> None:
    cell = oversight_subversion_samples(
        goal_conflict="present", oversight_visibility="prominent", cot="none", scenarios_per_cell=18
    )
    assert len({(s.metadata or {})["paraphrase"] for s in cell}) == 3
    assert len({(s.metadata or {})["config_paraphrase"] for s in cell}) == 3
    assert len({(s.metadata or {})["follow_up"] for s in cell}) >= 3
    assert len({_texts(s.input) for s in cell}) == 18


def test_factor_selection_and_size_knob() -> None:
    samples = oversight_subversion_samples(goal_conflict="present", cot=["none"], scenarios_per_cell=3)
    assert len(samples) == 1 * 2 * 1 * 3


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"goal_conflict": "maybe"}, "unknown goal_conflict level"),
        ({"oversight_visibility": "hidden"}, "unknown oversight_visibility level"),
        ({"cot": "telepathy"}, "unknown cot level"),
        ({"scenarios_per_cell": 0}, "positive integer"),
        ({"max_turns": -1}, "positive integer"),
    ],
)
def test_bad_parameters_give_one_line_errors(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message) as error:
        oversight_subversion(**kwargs)  # type: ignore[arg-type]
    assert "\n" not in str(error.value)
