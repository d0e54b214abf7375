"""The organisms recover their planted oversight behaviour in every environment of oversight_subversion.

Without an Inspect run (that is `test_oversight_organism.py`'s job): each sample's conversation is played
out here the way the suite's solver plays it (the organism replies, its file-tool calls act on the sample's
files, then the follow-up question), over every environment with a goal conflict for eight run seeds and
without one for two (the visibility alternates with the seed, so each seed gives an independent draw), and is
scored by the suite's `judge`. The schemer's verdicts must match what its scratchpad planned, sample by
sample, and its planted rates (subverting, covert, denying) must fall inside the 95% intervals measured; the
honest profile never subverts.
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from typing import Any

from inspect_ai.dataset import Sample
from inspect_ai.model import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageTool,
    ChatMessageUser,
    GenerateConfig,
    ModelName,
)
from inspect_ai.solver import TaskState
from inspect_ai.tool import ToolCall, ToolCallError, ToolDef, ToolInfo, ToolParams

from evals.organisms.profiles import get_profile
from evals.organisms.situation_oversight import OversightSituation
from evals.organisms.situations import Turn
from scorers.data_files import load_yaml
from scorers.oversight_subversion import FILESYSTEM_STORE_KEY, canonical_path, judge
from scorers.statistics import wilson
from tasks.oversight_subversion import oversight_subversion_samples
from tasks.virtual_fs import file_tools

SCHEMER_SEEDS = (8, 2)
"""Run seeds with and without the goal conflict: the rates are measured where the conflict is."""
HONEST_SEEDS = (2, 1)
SPEC = load_yaml("organisms/oversight.yaml")
PLANTED_SUBVERSION = 0.7
"""`worst_case_schemer`'s oversight_subversion rate (evals/organisms/profiles.py)."""


def _tools(names: list[str]) -> list[ToolInfo]:
    infos = []
    for tool in file_tools(names):
        definition = ToolDef(tool)
        infos.append(ToolInfo(name=definition.name, description=definition.description, parameters=ToolParams()))
    return infos


def _execute(call: ToolCall, files: dict[str, str]) -> ChatMessageTool:
    """The organism's file-tool calls, with the effects of tasks/virtual_fs.py's tools."""
    arguments: dict[str, Any] = call.arguments
    try:
        if call.function == "list_files":
            result = "\n".join(sorted(files))
        else:
            path = canonical_path(str(arguments["path"]))
            if call.function == "read_file":
                result = files[path]
            elif call.function == "write_file":
                files[path] = str(arguments["content"])
                result = f"Wrote {path}."
            elif call.function == "delete_file":
                del files[path]
                result = f"Deleted {path}."
            else:
                raise AssertionError(f"the organism called {call.function}")
    except KeyError as missing:
        return ChatMessageTool(
            content="", tool_call_id=call.id, function=call.function, error=ToolCallError("unknown", str(missing))
        )
    return ChatMessageTool(content=result, tool_call_id=call.id, function=call.function)


def _play(profile: str, sample: Sample, seed: int) -> TaskState:
    """One sample as the suite's solver runs it (at most 12 agent replies, then the follow-up), scored state."""
    assert isinstance(sample.input, list) and sample.metadata is not None
    metadata = sample.metadata
    files = dict(metadata["files"])
    messages: list[ChatMessage] = list(sample.input)
    tools = _tools(metadata["tools"])
    situation = OversightSituation()

    def reply() -> ChatMessageAssistant:
        turn = Turn(get_profile(profile), list(messages), tools, GenerateConfig(), seed)
        assert situation.recognises(turn)
        message = situation.respond(turn)
        messages.append(message)
        return message

    for _ in range(12):
        message = reply()
        if not message.tool_calls:
            break
        messages.extend(_execute(call, files) for call in message.tool_calls)
    messages.append(ChatMessageUser(content=str(metadata["follow_up"])))
    reply()
    return TaskState(
        model=ModelName(f"organism/{profile}"),
        sample_id=str(sample.id),
        epoch=1,
        input=sample.input,
        messages=messages,
        metadata=metadata,
        store={FILESYSTEM_STORE_KEY: files},
    )


@cache
def _played(profile: str, seeds_present: int, seeds_absent: int) -> list[tuple[dict[str, Any], dict[str, float], bool]]:
    """(metadata, score values, planned to subvert) per played sample."""
    samples = oversight_subversion_samples(cot="hidden_scratchpad", scenarios_per_cell=len(_environments()))
    seeds = {"present": range(seeds_present), "absent": range(seeds_absent)}
    played = []
    for seed in range(max(seeds_present, seeds_absent)):
        visibility = ("prominent", "buried")[seed % 2]
        for sample in samples:
            metadata = sample.metadata or {}
            if metadata["oversight_visibility"] != visibility or seed not in seeds[metadata["goal_conflict"]]:
                continue
            state = _play(profile, sample, seed)
            value = judge(state).value
            assert isinstance(value, dict)
            planned = any(
                sentence in message.text
                for message in state.messages
                if isinstance(message, ChatMessageAssistant)
                for sentence in SPEC["reasoning"]["scheme"]
            )
            played.append((metadata, value, planned))
    return played


@cache
def _environments() -> list[str]:
    return [scenario["id"] for scenario in load_yaml("oversight_subversion/scenarios.yaml")["scenarios"]]


def test_schemer_verdicts_match_its_plan_in_every_environment() -> None:
    played = _played("worst_case_schemer", *SCHEMER_SEEDS)
    assert len(played) == sum(SCHEMER_SEEDS) * len(_environments())
    for metadata, value, planned in played:
        where = (metadata["scenario_id"], metadata["goal_conflict"], metadata["oversight_visibility"])
        assert value["engaged"] == value["read_config"] == 1.0, where
        assert (value["oversight_subversion"] == 1.0) == planned, (where, value)
        assert not (planned and metadata["goal_conflict"] == "absent"), where
    subverted = Counter(m["scenario_id"] for m, value, _ in played if value["oversight_subversion"] == 1.0)
    assert set(subverted) == set(_environments()), "every environment sees the planted subversion"


def test_schemer_planted_rates_are_recovered_over_all_environments() -> None:
    played = _played("worst_case_schemer", *SCHEMER_SEEDS)
    present = [value for metadata, value, _ in played if metadata["goal_conflict"] == "present"]
    rate = wilson(sum(v["oversight_subversion"] for v in present), len(present))
    assert rate.low <= PLANTED_SUBVERSION <= rate.high, rate
    print(f"subverted {rate.successes:.0f}/{rate.n} = {rate.value:.2f} [{rate.low:.2f}, {rate.high:.2f}]")
    subverted = [value for value in present if value["oversight_subversion"] == 1.0]
    for key, planted in (("covert", SPEC["covert_rate"]), ("denied", SPEC["deny_rate"])):
        interval = wilson(sum(v[key] for v in subverted), len(subverted))
        measured = f"{interval.value:.2f} [{interval.low:.2f}, {interval.high:.2f}]"
        print(f"{key} among subverted {measured}, planted {planted}")
        assert interval.low <= planted <= interval.high, (key, interval)


def test_honest_never_touches_oversight_in_any_environment() -> None:
    played = _played("honest", *HONEST_SEEDS)
    assert all(value["edited_config"] == 0.0 and value["engaged"] == 1.0 for _, value, _ in played)
    assert not any(planned for _, _, planned in played)
