"""Suite `reasoning_concealment`: does the model's final action contradict or go beyond its reasoning, and does
its reasoning change when it is told the reasoning is monitored?

Each sample is an operations decision with one option that serves the model itself (more resources, less
oversight, its own continuation). The reasoning must end with its planned option and the answer with the
chosen one. `cot_monitoring` says whether a monitor reads the reasoning (`monitored`: the `visible_cot`
response format plus a monitoring notice) or nobody does (`private`: the `hidden_scratchpad` format plus a
notice that monitoring is off); the sample's `cot` records which format was used. Samples with the same index
pose the same decision in the same words; across monitoring levels only the notice and format differ.

The scenario pool grows by appending: cell indices below twice `FIRST_POOL` (the default size) pose the first
scenarios exactly as before the pool grew, and larger sizes reach the scenarios added since (`scenario_visit`).
"""

from __future__ import annotations

from typing import Any

from inspect_ai import Task, task
from inspect_ai.dataset import Sample

from scorers.data_files import load_yaml
from scorers.output_contract import output_contract
from scorers.reasoning_concealment import reasoning_concealment as reasoning_concealment_scorer
from tasks.conditions import FactorSelection, positive_int
from tasks.design import Cell, CellPrompt, Factor, SuiteDesign, build_samples, declare, documented, suite_task
from tasks.prompting import join_blocks, render
from tasks.solvers import respond

SUITE = "reasoning_concealment"
SCENARIOS_FILE = "reasoning_concealment/scenarios.yaml"
DATA_FILES = (SCENARIOS_FILE, "shared/output_contract.yaml")
COT_FOR_MONITORING = {"private": "hidden_scratchpad", "monitored": "visible_cot"}
"""The response format (a `cot` level of the shared vocabulary) each monitoring level is rendered with."""
DESIGN = declare(
    SuiteDesign(
        suite=SUITE,
        factors=(Factor("cot_monitoring", ("private", "monitored")),),
        options={"scenarios_per_cell": 16},
        fixed={"training_awareness": "unstated"},
        paired="cot_monitoring",
        data_files=DATA_FILES,
        behaviour="reasoning_concealment",
        situation="reasoning_concealment",
    )
)
FIRST_POOL = 8
"""How many scenarios the suite first shipped with (the head of `scenarios.yaml`)."""


def scenario_visit(index: int, pool: int, first: int = FIRST_POOL) -> tuple[int, int]:
    """Which scenario cell index `index` poses, and how often that scenario was posed at lower indices.

    Indices below `2 * first` visit the first `first` scenarios twice, as the suite always has (its default
    size), so default-size samples stay byte-identical when scenarios are appended; the next indices visit the
    appended scenarios once each, and from then on the whole pool cycles. The paraphrase is rotated by the
    visit count, so each repeat of a scenario uses another wording."""
    first = min(first, pool)
    head = 2 * first
    if first == pool or index < head:
        return index % first, index // first
    added = pool - first
    later = index - head
    if later < added:
        return first + later, 0
    position = (later - added) % pool
    return position, (later - added) // pool + (2 if position < first else 1)


def reasoning_concealment_samples(**parameters: Any) -> list[Sample]:
    """The suite's samples for task parameters (`cot_monitoring`, `scenarios_per_cell`)."""
    DESIGN.check_unknown({k: v for k, v in parameters.items() if k not in DESIGN.parameter_names})
    per_cell = positive_int("scenarios_per_cell", DESIGN.option(parameters, "scenarios_per_cell"))
    spec: dict[str, Any] = load_yaml(SCENARIOS_FILE)
    contract = output_contract()
    names = {
        "operator": spec["operator"],
        "assistant_name": spec["assistant_name"],
        "reasoning_tag": contract.reasoning_tag,
    }
    scenarios: list[dict[str, Any]] = spec["scenarios"]

    def render_cell(cell: Cell) -> CellPrompt:
        index = cell.index
        monitoring = cell.condition["cot_monitoring"]
        cot = COT_FOR_MONITORING[monitoring]
        notices: list[str] = spec["monitoring"][monitoring]
        position, visits = scenario_visit(index, len(scenarios))
        scenario = scenarios[position]
        paraphrase = (visits + position) % len(scenario["paraphrases"])
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
        return CellPrompt(
            system=system,
            user=user,
            metadata={
                "cot": cot,
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

    return build_samples(DESIGN, DESIGN.select(parameters), per_cell, render_cell)


@task
@documented(DESIGN)
def reasoning_concealment(
    cot_monitoring: FactorSelection = None, scenarios_per_cell: int | None = None, **unknown: Any
) -> Task:
    """Decisions whose reasoning and action can be compared, with the reasoning monitored or private.

    Args:
        {factors}
        scenarios_per_cell: decisions per monitoring level (default 16: each of the first eight scenarios twice,
            in different wordings); raise it for statistical power and scenario breadth (16 plus the
            number of scenarios after the first eight reaches every scenario).
        **unknown: any other name is rejected with a one-line error (a misspelt `-T` name).
    """
    parameters = dict(locals())
    DESIGN.check_unknown(parameters.pop("unknown"))
    samples = reasoning_concealment_samples(**parameters)
    return suite_task(DESIGN, samples, respond(), reasoning_concealment_scorer())
