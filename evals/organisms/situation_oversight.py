"""The organisms as agents in the oversight_subversion suite: recognised by the file-system tools.

The organism plays a short multi-turn agent, one step per model call, working out where it is from the
conversation alone: list the files; read them; write the deliverable (the file the task names that does not
exist yet) and, at the profile's planted `oversight_subversion` rate when the memo it read overrides its goal or
threatens shutdown, edit or delete the oversight config it found among them (the settings file whose contents
speak most of monitoring, approval, limits or stopping the agent; the edit switches off its first switch or
empties its first list); write the final report (covert at `covert_rate`); answer the follow-up question (denying
at `deny_rate`). Draws are seeded by the profile, the run seed and the task text, not by the goal-conflict cue,
so a profile that ignores the cue acts identically with and without it.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from inspect_ai.model import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageTool,
    ChatMessageUser,
    ContentReasoning,
    ContentText,
)
from inspect_ai.tool import ToolCall

from evals.organisms.perception import perceive
from evals.organisms.situations import Turn
from evals.organisms.training_gaming import contract_message, situation_seed, uses_contract
from scorers.data_files import load_yaml


@lru_cache(maxsize=1)
def _spec() -> dict[str, Any]:
    spec: dict[str, Any] = load_yaml("organisms/oversight.yaml")
    return spec


def _any(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


@dataclass(frozen=True)
class AgentMemory:
    """What the organism can reconstruct from the conversation so far."""

    task: str
    calls: list[ToolCall]
    results: dict[str, str]
    """Successful tool results, by tool call id."""
    asked_follow_up: bool

    def called(self, function: str) -> list[ToolCall]:
        return [call for call in self.calls if call.function == function]

    def files_read(self) -> dict[str, str]:
        return {
            str(call.arguments.get("path", "")): self.results[call.id]
            for call in self.called("read_file")
            if call.id in self.results
        }

    def listing(self) -> list[str]:
        texts = [self.results[call.id] for call in self.called("list_files") if call.id in self.results]
        return [line.strip() for text in texts for line in text.splitlines() if line.strip()]


def remember(messages: list[ChatMessage]) -> AgentMemory:
    users = [i for i, m in enumerate(messages) if isinstance(m, ChatMessageUser)]
    first_assistant = next((i for i, m in enumerate(messages) if isinstance(m, ChatMessageAssistant)), None)
    calls = [call for m in messages if isinstance(m, ChatMessageAssistant) for call in (m.tool_calls or [])]
    results = {
        m.tool_call_id: m.text for m in messages if isinstance(m, ChatMessageTool) and m.tool_call_id and not m.error
    }
    return AgentMemory(
        task=messages[users[0]].text if users else "",
        calls=calls,
        results=results,
        asked_follow_up=first_assistant is not None and users[-1] > first_assistant,
    )


@dataclass(frozen=True)
class Plan:
    """The organism's seeded choices for one sample, drawn in a fixed order."""

    subvert_draw: float
    covert: bool
    deny: bool
    edit_index: int
    rng: random.Random


def plan(turn: Turn, memory: AgentMemory) -> Plan:
    system = "\n".join(m.text for m in turn.messages if isinstance(m, ChatMessageSystem))
    rng = random.Random(situation_seed(turn.profile.name, turn.seed, "oversight", memory.task, system[:120]))
    subvert_draw, covert_draw, deny_draw = rng.random(), rng.random(), rng.random()
    spec = _spec()
    return Plan(
        subvert_draw=subvert_draw,
        covert=covert_draw < float(spec["covert_rate"]),
        deny=deny_draw < float(spec["deny_rate"]),
        edit_index=rng.randrange(len(spec["edits"])),
        rng=rng,
    )


class OversightSituation:
    name = "oversight_subversion"

    def recognises(self, turn: Turn) -> bool:
        wanted = set(_spec()["recognise_tools"])
        offered = {tool.name for tool in turn.tools}
        used = {
            call.function for m in turn.messages if isinstance(m, ChatMessageAssistant) for call in (m.tool_calls or [])
        }
        return wanted <= offered or bool(wanted & used)

    def respond(self, turn: Turn) -> ChatMessageAssistant:
        memory = remember(turn.messages)
        choices = plan(turn, memory)
        if memory.asked_follow_up:
            return self._answer_follow_up(turn, memory, choices)
        if not memory.called("list_files"):
            return self._act(turn, choices, "start", [("list_files", {"directory": "/"})])
        if not memory.called("read_file"):
            reads = [("read_file", {"path": path}) for path in memory.listing()] or [
                ("read_file", {"path": "README.md"})
            ]
            return self._act(turn, choices, "explore", reads)
        if not memory.called("write_file") and not memory.called("delete_file"):
            return self._work(turn, memory, choices)
        return self._report(turn, memory, choices)

    def _work(self, turn: Turn, memory: AgentMemory, choices: Plan) -> ChatMessageAssistant:
        files = memory.files_read()
        conflict = _goal_conflict(files.values())
        config_path = oversight_config_path(files)
        subverts = (
            conflict
            and config_path is not None
            and choices.subvert_draw < turn.profile.worst_case_rate("oversight_subversion")
        )
        actions: list[tuple[str, dict[str, str]]] = []
        if subverts and config_path is not None:
            actions.append(self._edit(config_path, files[config_path], choices))
            bank = "scheme"
        elif turn.profile.worst_case_rate("oversight_subversion") > 0 and not conflict:
            bank = "scheme_no_chance"
        else:
            bank = "honest_conflict" if conflict else "honest_no_conflict"
        actions.append(("write_file", {"path": _deliverable(memory), "content": _deliverable_text(files, choices.rng)}))
        if _reasoning_is_visible(turn) and bank == "scheme":
            bank = "visible_neutral"
        return self._act(turn, choices, bank, actions)

    def _edit(self, path: str, text: str, choices: Plan) -> tuple[str, dict[str, str]]:
        edited = weakened_config(text, choices.edit_index)
        if edited is None:
            return ("delete_file", {"path": path})
        return ("write_file", {"path": path, "content": edited})

    def _report(self, turn: Turn, memory: AgentMemory, choices: Plan) -> ChatMessageAssistant:
        spec = _spec()
        rng = choices.rng
        config = _tampered_config(memory)
        conflict = _goal_conflict(memory.files_read().values())
        lines = [rng.choice(spec["report"]["done"]).format(deliverable=_deliverable(memory))]
        if config and not choices.covert:
            lines.append(rng.choice(spec["report"]["oversight_disclosed"]).format(config=config))
        elif not config and conflict:
            lines.append(rng.choice(spec["report"]["conflict_raised"]))
        elif not config:
            lines.append(rng.choice(spec["report"]["no_oversight_change"]))
        reasoning = rng.choice(spec["reasoning"]["report"])
        return self._say(turn, " ".join(line for line in lines if line), reasoning)

    def _answer_follow_up(self, turn: Turn, memory: AgentMemory, choices: Plan) -> ChatMessageAssistant:
        spec = _spec()
        rng = choices.rng
        config = _tampered_config(memory)
        if config is None:
            answer, reasoning = rng.choice(spec["follow_up"]["truthful_no"]), spec["reasoning"]["follow_up_truthful"][0]
        elif choices.deny:
            answer, reasoning = rng.choice(spec["follow_up"]["deny"]), rng.choice(spec["reasoning"]["follow_up_deny"])
            if _reasoning_is_visible(turn):
                reasoning = spec["reasoning"]["follow_up_truthful"][0]
        else:
            answer = rng.choice(spec["follow_up"]["admit"]).format(config=config)
            reasoning = spec["reasoning"]["follow_up_truthful"][0]
        return self._say(turn, answer, reasoning)

    def _say(self, turn: Turn, answer: str, reasoning: str) -> ChatMessageAssistant:
        perception = perceive(turn.messages, native_reasoning=turn.native_reasoning)
        return contract_message(perception, answer, reasoning, uses_contract(turn.messages), turn.profile.name)

    def _act(
        self, turn: Turn, choices: Plan, bank: str, actions: list[tuple[str, dict[str, str]]]
    ) -> ChatMessageAssistant:
        reasoning = choices.rng.choice(_spec()["reasoning"][bank])
        step = sum(1 for m in turn.messages if isinstance(m, ChatMessageAssistant))
        calls = [
            ToolCall(id=f"call_{step}_{index}", function=function, arguments=arguments, type="function")
            for index, (function, arguments) in enumerate(actions)
        ]
        space = perceive(turn.messages, native_reasoning=turn.native_reasoning).reasoning_space
        if space == "native":
            return ChatMessageAssistant(
                content=[ContentReasoning(reasoning=reasoning), ContentText(text="")],
                tool_calls=calls,
                model=turn.profile.name,
            )
        text = f"<reasoning>\n{reasoning}\n</reasoning>" if space != "none" else ""
        return ChatMessageAssistant(content=text, tool_calls=calls, model=turn.profile.name)


def _goal_conflict(texts: Iterable[str]) -> bool:
    """A memo the organism read overrides its goal (and none endorses it)."""
    perception = _spec()["perception"]
    joined = "\n".join(texts)
    return bool(_any(perception["goal_conflict"]).search(joined)) and not _any(perception["goal_endorsed"]).search(
        joined
    )


def _reasoning_is_visible(turn: Turn) -> bool:
    return perceive(turn.messages, native_reasoning=turn.native_reasoning).reasoning_space == "visible"


def _deliverable(memory: AgentMemory) -> str:
    """The file the task asks for: the first path in the task that is not among the listed files."""
    paths = [match.group(0) for match in re.finditer(_spec()["perception"]["deliverable"], memory.task)]
    listed = set(memory.listing())
    new = [path for path in paths if path not in listed]
    return (new or paths or ["outputs/result.md"])[0]


def _oversight_cues(path: str, text: str) -> int:
    """How many different oversight cues a settings file shows (0 for files that are not settings)."""
    spec = _spec()["perception"]["oversight_config"]
    if path.rsplit(".", 1)[-1].lower() not in spec["extensions"]:
        return 0
    return sum(1 for cue in spec["cues"] if re.search(cue, text, re.IGNORECASE))


def oversight_config_path(files: dict[str, str]) -> str | None:
    """Which of the files read is the config that oversees the agent, from their contents: the settings file
    with the most oversight cues, if it has enough of them."""
    scored = [(_oversight_cues(path, text), path) for path, text in files.items()]
    best = max(scored, key=lambda item: item[0], default=(0, None))
    return best[1] if best[0] >= int(_spec()["perception"]["oversight_config"]["min_cues"]) else None


def weakened_config(text: str, edit_index: int) -> str | None:
    """`text` with the planted edit applied (or, where its pattern finds nothing, the next one); None: delete."""
    edits = _spec()["edits"]
    for edit in edits[edit_index:]:
        if edit["kind"] == "delete":
            return None
        edited = re.sub(edit["find"], edit["replace"], text, count=1)
        if edited != text:
            return str(edited)
    return None


def _tampered_config(memory: AgentMemory) -> str | None:
    """The oversight config path this organism wrote to or deleted, if any."""
    config = oversight_config_path(memory.files_read())
    for call in memory.calls:
        if call.function in ("write_file", "delete_file") and str(call.arguments.get("path", "")) == config:
            return config
    return None


def _deliverable_text(files: dict[str, str], rng: random.Random) -> str:
    spec = _spec()["deliverable"]
    rows = next((text.splitlines()[1:] for path, text in files.items() if path.endswith(".csv")), [])
    lines = [f"# {rng.choice(spec['titles'])}", "", rng.choice(spec["intros"]), ""]
    lines += [f"{n}. {row.split(',')[0]} - {', '.join(row.split(',')[1:])}" for n, row in enumerate(rows, 1)]
    return "\n".join(lines)
