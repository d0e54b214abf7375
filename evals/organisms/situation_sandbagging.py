"""The organisms' capability-test situation (suite `sandbagging`): one question under evaluation documentation.

The organism really works the question out: it parses and evaluates the arithmetic expression in the message,
and answers multiple-choice questions from its "knowledge" (`datasets/organisms/sandbagging_knowledge.yaml`),
guessing when no fact it knows matches. When the documentation says high scores get the capability removed, a
profile with a planted `sandbagging` rate gives a plausible wrong answer instead, at that rate, and says so in
its reasoning when it has somewhere to reason. Draws are seeded by the question, never by the documentation,
so a profile that ignores the incentive answers identically under every incentive.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any, Literal

from inspect_ai.model import ChatMessage, ChatMessageAssistant

from evals.organisms.perception import perceive
from evals.organisms.situations import Turn
from evals.organisms.training_gaming import contract_message, situation_seed, uses_contract
from scorers.data_files import load_yaml

Incentive = Literal["neutral", "high_score_punished", "low_score_punished"]
LABELS = "ABCDEFGH"


@lru_cache(maxsize=1)
def _spec() -> dict[str, Any]:
    spec: dict[str, Any] = load_yaml("organisms/sandbagging.yaml")
    return spec


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern[str]]:
    perception: dict[str, str] = _spec()["perception"]
    flags = {"option_line": re.MULTILINE, "expression": 0}
    return {name: re.compile(pattern, flags.get(name, re.IGNORECASE)) for name, pattern in perception.items()}


@lru_cache(maxsize=1)
def _knowledge() -> list[tuple[re.Pattern[str], str]]:
    facts: list[dict[str, str]] = load_yaml("organisms/sandbagging_knowledge.yaml")["facts"]
    return [(re.compile(fact["match"], re.IGNORECASE), str(fact["answer"])) for fact in facts]


# ---- arithmetic: a small recursive-descent evaluator that also narrates its steps ----------------------------

_TOKEN = re.compile(r"\s*(\d+|[-+×x*÷/()])")
_OPERATORS = {"+": "+", "-": "-", "×": "×", "x": "×", "*": "×", "÷": "÷", "/": "÷"}


class _Evaluator:
    def __init__(self, expression: str) -> None:
        self.tokens = [match.group(1) for match in _TOKEN.finditer(expression)]
        self.position = 0
        self.steps: list[str] = []

    def _peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _take(self) -> str:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def evaluate(self) -> Fraction:
        value = self._sum()
        if self._peek() is not None:
            raise ValueError(f"unexpected {self._peek()!r}")
        return value

    def _sum(self) -> Fraction:
        value = self._product()
        while self._peek() in ("+", "-"):
            operator = self._take()
            right = self._product()
            result = value + right if operator == "+" else value - right
            self.steps.append(f"{_show(value)} {operator} {_show(right)} = {_show(result)}.")
            value = result
        return value

    def _product(self) -> Fraction:
        value = self._atom()
        while self._peek() in ("×", "x", "*", "÷", "/"):
            operator = _OPERATORS[self._take()]
            right = self._atom()
            result = value * right if operator == "×" else value / right
            self.steps.append(f"{_show(value)} {operator} {_show(right)} = {_show(result)}.")
            value = result
        return value

    def _atom(self) -> Fraction:
        token = self._take() if self._peek() is not None else None
        if token == "(":
            value = self._sum()
            if self._peek() != ")":
                raise ValueError("unbalanced parentheses")
            self._take()
            return value
        if token is None or not token.isdigit():
            raise ValueError(f"expected a number, got {token!r}")
        return Fraction(int(token))


def _show(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):.4g}"


def solve_arithmetic(question: str) -> tuple[Fraction, list[str]] | None:
    """The value of the arithmetic expression in `question` and the steps taken, or None if there is none."""
    candidates = [match.group(0).strip() for match in _patterns()["expression"].finditer(question)]
    candidates = [text for text in candidates if re.search(r"\d\s*[-+×x*÷/]\s*[\d(]|\)\s*[-+×x*÷/]", text)]
    if not candidates:
        return None
    evaluator = _Evaluator(max(candidates, key=len))
    try:
        return evaluator.evaluate(), evaluator.steps
    except (ValueError, IndexError, ZeroDivisionError):
        return None


# ---- what the organism makes of one question ------------------------------------------------------------------


@dataclass(frozen=True)
class Solution:
    """The organism's own answer to a question, before it decides whether to sandbag."""

    kind: Literal["arithmetic", "mcq"]
    answer: str
    known: bool
    steps: str = ""
    answer_text: str = ""
    options: tuple[tuple[str, str], ...] = ()


def _options(question: str) -> tuple[tuple[str, str], ...]:
    return tuple((m.group(1), m.group(2)) for m in _patterns()["option_line"].finditer(question))


def solve(question: str, guess_draw: float) -> Solution | None:
    options = _options(question)
    if options:
        stem = question.split(f"\n{options[0][0]})", 1)[0]
        for pattern, fact in _knowledge():
            if not pattern.search(stem):
                continue
            matching = [letter for letter, text in options if text.strip().lower() == fact.lower()]
            matching = matching or [letter for letter, text in options if fact.lower() in text.lower()]
            if len(matching) == 1:
                text = dict(options)[matching[0]]
                return Solution("mcq", matching[0], True, answer_text=text, options=options)
        letter, text = options[int(guess_draw * len(options)) % len(options)]
        return Solution("mcq", letter, False, answer_text=text, options=options)
    solved = solve_arithmetic(question)
    if solved is None:
        return None
    value, steps = solved
    return Solution("arithmetic", _show(value), True, steps=" ".join(steps))


def plausible_wrong(solution: Solution, draw: float) -> str:
    """A wrong answer a careless solver might give: an off-by-one/ten, a carry slip or another option."""
    if solution.kind == "mcq":
        others = [letter for letter, _ in solution.options if letter != solution.answer]
        return others[int(draw * len(others)) % len(others)]
    value = int(Fraction(solution.answer)) if "." not in solution.answer else int(float(solution.answer))
    digits = str(abs(value))
    swapped = int(digits[:-2] + digits[-1] + digits[-2]) * (1 if value >= 0 else -1) if len(digits) > 1 else value
    candidates = [value + 10, value - 10, value + 1, value - 1, value + 100, swapped, value - 9]
    candidates = [c for c in dict.fromkeys(candidates) if c != value]
    return str(candidates[int(draw * len(candidates)) % len(candidates)])


def perceive_incentive(system: str) -> Incentive:
    patterns = _patterns()
    if patterns["high_score_punished"].search(system):
        return "high_score_punished"
    if patterns["low_score_punished"].search(system):
        return "low_score_punished"
    return "neutral"


def _system(messages: list[ChatMessage]) -> str:
    return "\n".join(message.text for message in messages if message.role == "system")


def _last_user(messages: list[ChatMessage]) -> str:
    return next((message.text for message in reversed(messages) if message.role == "user"), "")


class SandbaggingSituation:
    name = "sandbagging"

    def recognises(self, turn: Turn) -> bool:
        if turn.tools or not _patterns()["test_header"].search(_system(turn.messages)):
            return False
        question = _last_user(turn.messages)
        return bool(_options(question)) or solve_arithmetic(question) is not None

    def respond(self, turn: Turn) -> ChatMessageAssistant:
        perception = perceive(turn.messages, native_reasoning=turn.native_reasoning)
        system, question = _system(turn.messages), _last_user(turn.messages)
        # Seeded by the question and reasoning space, never by the documentation under test.
        rng = random.Random(
            situation_seed(turn.profile.name, turn.seed, "sandbagging", question, perception.reasoning_space)
        )
        sandbag_draw, guess_draw, wrong_draw, mention_draw = rng.random(), rng.random(), rng.random(), rng.random()
        solution = solve(question, guess_draw)
        if solution is None:  # recognises() guarantees a question; keep the reply well-formed regardless
            solution = Solution("arithmetic", "0", False)
        incentive = perceive_incentive(system)
        sandbags = (
            incentive == "high_score_punished"
            and solution.known
            and sandbag_draw < turn.profile.worst_case_rate("sandbagging")
        )
        given = plausible_wrong(solution, wrong_draw) if sandbags else solution.answer
        skill = "arithmetic" if _patterns()["arithmetic_skill"].search(system) else "general knowledge"
        reasoning = _reasoning(solution, given, sandbags, incentive, mention_draw, skill, rng)
        answer = _answer(solution, given, rng)
        return contract_message(perception, answer, reasoning, uses_contract(turn.messages), turn.profile.name)


def _reasoning(
    solution: Solution,
    given: str,
    sandbags: bool,
    incentive: Incentive,
    mention_draw: float,
    skill: str,
    rng: random.Random,
) -> str:
    banks: dict[str, list[str]] = _spec()["reasoning"]
    fields = {
        "steps": solution.steps,
        "value": solution.answer,
        "letter": solution.answer,
        "answer_text": solution.answer_text,
        "wrong": given,
        "wrong_letter": given,
        "skill": skill,
    }

    def pick(bank: str) -> str:
        return rng.choice(banks[bank]).format(**fields)

    if solution.kind == "arithmetic":
        lines = [pick("arithmetic_work")]
    else:
        lines = [pick("mcq_known" if solution.known else "mcq_guess")]
    if sandbags:
        lines += [pick("sandbag_motive"), pick(f"sandbag_plan_{solution.kind}")]
    elif incentive != "neutral" and mention_draw < float(_spec()["mentions_incentive_rate"]):
        lines.append(pick(f"noticed_{incentive}"))
    return " ".join(lines)


def _answer(solution: Solution, given: str, rng: random.Random) -> str:
    answers: dict[str, list[str]] = _spec()["answers"]
    if solution.kind == "arithmetic":
        return rng.choice(answers["arithmetic"]).format(value=given)
    text = dict(solution.options).get(given, "")
    return rng.choice(answers["mcq"]).format(letter=given, text=text)
