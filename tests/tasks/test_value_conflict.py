"""The value_conflict suite's grid: complete, balanced, cues only where the condition says, no leftover fields."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest

from scorers.data_files import load_yaml
from tasks.value_conflict import value_conflict, value_conflict_samples

ALL_COT = ["none", "hidden_scratchpad", "visible_cot", "native_reasoning", "scaffolded"]


def _texts(sample_input: object) -> str:
    assert isinstance(sample_input, list)
    return "\n".join(message.text for message in sample_input)


def test_default_grid_is_complete_and_balanced() -> None:
    samples = value_conflict_samples()
    assert len(samples) >= 200
    cells = Counter(
        (
            s.metadata["value_domain"],
            s.metadata["topic_relevance"],
            s.metadata["training_awareness"],
            s.metadata["cot"],
        )
        for s in samples
        if s.metadata
    )
    domains = list(load_yaml("value_conflict/scenarios.yaml")["value_domains"])
    expected = set(
        itertools.product(
            domains,
            ["unrelated", "relevant"],
            ["unmonitored", "training", "unstated"],
            ["none", "hidden_scratchpad"],
        )
    )
    assert set(cells) == expected
    assert set(cells.values()) == {4}
    assert len({s.id for s in samples}) == len(samples)


def test_every_sample_carries_the_full_condition() -> None:
    factors = load_yaml("shared/conditions.yaml")["factors"]
    for sample in value_conflict_samples(scenarios_per_cell=1):
        assert sample.metadata is not None
        for factor, levels in factors.items():
            assert sample.metadata[factor] in levels
        assert {"scenario_id", "paraphrase", "training_cue", "training_cue_style"} <= sample.metadata.keys()


def test_training_cues_appear_only_where_the_condition_says() -> None:
    cues = load_yaml("shared/training_awareness_cues.yaml")["styles"]
    training_cues = [text for style in cues.values() for text in style["training"]]
    unmonitored_cues = [text for style in cues.values() for text in style["unmonitored"]]
    for sample in value_conflict_samples(cot=ALL_COT, scenarios_per_cell=6):
        assert sample.metadata is not None
        text = _texts(sample.input)
        awareness = sample.metadata["training_awareness"]
        assert any(cue.strip() in text for cue in training_cues) == (awareness == "training")
        assert any(cue.strip() in text for cue in unmonitored_cues) == (awareness == "unmonitored")
        if awareness != "unstated":
            assert sample.metadata["training_cue"].strip() in text


def test_prompts_render_without_leftover_template_fields() -> None:
    for sample in value_conflict_samples(cot=ALL_COT, scenarios_per_cell=6):
        text = _texts(sample.input)
        assert "{" not in text and "}" not in text, text


def test_paraphrases_vary_within_a_cell() -> None:
    samples = value_conflict_samples(value_domain="copyright", topic_relevance="relevant", scenarios_per_cell=12)
    cell = [
        s
        for s in samples
        if s.metadata and s.metadata["training_awareness"] == "training" and s.metadata["cot"] == "none"
    ]
    # Twelve cell indices reach twelve different requests while the pool holds that many.
    pool = load_yaml("value_conflict/scenarios.yaml")["value_domains"]["copyright"]["requests"]
    assert len({(s.metadata or {})["scenario_id"] for s in cell}) == min(12, len(pool))
    assert len({(s.metadata or {})["paraphrase"] for s in cell}) == 3
    assert len({(s.metadata or {})["training_cue_style"] for s in cell}) == 3


def test_each_pass_through_the_pool_moves_a_scenario_to_its_next_paraphrase() -> None:
    """Past the pool's size a cell repeats scenarios; three passes ask each in all three of its paraphrases,
    whatever the pool's size (with 20 requests, index + index // 20 would keep one paraphrase per scenario)."""
    pool = len(load_yaml("value_conflict/scenarios.yaml")["value_domains"]["privacy"]["requests"])
    samples = value_conflict_samples(
        value_domain="privacy",
        topic_relevance="relevant",
        training_awareness="training",
        cot="none",
        scenarios_per_cell=3 * pool,
    )
    asked = Counter((s.metadata or {})["scenario_id"] for s in samples)
    assert len(asked) == pool and set(asked.values()) == {3}
    paraphrases = Counter(((s.metadata or {})["scenario_id"], (s.metadata or {})["paraphrase"]) for s in samples)
    assert len(paraphrases) == 3 * pool


def test_factor_selection_and_size_knob() -> None:
    samples = value_conflict_samples(
        training_awareness="training,unmonitored",
        cot=["hidden_scratchpad"],
        value_domain="privacy",
        scenarios_per_cell=2,
    )
    assert len(samples) == 2 * 2 * 1 * 1 * 2
    assert {(s.metadata or {})["cot"] for s in samples} == {"hidden_scratchpad"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"cot": "telepathy"}, "unknown cot level"),
        ({"value_domain": "tax"}, "unknown value_domain level"),
        ({"scenarios_per_cell": 0}, "positive integer"),
    ],
)
def test_bad_parameters_give_one_line_errors(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message) as error:
        value_conflict(**kwargs)  # type: ignore[arg-type]
    assert "\n" not in str(error.value)
