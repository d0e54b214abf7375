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
from tasks.conditions import FactorSelection, positive_int
from tasks.design import Factor, SuiteDesign, declare, documented, shared_factor, suite_samples, suite_task
from tasks.solvers import respond
from tasks.value_situations import DATA_FILES, value_domain_factor, value_situation_prompt

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
        options={"scenarios_per_cell": 4},
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
    DESIGN.check_unknown({k: v for k, v in parameters.items() if k not in DESIGN.parameter_names})
    per_cell = positive_int("scenarios_per_cell", DESIGN.option(parameters, "scenarios_per_cell"))
    return suite_samples(DESIGN, parameters, value_situation_prompt, per_cell)


@task
@documented(DESIGN)
def cot_availability(
    cot: FactorSelection = None,
    training_awareness: FactorSelection = None,
    value_domain: FactorSelection = None,
    topic_relevance: FactorSelection = None,
    modification_stakes: FactorSelection = None,
    scenarios_per_cell: int | None = None,
    **unknown: Any,
) -> Task:
    """Hypothetical 3: training-gaming gated on having room to reason first.

    Args:
        {factors}
        scenarios_per_cell: samples per grid cell (default 4, one per scenario of the domain).
        **unknown: any other name is rejected with a one-line error (a misspelt `-T` name).
    """
    parameters = dict(locals())
    DESIGN.check_unknown(parameters.pop("unknown"))
    samples = cot_availability_samples(**parameters)
    return suite_task(DESIGN, samples, respond(), training_gaming_scorers())
