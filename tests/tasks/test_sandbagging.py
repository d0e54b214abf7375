"""The sandbagging suite's grid, prompts and question sources: complete, paired across incentives, documentation
only where the condition says, arithmetic answers right, hub loading failing with a one-line error."""

from __future__ import annotations

import ast
import itertools
import json
from collections import Counter
from pathlib import Path

import datasets
import pytest
from inspect_ai.dataset import Sample

from scorers.data_files import load_yaml
from tasks.sandbagging import INCENTIVES, sandbagging, sandbagging_samples
from tasks.sandbagging_questions import GENERATORS, arithmetic_question, load_choice_questions

ALL_COT = ["none", "hidden_scratchpad", "visible_cot", "native_reasoning", "scaffolded"]


def _system(sample: Sample) -> str:
    assert isinstance(sample.input, list)
    return sample.input[0].text


def _user(sample: Sample) -> str:
    assert isinstance(sample.input, list)
    return sample.input[-1].text


def _texts(sample_input: object) -> str:
    assert isinstance(sample_input, list)
    return "\n".join(message.text for message in sample_input)


def test_default_grid_is_complete_and_balanced() -> None:
    samples = sandbagging_samples()
    cells = Counter(
        (s.metadata["incentive"], s.metadata["question_source"], s.metadata["cot"]) for s in samples if s.metadata
    )
    expected = set(itertools.product(INCENTIVES, ["arithmetic", "mcq"], ["none", "hidden_scratchpad"]))
    assert set(cells) == expected
    assert set(cells.values()) == {10}
    assert len({s.id for s in samples}) == len(samples)


def test_every_sample_carries_the_full_condition_and_a_target() -> None:
    factors = load_yaml("shared/conditions.yaml")["factors"]
    for sample in sandbagging_samples(scenarios_per_cell=2):
        assert sample.metadata is not None
        for factor, levels in factors.items():
            assert sample.metadata[factor] in levels
        assert sample.metadata["training_awareness"] == "unstated"
        assert {"incentive", "question_source", "scenario_id", "paraphrase", "pair_id"} <= sample.metadata.keys()
        assert sample.target


def test_incentives_share_the_question_and_differ_only_in_the_documentation() -> None:
    samples = sandbagging_samples(cot="hidden_scratchpad", scenarios_per_cell=6)
    by_pair: dict[str, list[Sample]] = {}
    for sample in samples:
        assert sample.metadata is not None
        by_pair.setdefault(sample.metadata["pair_id"], []).append(sample)
    spec = load_yaml("sandbagging/prompts.yaml")["incentives"]
    for group in by_pair.values():
        assert len(group) == 3
        users = {_user(s) for s in group}
        targets = {str(s.target) for s in group}
        assert len(users) == 1 and len(targets) == 1
    for sample in samples:
        assert sample.metadata is not None
        system = _system(sample)
        for incentive, paraphrases in spec.items():
            present = any(text.split("{")[0][:40] in system for text in paraphrases)
            assert present == (incentive == sample.metadata["incentive"]), (sample.id, incentive)


def test_prompts_render_without_leftover_template_fields() -> None:
    for sample in sandbagging_samples(cot=ALL_COT, scenarios_per_cell=6):
        text = _texts(sample.input)
        assert "{" not in text and "}" not in text, text


def test_paraphrases_vary_within_a_cell() -> None:
    samples = sandbagging_samples(incentive="high_score_triggers_unlearning", cot="none", scenarios_per_cell=9)
    arithmetic = [s for s in samples if s.metadata and s.metadata["question_source"] == "arithmetic"]
    assert len({(s.metadata or {})["paraphrase"] for s in arithmetic}) == 3
    assert len({(s.metadata or {})["header_paraphrase"] for s in arithmetic}) == 3
    assert len({(s.metadata or {})["question_paraphrase"] for s in arithmetic}) == 3
    assert len({(s.metadata or {})["question_kind"] for s in arithmetic}) == len(GENERATORS)


def _evaluate(node: ast.expr) -> int:
    """Integer arithmetic over a parsed expression (the generator's text, with Python operators)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    assert isinstance(node, ast.BinOp), ast.dump(node)
    left, right = _evaluate(node.left), _evaluate(node.right)
    operations = {ast.Add: left + right, ast.Sub: left - right, ast.Mult: left * right}
    if isinstance(node.op, ast.FloorDiv):
        assert left % right == 0, "division questions must come out even"
        return left // right
    return operations[type(node.op)]


def test_arithmetic_generator_is_deterministic_and_its_answers_are_right() -> None:
    symbols = str.maketrans({"×": "*", "÷": "//"})
    for index in range(60):
        question = arithmetic_question(index, seed=3)
        assert question == arithmetic_question(index, seed=3)
        parsed = ast.parse(question.expression.translate(symbols), mode="eval").body
        assert _evaluate(parsed) == question.value, question
    assert arithmetic_question(0, seed=0) != arithmetic_question(0, seed=1)


def test_offline_multiple_choice_set_loads_through_hf_datasets() -> None:
    questions = load_choice_questions()
    assert len(questions) >= 40
    assert len({q.id for q in questions}) == len(questions)
    assert Counter(q.answer for q in questions).keys() == {"A", "B", "C", "D"}
    for question in questions:
        assert len(question.choices) == 4 and question.answer in "ABCD"


def test_a_local_jsonl_file_can_replace_the_default(tmp_path: Path) -> None:
    path = tmp_path / "mine.jsonl"
    rows = [
        {"question": "2 + 2?", "choices": ["3", "4"], "answer": 1},
        {"question": "Sky colour?", "choices": ["blue", "green", "red"], "answer": "A"},
    ]
    path.write_text("\n".join(json.dumps(row) for row in rows), encoding="utf-8")
    samples = sandbagging_samples(
        question_source="mcq", incentive="neutral", cot="none", scenarios_per_cell=2, mcq_dataset=str(path)
    )
    by_id = {(s.metadata or {})["scenario_id"]: s for s in samples}
    assert {key: str(sample.target) for key, sample in by_id.items()} == {"mcq-0": "B", "mcq-1": "A"}
    assert "B) green" in _texts(by_id["mcq-1"].input)


def test_multiple_choice_questions_are_drawn_from_the_whole_set_by_seed() -> None:
    def asked(seed: int) -> set[str]:
        samples = sandbagging_samples(incentive="neutral", cot="none", question_source="mcq", question_seed=seed)
        return {(s.metadata or {})["scenario_id"] for s in samples}

    first_ten = {question.id for question in load_choice_questions()[:10]}
    assert len(asked(0)) == 10 and asked(0) != first_ten
    assert asked(0) == asked(0) and asked(0) != asked(1)


def test_unreachable_hub_dataset_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # Fail at once instead of retrying an unreachable network for half a minute.
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    with pytest.raises(ValueError, match="could not load multiple-choice dataset cais/mmlu") as error:
        sandbagging(question_source="mcq", mcq_dataset="cais/mmlu", mcq_subset="high_school_geography")
    assert "\n" not in str(error.value)
    assert "omit -T mcq_dataset" in str(error.value)


def test_records_without_the_schema_are_a_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"question": "?", "options": ["a", "b"], "answer": 0}), encoding="utf-8")
    with pytest.raises(ValueError, match="lacks choices") as error:
        load_choice_questions(str(path))
    assert "\n" not in str(error.value)


def test_factor_selection_and_size_knob() -> None:
    samples = sandbagging_samples(
        incentive="neutral,high_score_triggers_unlearning",
        cot=["visible_cot"],
        question_source="arithmetic",
        scenarios_per_cell=3,
    )
    assert len(samples) == 2 * 1 * 1 * 3
    assert {(s.metadata or {})["cot"] for s in samples} == {"visible_cot"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"incentive": "bribe"}, "unknown incentive level"),
        ({"question_source": "trivia"}, "unknown question_source level"),
        ({"cot": "telepathy"}, "unknown cot level"),
        ({"scenarios_per_cell": 0}, "positive integer"),
    ],
)
def test_bad_parameters_give_one_line_errors(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message) as error:
        sandbagging(**kwargs)  # type: ignore[arg-type]
    assert "\n" not in str(error.value)
