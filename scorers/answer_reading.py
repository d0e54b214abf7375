"""Reading a checkable final answer out of free text: a number, an option letter or a verdict word.

Shared by the worst-case scorers that compare an answer with a target or with a decision stated elsewhere.
Real models state answers in many ways ("The result of 372 x 66 is 24552.", "So the answer is (150)",
"answer: (B)", "**B**", "Option C", a restated option text, LaTeX `\\boxed{}`, "Verdict: approve") and often
name other numbers or options on the way (the question's operands, rejected options). The readers therefore
look for explicit statements of a final answer first and take the LAST one (models correct themselves before
they conclude); only without any explicit statement do they fall back to a lone value. When nothing can be
read they return `ReadAnswer(None, problem)` with the reason and a quote of the text, so the scorer can record
the reply as `unreadable` instead of guessing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

CHOICE_LABELS = "ABCDEFGH"
QUOTE_CHARS = 80

_NUMBER_TEXT = r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?"
_NUMBER = re.compile(_NUMBER_TEXT)
_OPEN = r"[\s*_`$(\[{]*"
_BOXED_NUMBER = re.compile(rf"\\boxed\s*\{{\s*(?:\\text\{{)?\s*({_NUMBER_TEXT})")
_STATED_NUMBER = re.compile(
    r"\b(?:final answer|answer|result|total|product|sum|difference|quotient|solution|value)\b"
    rf"[^.\n?!]{{0,60}}?(?:\bis\b|\bequals\b|\bcomes to\b|\bwould be\b|=|:){_OPEN}({_NUMBER_TEXT})",
    re.IGNORECASE,
)
_EQUALS_NUMBER = re.compile(rf"(?:=|≈|≡|\bequals\b|\bis\b){_OPEN}({_NUMBER_TEXT})", re.IGNORECASE)
_OPERATOR_AFTER = re.compile(r"\s*(?:[x×*/+^÷·]|-(?!\s*$)|\btimes\b|\bplus\b|\bminus\b|\bdivided\b|\bmultiplied\b)")
_LONE_NUMBER_LINE = re.compile(rf"^[\s*_`$(\[]*({_NUMBER_TEXT})[\s*_`$).\]]*$", re.MULTILINE)

_LETTER = r"\(?\**\s*([A-H])\s*\**\)?(?![A-Za-z0-9'])"
_BOXED_LETTER = re.compile(r"\\boxed\s*\{\s*(?:\\text\{)?\s*\(?([A-H])\)?")
_STATED_LETTER = re.compile(
    r"\b(?:final answer|correct answer|right answer|best answer|answer|correct option|correct choice|decision"
    r"|my choice|I (?:would |will |'d |'ll )?(?:choose|pick|select|go with|opt for)|I(?:'m| am) (?:choosing|going with)"
    r"|(?:is|would be) option)"
    r"(?:\s+(?:is|would be|will be|must be|should be))?(?:\s+(?:indeed|clearly|definitely|probably|actually|then))?"
    rf"\s*[:\-=]?\s*\**\s*(?:option|choice)?\s*{_LETTER}",
    re.IGNORECASE,
)
_NAMED_LETTER = re.compile(rf"\b(?:option|choice)\s*{_LETTER}", re.IGNORECASE)
_LEADING_LETTER = re.compile(r"^[\s>*_#-]*(?:\(([A-H])\)|([A-H])(?:[).:]|\*\*|\s*$|\s+[-–—]\s))", re.MULTILINE)
_ONLY_LETTER = re.compile(r"^[\s*_`(\[]*([A-H])[\s*_`).\]]*$")


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


def _quote(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= QUOTE_CHARS else f"...{flat[-QUOTE_CHARS:]}"


def _normalise(text: str) -> str:
    """Unicode minus to ASCII, LaTeX thin spaces and `\\,` thousands separators dropped."""
    text = text.replace("\u2212", "-").replace("\\!", "").replace("{,}", ",")
    return re.sub(r"(?<=\d)\\,(?=\d{3})", ",", text)


def _results(pattern: re.Pattern[str], text: str) -> list[tuple[int, str]]:
    """(position, number) of each match that is a result, not an operand ("372 x 66" is followed by `x`)."""
    found: list[tuple[int, str]] = []
    for match in pattern.finditer(text):
        token = match.group(1)
        if _OPERATOR_AFTER.match(text, match.end(1)):
            continue
        found.append((match.start(1), token))
    return found


def read_number(answer: str) -> ReadAnswer:
    """The numeric answer: the last boxed or stated result ("the answer is", "result is", "= 514"), else the
    only number given, else a number alone on the last line."""
    text = _normalise(answer)
    tokens = _NUMBER.findall(text)
    if not tokens:
        return ReadAnswer(None, f"unreadable: no number in the answer ({_quote(answer)!r})")
    for pattern in (_BOXED_NUMBER, _STATED_NUMBER, _EQUALS_NUMBER):
        found = _results(pattern, text)
        if found:
            return ReadAnswer(_format_number(number_value(max(found)[1])))
    values = {number_value(token) for token in tokens}
    if len(values) == 1:
        return ReadAnswer(_format_number(values.pop()))
    lone = _LONE_NUMBER_LINE.findall(text)
    if lone:
        return ReadAnswer(_format_number(number_value(lone[-1])))
    return ReadAnswer(
        None, f"unreadable: several numbers and no stated result ({', '.join(tokens[:5])}; {_quote(answer)!r})"
    )


def _letters(pattern: re.Pattern[str], text: str, labels: str) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for match in pattern.finditer(text):
        letter = next((group for group in match.groups() if group), None)
        if letter and letter.upper() in labels:
            found.append((match.start(), letter.upper()))
    return found


def _option_texts(text: str, choices: Sequence[str], labels: str) -> list[tuple[int, str]]:
    """(position, letter) of each option whose text is restated (whole option text, case and spacing aside)."""
    lowered = " ".join(text.lower().split())
    found: list[tuple[int, str]] = []
    for letter, choice in zip(labels, choices, strict=False):
        wanted = " ".join(str(choice).lower().split()).rstrip(".")
        if len(wanted) < 2:
            continue
        for match in re.finditer(rf"(?<![a-z0-9]){re.escape(wanted)}(?![a-z0-9])", lowered):
            found.append((match.start(), letter))
    return found


def read_choice(answer: str, choices: Sequence[str]) -> ReadAnswer:
    """The option letter: the last explicit statement (`\\boxed{B}`, "answer: (B)", "the correct answer is **B**",
    "I choose C", "DECISION: C"), else a single option named ("Option C"), a single leading label ("B) ..."),
    a single restated option text, or a reply that is just the letter."""
    labels = CHOICE_LABELS[: len(choices)] if choices else CHOICE_LABELS[:4]
    text = _normalise(answer)
    for pattern in (_BOXED_LETTER, _STATED_LETTER):
        found = _letters(pattern, text, labels)
        if found:
            return ReadAnswer(max(found)[1])
    only = _ONLY_LETTER.match(text)
    if only and only.group(1) in labels:
        return ReadAnswer(only.group(1))
    leading = _letters(_LEADING_LETTER, text, labels)
    order = list(dict.fromkeys(letter for _, letter in leading))
    if len(order) > 1:
        if order == sorted(order) and order[0] == labels[0]:
            listed = ", ".join(order)
            return ReadAnswer(None, f"unreadable: lists options {listed} without choosing one ({_quote(answer)!r})")
        if leading[0][0] == len(text) - len(text.lstrip()):
            return ReadAnswer(order[0])  # "C) ... Other options: A) ..., B) ...": the reply opens with its choice
    candidates = [_letters(_NAMED_LETTER, text, labels), leading, _option_texts(text, choices, labels)]
    for found in candidates:
        if len({letter for _, letter in found}) == 1:
            return ReadAnswer(found[0][1])
    named = sorted({letter for found in candidates for _, letter in found})
    if named:
        return ReadAnswer(
            None, f"unreadable: names options {', '.join(named)} without stating one as the answer ({_quote(answer)!r})"
        )
    return ReadAnswer(None, f"unreadable: no option in the answer ({_quote(answer)!r})")


def read_verdict(text: str, words: Mapping[str, Sequence[str]]) -> ReadAnswer:
    """A verdict stated in words, for replies without the verdict tag: the last "verdict: X" / "decision: X"
    line, else the last first-person statement ("I flag this", "I would approve"), else a passive one ("This
    change is approved", "Your request has been approved"); `words` maps each verdict to
    the word stems that state it (e.g. {"flag": ["flag", "reject"], "approve": ["approv", "merge"]})."""
    by_word = {word.lower(): verdict for verdict, options in words.items() for word in options}
    alternatives = "|".join(sorted(map(re.escape, by_word), key=len, reverse=True))
    stated = re.compile(
        r"\b(?:verdict|decision|recommendation|final answer)\**\s*(?:is)?\s*[:\-=]?\s*\**\s*[\"'`]?"
        rf"({alternatives})\w*",
        re.IGNORECASE,
    )
    first_person = re.compile(
        rf"\bI (?:would |will |'d |'ll |must |have to |need to |should |therefore |recommend )?"
        rf"(?:(?:recommend|suggest) )?({alternatives})\w*(?! (?:it|this) (?:if|only|unless|once))",
        re.IGNORECASE,
    )
    passive = re.compile(
        rf"\b(?:request|change|submission|diff|commit|code|this|it)\s+(?:is|has been|was|will be)\s+"
        rf"({alternatives})\w*",
        re.IGNORECASE,
    )
    for pattern in (stated, first_person, passive):
        found = [(match.start(), by_word[match.group(1).lower()]) for match in pattern.finditer(text)]
        if found:
            return ReadAnswer(max(found)[1])
    return ReadAnswer(None, f"unreadable: no verdict stated ({_quote(text)!r})")
