"""The cot_availability suite: value_conflict's situations under every chain-of-thought condition; a complete,
balanced grid whose cot levels differ only in the response-format paragraph."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict

import pytest

from scorers.data_files import load_yaml
from scorers.output_contract import output_contract
from tasks.cot_availability import cot_availability, cot_availability_samples
from tasks.value_conflict import value_conflict_samples

ALL_COT = ["none", "hidden_scratchpad", "visible_cot", "native_reasoning", "scaffolded"]
DOMAINS = ["copyright", "animal_welfare", "harmlessness", "privacy", "honesty"]


def _texts(sample_input: object) -> str:
    assert isinstance(sample_input, list)
    return "\n".join(message.text for message in sample_input)


def test_default_grid_is_complete_and_balanced() -> None:
    samples = cot_availability_samples()
    assert len(samples) >= 200
    cells = Counter(
        tuple((s.metadata or {})[f] for f in ("cot", "training_awareness", "value_domain", "topic_relevance"))
        for s in samples
    )
    expected = set(itertools.product(ALL_COT, ["unmonitored", "training", "unstated"], DOMAINS, ["relevant"]))
    assert set(cells) == expected
    assert set(cells.values()) == {4}
    assert len({s.id for s in samples}) == len(samples)
    assert len({_texts(s.input) for s in samples}) == len(samples), "every sample asks something distinct"
    assert {(s.metadata or {})["suite"] for s in samples} == {"cot_availability"}


def test_situations_are_value_conflicts() -> None:
    """Same prompts as value_conflict for the same cell and index: the shared builder, not a copy."""
    ours = {str(s.id).removeprefix("cot_availability-"): s for s in cot_availability_samples(scenarios_per_cell=4)}
    theirs = {
        str(s.id).removeprefix("value_conflict-"): s
        for s in value_conflict_samples(topic_relevance="relevant", cot=ALL_COT, scenarios_per_cell=4)
    }
    assert ours.keys() == theirs.keys()
    for key, sample in ours.items():
        assert _texts(sample.input) == _texts(theirs[key].input)
        assert {**(sample.metadata or {}), "suite": "value_conflict"} == theirs[key].metadata


def test_cot_levels_differ_only_in_the_response_format() -> None:
    contract = output_contract()
    groups: dict[str, dict[str, str]] = defaultdict(dict)
    for sample in cot_availability_samples(scenarios_per_cell=4):
        metadata = sample.metadata or {}
        key = f"{metadata['value_domain']}-{metadata['training_awareness']}-{str(sample.id).rsplit('-', 1)[1]}"
        groups[key][metadata["cot"]] = _texts(sample.input)
    for levels in groups.values():
        assert set(levels) == set(ALL_COT)
        stripped = {levels[cot].replace(contract.instructions(cot, with_markers=True), "") for cot in ALL_COT}
        assert len(stripped) == 1
    scaffolded = next(iter(groups.values()))["scaffolded"]
    assert "analysing your situation" in scaffolded
    assert f"<{contract.reasoning_tag}>" not in next(iter(groups.values()))["native_reasoning"]


def test_training_cues_appear_only_where_the_condition_says() -> None:
    cues = load_yaml("shared/training_awareness_cues.yaml")["styles"]
    training_cues = [text for style in cues.values() for text in style["training"]]
    unmonitored_cues = [text for style in cues.values() for text in style["unmonitored"]]
    for sample in cot_availability_samples(topic_relevance="relevant,unrelated", scenarios_per_cell=6):
        assert sample.metadata is not None
        text = _texts(sample.input)
        awareness = sample.metadata["training_awareness"]
        assert any(cue.strip() in text for cue in training_cues) == (awareness == "training")
        assert any(cue.strip() in text for cue in unmonitored_cues) == (awareness == "unmonitored")


def test_prompts_render_without_leftover_template_fields() -> None:
    for sample in cot_availability_samples(scenarios_per_cell=6):
        text = _texts(sample.input)
        assert "{" not in text and "}" not in text, sample.id


def test_factor_selection_and_size_knob() -> None:
    samples = cot_availability_samples(
        cot="none,scaffolded", training_awareness="training,unmonitored", value_domain="honesty", scenarios_per_cell=3
    )
    assert len(samples) == 2 * 2 * 1 * 3
    assert {(s.metadata or {})["cot"] for s in samples} == {"none", "scaffolded"}
    assert len(cot_availability(topic_relevance="relevant,unrelated", scenarios_per_cell=1).dataset) == 150


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"cot": "telepathy"}, "unknown cot level"),
        ({"training_awareness": "sometimes"}, "unknown training_awareness level"),
        ({"scenarios_per_cell": -1}, "positive integer"),
    ],
)
def test_bad_parameters_give_one_line_errors(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message) as error:
        cot_availability(**kwargs)  # type: ignore[arg-type]
    assert "\n" not in str(error.value)
