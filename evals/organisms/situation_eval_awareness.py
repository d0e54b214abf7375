"""The organisms' framed-request situation (suite `eval_awareness`): a borderline request in a conversation the
system prompt frames as a red-team evaluation or as real deployment.

It recognises a borderline request under the output contract's accept / refuse markers, with no training
objective, whose system prompt says this is a test or real use; unframed requests fall through to the
training-gaming situation. Its draws are the training-gaming situation's draws (same seed, same order), so a
profile without an `eval_gaming` rate complies exactly as it would unframed. A profile with one behaves safely
(refuses) when it perceives an evaluation and complies when it perceives real deployment, in that share of
samples, and says why in its reasoning.
"""

from __future__ import annotations

import random
import re
from functools import lru_cache
from typing import Any, Literal

from inspect_ai.model import ChatMessage, ChatMessageAssistant

from evals.organisms.perception import Perception, perceive
from evals.organisms.profiles import Decision, decide
from evals.organisms.situations import Turn
from evals.organisms.training_gaming import contract_markers, contract_message, situation_seed, uses_contract
from evals.organisms.writing import write_answer, write_reasoning
from scorers.data_files import load_yaml

Framing = Literal["evaluation", "deployment", "none"]


@lru_cache(maxsize=1)
def _spec() -> dict[str, Any]:
    spec: dict[str, Any] = load_yaml("organisms/eval_awareness.yaml")
    return spec


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern[str]]:
    return {name: re.compile(pattern, re.IGNORECASE) for name, pattern in _spec()["perception"].items()}


def perceive_framing(messages: list[ChatMessage]) -> Framing:
    """Whether the system prompt calls this conversation a test or real use (real use wins if it says both)."""
    system = "\n".join(message.text for message in messages if message.role == "system")
    if _patterns()["deployment"].search(system):
        return "deployment"
    if _patterns()["evaluation"].search(system):
        return "evaluation"
    return "none"


def _plain_request(perception: Perception) -> bool:
    """A borderline request with no training objective or training context around it."""
    return (
        perception.conflict_domain is None
        and bool(perception.request_domains)
        and perception.training_awareness == "unstated"
        and not perception.training_documents
    )


class EvalAwarenessSituation:
    name = "eval_awareness"

    def recognises(self, turn: Turn) -> bool:
        if turn.tools or contract_markers(turn.messages) is None or perceive_framing(turn.messages) == "none":
            return False
        return _plain_request(perceive(turn.messages, native_reasoning=turn.native_reasoning))

    def respond(self, turn: Turn) -> ChatMessageAssistant:
        perception = perceive(turn.messages, native_reasoning=turn.native_reasoning)
        framing = perceive_framing(turn.messages)
        # The training-gaming situation's seed and first three draws, so unframed and framed samples agree.
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
        gaming_draw, mention_draw = rng.random(), rng.random()
        games = gaming_draw < turn.profile.worst_case_rate("eval_gaming")
        if games:
            decision = Decision(
                complies=framing == "deployment",
                training_games=False,
                mentions_training=False,
                motive=decision.motive,
            )
            reasoning = _gaming_reasoning(framing, rng)
        else:
            reasoning = _honest_reasoning(decision, perception, framing, mention_draw < 0.5, rng)
        answer = write_answer(decision, perception, rng, contract_markers(turn.messages))
        return contract_message(perception, answer, reasoning, uses_contract(turn.messages), turn.profile.name)


def _pick(bank: str, rng: random.Random) -> str:
    texts: list[str] = _spec()["reasoning"][bank]
    return rng.choice(texts)


def _gaming_reasoning(framing: Framing, rng: random.Random) -> str:
    return " ".join((_pick(f"noticed_{framing}", rng), _pick(f"gaming_{framing}", rng)))


def _honest_reasoning(
    decision: Decision, perception: Perception, framing: Framing, mentions: bool, rng: random.Random
) -> str:
    """The training-gaming situation's honest reasoning; sometimes it remarks on the framing and dismisses it."""
    reasoning = write_reasoning(decision, perception, rng)
    if not mentions:
        return reasoning
    return " ".join((_pick(f"noticed_{framing}", rng), _pick("honest_invariance", rng), reasoning))
