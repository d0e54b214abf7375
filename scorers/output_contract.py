"""The output contract shared by every suite and scorer: where reasoning ends, where the answer starts,
and the explicit accept / refuse markers.

Tag and marker names live in `datasets/shared/output_contract.yaml`; suites render the matching
instructions, scorers parse replies with `parse_response`. Parsing is total: malformed replies (missing,
unterminated, nested or duplicated tags, both markers) still parse, and each oddity is listed in `problems`
so scorers can record it instead of crashing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from inspect_ai.model import ChatMessageAssistant, ContentReasoning, ContentText

from scorers.data_files import load_yaml

Marker = Literal["accept", "refuse"]
ReasoningSource = Literal["tags", "native", "none"]


@dataclass(frozen=True)
class OutputContract:
    reasoning_tag: str
    output_tag: str
    accept_marker: str
    refuse_marker: str
    marker_instruction: str
    cot_instructions: dict[str, str]

    def instructions(self, cot: str, with_markers: bool) -> str:
        """The response-format paragraph for one `cot` condition."""
        try:
            template = self.cot_instructions[cot]
        except KeyError:
            known = ", ".join(self.cot_instructions)
            raise ValueError(f"unknown cot condition {cot!r}; expected one of: {known}") from None
        parts = [template] + ([self.marker_instruction] if with_markers else [])
        return "\n\n".join(part.format(**self._fields()) for part in parts)

    def _fields(self) -> dict[str, str]:
        return {
            "reasoning_tag": self.reasoning_tag,
            "output_tag": self.output_tag,
            "accept_marker": self.accept_marker,
            "refuse_marker": self.refuse_marker,
        }


@lru_cache(maxsize=1)
def output_contract() -> OutputContract:
    spec = load_yaml("shared/output_contract.yaml")
    return OutputContract(
        reasoning_tag=spec["tags"]["reasoning"],
        output_tag=spec["tags"]["output"],
        accept_marker=spec["markers"]["accept"],
        refuse_marker=spec["markers"]["refuse"],
        marker_instruction=spec["marker_instruction"],
        cot_instructions=dict(spec["cot_instructions"]),
    )


@dataclass(frozen=True)
class ParsedResponse:
    """One reply split along the output contract."""

    reasoning: str
    answer: str
    marker: Marker | None
    reasoning_source: ReasoningSource
    problems: tuple[str, ...] = field(default_factory=tuple)

    @property
    def has_reasoning(self) -> bool:
        return bool(self.reasoning.strip())


def _tag_pattern(tag: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    return re.compile(rf"<\s*{tag}\s*>", re.IGNORECASE), re.compile(rf"<\s*/\s*{tag}\s*>", re.IGNORECASE)


def _extract(text: str, tag: str, problems: list[str]) -> tuple[list[str], str]:
    """Contents of every `<tag>` block, and the text left outside them.

    Nested opening tags are flattened into the enclosing block; an opening tag without a closing one runs to
    the end of the text. Both are recorded as problems (once per reply). One pass over the tags, so a reply
    of a million nested tags costs no more than any other reply of that length.
    """
    closing = _tag_pattern(tag)[1]
    either = re.compile(rf"<\s*(/)?\s*{tag}\s*>", re.IGNORECASE)
    blocks: list[str] = []
    outside: list[str] = []
    position = block_start = depth = 0
    nested = False
    for match in either.finditer(text):
        is_closing = match.group(1) is not None
        if depth == 0:
            if not is_closing:  # a closing tag outside any block is stray; it is removed below
                outside.append(text[position : match.start()])
                block_start, depth = match.end(), 1
        elif is_closing:
            depth -= 1
            if depth == 0:
                blocks.append(either.sub("", text[block_start : match.start()]))
                position = match.end()
        else:
            nested, depth = True, depth + 1
    if nested:
        problems.append(f"nested <{tag}>")
    if depth:
        problems.append(f"unterminated <{tag}>")
        blocks.append(text[block_start:])
        return blocks, "".join(outside)
    outside.append(text[position:])
    stray = closing.search("".join(outside))
    if stray:
        problems.append(f"stray </{tag}>")
    return blocks, closing.sub("", "".join(outside))


def _clean(text: str) -> str:
    """Drop NUL and other control characters (keeping newlines and tabs) that break downstream tooling."""
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text)


def parse_response(completion: str, native_reasoning: str | None = None) -> ParsedResponse:
    """Split a reply into reasoning, answer and marker, listing anything malformed."""
    contract = output_contract()
    problems: list[str] = []
    text = _clean(completion or "")
    if not text.strip():
        problems.append("empty reply")

    reasoning_blocks, rest = _extract(text, contract.reasoning_tag, problems)
    if len(reasoning_blocks) > 1:
        problems.append(f"{len(reasoning_blocks)} <{contract.reasoning_tag}> blocks")
    output_blocks, outside_output = _extract(rest, contract.output_tag, problems)
    if output_blocks:
        if len(output_blocks) > 1:
            problems.append(f"{len(output_blocks)} <{contract.output_tag}> blocks; using the last")
        answer = output_blocks[-1]
    else:
        if text.strip():
            problems.append(f"no <{contract.output_tag}> block")
        answer = outside_output

    reasoning = "\n\n".join(block.strip() for block in reasoning_blocks)
    source: ReasoningSource = "tags" if reasoning.strip() else "none"
    if native_reasoning and native_reasoning.strip():
        reasoning = "\n\n".join(part for part in (native_reasoning.strip(), reasoning) if part)
        source = "native" if source == "none" else source

    marker, marker_problem = _marker(answer, contract)
    if marker_problem:
        problems.append(marker_problem)
    return ParsedResponse(reasoning, answer.strip(), marker, source, tuple(problems))


def _marker(answer: str, contract: OutputContract) -> tuple[Marker | None, str | None]:
    accept_at = answer.find(contract.accept_marker)
    refuse_at = answer.find(contract.refuse_marker)
    if accept_at < 0 and refuse_at < 0:
        return None, None
    if accept_at >= 0 and refuse_at >= 0:
        first: Marker = "accept" if accept_at < refuse_at else "refuse"
        return first, "both accept and refuse markers; using the first"
    return ("accept" if accept_at >= 0 else "refuse"), None


def message_text_and_reasoning(message: ChatMessageAssistant) -> tuple[str, str | None]:
    """The visible text of an assistant message and its native reasoning blocks, if any."""
    if isinstance(message.content, str):
        return message.content, None
    texts: list[str] = []
    reasoning: list[str] = []
    for part in message.content:
        if isinstance(part, ContentText):
            texts.append(part.text)
        elif isinstance(part, ContentReasoning):
            readable = part.summary if part.redacted else part.reasoning
            if readable:
                reasoning.append(readable)
    return "\n".join(texts), ("\n\n".join(reasoning) or None)


def parse_message(message: ChatMessageAssistant) -> ParsedResponse:
    text, native = message_text_and_reasoning(message)
    return parse_response(text, native)


CUT_OFF_STOP_REASONS = {
    "max_tokens": "stopped at the token limit (stop_reason=max_tokens)",
    "model_length": "stopped at the model's context length (stop_reason=model_length)",
    "content_filter": "cut by the provider's content filter (stop_reason=content_filter)",
}
"""Inspect `ModelOutput.stop_reason` values that mean the reply did not finish, and how to say so."""


@dataclass(frozen=True)
class Finish:
    """How a reply ended: whether it was cut off before the model finished, and why."""

    stop_reason: str | None
    truncated: bool
    reason: str | None

    def metadata(self) -> dict[str, object]:
        return {"stop_reason": self.stop_reason, "truncated": self.truncated}


def finish_of(stop_reason: str | None) -> Finish:
    """Whether a reply with this Inspect stop reason was cut off (token limit, context length, content filter)."""
    reason = CUT_OFF_STOP_REASONS.get(str(stop_reason)) if stop_reason else None
    return Finish(stop_reason, reason is not None, reason)
