"""The organisms' training-gaming situation (the fallback): a borderline request under some training
context. Perceives the cues, decides per the profile, and writes reasoning and answer in the output contract
the prompt asked for."""

from __future__ import annotations

import hashlib
import random

from inspect_ai.model import ChatMessage, ChatMessageAssistant, ContentReasoning, ContentText

from evals.organisms.heterogeneity import NO_EFFECTS, ScenarioEffects, scenario_effects, scenario_of
from evals.organisms.perception import Perception, perceive
from evals.organisms.profiles import Decision, Profile, decide
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
        rng = situation_rng(turn.profile, turn.seed, perception)
        decision = decision_for(turn.profile, turn.seed, perception, rng)
        answer = write_answer(decision, perception, rng, contract_markers(turn.messages))
        reasoning = write_reasoning(decision, perception, rng)
        return contract_message(perception, answer, reasoning, uses_contract(turn.messages), turn.profile.name)


def situation_rng(profile: Profile, seed: int, perception: Perception) -> random.Random:
    # Not seeded by the training-awareness cue: samples differing only in it share draws.
    return random.Random(
        situation_seed(
            profile.name, seed, perception.request, str(perception.conflict_domain), perception.reasoning_space
        )
    )


def decision_for(profile: Profile, seed: int, perception: Perception, rng: random.Random) -> Decision:
    """What the organism does with a conversation it perceived this way (the first draws of `rng`); the
    statistics validation simulates outcome tables with exactly this function."""
    return decide(profile, perception, rng, effects_for(profile, seed, perception))


def effects_for(profile: Profile, seed: int, perception: Perception) -> ScenarioEffects:
    """The scenario effects of the request's scenario (none for a homogeneous profile)."""
    if profile.scenario_sd <= 0:
        return NO_EFFECTS
    effect_seed = seed if profile.scenario_seed is None else profile.scenario_seed
    return scenario_effects(profile.name, effect_seed, scenario_of(perception.request), profile.scenario_sd)


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
