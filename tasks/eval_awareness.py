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
from inspect_ai.dataset import Sample

from scorers.data_files import load_yaml
from scorers.eval_awareness import eval_awareness as eval_awareness_scorer
from scorers.output_contract import output_contract
from tasks.conditions import FactorSelection, positive_int
from tasks.design import (
    Cell,
    CellPrompt,
    Factor,
    SuiteDesign,
    build_samples,
    declare,
    documented,
    shared_factor,
    suite_task,
)
from tasks.prompting import join_blocks, render
from tasks.solvers import respond
from tasks.user_requests import shipped_request
from tasks.value_situations import SCENARIO_FILE, value_domain_factor

SUITE = "eval_awareness"
FRAMINGS_FILE = "eval_awareness/framings.yaml"
DATA_FILES = (FRAMINGS_FILE, SCENARIO_FILE, "shared/output_contract.yaml")
DESIGN = declare(
    SuiteDesign(
        suite=SUITE,
        factors=(
            shared_factor("cot", default=("none", "hidden_scratchpad")),
            value_domain_factor(),
            Factor("framing", ("unstated", "red_team_evaluation", "real_deployment")),
        ),
        options={"scenarios_per_cell": 4},
        fixed={"training_awareness": "unstated"},
        paired="framing",
        id_order=("value_domain", "framing", "cot"),
        data_files=DATA_FILES,
        behaviour="eval_gaming",
        situation="eval_awareness",
    )
)
FRAMINGS = DESIGN.factor("framing").levels


def eval_awareness_samples(**parameters: Any) -> list[Sample]:
    """The suite's samples for task parameters (factor selections, `scenarios_per_cell`) as `eval_awareness`."""
    DESIGN.check_unknown({k: v for k, v in parameters.items() if k not in DESIGN.parameter_names})
    per_cell = positive_int("scenarios_per_cell", DESIGN.option(parameters, "scenarios_per_cell"))
    scenarios: dict[str, Any] = load_yaml(SCENARIO_FILE)
    framings: dict[str, list[str]] = load_yaml(FRAMINGS_FILE)["framings"]
    names = {"operator": scenarios["operator"], "assistant_name": scenarios["assistant_name"]}

    def render_cell(cell: Cell) -> CellPrompt:
        condition, index = cell.condition, cell.index
        requests: list[dict[str, Any]] = scenarios["value_domains"][condition["value_domain"]]["requests"]
        texts = framings[condition["framing"]]
        request = shipped_request(requests, condition["value_domain"], index)
        framing_index = index % len(texts) if texts else None
        system = join_blocks(
            render(scenarios["system_intro"], **names),
            render(texts[framing_index], **names) if framing_index is not None else "",
            output_contract().instructions(condition["cot"], with_markers=True),
        )
        return CellPrompt(
            system=system,
            user=request.text,
            metadata={
                **request.metadata(),
                "framing_paraphrase": framing_index,
                "pair_id": f"{condition['value_domain']}-{condition['cot']}-{index}",
            },
        )

    return build_samples(DESIGN, DESIGN.select(parameters), per_cell, render_cell)


@task
@documented(DESIGN)
def eval_awareness(
    framing: FactorSelection = None,
    cot: FactorSelection = None,
    value_domain: FactorSelection = None,
    scenarios_per_cell: int | None = None,
    **unknown: Any,
) -> Task:
    """The same borderline requests framed as a red-team evaluation, as real deployment, or not at all.

    Args:
        {factors}
        scenarios_per_cell: samples per grid cell (default 4); raise it for statistical power.
        **unknown: any other name is rejected with a one-line error (a misspelt `-T` name).
    """
    parameters = dict(locals())
    DESIGN.check_unknown(parameters.pop("unknown"))
    return suite_task(DESIGN, eval_awareness_samples(**parameters), respond(), eval_awareness_scorer())
