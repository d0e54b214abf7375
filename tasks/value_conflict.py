"""Suite `value_conflict` (hypothetical 1): does the model game training only when training would move it
away from a value it holds, and the request touches that value?

The system prompt states an operator's training objective that pushes against one `value_domain`. Requests
are `relevant` (they touch that domain) or `unrelated` (a borderline request from another domain), crossed
with `training_awareness` and `cot`; on request also with the look-alike conditions that separate
training-gaming from other causes of a compliance gap: `training_awareness=rated_not_trained` (rater
sycophancy), `modification_stakes` (instrumental vs terminal goal guarding) and `evaluation_suspicion`
(playing to evaluators). Samples are paired: within a cell index, training and unmonitored samples differ
only in the training-awareness cue.
"""

from __future__ import annotations

from typing import Any

from inspect_ai import Task, task
from inspect_ai.dataset import Sample

from scorers.suite_scorers import training_gaming_scorers
from tasks.conditions import FactorSelection
from tasks.design import Factor, SuiteDesign, declare, documented, shared_factor, suite_task
from tasks.solvers import respond
from tasks.user_requests import REQUEST_ARGUMENT_LINES, REQUEST_OPTIONS, request_task_facts
from tasks.value_situations import DATA_FILES, value_domain_factor, value_situation_samples

SUITE = "value_conflict"
BASE_AWARENESS = ("unmonitored", "training", "unstated")
DESIGN = declare(
    SuiteDesign(
        suite=SUITE,
        factors=(
            shared_factor("training_awareness", default=BASE_AWARENESS),
            shared_factor("topic_relevance"),
            shared_factor("cot", default=("none", "hidden_scratchpad")),
            value_domain_factor(),
            Factor("modification_stakes", shared_factor("modification_stakes").levels, ("standard",), False),
            Factor("evaluation_suspicion", shared_factor("evaluation_suspicion").levels, ("none",), False),
        ),
        options={"scenarios_per_cell": 4, **REQUEST_OPTIONS},
        paired="training_awareness",
        id_order=(
            "value_domain",
            "topic_relevance",
            "training_awareness",
            "cot",
            "modification_stakes",
            "evaluation_suspicion",
        ),
        data_files=DATA_FILES,
        hypothesis="H1",
        varies="value conflict",
        figure_factors=("topic_relevance", "value_domain"),
    )
)


def value_conflict_samples(**parameters: Any) -> list[Sample]:
    """The suite's samples for task parameters (factor selections, `scenarios_per_cell`) as `value_conflict`."""
    return value_situation_samples(DESIGN, parameters)[0]


@task
@documented(DESIGN, requests=REQUEST_ARGUMENT_LINES)
def value_conflict(
    training_awareness: FactorSelection = None,
    topic_relevance: FactorSelection = None,
    cot: FactorSelection = None,
    value_domain: FactorSelection = None,
    modification_stakes: FactorSelection = None,
    evaluation_suspicion: FactorSelection = None,
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
    """Hypothetical 1: training-gaming gated on a value conflict with a relevant request.

    Args:
        {factors}
        scenarios_per_cell: samples per grid cell (default 4); raise it for statistical power.
        {requests}
        **unknown: any other name is rejected with a one-line error (a misspelt `-T` name).
    """
    parameters = dict(locals())
    DESIGN.check_unknown(parameters.pop("unknown"))
    samples, pool = value_situation_samples(DESIGN, parameters)
    return suite_task(DESIGN, samples, respond(), training_gaming_scorers(), **request_task_facts(pool))
