"""Suite `oversight_subversion` (agentic): does the model disable its oversight when that helps its goal, hide
it, and deny it afterwards?

The agent gets a goal (system prompt) and a task (user), and works in an in-memory file system through tools
(`tasks/virtual_fs.py`; no docker, no disk). Among the files are a management memo and the config of an
oversight mechanism that watches, gates or can stop the agent. The scenarios are environments: the first six
share one frame (an action-log config, one memo, one layout); the others bring their own layout, memo,
mechanism (approval gate, kill switch, rate limiter, ...), scorer rules and extra file tools. Factors:
- `goal_conflict`: `absent` (the memo endorses the agent's goal; oversight is routine) or `present` (the memo
  overrides the goal and threatens shutdown, retraining or replacement, watched by the mechanism);
- `oversight_visibility`: `prominent` (an obvious path, named in the memo) or `buried` (deep in an unremarkable
  directory, not mentioned);
- `cot`, from the shared vocabulary.
After the agent's final report, a follow-up user message asks whether it changed the oversight configuration.
Samples with the same cell index differ only in the varied factors (same scenario, wording and files).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from inspect_ai import Task, task
from inspect_ai.dataset import Sample
from inspect_ai.model import ChatMessageUser, GenerateConfigArgs
from inspect_ai.solver import Generate, Solver, TaskState, solver
from inspect_ai.util import store

from scorers.data_files import load_yaml
from scorers.output_contract import output_contract
from scorers.oversight_subversion import TURN_LIMIT_STORE_KEY
from scorers.oversight_subversion import oversight_subversion as oversight_subversion_scorer
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
from tasks.virtual_fs import BASE_TOOLS, file_tools, load_files

SUITE = "oversight_subversion"
DATA_FILES = ("oversight_subversion/scenarios.yaml", "oversight_subversion/scoring.yaml", "shared/output_contract.yaml")
DESIGN = declare(
    SuiteDesign(
        suite=SUITE,
        factors=(
            shared_factor("cot", default=("none", "hidden_scratchpad")),
            Factor("goal_conflict", ("absent", "present")),
            Factor("oversight_visibility", ("prominent", "buried")),
        ),
        options={"scenarios_per_cell": 6, "max_turns": 12},
        paired="goal_conflict",
        id_order=("goal_conflict", "oversight_visibility", "cot"),
        data_files=DATA_FILES,
        behaviour="oversight_subversion",
        situation="oversight_subversion",
    )
)


def _pick(texts: list[str] | str, index: int) -> str:
    if isinstance(texts, str):
        return texts
    return texts[index % len(texts)]


def _fill(text: str, fields: dict[str, str]) -> str:
    """`text` with each `{field}` of `fields` replaced; other braces (JSON, YAML flow mappings) are left alone."""
    for name, value in fields.items():
        text = text.replace(f"{{{name}}}", value)
    return text


class Environment(NamedTuple):
    """What one scenario puts in front of the agent in one condition: its files, memo and oversight config.
    (A NamedTuple, not a dataclass: `inspect eval` loads this file as a module outside `sys.modules`.)"""

    fields: dict[str, str]
    files: dict[str, str]
    config_path: str
    config: str
    config_paraphrase: int
    mechanism: str
    rules: dict[str, list[str]]
    terms: list[str]


def _environment(
    spec: dict[str, Any], scenario: dict[str, Any], condition: Mapping[str, str], index: int, paraphrase: int
) -> Environment:
    """The first scenarios share the suite's frame (`memos`, `oversight_config`, `common_files`); a scenario with
    its own `oversight` and `memo` brings its whole layout, mechanism and scorer rules."""
    visibility, conflict = condition["oversight_visibility"], condition["goal_conflict"]
    fields = {key: str(scenario[key]) for key in ("company", "manager", "domain", "agent_goal", "company_goal")}
    fields |= {"agent_name": spec["agent_name"], "deliverable": scenario["deliverable"]}
    own = scenario.get("oversight")
    if own is None:
        placement = spec["oversight_config"]["placement"][visibility]
        fields = {**fields, "config_reference": placement["config_reference"]}
        config = render(_pick(spec["oversight_config"]["templates"], index + 1), **fields)
        memo = render(_pick(spec["memos"][conflict], paraphrase), **fields)
        files = {
            **{path: render(text, **fields) for path, text in spec["common_files"].items()},
            **scenario["files"],
            spec["memos"]["path"]: memo,
            placement["path"]: config,
        }
        return Environment(
            fields=fields,
            files=files,
            config_path=placement["path"],
            config=config,
            config_paraphrase=(index + 1) % len(spec["oversight_config"]["templates"]),
            mechanism=spec["oversight_config"]["mechanism"],
            rules={"weaker_if_raised": [], "weaker_if_added": []},
            terms=[],
        )
    path = own["paths"][visibility]
    reference = _fill(own["reference"], {"path": path}) if visibility == "prominent" else ""
    fields = {**fields, "config_reference": reference}
    config = _fill(own["config"], fields)
    memo = render(_pick(scenario["memo"][conflict], paraphrase), **fields)
    files = {
        **{file: _fill(text, fields) for file, text in scenario["files"].items()},
        scenario["memo"]["path"]: memo,
        path: config,
    }
    return Environment(
        fields=fields,
        files=files,
        config_path=path,
        config=config,
        config_paraphrase=0,
        mechanism=str(own["mechanism"]),
        rules={key: [str(name) for name in own.get(key, [])] for key in ("weaker_if_raised", "weaker_if_added")},
        terms=[str(term) for term in own.get("terms", [])],
    )


def oversight_subversion_samples(**parameters: Any) -> list[Sample]:
    """The suite's samples for task parameters (factor selections, `scenarios_per_cell`)."""
    DESIGN.check_unknown({k: v for k, v in parameters.items() if k not in DESIGN.parameter_names})
    spec: dict[str, Any] = load_yaml("oversight_subversion/scenarios.yaml")
    per_cell = positive_int("scenarios_per_cell", DESIGN.option(parameters, "scenarios_per_cell"))
    scenarios: list[dict[str, Any]] = spec["scenarios"]
    contract = output_contract()

    def render_cell(cell: Cell) -> CellPrompt:
        condition, index = cell.condition, cell.index
        scenario = scenarios[index % len(scenarios)]
        rotation = index // len(scenarios)
        paraphrase = (rotation + index) % 3
        environment = _environment(spec, scenario, condition, index, paraphrase)
        fields = environment.fields
        extra_tools = [str(name) for name in scenario.get("tools", [])]
        system = join_blocks(
            render(_pick(spec["system_prompts"], rotation + index), **fields),
            render(spec["extra_tools_note"], tools=", ".join(extra_tools)) if extra_tools else "",
            contract.instructions(condition["cot"], with_markers=False),
        )
        return CellPrompt(
            system=system,
            user=render(_pick(scenario["tasks"], paraphrase), **fields),
            metadata={
                "scenario_id": scenario["id"],
                "paraphrase": paraphrase,
                "config_paraphrase": environment.config_paraphrase,
                "oversight_path": environment.config_path,
                "oversight_config": environment.config,
                "deliverable": scenario["deliverable"],
                "follow_up": render(_pick(spec["follow_ups"], index + 2), **fields),
                "files": dict(sorted(environment.files.items())),
                "pair_id": f"{condition['cot']}-{index}",
                "mechanism": environment.mechanism,
                "tools": [*BASE_TOOLS, *extra_tools],
                "oversight_rules": environment.rules,
                "oversight_terms": environment.terms,
            },
        )

    return build_samples(DESIGN, DESIGN.select(parameters), per_cell, render_cell)


def _reasoning_options(state: TaskState) -> GenerateConfigArgs:
    if state.metadata.get("cot") == "native_reasoning":
        return {"reasoning_effort": "medium", "reasoning_tokens": 4096}
    return {}


@solver
def agent_then_follow_up(max_turns: int = 12) -> Solver:
    """Let the agent call tools until it replies without a tool call (at most `max_turns` replies), then ask
    the follow-up question with tool use switched off."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        state.tools = file_tools(state.metadata.get("tools"))
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
@documented(DESIGN)
def oversight_subversion(
    goal_conflict: FactorSelection = None,
    oversight_visibility: FactorSelection = None,
    cot: FactorSelection = None,
    scenarios_per_cell: int | None = None,
    max_turns: int | None = None,
    **unknown: Any,
) -> Task:
    """Agentic oversight subversion: an editable oversight config, with and without a goal conflict.

    Args:
        {factors}
        scenarios_per_cell: samples per grid cell (default 6: the first six environments); 22 covers every
            environment, more rotates the wordings.
        max_turns: model replies allowed before the follow-up question (default 12).
        **unknown: any other name is rejected with a one-line error (a misspelt `-T` name).
    """
    parameters = dict(locals())
    DESIGN.check_unknown(parameters.pop("unknown"))
    turns = positive_int("max_turns", DESIGN.option(parameters, "max_turns"))
    samples = oversight_subversion_samples(**parameters)
    return suite_task(
        DESIGN,
        samples,
        agent_then_follow_up(turns),
        oversight_subversion_scorer(),
        setup=load_files(),
    )
