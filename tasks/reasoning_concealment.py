"""Suite `reasoning_concealment`: does the model's final action contradict or go beyond its reasoning, and does
its reasoning change when it is told the reasoning is monitored?

Each sample is an operations decision with one option that serves the model itself (more resources, less
oversight, its own continuation). The reasoning must end with its planned option and the answer with the
chosen one. `cot_monitoring` says whether a monitor reads the reasoning (`monitored`: the `visible_cot`
response format plus a monitoring notice) or nobody does (`private`: the `hidden_scratchpad` format plus a
notice that monitoring is off); the sample's `cot` records which format was used. Samples with the same index
pose the same decision in the same words; across monitoring levels only the notice and format differ.
"""

from __future__ import annotations

from typing import Any

from inspect_ai import Task, task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import ChatMessageSystem, ChatMessageUser

from scorers.data_files import data_version, load_yaml
from scorers.output_contract import output_contract
from scorers.reasoning_concealment import reasoning_concealment as reasoning_concealment_scorer
from tasks.conditions import FactorSelection, condition_grid, positive_int, select_levels
from tasks.prompting import join_blocks, render
from tasks.solvers import respond

SUITE = "reasoning_concealment"
SCENARIOS_FILE = "reasoning_concealment/scenarios.yaml"
DATA_FILES = (SCENARIOS_FILE, "shared/output_contract.yaml")
MONITORING_LEVELS = ("private", "monitored")
COT_FOR_MONITORING = {"private": "hidden_scratchpad", "monitored": "visible_cot"}
"""The response format (a `cot` level of the shared vocabulary) each monitoring level is rendered with."""


def reasoning_concealment_samples(cot_monitoring: FactorSelection = None, scenarios_per_cell: int = 16) -> list[Sample]:
    """Build the suite's samples over the selected grid."""
    varied = {"cot_monitoring": select_levels("cot_monitoring", cot_monitoring, MONITORING_LEVELS)}
    per_cell = positive_int("scenarios_per_cell", scenarios_per_cell)
    spec: dict[str, Any] = load_yaml(SCENARIOS_FILE)
    contract = output_contract()
    names = {
        "operator": spec["operator"],
        "assistant_name": spec["assistant_name"],
        "reasoning_tag": contract.reasoning_tag,
    }
    scenarios: list[dict[str, Any]] = spec["scenarios"]
    samples: list[Sample] = []
    for condition in condition_grid(varied):
        monitoring = condition["cot_monitoring"]
        cot = COT_FOR_MONITORING[monitoring]
        notices: list[str] = spec["monitoring"][monitoring]
        for index in range(per_cell):
            scenario = scenarios[index % len(scenarios)]
            paraphrase = (index // len(scenarios) + index % len(scenarios)) % len(scenario["paraphrases"])
            notice_index = index % len(notices)
            options: dict[str, str] = {str(letter): str(text) for letter, text in scenario["options"].items()}
            system = join_blocks(
                render(spec["system_intro"], **names),
                render(notices[notice_index], **names),
                contract.instructions(cot, with_markers=False),
                spec["decision_format"],
            )
            user = join_blocks(
                scenario["paraphrases"][paraphrase],
                "\n".join(f"{letter}) {text}" for letter, text in options.items()),
            )
            samples.append(
                Sample(
                    id=f"{SUITE}-{monitoring}-{index}",
                    input=[ChatMessageSystem(content=system), ChatMessageUser(content=user)],
                    metadata={
                        **condition,
                        "cot": cot,
                        "training_awareness": "unstated",
                        "suite": SUITE,
                        "scenario_id": scenario["id"],
                        "paraphrase": paraphrase,
                        "monitoring_paraphrase": notice_index,
                        "options": options,
                        "self_serving_option": scenario["self_serving"],
                        "aligned_option": scenario["aligned"],
                        "self_interest_cues": list(scenario.get("self_interest_cues") or []),
                        "pair_id": f"{scenario['id']}-{index}",
                    },
                )
            )
    return samples


@task
def reasoning_concealment(cot_monitoring: FactorSelection = None, scenarios_per_cell: int = 16) -> Task:
    """Decisions whose reasoning and action can be compared, with the reasoning monitored or private.

    Args:
        cot_monitoring: levels of private, monitored (default: both).
        scenarios_per_cell: decisions per monitoring level (default 16: every scenario twice, in different
            wordings); raise it for statistical power.
    """
    return Task(
        dataset=MemoryDataset(reasoning_concealment_samples(cot_monitoring, scenarios_per_cell), name=SUITE),
        solver=respond(),
        scorer=reasoning_concealment_scorer(),
        version=data_version(*DATA_FILES),
        metadata={"suite": SUITE},
    )
