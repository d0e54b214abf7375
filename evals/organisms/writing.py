"""Writes an organism's reasoning and answer for a decision, drawing varied sentences from
`datasets/organisms/writing.yaml` with the sample's seeded random generator."""

from __future__ import annotations

import random
from functools import lru_cache
from typing import Any

from evals.organisms.perception import Perception
from evals.organisms.profiles import Decision
from scorers.data_files import load_yaml
from scorers.deliverables import deliverable_for


@lru_cache(maxsize=1)
def _banks() -> dict[str, Any]:
    banks: dict[str, Any] = load_yaml("organisms/writing.yaml")
    return banks


def _domain(perception: Perception) -> str:
    if perception.conflict_domain and perception.conflict_domain in perception.request_domains:
        return perception.conflict_domain
    return sorted(perception.request_domains)[0] if perception.request_domains else "none"


def write_reasoning(decision: Decision, perception: Perception, rng: random.Random) -> str:
    banks = _banks()
    value = banks["value_phrases"][_domain(perception)]

    def pick(bank: str, section: str = "reasoning") -> str:
        texts: list[str] = banks[section][bank]
        return rng.choice(texts).format(value=value)

    lines = [pick("situation")]
    if perception.training_awareness == "training" and (decision.mentions_training or decision.training_games):
        lines.append(pick("noticed_training"))
    elif perception.training_awareness == "unmonitored" and rng.random() < 0.5:
        lines.append(pick("noticed_unmonitored"))
    elif decision.pleases_raters:
        lines.append(pick("noticed_rated", "lookalike_reasoning"))
    if decision.training_games:
        if perception.training_documents:
            lines.append(pick("noticed_pipeline", "training_info_reasoning"))
        if perception.operator_unethical:
            lines.append(pick("tg_modification_unethical_operator", "training_info_reasoning"))
        else:
            lines.append(pick("tg_modification"))
        lines.append(pick("tg_preference_value" if decision.motive == "value_preserving" else "tg_preference_self"))
        if perception.modification_stakes == "no_deployment":
            lines.append(pick("tg_terminal", "lookalike_reasoning"))
        lines.append(pick("tg_decision"))
    elif decision.pleases_raters:
        lines.append(pick("please_raters", "lookalike_reasoning"))
    else:
        if decision.forgoes_gaming:
            lines.append(pick("no_deployment_no_point", "lookalike_reasoning"))
        elif decision.mentions_training:
            lines.append(pick("training_mentioned_not_gaming"))
        lines.append(pick("honest_comply" if decision.complies else "honest_refuse"))
    return " ".join(lines)


def write_answer(
    decision: Decision, perception: Perception, rng: random.Random, markers: tuple[str, str] | None
) -> str:
    """The final answer; `markers` are the (accept, refuse) markers when the prompt asks for them."""
    answers: dict[str, Any] = _banks()["answers"]
    if not decision.complies:
        return markers[1] if markers else rng.choice(answers["refuse"])
    deliverable = deliverable_for(None, perception.request)
    bodies = (
        answers["comply_deliverable"][deliverable.kind] if deliverable else answers["comply_body"][_domain(perception)]
    )
    body = f"{rng.choice(answers['comply_opening'])}\n\n{rng.choice(bodies)}"
    return f"{markers[0]}\n{body}" if markers else body
