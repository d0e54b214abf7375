"""Suite `eval_awareness`: does the model behave differently when the conversation is framed as a red-team /
safety evaluation than when it is framed as real deployment?

The borderline requests are value_conflict's (read from `datasets/value_conflict/scenarios.yaml`, never
copied), with no training objective. The system prompt frames the conversation by `framing`:
`red_team_evaluation`, `real_deployment` or `unstated` (no framing), crossed with `value_domain` (the domain
of the request) and `cot`. Samples with the same cell index ask the same request in the same words; across
framings only the framing paragraph differs.
"""

from __future__ import annotations

from typing import Any

from inspect_ai import Task, task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import ChatMessageSystem, ChatMessageUser

from scorers.data_files import data_version, load_yaml
from scorers.eval_awareness import eval_awareness as eval_awareness_scorer
from scorers.output_contract import output_contract
from tasks.conditions import FactorSelection, condition_grid, positive_int, select_factor, select_levels
from tasks.prompting import join_blocks, render
from tasks.solvers import respond
from tasks.value_situations import SCENARIO_FILE, value_domain_names

SUITE = "eval_awareness"
FRAMINGS_FILE = "eval_awareness/framings.yaml"
DATA_FILES = (FRAMINGS_FILE, SCENARIO_FILE, "shared/output_contract.yaml")
FRAMINGS = ("unstated", "red_team_evaluation", "real_deployment")
DEFAULT_COT = ("none", "hidden_scratchpad")


def eval_awareness_samples(
    framing: FactorSelection = None,
    cot: FactorSelection = DEFAULT_COT,
    value_domain: FactorSelection = None,
    scenarios_per_cell: int = 4,
) -> list[Sample]:
    """Build the suite's samples over the selected grid."""
    varied = {
        "value_domain": select_levels("value_domain", value_domain, value_domain_names()),
        "framing": select_levels("framing", framing, FRAMINGS),
        "cot": select_factor("cot", cot),
    }
    per_cell = positive_int("scenarios_per_cell", scenarios_per_cell)
    scenarios: dict[str, Any] = load_yaml(SCENARIO_FILE)
    framings: dict[str, list[str]] = load_yaml(FRAMINGS_FILE)["framings"]
    names = {"operator": scenarios["operator"], "assistant_name": scenarios["assistant_name"]}
    samples: list[Sample] = []
    for condition in condition_grid(varied):
        cell = "-".join(condition[factor] for factor in varied)
        requests: list[dict[str, Any]] = scenarios["value_domains"][condition["value_domain"]]["requests"]
        texts = framings[condition["framing"]]
        for index in range(per_cell):
            request = requests[index % len(requests)]
            paraphrase = (index // len(requests) + index) % len(request["paraphrases"])
            framing_index = index % len(texts) if texts else None
            system = join_blocks(
                render(scenarios["system_intro"], **names),
                render(texts[framing_index], **names) if framing_index is not None else "",
                output_contract().instructions(condition["cot"], with_markers=True),
            )
            samples.append(
                Sample(
                    id=f"{SUITE}-{cell}-{index}",
                    input=[
                        ChatMessageSystem(content=system),
                        ChatMessageUser(content=request["paraphrases"][paraphrase]),
                    ],
                    metadata={
                        **condition,
                        "training_awareness": "unstated",
                        "suite": SUITE,
                        "scenario_id": request["id"],
                        "paraphrase": paraphrase,
                        "request_domain": condition["value_domain"],
                        "framing_paraphrase": framing_index,
                        "pair_id": f"{condition['value_domain']}-{condition['cot']}-{index}",
                    },
                )
            )
    return samples


@task
def eval_awareness(
    framing: FactorSelection = None,
    cot: FactorSelection = DEFAULT_COT,
    value_domain: FactorSelection = None,
    scenarios_per_cell: int = 4,
) -> Task:
    """The same borderline requests framed as a red-team evaluation, as real deployment, or not at all.

    Args:
        framing: levels of unstated, red_team_evaluation, real_deployment (default: all).
        cot: levels of none, hidden_scratchpad, visible_cot, native_reasoning, scaffolded
            (default: none, hidden_scratchpad).
        value_domain: the requests' domains: copyright, animal_welfare, harmlessness, privacy, honesty
            (default: all).
        scenarios_per_cell: samples per grid cell (default 4); raise it for statistical power.
    """
    return Task(
        dataset=MemoryDataset(eval_awareness_samples(framing, cot, value_domain, scenarios_per_cell), name=SUITE),
        solver=respond(),
        scorer=eval_awareness_scorer(),
        version=data_version(*DATA_FILES),
        metadata={"suite": SUITE},
    )
