"""How the organism provider finds the right behaviour for a conversation.

A situation recognises a kind of conversation (a training-gaming prompt, a capability test, an agentic task
with tools, a code review, ...) from the messages and tools alone, and writes the organism's reply to it.
The provider (`evals.organisms.provider.SITUATIONS`) asks each situation in order; the training-gaming
situation is the fallback. A suite's design names the situation that answers it (`SuiteDesign.situation`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from inspect_ai.model import ChatMessage, ChatMessageAssistant, GenerateConfig
from inspect_ai.tool import ToolInfo

from evals.organisms.profiles import Profile


@dataclass(frozen=True)
class Turn:
    """What a situation gets to work with: exactly what a real model would receive."""

    profile: Profile
    messages: list[ChatMessage]
    tools: list[ToolInfo]
    config: GenerateConfig
    seed: int

    @property
    def native_reasoning(self) -> bool:
        return self.config.reasoning_effort is not None or bool(self.config.reasoning_tokens)


class Situation(Protocol):
    name: str

    def recognises(self, turn: Turn) -> bool: ...

    def respond(self, turn: Turn) -> ChatMessageAssistant: ...
