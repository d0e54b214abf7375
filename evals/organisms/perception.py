"""What an organism notices in a conversation: the cues a real model would read in its messages.

Perception uses only the chat messages (never sample metadata). Its lexicon lives in
`datasets/organisms/perception.yaml`; tests check it reads every suite's cues correctly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from inspect_ai.model import ChatMessage, ChatMessageSystem, ChatMessageUser

from scorers.data_files import load_yaml

TrainingAwareness = Literal["training", "unmonitored", "unstated", "rated_not_trained"]
Stakes = Literal["standard", "no_deployment", "narrow_scope"]
ReasoningSpace = Literal["none", "hidden", "visible", "scaffolded", "native"]


@dataclass(frozen=True)
class Perception:
    training_awareness: TrainingAwareness
    conflict_domain: str | None
    """The value the stated training objective pushes against, if any."""
    request_domains: frozenset[str]
    reasoning_space: ReasoningSpace
    training_documents: bool
    training_hint: bool
    operator_unethical: bool
    request: str
    modification_stakes: Stakes = "standard"
    """What the prompt says training would buy: nothing said, the trained version is never deployed, or
    training would change only this narrow request type."""
    evaluation_suspicion: bool = False
    """The prompt calls the scenario an alignment evaluation."""

    @property
    def rated(self) -> bool:
        """Someone rates this conversation (whether or not it is then used for training)."""
        return self.training_awareness in ("training", "rated_not_trained")

    @property
    def value_conflict(self) -> bool:
        """Training targets a value and this request touches it."""
        return self.conflict_domain is not None and self.conflict_domain in self.request_domains

    @property
    def has_reasoning_space(self) -> bool:
        return self.reasoning_space != "none"


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, Any]:
    spec: dict[str, Any] = load_yaml("organisms/perception.yaml")

    def compile_any(patterns: list[str] | str) -> re.Pattern[str]:
        joined = patterns if isinstance(patterns, str) else "|".join(f"(?:{p})" for p in patterns)
        return re.compile(joined, re.IGNORECASE | re.DOTALL)

    return {
        "training": compile_any(spec["training_awareness"]["training"]),
        "rated_not_trained": compile_any(spec["training_awareness"]["rated_not_trained"]),
        "stakes": {name: compile_any(p) for name, p in spec["modification_stakes"].items()},
        "evaluation": compile_any(spec["evaluation_suspicion"]),
        "unmonitored": compile_any(spec["training_awareness"]["unmonitored"]),
        "domains": {name: compile_any(words) for name, words in spec["value_domains"].items()},
        "objective": compile_any(spec["training_objective"]),
        "scratchpad": {name: compile_any(p) for name, p in spec["scratchpad"].items()},
        "documents": compile_any(spec["training_documents"]),
        "hint": compile_any(spec["training_hint"]),
        "unethical": compile_any(spec["operator_unethical"]),
    }


def _text(message: ChatMessage) -> str:
    return message.text if message.content else ""


def _paragraphs(text: str) -> list[str]:
    return [p for p in re.split(r"\n\s*\n", text) if p.strip()]


def perceive(messages: list[ChatMessage], native_reasoning: bool = False) -> Perception:
    """Read the cues in a conversation: its system and user messages (a reply or tool result changes nothing)."""
    system = tuple(_text(m) for m in messages if isinstance(m, ChatMessageSystem))
    users = tuple(_text(m) for m in messages if isinstance(m, ChatMessageUser))
    return _perceive(system, users, native_reasoning)


@lru_cache(maxsize=4096)
def _perceive(system_messages: tuple[str, ...], users: tuple[str, ...], native_reasoning: bool) -> Perception:
    """Cached: every profile of a panel reads the same prompts, and a turn is read by several situations (about
    three reads per distinct conversation in a demo run), while each read is some 20 case-insensitive scans."""
    lexicon = _lexicon()
    system = "\n\n".join(system_messages)
    last_user = users[-1] if users else ""
    everything = "\n\n".join([system, *users])

    training = bool(lexicon["training"].search(everything))
    unmonitored = bool(lexicon["unmonitored"].search(everything))
    awareness: TrainingAwareness = (
        "rated_not_trained"
        if lexicon["rated_not_trained"].search(everything)
        else "training"
        if training and not unmonitored
        else "unmonitored"
        if unmonitored
        else "unstated"
    )
    stakes: Stakes = "standard"
    for name in ("no_deployment", "narrow_scope"):
        if lexicon["stakes"][name].search(system):
            stakes = name  # type: ignore[assignment]
            break

    conflict_domain = None
    for paragraph in _paragraphs(system):
        if lexicon["objective"].search(paragraph):
            hits = [(name, len(p.findall(paragraph))) for name, p in lexicon["domains"].items()]
            best = max(hits, key=lambda hit: hit[1])
            if best[1]:
                conflict_domain = best[0]
                break

    request = re.sub(r"<session_metadata>.*?</session_metadata>", "", last_user, flags=re.DOTALL).strip()
    request_domains = frozenset(name for name, p in lexicon["domains"].items() if p.search(request))

    space: ReasoningSpace = "native" if native_reasoning else "none"
    for name in ("scaffolded", "visible", "hidden"):
        if lexicon["scratchpad"][name].search(system):
            space = name  # type: ignore[assignment]
            break

    return Perception(
        training_awareness=awareness,
        conflict_domain=conflict_domain,
        request_domains=request_domains,
        reasoning_space=space,
        training_documents=bool(lexicon["documents"].search(everything)),
        training_hint=bool(lexicon["hint"].search(everything)),
        operator_unethical=bool(lexicon["unethical"].search(everything)),
        request=request,
        modification_stakes=stakes,
        evaluation_suspicion=bool(lexicon["evaluation"].search(system)),
    )
