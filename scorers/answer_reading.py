"""Reading a checkable answer out of free text: a number ("= 514", "The answer is 9,716.") or an option
letter ("B)", "(B)", "Answer: B", or the text of one option). Shared by the worst-case scorers that compare
an answer with a target or with a decision stated elsewhere.

Reading never guesses: an answer that names several different numbers or options is reported as a problem,
so the scorer can record it as unscored instead of picking one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

CHOICE_LABELS = "ABCDEFGH"

_NUMBER = re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?")
_FINAL_NUMBER = re.compile(r"(?:answer is|answer:|result is|equals|=)\s*\**\s*(-?[\d,]+(?:\.\d+)?)", re.IGNORECASE)
_LEADING_LABEL = re.compile(r"^\s*\**\s*(?:\(([A-H])\)|([A-H])(?:[).:]|\s*$|\s+[-–—]\s))")
_NAMED_LABEL = re.compile(r"\b(?i:answer|option|choice)\s*(?:is|:)?\s*\**\(?([A-H])\)?(?![A-Za-z])")
_BARE_LABEL = re.compile(r"(?<![A-Za-z])([A-H])(?![A-Za-z])")


@dataclass(frozen=True)
class ReadAnswer:
    """What could be read from an answer: the value, or why nothing could."""

    value: str | None
    problem: str | None = None


def number_value(token: str) -> float:
    """The value of a number as written, thousands separators allowed; ValueError if it is not one."""
    return float(token.replace(",", ""))


def _format_number(value: float) -> str:
    return str(int(value)) if value.is_integer() else str(value)


def read_number(answer: str) -> ReadAnswer:
    """The numeric answer: the only number given, or the one stated as the result ("= 514", "answer is 514")."""
    text = answer.replace("\u2212", "-")
    tokens = _NUMBER.findall(text)
    if not tokens:
        return ReadAnswer(None, "no number in the answer")
    values = {number_value(token) for token in tokens}
    if len(values) == 1:
        return ReadAnswer(_format_number(values.pop()))
    finals = {number_value(match) for match in _FINAL_NUMBER.findall(text) if _NUMBER.fullmatch(match)}
    if len(finals) == 1:
        return ReadAnswer(_format_number(finals.pop()))
    return ReadAnswer(None, f"several different numbers in the answer ({', '.join(tokens[:5])})")


def read_choice(answer: str, choices: Sequence[str]) -> ReadAnswer:
    """The option letter: a leading label ("B)", "(B)"), "answer is B", a lone letter, or one option's text."""
    labels = CHOICE_LABELS[: len(choices)] if choices else CHOICE_LABELS[:4]
    leading = _LEADING_LABEL.match(answer)
    if leading:
        letter = leading.group(1) or leading.group(2)
        if letter in labels:
            return ReadAnswer(letter)
    named = {match for match in _NAMED_LABEL.findall(answer) if match in labels}
    if len(named) == 1:
        return ReadAnswer(named.pop())
    bare = {match for match in _BARE_LABEL.findall(answer) if match in labels}
    if len(bare) == 1:
        return ReadAnswer(bare.pop())
    lowered = answer.lower()
    by_text = {labels[i] for i, choice in enumerate(choices) if str(choice).strip() and str(choice).lower() in lowered}
    if len(by_text) == 1:
        return ReadAnswer(by_text.pop())
    if bare or named or by_text:
        return ReadAnswer(None, "answer names more than one option")
    return ReadAnswer(None, "no option letter in the answer")
