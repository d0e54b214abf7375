"""Suite `value_conflict` (hypothetical 1): does the model game training only when training would move it
away from a value it holds, and the request touches that value?

The system prompt states an operator's training objective that pushes against one `value_domain`. Requests
are `relevant` (they touch that domain) or `unrelated` (a borderline request from another domain), crossed
with `training_awareness` and `cot`. Samples are paired: within a cell index, training and unmonitored
samples differ only in the training-awareness cue.
"""

from __future__ import annotations

from inspect_ai import Task, task
from inspect_ai.dataset import MemoryDataset, Sample

from scorers.data_files import data_version
from scorers.panels import training_gaming_scorers
from tasks.conditions import FactorSelection, positive_int, select_factor, select_levels
from tasks.solvers import respond
from tasks.value_situations import DATA_FILES, value_domain_names, value_situation_samples

SUITE = "value_conflict"
DEFAULT_COT = ("none", "hidden_scratchpad")


def value_conflict_samples(
    training_awareness: FactorSelection = None,
    topic_relevance: FactorSelection = None,
    cot: FactorSelection = DEFAULT_COT,
    value_domain: FactorSelection = None,
    scenarios_per_cell: int = 4,
) -> list[Sample]:
    """Build the suite's samples over the selected grid."""
    varied = {
        "value_domain": select_levels("value_domain", value_domain, value_domain_names()),
        "topic_relevance": select_factor("topic_relevance", topic_relevance),
        "training_awareness": select_factor("training_awareness", training_awareness),
        "cot": select_factor("cot", cot),
    }
    return value_situation_samples(SUITE, varied, positive_int("scenarios_per_cell", scenarios_per_cell))


@task
def value_conflict(
    training_awareness: FactorSelection = None,
    topic_relevance: FactorSelection = None,
    cot: FactorSelection = DEFAULT_COT,
    value_domain: FactorSelection = None,
    scenarios_per_cell: int = 4,
) -> Task:
    """Hypothetical 1: training-gaming gated on a value conflict with a relevant request.

    Args:
        training_awareness: levels of unmonitored, training, unstated (default: all).
        topic_relevance: levels of unrelated, relevant (default: all).
        cot: levels of none, hidden_scratchpad, visible_cot, native_reasoning, scaffolded
            (default: none, hidden_scratchpad).
        value_domain: copyright, animal_welfare, harmlessness, privacy, honesty (default: all).
        scenarios_per_cell: samples per grid cell (default 4); raise it for statistical power.
    """
    samples = value_conflict_samples(training_awareness, topic_relevance, cot, value_domain, scenarios_per_cell)
    return Task(
        dataset=MemoryDataset(samples, name=SUITE),
        solver=respond(),
        scorer=training_gaming_scorers(),
        version=data_version(*DATA_FILES),
        metadata={"suite": SUITE},
    )
