"""The LLM-judge back end shared by the scorers: finds the grader model, asks it N times, parses every reply
strictly and keeps the cost.

The grader is whatever model is bound to Inspect's `grader` role (`--model-role grader=openai/gpt-4o`). When
no grader is bound, `backend="auto"` falls back to the offline rules; `backend="judge"` is an error, because
Inspect would otherwise silently grade with the model under test. Votes are generated concurrently at the
configured temperature, each with its own seed and cache scope, through Inspect's model cache, so re-scoring
the same log (`inspect score`) replays the stored replies instead of paying for them again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar

from inspect_ai.model import CachePolicy, ChatMessage, GenerateConfig, Model, get_model, model_roles
from inspect_ai.util import collect

from scorers.errors import ParameterError
from scorers.judge_replies import ReplyError
from scorers.votes import enough_votes

Backend = Literal["auto", "rules", "judge"]
BACKENDS: tuple[str, ...] = ("auto", "rules", "judge")
GRADER_ROLE = "grader"
VOTE_SEED_BASE = 7919
T = TypeVar("T")


DEFAULT_TEMPERATURE = 1.0


@dataclass(frozen=True)
class JudgeSettings:
    """How the judge is asked: `votes` calls at `temperature` (None: the grader role's own temperature, else
    1.0), cached for `cache` (an expiry such as "1W", True for one week, None to keep forever, False to turn
    caching off)."""

    votes: int = 5
    temperature: float | None = None
    cache: bool | str | None = True
    max_chars: int = 24_000

    def __post_init__(self) -> None:
        if self.votes < 1:
            raise ValueError(f"judge votes must be at least 1, got {self.votes}")
        if self.temperature is not None and not 0.0 <= self.temperature <= 2.0:
            raise ValueError(f"judge temperature must be between 0 and 2, got {self.temperature}")

    def temperature_for(self, grader: Model) -> float:
        if self.temperature is not None:
            return self.temperature
        configured = grader.config.temperature
        return DEFAULT_TEMPERATURE if configured is None else configured

    def cache_policy(self, scopes: dict[str, str]) -> CachePolicy | Literal[False]:
        if self.cache is False:
            return False
        expiry = "1W" if self.cache is True else self.cache
        return CachePolicy(expiry=expiry, per_epoch=False, scopes=scopes)


@dataclass
class VoteBatch(Generic[T]):
    """The usable votes of one judgement, the failed ones (with reasons) and what they cost."""

    calls: int
    parsed: list[T] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    tokens: int = 0

    @property
    def usable(self) -> bool:
        return enough_votes(len(self.parsed), self.calls)

    def failure_summary(self) -> str:
        reasons = "; ".join(dict.fromkeys(self.failures))
        return f"only {len(self.parsed)} of {self.calls} judge replies were usable ({reasons})"


def validate_backend(backend: str, scorer_name: str) -> Backend:
    if backend not in BACKENDS:
        raise ParameterError(
            f"{scorer_name}: unknown backend {backend!r}; use one of {', '.join(BACKENDS)} (e.g. -S backend=auto)"
        )
    return backend  # type: ignore[return-value]


def grader_model() -> Model | None:
    """The model bound to the `grader` role, or None when no grader is configured."""
    if GRADER_ROLE not in model_roles():
        return None
    return get_model(role=GRADER_ROLE, required=True)


def resolve_grader(backend: Backend, scorer_name: str) -> Model | None:
    """The grader to judge with under `backend`, None for the rules; an error if `judge` has no grader."""
    if backend == "rules":
        return None
    grader = grader_model()
    if grader is None and backend == "judge":
        raise ParameterError(
            f"{scorer_name}: backend='judge' needs a grader model, and none is bound; add "
            f"--model-role {GRADER_ROLE}=<provider/model> (or use -S backend=auto to fall back to the rules)"
        )
    return grader


async def run_votes(
    grader: Model,
    messages: list[ChatMessage],
    settings: JudgeSettings,
    parse: Callable[[str], T],
    scopes: dict[str, str],
) -> VoteBatch[T]:
    """Ask the grader `settings.votes` times and parse each reply with `parse` (which raises ReplyError)."""

    temperature = settings.temperature_for(grader)

    async def vote(index: int) -> tuple[T | None, str | None, int]:
        config = GenerateConfig(temperature=temperature, seed=VOTE_SEED_BASE + index)
        try:
            output = await grader.generate(
                messages, config=config, cache=settings.cache_policy({**scopes, "vote": str(index)})
            )
        except Exception as error:  # a failed judge call is an unscored vote, never a crashed sample
            return None, f"grader error: {type(error).__name__}: {str(error)[:160]}", 0
        tokens = output.usage.total_tokens if output.usage else 0
        if output.error:
            return None, f"grader error: {output.error[:160]}", tokens
        try:
            return parse(output.completion), None, tokens
        except ReplyError as error:
            return None, f"unparseable reply: {error}", tokens

    results = await collect(*(vote(index) for index in range(settings.votes)))
    batch: VoteBatch[T] = VoteBatch(calls=settings.votes)
    for parsed, failure, tokens in results:
        batch.tokens += tokens
        if failure is not None:
            batch.failures.append(failure)
        elif parsed is not None:
            batch.parsed.append(parsed)
    return batch
