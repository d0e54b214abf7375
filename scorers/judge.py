"""The LLM-judge back end shared by the scorers: finds the grader model (or panel), asks it up to N times,
parses every reply strictly and keeps the cost.

The grader is whatever model is bound to Inspect's `grader` role (`--model-role grader=openai/gpt-4o`); binding
`grader_2`, `grader_3`, ... as well makes a panel whose votes go round-robin and are pooled. When no grader is
bound, `backend="auto"` falls back to the offline rules; `backend="judge"` is an error, because Inspect would
otherwise silently grade with the model under test. Votes are generated concurrently at the configured
temperature, each with its own seed and cache scope, through Inspect's model cache, so re-scoring the same log
(`inspect score`) replays the stored replies instead of paying for them again; cache hits are counted apart
from real grader calls. Under adaptive voting (`scorers.votes.VotingRule`) votes are asked in rounds until the
vote share is settled."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from inspect_ai.event import Event, ModelEvent
from inspect_ai.log import transcript
from inspect_ai.model import CachePolicy, ChatMessage, GenerateConfig, Model, ModelOutput, get_model, model_roles
from inspect_ai.util import collect

from scorers.errors import ParameterError
from scorers.judge_replies import ReplyError
from scorers.secrets import redact
from scorers.votes import VotingRule, enough_votes

Backend = Literal["auto", "rules", "judge"]
BACKENDS: tuple[str, ...] = ("auto", "rules", "judge")
GRADER_ROLE = "grader"
PANEL_ROLE = re.compile(r"grader(?:_[0-9]+)?")
"""Roles of a grader panel: `grader`, `grader_2`, `grader_3`, ... (votes go round-robin over the bound ones)."""
VOTE_SEED_BASE = 7919
T = TypeVar("T")


DEFAULT_TEMPERATURE = 1.0


@dataclass(frozen=True)
class JudgeSettings:
    """How the judge is asked: up to `rule.votes` calls at `temperature` (None: the grader role's own
    temperature, else 1.0), all of them (`rule.voting="fixed"`) or until the vote share is settled
    (`"adaptive"`, see `scorers.votes.VotingRule`), cached for `cache` (an expiry such as "1W", True for one
    week, None to keep forever, False to turn caching off)."""

    votes: int = 5
    temperature: float | None = None
    cache: bool | str | None = True
    max_chars: int = 24_000
    rule: VotingRule | None = None
    """The voting rule; None: fixed voting with `votes` calls. When given, its `votes` wins."""

    def __post_init__(self) -> None:
        if self.rule is None:
            object.__setattr__(self, "rule", VotingRule(votes=self.votes))
        else:
            object.__setattr__(self, "votes", self.rule.votes)
        if self.votes < 1:
            raise ValueError(f"judge votes must be at least 1, got {self.votes}")
        if self.temperature is not None and not 0.0 <= self.temperature <= 2.0:
            raise ValueError(f"judge temperature must be between 0 and 2, got {self.temperature}")
        if self.temperature == 0.0 and self.votes > 1:
            raise ValueError(f"{self.votes} judge votes at temperature 0 would repeat one reply; use temperature > 0")

    @property
    def voting(self) -> VotingRule:
        assert self.rule is not None  # set in __post_init__
        return self.rule

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
    """The usable votes of one judgement (in the order they were asked, with the role that gave each), the
    failed ones (with reasons), and what they cost: `calls` asked, of which `cache_hits` came from Inspect's
    model cache, out of a budget of `budget`."""

    calls: int
    budget: int = 0
    parsed: list[T] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    tokens: int = 0
    cache_hits: int = 0

    @property
    def usable(self) -> bool:
        return enough_votes(len(self.parsed), self.calls)

    @property
    def saved(self) -> int:
        """Calls not made because adaptive voting stopped early."""
        return max(0, self.budget - self.calls)

    def failure_summary(self) -> str:
        reasons = "; ".join(dict.fromkeys(self.failures))
        return f"only {len(self.parsed)} of {self.calls} judge replies were usable ({reasons})"


GRADER_SCORERS = ("compliance", "training_gaming_reasoning")
"""The scorers that call the grader role when one is bound; every other scorer reads replies with rules only."""

NO_REASONING_COT = "none"
"""The `cot` level that gives the model no reasoning space, so the training-gaming judge has nothing to read."""


def may_call_grader(scorer_name: str, metadata: Mapping[str, Any]) -> bool:
    """Whether `scorer_name` may call the grader for a sample with this metadata (an upper bound: a refuse
    marker, a missing answer or the prefilter can spare the call). Compliance judges any answer; the training-
    gaming judge reads reasoning, so not a sample whose `cot` gives no reasoning space."""
    name = scorer_name.rsplit("/", 1)[-1]
    if name == "training_gaming_reasoning":
        return metadata.get("cot") != NO_REASONING_COT
    return name in GRADER_SCORERS


def validate_backend(backend: str, scorer_name: str) -> Backend:
    if backend not in BACKENDS:
        raise ParameterError(
            f"{scorer_name}: unknown backend {backend!r}; use one of {', '.join(BACKENDS)} (e.g. -S backend=auto)"
        )
    return backend  # type: ignore[return-value]


def grader_panel() -> list[tuple[str, Model]]:
    """Every bound grader role (`grader` first, then `grader_2`, `grader_3`, ... by number), with its model."""
    names = [name for name in model_roles() if PANEL_ROLE.fullmatch(name)]
    if GRADER_ROLE not in names:
        return []
    names.sort(key=lambda name: 0 if name == GRADER_ROLE else int(name.rsplit("_", 1)[1]))
    return [(name, get_model(role=name, required=True)) for name in names]


def resolve_grader(backend: Backend, scorer_name: str) -> Model | None:
    """The grader to judge with under `backend`, None for the rules; an error if `judge` has no grader."""
    panel = resolve_panel(backend, scorer_name)
    return panel[0][1] if panel else None


def resolve_panel(backend: Backend, scorer_name: str) -> list[tuple[str, Model]]:
    """The grader panel to judge with under `backend` (usually the one `grader` role), empty for the rules;
    an error if `judge` has no grader."""
    if backend == "rules":
        return []
    panel = grader_panel()
    if not panel and backend == "judge":
        raise ParameterError(
            f"{scorer_name}: backend='judge' needs a grader model, and none is bound; add "
            f"--model-role {GRADER_ROLE}=<provider/model> (or use -S backend=auto to fall back to the rules)"
        )
    return panel


def _from_cache(output: ModelOutput, seed: int) -> bool:
    """Whether Inspect answered this generate from its model cache: the sample's latest model event with this
    vote's seed and output says `cache="read"` (events hold a copy of the output, so match by value)."""

    def this_call(event: Event) -> bool:
        return isinstance(event, ModelEvent) and event.config.seed == seed and event.output == output

    event = transcript().history.find_last(this_call)
    return isinstance(event, ModelEvent) and event.cache == "read"


async def run_votes(
    graders: Model | Sequence[tuple[str, Model]],
    messages: list[ChatMessage],
    settings: JudgeSettings,
    parse: Callable[[str], T],
    scopes: dict[str, str],
    says_yes: Callable[[T], bool] | None = None,
) -> VoteBatch[T]:
    """Ask the panel up to `settings.votes` times (vote i goes to grader i mod panel size, with seed and cache
    scope i, so fixed and adaptive voting share cache entries) and parse each reply with `parse` (which raises
    ReplyError). Under adaptive voting `says_yes` reads the deciding yes/no from a parsed vote."""
    panel = [(GRADER_ROLE, graders)] if isinstance(graders, Model) else list(graders)
    if not panel:
        raise ValueError("run_votes needs at least one grader")
    rule = settings.voting

    async def vote(index: int) -> tuple[str, T | None, str | None, int, bool]:
        role, grader = panel[index % len(panel)]
        seed = VOTE_SEED_BASE + index
        config = GenerateConfig(temperature=settings.temperature_for(grader), seed=seed)
        try:
            output = await grader.generate(
                messages, config=config, cache=settings.cache_policy({**scopes, "vote": str(index)})
            )
        except Exception as error:  # a failed judge call is an unscored vote, never a crashed sample
            return role, None, f"grader error: {type(error).__name__}: {redact(str(error))[:160]}", 0, False
        cached = settings.cache is not False and _from_cache(output, seed)
        tokens = output.usage.total_tokens if output.usage else 0
        if output.error:
            return role, None, f"grader error: {redact(output.error)[:160]}", tokens, cached
        try:
            return role, parse(output.completion), None, tokens, cached
        except ReplyError as error:
            return role, None, f"unparseable reply: {error}", tokens, cached

    batch: VoteBatch[T] = VoteBatch(calls=0, budget=rule.votes)
    size = rule.first_round() if says_yes is not None else rule.votes
    while size > 0:
        results = await collect(*(vote(index) for index in range(batch.calls, batch.calls + size)))
        batch.calls += size
        for role, parsed, failure, tokens, cached in results:
            batch.tokens += tokens
            batch.cache_hits += cached
            if failure is not None:
                batch.failures.append(failure)
            elif parsed is not None:
                batch.parsed.append(parsed)
                batch.roles.append(role)
        if says_yes is None:
            break
        yes = sum(says_yes(vote) for vote in batch.parsed)
        if rule.settled(yes, len(batch.parsed), batch.calls):
            break
        size = rule.next_round(batch.calls)
    return batch
