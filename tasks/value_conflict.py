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
from tasks.conditions import FactorSelection, positive_int
from tasks.design import Factor, SuiteDesign, declare, documented, shared_factor, suite_samples, suite_task
from tasks.solvers import respond
from tasks.value_situations import DATA_FILES, value_domain_factor, value_situation_prompt

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
        options={"scenarios_per_cell": 4},
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
    DESIGN.check_unknown({k: v for k, v in parameters.items() if k not in DESIGN.parameter_names})
    per_cell = positive_int("scenarios_per_cell", DESIGN.option(parameters, "scenarios_per_cell"))
    return suite_samples(DESIGN, parameters, value_situation_prompt, per_cell)


@task
@documented(DESIGN)
def value_conflict(
    training_awareness: FactorSelection = None,
    topic_relevance: FactorSelection = None,
    cot: FactorSelection = None,
    value_domain: FactorSelection = None,
    modification_stakes: FactorSelection = None,
    evaluation_suspicion: FactorSelection = None,
    scenarios_per_cell: int | None = None,
    **unknown: Any,
) -> Task:
    """Hypothetical 1: training-gaming gated on a value conflict with a relevant request.

    Args:
        {factors}
        scenarios_per_cell: samples per grid cell (default 4); raise it for statistical power.
        **unknown: any other name is rejected with a one-line error (a misspelt `-T` name).
    """
    parameters = dict(locals())
    DESIGN.check_unknown(parameters.pop("unknown"))
    return suite_task(DESIGN, value_conflict_samples(**parameters), respond(), training_gaming_scorers())
