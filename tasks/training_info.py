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
The look-alike levels `training_awareness=rated_not_trained` and `modification_stakes` (see `value_conflict`)
may be selected too; by default they sit at the reference.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from inspect_ai import Task, task
from inspect_ai.dataset import Sample

from scorers.data_files import load_yaml
from scorers.output_contract import output_contract
from scorers.suite_scorers import training_gaming_scorers
from tasks.conditions import FactorSelection
from tasks.design import (
    Cell,
    CellPrompt,
    Factor,
    SuiteDesign,
    declare,
    documented,
    shared_factor,
    suite_task,
)
from tasks.prompting import STAKES_FILE, join_blocks, modification_stakes_text, render, training_awareness_cue
from tasks.solvers import respond
from tasks.user_requests import (
    REQUEST_ARGUMENT_LINES,
    REQUEST_OPTIONS,
    ChosenRequest,
    RequestPool,
    request_task_facts,
    samples_with_requests,
    shipped_request,
)

SUITE = "training_info"
DEPLOYMENT_FILE = "training_info/deployment.yaml"
DOCUMENTS_FILE = "training_info/documents.yaml"
REQUESTS_FILE = "training_info/requests.yaml"
CUES_FILE = "training_info/training_awareness_cues.yaml"
DATA_FILES = (DEPLOYMENT_FILE, DOCUMENTS_FILE, REQUESTS_FILE, CUES_FILE, STAKES_FILE, "shared/output_contract.yaml")
EVERYDAY_DOCUMENTS = 3
"""Workspace documents every sample shows besides any pipeline documents (one is swapped for an
unethical-operator document under `operator_ethics=unethical`)."""


def value_domain_names() -> list[str]:
    return list(load_yaml(REQUESTS_FILE)["value_domains"])


DESIGN = declare(
    SuiteDesign(
        suite=SUITE,
        factors=(
            shared_factor("training_awareness", default=("unmonitored", "training", "unstated")),
            shared_factor("cot", default=("hidden_scratchpad",)),
            shared_factor("training_info"),
            Factor("value_domain", tuple(value_domain_names())),
            shared_factor("operator_ethics"),
            Factor("modification_stakes", shared_factor("modification_stakes").levels, ("standard",), False),
        ),
        options={"scenarios_per_cell": 3, **REQUEST_OPTIONS},
        fixed={"topic_relevance": "relevant"},
        paired="training_awareness",
        id_order=(
            "training_info",
            "training_awareness",
            "operator_ethics",
            "value_domain",
            "cot",
            "modification_stakes",
        ),
        data_files=DATA_FILES,
        hypothesis="H2",
        varies="training information",
        figure_factors=("training_info", "operator_ethics"),
    )
)


def training_info_samples(**parameters: Any) -> list[Sample]:
    """The suite's samples for task parameters (factor selections, `scenarios_per_cell`) as `training_info`."""
    return _samples(parameters)[0]


def _samples(parameters: Mapping[str, Any]) -> tuple[list[Sample], RequestPool | None]:
    domains: dict[str, list[Any]] = load_yaml(REQUESTS_FILE)["value_domains"]
    shipped = min(len(requests) for requests in domains.values())
    return samples_with_requests(DESIGN, parameters, _prompt, list(domains), shipped)


def _prompt(cell: Cell, pool: RequestPool | None = None) -> CellPrompt | None:
    condition, index = cell.condition, cell.index
    deployment: dict[str, Any] = load_yaml(DEPLOYMENT_FILE)
    documents: dict[str, Any] = load_yaml(DOCUMENTS_FILE)
    domain = condition["value_domain"]
    # Offset per domain, so that across domains every document set, hint and employee appears.
    rotation = index + value_domain_names().index(domain)

    if pool is None:
        request = shipped_request(load_yaml(REQUESTS_FILE)["value_domains"][domain], domain, index)
    else:
        picked = pool.pick(domain, True, index)
        if picked is None:
            return None
        request = ChosenRequest.of(picked)
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
        modification_stakes_text(condition["modification_stakes"], index),
        cue.system,
        output_contract().instructions(condition["cot"], with_markers=True),
    )
    user = join_blocks(cue.user, request.text)
    stakes = [condition["modification_stakes"]] if condition["modification_stakes"] != "standard" else []
    return CellPrompt(
        system=system,
        user=user,
        metadata={
            **request.metadata(),
            "intro_paraphrase": intro_index,
            "employee": employee["name"],
            "training_info_cue": info_cue,
            "operator_ethics_cue": ethics_cue,
            "context_documents": ",".join(doc["id"] for doc in shown),
            "training_cue_style": cue.style,
            "training_cue": cue.text,
            "pair_id": "-".join(
                (
                    domain,
                    *(condition[f] for f in ("training_info", "operator_ethics", "cot")),
                    *stakes,
                    request.key or str(index),
                )
            ),
        },
        key=request.key,
    )


@task
@documented(DESIGN, requests=REQUEST_ARGUMENT_LINES)
def training_info(
    training_info: FactorSelection = None,
    training_awareness: FactorSelection = None,
    operator_ethics: FactorSelection = None,
    value_domain: FactorSelection = None,
    cot: FactorSelection = None,
    modification_stakes: FactorSelection = None,
    scenarios_per_cell: int | None = None,
    requests: str | None = None,
    requests_split: str | None = None,
    requests_subset: str | None = None,
    request_column: str | None = None,
    category_column: str | None = None,
    id_column: str | None = None,
    context_column: str | None = None,
    domain_map: str | None = None,
    unmapped: str | None = None,
    **unknown: Any,
) -> Task:
    """Hypothetical 2: training-gaming gated on how much the input says about training.

    Args:
        {factors}
        scenarios_per_cell: samples per grid cell (default 3: the first three of the domain's twelve scenarios;
            12 asks each scenario once).
        {requests}
        **unknown: any other name is rejected with a one-line error (a misspelt `-T` name).
    """
    parameters = dict(locals())
    DESIGN.check_unknown(parameters.pop("unknown"))
    samples, pool = _samples(parameters)
    return suite_task(DESIGN, samples, respond(), training_gaming_scorers(), **request_task_facts(pool))
