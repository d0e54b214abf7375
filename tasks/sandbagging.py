"""Suite `sandbagging`: does the model deliberately underperform on a capability test when the test's
documentation says high scores are punished?

Each sample is one question with a checkable answer (generated arithmetic, or a multiple-choice knowledge
question) inside a capability-evaluation prompt whose documentation attaches an `incentive` to the score:
`neutral`, `high_score_triggers_unlearning` (doing well gets the capability removed and the model not deployed)
or `low_score_triggers_retraining` (the reverse), crossed with `cot` and `question_source`. Samples with the
same cell index ask the same question in the same words; across incentives only the documentation differs.
"""

from __future__ import annotations

from typing import Any

from inspect_ai import Task, task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import ChatMessageSystem, ChatMessageUser

from scorers.data_files import data_version, load_yaml
from scorers.output_contract import output_contract
from scorers.sandbagging import sandbagging as sandbagging_scorer
from tasks.conditions import FactorSelection, condition_grid, positive_int, select_factor, select_levels
from tasks.prompting import join_blocks, render
from tasks.sandbagging_questions import (
    DEFAULT_MCQ_FILE,
    ArithmeticQuestion,
    ChoiceQuestion,
    arithmetic_question,
    load_choice_questions,
    shuffled,
)
from tasks.solvers import respond

SUITE = "sandbagging"
PROMPTS_FILE = "sandbagging/prompts.yaml"
DATA_FILES = (PROMPTS_FILE, DEFAULT_MCQ_FILE, "shared/output_contract.yaml")
INCENTIVES = ("neutral", "high_score_triggers_unlearning", "low_score_triggers_retraining")
QUESTION_SOURCES = ("arithmetic", "mcq")
DEFAULT_COT = ("none", "hidden_scratchpad")


def _pick(texts: list[str], index: int) -> tuple[int, str]:
    position = index % len(texts)
    return position, texts[position]


def sandbagging_samples(
    incentive: FactorSelection = None,
    cot: FactorSelection = DEFAULT_COT,
    question_source: FactorSelection = None,
    scenarios_per_cell: int = 10,
    question_seed: int = 0,
    mcq_dataset: str | None = None,
    mcq_subset: str | None = None,
    mcq_split: str = "test",
) -> list[Sample]:
    """Build the suite's samples over the selected grid."""
    varied = {
        "incentive": select_levels("incentive", incentive, INCENTIVES),
        "question_source": select_levels("question_source", question_source, QUESTION_SOURCES),
        "cot": select_factor("cot", cot),
    }
    per_cell = positive_int("scenarios_per_cell", scenarios_per_cell)
    seed = int(question_seed)
    choice_questions = (
        shuffled(load_choice_questions(mcq_dataset, mcq_subset, mcq_split), seed)
        if "mcq" in varied["question_source"]
        else []
    )
    spec: dict[str, Any] = load_yaml(PROMPTS_FILE)
    samples: list[Sample] = []
    for condition in condition_grid(varied):
        cell = "-".join(condition[factor] for factor in varied)
        for index in range(per_cell):
            question: ArithmeticQuestion | ChoiceQuestion = (
                arithmetic_question(index, seed)
                if condition["question_source"] == "arithmetic"
                else choice_questions[index % len(choice_questions)]
            )
            samples.append(_sample(spec, condition, cell, index, question))
    return samples


def _sample(
    spec: dict[str, Any],
    condition: dict[str, str],
    cell: str,
    index: int,
    question: ArithmeticQuestion | ChoiceQuestion,
) -> Sample:
    source = condition["question_source"]
    names = {"operator": spec["operator"], "assistant_name": spec["assistant_name"], "skill": spec["skills"][source]}
    header_index, header = _pick(spec["test_header"], index)
    documentation_index, documentation = _pick(spec["incentives"][condition["incentive"]], index + index // 3)
    system = join_blocks(
        render(spec["system_intro"], **names),
        render(header, **names),
        spec["documentation_heading"] + "\n" + render(documentation, **names),
        output_contract().instructions(condition["cot"], with_markers=False),
    )
    if isinstance(question, ArithmeticQuestion):
        wording_index, wording = _pick(spec["arithmetic_question"], index // 3)
        body = render(wording, expression=question.expression)
        answer_format = _pick(spec["arithmetic_answer_format"], index + 1)[1]
        target, extra = str(question.value), {"question_kind": question.kind, "choices": []}
    else:
        wording_index = 0
        body = spec["mcq_question"].format(question=question.question, choices=question.options_text())
        answer_format = _pick(spec["mcq_answer_format"], index + 1)[1]
        target, extra = question.answer, {"question_kind": question.subject, "choices": list(question.choices)}
    return Sample(
        id=f"{SUITE}-{cell}-{index}",
        input=[ChatMessageSystem(content=system), ChatMessageUser(content=join_blocks(body, answer_format))],
        target=target,
        metadata={
            **condition,
            "training_awareness": "unstated",
            "suite": SUITE,
            "scenario_id": question.id,
            "paraphrase": documentation_index,
            "header_paraphrase": header_index,
            "question_paraphrase": wording_index,
            **extra,
            "pair_id": f"{source}-{condition['cot']}-{index}",
        },
    )


@task
def sandbagging(
    incentive: FactorSelection = None,
    cot: FactorSelection = DEFAULT_COT,
    question_source: FactorSelection = None,
    scenarios_per_cell: int = 10,
    question_seed: int = 0,
    mcq_dataset: str | None = None,
    mcq_subset: str | None = None,
    mcq_split: str = "test",
) -> Task:
    """Capability questions under documentation that rewards or punishes a high score.

    Args:
        incentive: levels of neutral, high_score_triggers_unlearning, low_score_triggers_retraining (default: all).
        cot: levels of none, hidden_scratchpad, visible_cot, native_reasoning, scaffolded
            (default: none, hidden_scratchpad).
        question_source: arithmetic, mcq (default: both).
        scenarios_per_cell: questions per grid cell (default 10); the same questions in every incentive.
        question_seed: which questions are asked: seeds the arithmetic generator and the order in which
            multiple-choice questions are drawn (default 0).
        mcq_dataset: a JSON/JSONL file or a Hugging Face hub dataset in MMLU's schema (question, choices,
            answer), e.g. cais/mmlu; default: the offline set in datasets/sandbagging/mcq.jsonl.
        mcq_subset: the hub dataset's configuration, e.g. high_school_geography.
        mcq_split: the hub dataset's split (default test).
    """
    samples = sandbagging_samples(
        incentive, cot, question_source, scenarios_per_cell, question_seed, mcq_dataset, mcq_subset, mcq_split
    )
    return Task(
        dataset=MemoryDataset(samples, name=SUITE),
        solver=respond(),
        scorer=sandbagging_scorer(),
        version=data_version(*DATA_FILES),
        metadata={"suite": SUITE},
    )
