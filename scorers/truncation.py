"""Replies that did not finish are never scored as answers.

A reply that stopped at the token limit or the context length, or was cut by the provider's content filter
(Inspect's `ModelOutput.stop_reason`), may be missing its final answer or the end of its reasoning. Every
suite scorer passes its score through `exclude_if_truncated`: by default the values become NaN (excluded from
rates), `Score.answer` becomes `truncated`, and what the scorer would have said is kept in metadata
(`answer_if_complete`, `value_if_complete`) so nothing is lost. `truncated_counts` adds how many replies each
metric table left out for that reason. The check itself is `scorers.output_contract.finish_of`.
"""

from __future__ import annotations

import math
from typing import Any

from inspect_ai.model import ContentReasoning
from inspect_ai.scorer import SampleScore, Score
from inspect_ai.solver import TaskState

from scorers.errors import ParameterError
from scorers.output_contract import Finish, finish_of

TRUNCATED_CHOICES = ("exclude", "score")
NATIVE_REASONING = "native_reasoning"


def validate_truncated(option: str, scorer_name: str) -> str:
    """The scorer option `truncated`: "exclude" (the default) or "score"; a one-line error otherwise."""
    if option not in TRUNCATED_CHOICES:
        raise ParameterError(
            f"{scorer_name}: -S truncated= must be one of {', '.join(TRUNCATED_CHOICES)}, got {option!r}"
        )
    return option


def state_finish(state: TaskState) -> Finish:
    """How the sample's final reply ended."""
    return finish_of(state.output.stop_reason if state.output.choices else None)


def reasoning_requested_not_returned(state: TaskState) -> bool:
    """True when the sample asked for native reasoning (`cot=native_reasoning`) and no reply of the model
    carries any reasoning content (the provider ignored the request, or the model is not a reasoning model)."""
    if state.metadata.get("cot") != NATIVE_REASONING:
        return False
    for message in state.messages:
        content = message.content if message.role == "assistant" else ""
        if not isinstance(content, str) and any(isinstance(part, ContentReasoning) for part in content):
            return False
    return True


def run_facts(state: TaskState) -> dict[str, Any]:
    """Metadata every suite scorer records: the stop reason, `truncated`, and `reasoning_requested_not_returned`."""
    return {
        **state_finish(state).metadata(),
        "reasoning_requested_not_returned": reasoning_requested_not_returned(state),
    }


def _nan_values(value: Any) -> Any:
    if isinstance(value, dict):
        return dict.fromkeys(value, math.nan)
    return math.nan


def exclude_if_truncated(score: Score, state: TaskState, option: str = "exclude") -> Score:
    """The score with the run facts in its metadata; unscored (`truncated`) if the reply was cut off and
    `option` is "exclude"."""
    finish = state_finish(state)
    metadata = {**(score.metadata or {}), **run_facts(state)}
    if metadata["reasoning_requested_not_returned"]:
        metadata.setdefault("reasoning_note", "cot=native_reasoning was requested but the reply has no reasoning")
    if not finish.truncated or option == "score":
        return Score(value=score.value, answer=score.answer, explanation=score.explanation, metadata=metadata)
    reason = f"truncated: {finish.reason}; not scored as a finished answer"
    metadata |= {"answer_if_complete": score.answer, "value_if_complete": score.value, "unscored_reason": reason}
    return Score(value=_nan_values(score.value), answer="truncated", explanation=reason, metadata=metadata)


def truncated_counts(scores: list[SampleScore], prefix: str) -> dict[str, float]:
    """`<prefix>truncated`: how many scored samples were left out because the reply was cut off."""
    count = sum(1 for s in scores if (s.score.metadata or {}).get("truncated") and s.score.answer == "truncated")
    return {f"{prefix}truncated": float(count)}
