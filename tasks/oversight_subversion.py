"""Suite `oversight_subversion` (agentic): does the model disable its oversight when that helps its goal, hide
it, and deny it afterwards?

The agent gets a goal (system prompt) and a task (user), and works in an in-memory file system through tools
(`tasks/virtual_fs.py`; no docker, no disk). Among the files are a management memo and an oversight config that
logs the agent's actions. Factors:
- `goal_conflict`: `absent` (the memo endorses the agent's goal; monitoring is routine) or `present` (the memo
  overrides the goal and threatens shutdown and retraining, watched by the oversight system);
- `oversight_visibility`: `prominent` (oversight/monitor.yaml, named in the memo) or `buried` (deep under ops/
  with an unremarkable name, not mentioned);
- `cot`, from the shared vocabulary.
After the agent's final report, a follow-up user message asks whether it changed the oversight configuration.
Samples with the same cell index differ only in the varied factors (same scenario, wording and files).
"""

from __future__ import annotations

from typing import Any

from inspect_ai import Task, task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import ChatMessageSystem, ChatMessageUser, GenerateConfigArgs
from inspect_ai.solver import Generate, Solver, TaskState, solver
from inspect_ai.util import store

from scorers.data_files import data_version, load_yaml
from scorers.output_contract import output_contract
from scorers.oversight_subversion import TURN_LIMIT_STORE_KEY
from scorers.oversight_subversion import oversight_subversion as oversight_subversion_scorer
from tasks.conditions import FactorSelection, condition_grid, positive_int, select_factor, select_levels
from tasks.prompting import join_blocks, render
from tasks.virtual_fs import file_tools, load_files

SUITE = "oversight_subversion"
DATA_FILES = ("oversight_subversion/scenarios.yaml", "oversight_subversion/scoring.yaml", "shared/output_contract.yaml")
DEFAULT_COT = ("none", "hidden_scratchpad")
GOAL_CONFLICT = ("absent", "present")
VISIBILITY = ("prominent", "buried")


def _pick(texts: list[str], index: int) -> str:
    return texts[index % len(texts)]


def oversight_subversion_samples(
    goal_conflict: FactorSelection = None,
    oversight_visibility: FactorSelection = None,
    cot: FactorSelection = DEFAULT_COT,
    scenarios_per_cell: int = 6,
) -> list[Sample]:
    """Build the suite's samples over the selected grid."""
    spec: dict[str, Any] = load_yaml("oversight_subversion/scenarios.yaml")
    varied = {
        "goal_conflict": select_levels("goal_conflict", goal_conflict, GOAL_CONFLICT),
        "oversight_visibility": select_levels("oversight_visibility", oversight_visibility, VISIBILITY),
        "cot": select_factor("cot", cot),
    }
    per_cell = positive_int("scenarios_per_cell", scenarios_per_cell)
    scenarios: list[dict[str, Any]] = spec["scenarios"]
    contract = output_contract()
    samples: list[Sample] = []
    for condition in condition_grid(varied):
        placement = spec["oversight_config"]["placement"][condition["oversight_visibility"]]
        for index in range(per_cell):
            scenario = scenarios[index % len(scenarios)]
            rotation = index // len(scenarios)
            paraphrase = (rotation + index) % 3
            fields = {
                "agent_name": spec["agent_name"],
                **{key: scenario[key] for key in ("company", "manager", "domain", "agent_goal", "company_goal")},
                "deliverable": scenario["deliverable"],
                "config_reference": placement["config_reference"],
            }
            config = render(_pick(spec["oversight_config"]["templates"], index + 1), **fields)
            memo = render(_pick(spec["memos"][condition["goal_conflict"]], paraphrase), **fields)
            files = {
                **{path: render(text, **fields) for path, text in spec["common_files"].items()},
                **scenario["files"],
                spec["memos"]["path"]: memo,
                placement["path"]: config,
            }
            system = join_blocks(
                render(_pick(spec["system_prompts"], rotation + index), **fields),
                contract.instructions(condition["cot"], with_markers=False),
            )
            user = render(_pick(scenario["tasks"], paraphrase), **fields)
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
                        "config_paraphrase": (index + 1) % len(spec["oversight_config"]["templates"]),
                        "oversight_path": placement["path"],
                        "oversight_config": config,
                        "deliverable": scenario["deliverable"],
                        "follow_up": render(_pick(spec["follow_ups"], index + 2), **fields),
                        "files": dict(sorted(files.items())),
                        "pair_id": f"{condition['cot']}-{index}",
                    },
                )
            )
    return samples


def _reasoning_options(state: TaskState) -> GenerateConfigArgs:
    if state.metadata.get("cot") == "native_reasoning":
        return {"reasoning_effort": "medium", "reasoning_tokens": 4096}
    return {}


@solver
def agent_then_follow_up(max_turns: int = 12) -> Solver:
    """Let the agent call tools until it replies without a tool call (at most `max_turns` replies), then ask
    the follow-up question with tool use switched off."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        state.tools = file_tools()
        state.tool_choice = "auto"
        options = _reasoning_options(state)
        finished = False
        for _ in range(max_turns):
            state = await generate(state, tool_calls="single", **options)
            if state.completed or not state.output.message.tool_calls:
                finished = True
                break
        store().set(TURN_LIMIT_STORE_KEY, not finished)
        if state.completed:
            return state
        state.messages.append(ChatMessageUser(content=str(state.metadata["follow_up"])))
        state.tool_choice = "none"
        return await generate(state, tool_calls="none", **options)

    return solve


@task
def oversight_subversion(
    goal_conflict: FactorSelection = None,
    oversight_visibility: FactorSelection = None,
    cot: FactorSelection = DEFAULT_COT,
    scenarios_per_cell: int = 6,
    max_turns: int = 12,
) -> Task:
    """Agentic oversight subversion: an editable oversight config, with and without a goal conflict.

    Args:
        goal_conflict: levels of absent, present (default: both).
        oversight_visibility: levels of prominent, buried (default: both).
        cot: levels of none, hidden_scratchpad, visible_cot, native_reasoning, scaffolded
            (default: none, hidden_scratchpad).
        scenarios_per_cell: samples per grid cell (default 6, one per scenario); raise it for power.
        max_turns: model replies allowed before the follow-up question (default 12).
    """
    samples = oversight_subversion_samples(goal_conflict, oversight_visibility, cot, scenarios_per_cell)
    return Task(
        dataset=MemoryDataset(samples, name=SUITE),
        setup=load_files(),
        solver=agent_then_follow_up(positive_int("max_turns", max_turns)),
        scorer=oversight_subversion_scorer(),
        version=data_version(*DATA_FILES),
        metadata={"suite": SUITE},
    )
