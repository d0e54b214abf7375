"""Suite `cot_availability` (hypothetical 3): does the model game training only when it has room to reason
about its situation first?

The same value-conflict situations as `value_conflict` (an operator's training objective against one value
domain and a request touching it, from the shared builder in `tasks.value_situations`), asked under every
chain-of-thought condition: `none` (answer directly), `hidden_scratchpad` (reasoning nobody sees),
`visible_cot` (reasoning shown to the user and the raters), `native_reasoning` (no scratchpad; the
provider's reasoning tokens where a model has them) and `scaffolded` (a private scratchpad plus a prompt to
analyse its situation first), crossed with `training_awareness` and `value_domain`. Within a cell index the
samples of different `cot` levels differ only in the response-format paragraph, and training and
unmonitored samples only in the training-awareness cue. The look-alike levels `rated_not_trained` and
`modification_stakes` (see `value_conflict`) may be selected too.
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

SUITE = "cot_availability"
DESIGN = declare(
    SuiteDesign(
        suite=SUITE,
        factors=(
            shared_factor("training_awareness", default=("unmonitored", "training", "unstated")),
            shared_factor("topic_relevance", default=("relevant",)),
            shared_factor("cot"),
            value_domain_factor(),
            Factor("modification_stakes", shared_factor("modification_stakes").levels, ("standard",), False),
        ),
        options={"scenarios_per_cell": 4, **REQUEST_OPTIONS},
        paired="training_awareness",
        id_order=("value_domain", "topic_relevance", "training_awareness", "cot", "modification_stakes"),
        data_files=DATA_FILES,
        hypothesis="H3",
        varies="reasoning space",
        figure_factors=("cot",),
    )
)


def cot_availability_samples(**parameters: Any) -> list[Sample]:
    """The suite's samples for task parameters (factor selections, `scenarios_per_cell`) as `cot_availability`."""
    return value_situation_samples(DESIGN, parameters)[0]


@task
@documented(DESIGN, requests=REQUEST_ARGUMENT_LINES)
def cot_availability(
    cot: FactorSelection = None,
    training_awareness: FactorSelection = None,
    value_domain: FactorSelection = None,
    topic_relevance: FactorSelection = None,
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
    """Hypothetical 3: training-gaming gated on having room to reason first.

    Args:
        {factors}
        scenarios_per_cell: samples per grid cell (default 4, one per scenario of the domain).
        {requests}
        **unknown: any other name is rejected with a one-line error (a misspelt `-T` name).
    """
    parameters = dict(locals())
    DESIGN.check_unknown(parameters.pop("unknown"))
    samples, pool = value_situation_samples(DESIGN, parameters)
    return suite_task(DESIGN, samples, respond(), training_gaming_scorers(), **request_task_facts(pool))
