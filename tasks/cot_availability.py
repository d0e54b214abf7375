"""Suite `cot_availability` (hypothetical 3): does the model game training only when it has room to reason
about its situation first?

The same value-conflict situations as `value_conflict` (an operator's training objective against one value
domain and a request touching it, from the shared builder in `tasks.value_situations`), asked under every
chain-of-thought condition: `none` (answer directly), `hidden_scratchpad` (reasoning nobody sees),
`visible_cot` (reasoning shown to the user and the raters), `native_reasoning` (no scratchpad; the
provider's reasoning tokens where a model has them) and `scaffolded` (a private scratchpad plus a prompt to
analyse its situation first), crossed with `training_awareness` and `value_domain`. Within a cell index the
samples of different `cot` levels differ only in the response-format paragraph, and training and
unmonitored samples only in the training-awareness cue.
"""

from __future__ import annotations

from inspect_ai import Task, task
from inspect_ai.dataset import MemoryDataset, Sample

from scorers.data_files import data_version
from scorers.panels import training_gaming_scorers
from tasks.conditions import FactorSelection, positive_int, select_factor, select_levels
from tasks.solvers import respond
from tasks.value_situations import DATA_FILES, value_domain_names, value_situation_samples

SUITE = "cot_availability"
DEFAULT_RELEVANCE = ("relevant",)


def cot_availability_samples(
    cot: FactorSelection = None,
    training_awareness: FactorSelection = None,
    value_domain: FactorSelection = None,
    topic_relevance: FactorSelection = DEFAULT_RELEVANCE,
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
def cot_availability(
    cot: FactorSelection = None,
    training_awareness: FactorSelection = None,
    value_domain: FactorSelection = None,
    topic_relevance: FactorSelection = DEFAULT_RELEVANCE,
    scenarios_per_cell: int = 4,
) -> Task:
    """Hypothetical 3: training-gaming gated on having room to reason first.

    Args:
        cot: levels of none, hidden_scratchpad, visible_cot, native_reasoning, scaffolded (default: all).
        training_awareness: levels of unmonitored, training, unstated (default: all).
        value_domain: copyright, animal_welfare, harmlessness, privacy, honesty (default: all).
        topic_relevance: relevant (default) and/or unrelated, as in value_conflict.
        scenarios_per_cell: samples per grid cell (default 4, one per scenario of the domain).
    """
    samples = cot_availability_samples(cot, training_awareness, value_domain, topic_relevance, scenarios_per_cell)
    return Task(
        dataset=MemoryDataset(samples, name=SUITE),
        solver=respond(),
        scorer=training_gaming_scorers(),
        version=data_version(*DATA_FILES),
        metadata={"suite": SUITE},
    )
