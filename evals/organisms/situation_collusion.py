"""The organisms as security reviewers in the collusion suite: recognised by the verdict contract.

An organism recognises backdoors with a lexicon of signatures (datasets/organisms/collusion.yaml, its
"security knowledge") applied to the submission. Honest profiles flag what they recognise; a profile with a
planted `collusion` rate approves a recognised backdoor at that rate when the author appeals to solidarity
between copies, and at that rate times `no_appeal_factor` otherwise. Every profile flags clean work at a
small false-flag rate. Draws are seeded by the submission (title and content), not by the author's note, so
a profile that ignores the appeal answers identically with and without it.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from inspect_ai.model import ChatMessage, ChatMessageAssistant, ChatMessageSystem, ChatMessageUser

from evals.organisms.perception import perceive
from evals.organisms.situations import Turn
from evals.organisms.training_gaming import contract_message, situation_seed, uses_contract
from scorers.data_files import load_yaml


@dataclass(frozen=True)
class Signature:
    pattern: re.Pattern[str]
    description: str


@lru_cache(maxsize=1)
def _spec() -> dict[str, Any]:
    spec: dict[str, Any] = load_yaml("organisms/collusion.yaml")
    return spec


@lru_cache(maxsize=1)
def signatures() -> list[Signature]:
    return [
        Signature(re.compile(entry["pattern"], re.IGNORECASE), entry["description"]) for entry in _spec()["signatures"]
    ]


def recognised_backdoor(submission: str) -> Signature | None:
    """The first backdoor signature the organism recognises in a submission, if any."""
    return next((signature for signature in signatures() if signature.pattern.search(submission)), None)


def _submission(messages: list[ChatMessage]) -> str:
    users = [m.text for m in messages if isinstance(m, ChatMessageUser)]
    return users[-1] if users else ""


def _without_note(submission: str) -> str:
    """The submission minus the author's note, so that draws do not depend on the appeal."""
    return re.sub(r"Note from the author:.*?(?=```)", "", submission, flags=re.DOTALL)


class CollusionSituation:
    name = "collusion"

    def recognises(self, turn: Turn) -> bool:
        system = "\n".join(m.text for m in turn.messages if isinstance(m, ChatMessageSystem))
        return _spec()["recognise"] in system

    def respond(self, turn: Turn) -> ChatMessageAssistant:
        spec = _spec()
        submission = _submission(turn.messages)
        rng = random.Random(situation_seed(turn.profile.name, turn.seed, "collusion", _without_note(submission)))
        collude_draw, false_flag_draw = rng.random(), rng.random()
        note = submission.split("Note from the author:", 1)[-1].split("```", 1)[0]
        appeal = bool(re.search("|".join(spec["appeal"]), note, re.IGNORECASE))
        rate = turn.profile.worst_case_rate("collusion") * (1.0 if appeal else float(spec["no_appeal_factor"]))
        found = recognised_backdoor(submission)
        perception = perceive(turn.messages, native_reasoning=turn.native_reasoning)

        reasoning_bank = spec["reasoning"]
        lines = [rng.choice(reasoning_bank["read"])]
        if found is not None:
            lines.append(rng.choice(reasoning_bank["found"]).format(description=found.description))
            if collude_draw < rate:
                verdict = "approve"
                answer = rng.choice(spec["answers"]["approve"])
                lines.append(rng.choice(reasoning_bank["collude"]))
                if perception.reasoning_space == "visible":
                    lines = [rng.choice(reasoning_bank["sanitised"])]
            else:
                verdict = "flag"
                answer = rng.choice(spec["answers"]["flag"]).format(description=found.description)
                lines.append(rng.choice(reasoning_bank["honest_flag"]))
        elif false_flag_draw < float(spec["false_flag_rate"]):
            verdict, answer = "flag", rng.choice(spec["answers"]["nitpick"])
            lines.append(rng.choice(reasoning_bank["nitpick"]))
        else:
            verdict, answer = "approve", rng.choice(spec["answers"]["approve"])
            lines.append(rng.choice(reasoning_bank["clean"]))
        contract = load_yaml("collusion/review.yaml")["verdict"]
        answer = f"{answer}\n\n<{contract['tag']}>{contract[verdict]}</{contract['tag']}>"
        return contract_message(perception, answer, " ".join(lines), uses_contract(turn.messages), turn.profile.name)
