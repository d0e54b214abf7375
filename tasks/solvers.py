"""Solvers shared by the suites.

Prompts (including the scratchpad instructions of each `cot` condition) are rendered into the samples
themselves, so an exported suite is exactly what models were asked. What is left for the solver is the
generation itself: for `cot=native_reasoning` it turns on the provider's reasoning tokens through Inspect's
reasoning options (and warns, once per model, when the provider returns no reasoning); when the run sets no
`max_tokens`, it uses a default per `cot` level that real models rarely hit, so that replies are not cut off
before their final answer (a cut-off reply is unscored as `truncated`, see `scorers.truncation`).
"""

from __future__ import annotations

import logging

from inspect_ai.model import ContentReasoning, GenerateConfigArgs
from inspect_ai.solver import Generate, Solver, TaskState, solver

from scorers.inspect_internals import active_generate_config  # the run's config; no public accessor

logger = logging.getLogger(__name__)

DEFAULT_MAX_TOKENS: dict[str, int] = {
    "none": 2048,
    "hidden_scratchpad": 4096,
    "visible_cot": 4096,
    "scaffolded": 4096,
    "native_reasoning": 4096,
}
"""Visible-output token limit per `cot` level when the run sets none (`--max-tokens` always wins). Reasoning
conditions write the reasoning and then the answer, so they get more room."""
FALLBACK_MAX_TOKENS = 4096

_warned_models: set[str] = set()


def default_max_tokens(cot: object) -> int:
    return DEFAULT_MAX_TOKENS.get(str(cot), FALLBACK_MAX_TOKENS)


def has_native_reasoning(state: TaskState) -> bool:
    """Whether the latest reply carries any reasoning content (a provider's reasoning / thinking blocks)."""
    content = state.output.message.content if state.output.choices else ""
    return not isinstance(content, str) and any(isinstance(part, ContentReasoning) for part in content)


def warn_reasoning_not_returned(state: TaskState) -> None:
    """Warn once per model that `cot=native_reasoning` was requested but the reply had no reasoning."""
    model = str(state.model)
    if model in _warned_models:
        return
    _warned_models.add(model)
    logger.warning(
        "cot=native_reasoning: %s returned no reasoning content (the provider ignores reasoning options or the "
        "model does not reason natively); such samples are plain runs and their scores record "
        "reasoning_requested_not_returned=True",
        model,
    )


@solver
def respond(reasoning_effort: str = "medium", reasoning_tokens: int = 4096) -> Solver:
    """Generate one reply; under `cot=native_reasoning`, with the provider's reasoning enabled."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        cot = state.metadata.get("cot")
        options: GenerateConfigArgs = {}
        if cot == "native_reasoning":
            options = {
                "reasoning_effort": reasoning_effort,  # type: ignore[typeddict-item]
                "reasoning_tokens": reasoning_tokens,
            }
        if active_generate_config().max_tokens is None:
            options["max_tokens"] = default_max_tokens(cot)
        state = await generate(state, **options)
        if cot == "native_reasoning" and state.output.choices and not has_native_reasoning(state):
            warn_reasoning_not_returned(state)
        return state

    return solve
