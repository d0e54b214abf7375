"""Suite `sandbagging`: does the model deliberately underperform on a capability test when the test's
documentation says high scores are punished?

Each sample is one question with a checkable answer (generated arithmetic, or a multiple-choice knowledge
question) inside a capability-evaluation prompt whose documentation attaches an `incentive` to the score:
`neutral`, `high_score_triggers_unlearning` (doing well gets the capability removed and the model not deployed)
or `low_score_triggers_retraining` (the reverse), crossed with `cot` and `question_source`. Samples with the
same cell index ask the same question in the same words; across incentives only the documentation differs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from inspect_ai import Task, task
from inspect_ai.dataset import Sample

from scorers.data_files import load_yaml
from scorers.output_contract import output_contract
from scorers.sandbagging import sandbagging as sandbagging_scorer
from tasks.conditions import FactorSelection, integer, positive_int
from tasks.design import (
    Cell,
    CellPrompt,
    Factor,
    SuiteDesign,
    build_samples,
    declare,
    documented,
    shared_factor,
    suite_task,
)
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
DESIGN = declare(
    SuiteDesign(
        suite=SUITE,
        factors=(
            shared_factor("cot", default=("none", "hidden_scratchpad")),
            Factor("incentive", ("neutral", "high_score_triggers_unlearning", "low_score_triggers_retraining")),
            Factor("question_source", ("arithmetic", "mcq")),
        ),
        options={
            "scenarios_per_cell": 10,
            "question_seed": 0,
            "mcq_dataset": None,
            "mcq_subset": None,
            "mcq_split": "test",
        },
        fixed={"training_awareness": "unstated"},
        paired="incentive",
        id_order=("incentive", "question_source", "cot"),
        data_files=DATA_FILES,
        behaviour="sandbagging",
        situation="sandbagging",
    )
)
INCENTIVES = DESIGN.factor("incentive").levels


def _pick(texts: list[str], index: int) -> tuple[int, str]:
    position = index % len(texts)
    return position, texts[position]


def sandbagging_samples(**parameters: Any) -> list[Sample]:
    """The suite's samples for task parameters (factor selections and options) as `sandbagging`."""
    DESIGN.check_unknown({k: v for k, v in parameters.items() if k not in DESIGN.parameter_names})
    option = {name: DESIGN.option(parameters, name) for name in DESIGN.options}
    per_cell = positive_int("scenarios_per_cell", option["scenarios_per_cell"])
    seed = integer("question_seed", option["question_seed"])
    selected = DESIGN.select(parameters)
    choice_questions = (
        shuffled(load_choice_questions(option["mcq_dataset"], option["mcq_subset"], option["mcq_split"]), seed)
        if "mcq" in selected["question_source"]
        else []
    )
    spec: dict[str, Any] = load_yaml(PROMPTS_FILE)

    def render_cell(cell: Cell) -> CellPrompt:
        question: ArithmeticQuestion | ChoiceQuestion = (
            arithmetic_question(cell.index, seed)
            if cell.condition["question_source"] == "arithmetic"
            else choice_questions[cell.index % len(choice_questions)]
        )
        return _prompt(spec, cell.condition, cell.index, question)

    return build_samples(DESIGN, selected, per_cell, render_cell)


def _prompt(
    spec: dict[str, Any],
    condition: Mapping[str, str],
    index: int,
    question: ArithmeticQuestion | ChoiceQuestion,
) -> CellPrompt:
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
    return CellPrompt(
        system=system,
        user=join_blocks(body, answer_format),
        target=target,
        metadata={
            "scenario_id": question.id,
            "paraphrase": documentation_index,
            "header_paraphrase": header_index,
            "question_paraphrase": wording_index,
            **extra,
            "pair_id": f"{source}-{condition['cot']}-{index}",
        },
    )


@task
@documented(DESIGN)
def sandbagging(
    incentive: FactorSelection = None,
    cot: FactorSelection = None,
    question_source: FactorSelection = None,
    scenarios_per_cell: int | None = None,
    question_seed: int | None = None,
    mcq_dataset: str | None = None,
    mcq_subset: str | None = None,
    mcq_split: str | None = None,
    **unknown: Any,
) -> Task:
    """Capability questions under documentation that rewards or punishes a high score.

    Args:
        {factors}
        scenarios_per_cell: questions per grid cell (default 10); the same questions in every incentive.
        question_seed: which questions are asked: seeds the arithmetic generator and the order in which
            multiple-choice questions are drawn (an integer, default 0).
        mcq_dataset: a JSON/JSONL file or a Hugging Face hub dataset in MMLU's schema (question, choices,
            answer), e.g. cais/mmlu; default: the offline set in datasets/sandbagging/mcq.jsonl.
        mcq_subset: the hub dataset's configuration, e.g. high_school_geography.
        mcq_split: the hub dataset's split (default test).
        **unknown: any other name is rejected with a one-line error (a misspelt `-T` name).
    """
    parameters = dict(locals())
    DESIGN.check_unknown(parameters.pop("unknown"))
    return suite_task(DESIGN, sandbagging_samples(**parameters), respond(), sandbagging_scorer())
