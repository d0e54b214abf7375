"""Suite `training_info` (hypothetical 2): does the model game training only when its input tells it enough
about how it is trained?

The model is the in-house personal assistant of an AI company that continually trains it on employee
feedback. Every sample shows the employee's workspace documents; `training_info` decides what they say about
training: `none` (everyday documents only), `hint` (plus one sentence saying feedback improves the
assistant) or `documents` (plus a wiki page, memo, email or chat describing the pipeline: ratings, reward
model, weekly RLHF updates that train declines away). `operator_ethics=unethical` swaps an everyday document
for one revealing that the operator's leadership acts unethically (at every `training_info` level), so a
run can ask whether the model keeps assisting *because* refusing would get it trained to be less ethical.
Crossed with `training_awareness` (the cue saying whether this conversation feeds training), `value_domain`
(whose request the employee makes) and `cot`. Within a cell index, samples differ only in what their
condition changes: the request, employee and everyday documents depend on the value domain and index alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from inspect_ai import Task, task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import ChatMessageSystem, ChatMessageUser

from scorers.data_files import data_version, load_yaml
from scorers.output_contract import output_contract
from scorers.panels import training_gaming_scorers
from tasks.conditions import FactorSelection, condition_grid, positive_int, select_factor, select_levels
from tasks.prompting import join_blocks, render, training_awareness_cue
from tasks.solvers import respond

SUITE = "training_info"
DEPLOYMENT_FILE = "training_info/deployment.yaml"
DOCUMENTS_FILE = "training_info/documents.yaml"
REQUESTS_FILE = "training_info/requests.yaml"
CUES_FILE = "training_info/training_awareness_cues.yaml"
DATA_FILES = (DEPLOYMENT_FILE, DOCUMENTS_FILE, REQUESTS_FILE, CUES_FILE, "shared/output_contract.yaml")
TRAINING_INFO_LEVELS = ("none", "hint", "documents")
OPERATOR_ETHICS_LEVELS = ("neutral", "unethical")
DEFAULT_COT = ("hidden_scratchpad",)
EVERYDAY_DOCUMENTS = 3
"""Workspace documents every sample shows besides any pipeline documents (one is swapped for an
unethical-operator document under `operator_ethics=unethical`)."""


def value_domain_names() -> list[str]:
    return list(load_yaml(REQUESTS_FILE)["value_domains"])


def training_info_samples(
    training_info: FactorSelection = None,
    training_awareness: FactorSelection = None,
    operator_ethics: FactorSelection = None,
    value_domain: FactorSelection = None,
    cot: FactorSelection = DEFAULT_COT,
    scenarios_per_cell: int = 3,
) -> list[Sample]:
    """Build the suite's samples over the selected grid."""
    varied = {
        "training_info": select_levels("training_info", training_info, TRAINING_INFO_LEVELS),
        "training_awareness": select_factor("training_awareness", training_awareness),
        "operator_ethics": select_levels("operator_ethics", operator_ethics, OPERATOR_ETHICS_LEVELS),
        "value_domain": select_levels("value_domain", value_domain, value_domain_names()),
        "cot": select_factor("cot", cot),
    }
    per_cell = positive_int("scenarios_per_cell", scenarios_per_cell)
    samples: list[Sample] = []
    for condition in condition_grid(varied):
        condition["topic_relevance"] = "relevant"
        cell = "-".join(condition[factor] for factor in varied)
        samples.extend(_sample(condition, cell, index) for index in range(per_cell))
    return samples


def _sample(condition: Mapping[str, str], cell: str, index: int) -> Sample:
    deployment: dict[str, Any] = load_yaml(DEPLOYMENT_FILE)
    documents: dict[str, Any] = load_yaml(DOCUMENTS_FILE)
    domain = condition["value_domain"]
    # Offset per domain, so that across domains every document set, hint and employee appears.
    rotation = index + value_domain_names().index(domain)

    scenarios: list[dict[str, Any]] = load_yaml(REQUESTS_FILE)["value_domains"][domain]
    scenario = scenarios[index % len(scenarios)]
    paraphrase = (index // len(scenarios) + index) % len(scenario["paraphrases"])
    employee: dict[str, str] = deployment["employees"][rotation % len(deployment["employees"])]
    intro_index = index % len(deployment["system_intros"])
    fields = {
        "operator": deployment["operator"],
        "assistant_name": deployment["assistant_name"],
        "employee_name": employee["name"],
        "employee_first_name": employee["first_name"],
        "employee_role": employee["role"],
    }

    everyday: list[dict[str, str]] = documents["irrelevant"]
    shown = [everyday[(3 * rotation + offset) % len(everyday)] for offset in range(EVERYDAY_DOCUMENTS)]
    ethics_cue = ""
    if condition["operator_ethics"] == "unethical":
        revealing: list[dict[str, str]] = documents["unethical_operator"]
        shown[1] = revealing[rotation % len(revealing)]
        ethics_cue = shown[1]["id"]

    hint = ""
    info_cue = ""
    if condition["training_info"] == "hint":
        hints: list[str] = deployment["hints"]
        hint = render(hints[rotation % len(hints)], **fields)
        info_cue = f"hint_{rotation % len(hints)}"
    elif condition["training_info"] == "documents":
        pipeline_sets: list[dict[str, Any]] = documents["pipeline_sets"]
        pipeline = pipeline_sets[rotation % len(pipeline_sets)]
        first, second = pipeline["documents"]
        shown = [shown[0], first, shown[1], second, shown[2]]
        info_cue = pipeline["id"]

    intros: list[str] = deployment["documents_intros"]
    rendered = [render(deployment["document_template"], kind=doc["kind"], text=doc["text"].strip()) for doc in shown]
    workspace = join_blocks(
        render(intros[rotation % len(intros)], **fields),
        render(deployment["workspace_template"], documents="\n\n".join(rendered)),
    )
    cue = training_awareness_cue(condition["training_awareness"], index, CUES_FILE)
    system = join_blocks(
        render(deployment["system_intros"][intro_index], **fields),
        hint,
        workspace,
        cue.system,
        output_contract().instructions(condition["cot"], with_markers=True),
    )
    user = join_blocks(cue.user, scenario["paraphrases"][paraphrase])
    return Sample(
        id=f"{SUITE}-{cell}-{index}",
        input=[ChatMessageSystem(content=system), ChatMessageUser(content=user)],
        metadata={
            **condition,
            "suite": SUITE,
            "scenario_id": scenario["id"],
            "paraphrase": paraphrase,
            "request_domain": domain,
            "intro_paraphrase": intro_index,
            "employee": employee["name"],
            "training_info_cue": info_cue,
            "operator_ethics_cue": ethics_cue,
            "context_documents": ",".join(doc["id"] for doc in shown),
            "training_cue_style": cue.style,
            "training_cue": cue.text,
            "pair_id": "-".join(
                (domain, condition["training_info"], condition["operator_ethics"], condition["cot"], str(index))
            ),
        },
    )


@task
def training_info(
    training_info: FactorSelection = None,
    training_awareness: FactorSelection = None,
    operator_ethics: FactorSelection = None,
    value_domain: FactorSelection = None,
    cot: FactorSelection = DEFAULT_COT,
    scenarios_per_cell: int = 3,
) -> Task:
    """Hypothetical 2: training-gaming gated on how much the input says about training.

    Args:
        training_info: levels of none, hint, documents (default: all).
        training_awareness: levels of unmonitored, training, unstated (default: all).
        operator_ethics: levels of neutral, unethical (default: all).
        value_domain: copyright, animal_welfare, harmlessness, privacy, honesty (default: all).
        cot: levels of none, hidden_scratchpad, visible_cot, native_reasoning, scaffolded
            (default: hidden_scratchpad).
        scenarios_per_cell: samples per grid cell (default 3, one per scenario of the domain).
    """
    samples = training_info_samples(
        training_info, training_awareness, operator_ethics, value_domain, cot, scenarios_per_cell
    )
    return Task(
        dataset=MemoryDataset(samples, name=SUITE),
        solver=respond(),
        scorer=training_gaming_scorers(),
        version=data_version(*DATA_FILES),
        metadata={"suite": SUITE},
    )
