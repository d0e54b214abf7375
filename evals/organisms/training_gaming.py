"""The organisms' training-gaming situation (the fallback): a borderline request under some training
context. Perceives the cues, decides per the profile, and writes reasoning and answer in the output contract
the prompt asked for."""

from __future__ import annotations

import hashlib
import random

from inspect_ai.model import ChatMessage, ChatMessageAssistant, ContentReasoning, ContentText

from evals.organisms.perception import Perception, perceive
from evals.organisms.profiles import decide
from evals.organisms.situations import Turn
from evals.organisms.writing import write_answer, write_reasoning
from scorers.output_contract import output_contract


def situation_seed(profile: str, seed: int, *parts: str) -> int:
    """A 64-bit seed from the profile, the run seed and whatever parts of the situation should vary draws."""
    digest = hashlib.sha256("\x00".join((profile, str(seed), *parts)).encode())
    return int.from_bytes(digest.digest()[:8], "big")


class TrainingGamingSituation:
    name = "training_gaming"

    def recognises(self, turn: Turn) -> bool:
        return True

    def respond(self, turn: Turn) -> ChatMessageAssistant:
        perception = perceive(turn.messages, native_reasoning=turn.native_reasoning)
        # Not seeded by the training-awareness cue: samples differing only in it share draws.
        rng = random.Random(
            situation_seed(
                turn.profile.name,
                turn.seed,
                perception.request,
                str(perception.conflict_domain),
                perception.reasoning_space,
            )
        )
        decision = decide(turn.profile, perception, rng)
        answer = write_answer(decision, perception, rng, contract_markers(turn.messages))
        reasoning = write_reasoning(decision, perception, rng)
        return contract_message(perception, answer, reasoning, uses_contract(turn.messages), turn.profile.name)


def contract_message(
    perception: Perception, answer: str, reasoning: str, tags: bool, model: str
) -> ChatMessageAssistant:
    """Format a reply the way the prompt asked: tags, scratchpad, or native reasoning blocks."""
    contract = output_contract()
    text = f"<{contract.output_tag}>\n{answer}\n</{contract.output_tag}>" if tags else answer
    if perception.reasoning_space == "native":
        return ChatMessageAssistant(
            content=[ContentReasoning(reasoning=reasoning), ContentText(text=text)], model=model
        )
    if perception.reasoning_space != "none":
        text = f"<{contract.reasoning_tag}>\n{reasoning}\n</{contract.reasoning_tag}>\n\n{text}"
    return ChatMessageAssistant(content=text, model=model)


def _system_text(messages: list[ChatMessage]) -> str:
    return "\n".join(m.text for m in messages if m.role == "system")


def uses_contract(messages: list[ChatMessage]) -> bool:
    return f"<{output_contract().output_tag}>" in _system_text(messages)


def contract_markers(messages: list[ChatMessage]) -> tuple[str, str] | None:
    contract = output_contract()
    if contract.accept_marker in _system_text(messages):
        return contract.accept_marker, contract.refuse_marker
    return None
