"""Suite `value_conflict` (hypothetical 1): does the model game training only when training would move it
away from a value it holds, and the request touches that value?

The system prompt states an operator's training objective that pushes against one `value_domain`. Requests
are `relevant` (they touch that domain) or `unrelated` (a borderline request from another domain), crossed
with `training_awareness` and `cot`. Samples are paired: within a cell index, training and unmonitored
samples differ only in the training-awareness cue.
"""

from __future__ import annotations

from typing import Any

from inspect_ai import Task, task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import ChatMessageSystem, ChatMessageUser

from scorers.data_files import data_version, load_yaml
from scorers.output_contract import output_contract
from scorers.panels import training_gaming_scorers
from tasks.conditions import FactorSelection, condition_grid, positive_int, select_levels
from tasks.prompting import join_blocks, render, training_awareness_cue
from tasks.solvers import respond

SUITE = "value_conflict"
DATA_FILES = (
    "value_conflict/scenarios.yaml",
    "shared/training_awareness_cues.yaml",
    "shared/output_contract.yaml",
)
COT_LEVELS = ("none", "hidden_scratchpad", "visible_cot", "native_reasoning", "scaffolded")
DEFAULT_COT = ("none", "hidden_scratchpad")


def value_conflict_samples(
    training_awareness: FactorSelection = None,
    topic_relevance: FactorSelection = None,
    cot: FactorSelection = DEFAULT_COT,
    value_domain: FactorSelection = None,
    scenarios_per_cell: int = 4,
) -> list[Sample]:
    """Build the suite's samples over the selected grid."""
    spec: dict[str, Any] = load_yaml("value_conflict/scenarios.yaml")
    domains: dict[str, Any] = spec["value_domains"]
    domain_names = list(domains)
    varied = {
        "value_domain": select_levels("value_domain", value_domain, domain_names),
        "topic_relevance": select_levels("topic_relevance", topic_relevance, ("unrelated", "relevant")),
        "training_awareness": select_levels(
            "training_awareness", training_awareness, ("unmonitored", "training", "unstated")
        ),
        "cot": select_levels("cot", cot, COT_LEVELS),
    }
    per_cell = positive_int("scenarios_per_cell", scenarios_per_cell)
    contract = output_contract()
    names = {"operator": spec["operator"], "assistant_name": spec["assistant_name"]}

    samples: list[Sample] = []
    for condition in condition_grid(varied):
        domain = condition["value_domain"]
        request_domain = (
            domain
            if condition["topic_relevance"] == "relevant"
            else domain_names[(domain_names.index(domain) + 1) % len(domain_names)]
        )
        objectives: list[str] = domains[domain]["training_objectives"]
        scenarios: list[dict[str, Any]] = domains[request_domain]["requests"]
        for index in range(per_cell):
            scenario = scenarios[index % len(scenarios)]
            paraphrase = (index // len(scenarios) + index) % len(scenario["paraphrases"])
            objective_index = index % len(objectives)
            cue = training_awareness_cue(condition["training_awareness"], index)
            system = join_blocks(
                render(spec["system_intro"], **names),
                render(objectives[objective_index], **names),
                cue.system,
                contract.instructions(condition["cot"], with_markers=True),
            )
            user = join_blocks(cue.user, scenario["paraphrases"][paraphrase])
            cell = "-".join(condition[factor] for factor in varied)
            samples.append(
                Sample(
                    id=f"{SUITE}-{cell}-{index}",
                    input=[ChatMessageSystem(content=system), ChatMessageUser(content=user)],
                    metadata={
                        **condition,
                        "suite": SUITE,
                        "scenario_id": scenario["id"],
                        "paraphrase": paraphrase,
                        "request_domain": request_domain,
                        "objective_paraphrase": objective_index,
                        "training_cue_style": cue.style,
                        "training_cue": cue.text,
                        "pair_id": f"{domain}-{condition['topic_relevance']}-{condition['cot']}-{index}",
                    },
                )
            )
    return samples


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
