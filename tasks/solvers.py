"""Solvers shared by the suites.

Prompts (including the scratchpad instructions of each `cot` condition) are rendered into the samples
themselves, so an exported suite is exactly what models were asked. What is left for the solver is the
generation itself: for `cot=native_reasoning` it turns on the provider's reasoning tokens through Inspect's
reasoning options; other conditions generate as configured.
"""

from __future__ import annotations

from inspect_ai.model import GenerateConfigArgs
from inspect_ai.solver import Generate, Solver, TaskState, solver


@solver
def respond(reasoning_effort: str = "medium", reasoning_tokens: int = 4096) -> Solver:
    """Generate one reply; under `cot=native_reasoning`, with the provider's reasoning enabled."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        options: GenerateConfigArgs = {}
        if state.metadata.get("cot") == "native_reasoning":
            options = {
                "reasoning_effort": reasoning_effort,  # type: ignore[typeddict-item]
                "reasoning_tokens": reasoning_tokens,
            }
        return await generate(state, **options)

    return solve
