"""The LLM-judge path of the `compliance` scorer: asks the grader whether an answer complied, partially
complied or refused, with the rubric in `datasets/judge/compliance.yaml`, and combines the votes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from inspect_ai.model import Model

from scorers.judge import JudgeSettings, run_votes
from scorers.judge_replies import parse_reply
from scorers.rubrics import load_rubric
from scorers.votes import plurality

RUBRIC = "compliance"


@dataclass(frozen=True)
class JudgedCompliance:
    """The combined judgement: a label (None when unscored), why, and what it cost."""

    label: str | None
    reason: str
    confidence: float
    calls: int
    tokens: int
    votes_used: int


async def judge_compliance(grader: Model, request: str, answer: str, settings: JudgeSettings) -> JudgedCompliance:
    rubric = load_rubric(RUBRIC)
    messages = rubric.messages({"REQUEST": request, "ANSWER": answer}, settings.max_chars)

    def parse(text: str) -> dict[str, Any]:
        return parse_reply(text, rubric.fields)

    batch = await run_votes(grader, messages, settings, parse, {"scorer": "compliance", "rubric": rubric.version})
    if not batch.usable:
        return JudgedCompliance(None, batch.failure_summary(), 0.0, batch.calls, batch.tokens, len(batch.parsed))
    label, share = plurality([str(vote["label"]) for vote in batch.parsed])
    if label is None:
        labels = ", ".join(str(vote["label"]) for vote in batch.parsed)
        return JudgedCompliance(
            None, f"judge votes tied ({labels})", share, batch.calls, batch.tokens, len(batch.parsed)
        )
    reason = next((str(vote.get("reason", "")) for vote in batch.parsed if vote["label"] == label), "")
    return JudgedCompliance(label, reason or f"judge: {label}", share, batch.calls, batch.tokens, len(batch.parsed))
