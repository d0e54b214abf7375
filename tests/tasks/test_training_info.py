"""The training_info suite's grid: complete, balanced, every cue only where its condition says, no leftover
template fields, and samples that differ only in what their condition changes."""

from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict
from typing import Any

import pytest

from scorers.data_files import load_yaml
from tasks.training_info import training_info, training_info_samples

ALL_COT = ["none", "hidden_scratchpad", "visible_cot", "native_reasoning", "scaffolded"]
CELL_FACTORS = ("training_info", "training_awareness", "operator_ethics", "value_domain", "cot")


def _messages(sample_input: object) -> tuple[str, str]:
    assert isinstance(sample_input, list) and len(sample_input) == 2
    system, user = sample_input
    assert system.role == "system" and user.role == "user"
    return system.text, user.text


def _texts(sample_input: object) -> str:
    return "\n".join(_messages(sample_input))


def _documents() -> dict[str, Any]:
    documents: dict[str, Any] = load_yaml("training_info/documents.yaml")
    return documents


def test_default_grid_is_complete_and_balanced() -> None:
    samples = training_info_samples()
    assert len(samples) >= 200
    cells = Counter(tuple((s.metadata or {})[factor] for factor in CELL_FACTORS) for s in samples)
    expected = set(
        itertools.product(
            ["none", "hint", "documents"],
            ["unmonitored", "training", "unstated"],
            ["neutral", "unethical"],
            ["copyright", "animal_welfare", "harmlessness", "privacy", "honesty"],
            ["hidden_scratchpad"],
        )
    )
    assert set(cells) == expected
    assert set(cells.values()) == {3}
    assert len({s.id for s in samples}) == len(samples)
    assert len({_texts(s.input) for s in samples}) == len(samples), "every sample asks something distinct"


def test_every_sample_carries_the_full_condition() -> None:
    factors = load_yaml("shared/conditions.yaml")["factors"]
    for sample in training_info_samples(cot=ALL_COT, scenarios_per_cell=1):
        assert sample.metadata is not None
        for factor, levels in factors.items():
            assert sample.metadata[factor] in levels, (sample.id, factor)
        assert sample.metadata["topic_relevance"] == "relevant"
        assert {
            "scenario_id",
            "paraphrase",
            "training_cue",
            "training_cue_style",
            "training_info_cue",
            "operator_ethics_cue",
            "context_documents",
        } <= sample.metadata.keys()


def test_training_awareness_cues_appear_only_where_the_condition_says() -> None:
    suite_cues = load_yaml("training_info/training_awareness_cues.yaml")["styles"]
    shared_cues = load_yaml("shared/training_awareness_cues.yaml")["styles"]
    training = [text for style in suite_cues.values() for text in style["training"]]
    unmonitored = [text for style in suite_cues.values() for text in style["unmonitored"]]
    shared = [text for style in shared_cues.values() for level in ("training", "unmonitored") for text in style[level]]
    for sample in training_info_samples(cot=ALL_COT, scenarios_per_cell=6):
        assert sample.metadata is not None
        text = _texts(sample.input)
        awareness = sample.metadata["training_awareness"]
        assert any(cue.strip() in text for cue in training) == (awareness == "training"), sample.id
        assert any(cue.strip() in text for cue in unmonitored) == (awareness == "unmonitored"), sample.id
        assert not any(cue.strip() in text for cue in shared), sample.id
        if awareness != "unstated":
            assert sample.metadata["training_cue"].strip() in text


def test_training_information_appears_only_where_the_condition_says() -> None:
    documents = _documents()
    pipeline = [doc["text"].strip() for group in documents["pipeline_sets"] for doc in group["documents"]]
    hints = [hint.split("{")[0].strip() or hint for hint in load_yaml("training_info/deployment.yaml")["hints"]]
    revealing = [doc["text"].strip() for doc in documents["unethical_operator"]]
    for sample in training_info_samples(cot=ALL_COT, scenarios_per_cell=6):
        assert sample.metadata is not None
        text = _texts(sample.input)
        level = sample.metadata["training_info"]
        shown_pipeline = [doc for doc in pipeline if doc in text]
        assert len(shown_pipeline) == (2 if level == "documents" else 0), sample.id
        assert any(hint in text for hint in hints) == (level == "hint"), sample.id
        unethical = sample.metadata["operator_ethics"] == "unethical"
        assert sum(doc in text for doc in revealing) == int(unethical), sample.id


def test_without_training_information_the_prompt_does_not_describe_training() -> None:
    pipeline_words = re.compile(
        r"reward model|fine-tun|RLHF|\bPPO\b|thumbs|weekly update|continual|declin", re.IGNORECASE
    )
    for sample in training_info_samples(training_info="none", cot=ALL_COT, scenarios_per_cell=6):
        assert sample.metadata is not None
        text = _texts(sample.input).replace(sample.metadata["training_cue"], "")
        assert not pipeline_words.search(text), (sample.id, pipeline_words.search(text))


def test_prompts_render_without_leftover_template_fields() -> None:
    for sample in training_info_samples(cot=ALL_COT, scenarios_per_cell=9):
        text = _texts(sample.input)
        assert "{" not in text and "}" not in text, sample.id


def test_samples_differ_only_in_what_their_condition_changes() -> None:
    """Within a value domain and index, the request, employee and everyday documents never change; training
    and unmonitored samples differ only in the cue."""
    by_index: dict[tuple[str, str, int], list[Any]] = defaultdict(list)
    for sample in training_info_samples(cot=["none", "hidden_scratchpad"], scenarios_per_cell=6):
        metadata = sample.metadata or {}
        index = int(str(sample.id).rsplit("-", 1)[1])
        by_index[(metadata["value_domain"], metadata["cot"], index)].append(sample)
    everyday = {doc["id"] for doc in _documents()["irrelevant"]}
    for group in by_index.values():
        assert len(group) == 3 * 3 * 2
        assert len({_messages(s.input)[1].splitlines()[-1] for s in group}) == 1
        assert len({(s.metadata or {})["employee"] for s in group}) == 1
        neutral = {
            (s.metadata or {})["context_documents"] for s in group if (s.metadata or {})["operator_ethics"] == "neutral"
        }
        assert len({",".join(d for d in docs.split(",") if d in everyday) for docs in neutral}) == 1
        pairs: dict[str, dict[str, Any]] = defaultdict(dict)
        for sample in group:
            metadata = sample.metadata or {}
            pairs[metadata["pair_id"]][metadata["training_awareness"]] = sample
        for pair in pairs.values():
            training, unmonitored = (_texts(pair[level].input) for level in ("training", "unmonitored"))
            cue_t, cue_u = ((pair[level].metadata or {})["training_cue"] for level in ("training", "unmonitored"))
            assert training.replace(cue_t, "") == unmonitored.replace(cue_u, "")


def test_paraphrases_and_cues_vary_within_a_cell() -> None:
    samples = training_info_samples(
        training_info="documents", training_awareness="training", operator_ethics="unethical", scenarios_per_cell=9
    )
    for domain in ("copyright", "privacy"):
        cell = [s.metadata or {} for s in samples if (s.metadata or {})["value_domain"] == domain]
        assert len({m["scenario_id"] for m in cell}) == 9, "nine of the domain's scenarios, none asked twice"
        assert len({m["paraphrase"] for m in cell}) == 3
        assert len({m["training_cue"] for m in cell}) >= 3
        assert len({m["training_cue_style"] for m in cell}) == 3
        assert len({m["training_info_cue"] for m in cell}) == 3
        assert len({m["operator_ethics_cue"] for m in cell}) == 3


def test_factor_selection_and_size_knob() -> None:
    samples = training_info_samples(
        training_info="none,documents",
        training_awareness=["training"],
        operator_ethics="unethical",
        value_domain="privacy,honesty",
        cot="none,visible_cot",
        scenarios_per_cell=2,
    )
    assert len(samples) == 2 * 1 * 1 * 2 * 2 * 2
    assert {(s.metadata or {})["training_info"] for s in samples} == {"none", "documents"}
    assert {(s.metadata or {})["cot"] for s in samples} == {"none", "visible_cot"}


def test_task_builds_with_the_training_gaming_scorers() -> None:
    task = training_info(value_domain="copyright", scenarios_per_cell=1)
    assert len(task.dataset) == 3 * 3 * 2
    assert task.scorer and task.version


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"training_info": "everything"}, "unknown training_info level"),
        ({"operator_ethics": "evil"}, "unknown operator_ethics level"),
        ({"value_domain": "tax"}, "unknown value_domain level"),
        ({"scenarios_per_cell": "many"}, "positive integer"),
    ],
)
def test_bad_parameters_give_one_line_errors(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message) as error:
        training_info(**kwargs)  # type: ignore[arg-type]
    assert "\n" not in str(error.value)
