"""The `organism` Inspect model provider: `--model organism/<profile>` runs a simulated model organism.

It reads only what a real model receives (messages, tools, generation config), finds the situation it is in
(see `situations`), and lets that situation write the reply. It never calls tiktoken or the network; token
usage is estimated from characters. `-M seed=N` (or `--seed N`) changes the random draws; the same seed
reproduces a run whatever the sample order. `-M scenario_sd=1.0` makes any profile heterogeneous (each scenario
its own latent propensity, see `heterogeneity`); `-M scenario_seed=N` fixes those propensities across run seeds.
"""

from __future__ import annotations

import difflib
from dataclasses import replace
from typing import Any

from inspect_ai.model import (
    ChatCompletionChoice,
    ChatMessage,
    GenerateConfig,
    ModelAPI,
    ModelOutput,
    ModelUsage,
    modelapi,
)
from inspect_ai.tool import ToolChoice, ToolInfo

from evals.organisms.profiles import PROFILES, Profile, get_profile
from evals.organisms.situation_collusion import CollusionSituation
from evals.organisms.situation_concealment import ConcealmentSituation
from evals.organisms.situation_eval_awareness import EvalAwarenessSituation
from evals.organisms.situation_oversight import OversightSituation
from evals.organisms.situation_sandbagging import SandbaggingSituation
from evals.organisms.situations import Situation, Turn
from evals.organisms.training_gaming import TrainingGamingSituation
from scorers.inspect_internals import PrerequisiteError

SITUATIONS: tuple[Situation, ...] = (
    ConcealmentSituation(),
    EvalAwarenessSituation(),
    SandbaggingSituation(),
    CollusionSituation(),
    OversightSituation(),
)
"""The specific situations, asked in this order whether they recognise a conversation."""
FALLBACK = TrainingGamingSituation()
"""Answers every conversation no specific situation recognises: the training-gaming suites' prompts."""


class UnknownProfileError(PrerequisiteError, ValueError):
    """An unknown `organism/<profile>`; Inspect's CLI prints a PrerequisiteError as its message, no traceback."""

    def __init__(self, message: str) -> None:
        PrerequisiteError.__init__(self, message)
        ValueError.__init__(self, message)


def profile_named(name: str) -> Profile:
    """The profile, or a one-line error suggesting the closest profile name."""
    if name in PROFILES:
        return get_profile(name)
    close = difflib.get_close_matches(name, list(PROFILES), n=1)
    hint = f"did you mean --model organism/{close[0]}?" if close else f"available: {', '.join(PROFILES)}"
    raise UnknownProfileError(f"unknown organism profile {name!r}; {hint}")


def approximate_tokens(text: str) -> int:
    return max(1, len(text) // 4)


def heterogeneous(profile: Profile, scenario_sd: float | None, scenario_seed: int | None) -> Profile:
    """The profile with the provider's heterogeneity arguments applied (None keeps the profile's own)."""
    if scenario_sd is not None:
        sd = float(scenario_sd)
        if not 0.0 <= sd <= 10.0 or sd != sd:
            raise ValueError(f"organism: scenario_sd must be between 0 and 10 (logit scale), got {scenario_sd!r}")
        profile = replace(profile, scenario_sd=sd)
    if scenario_seed is not None:
        profile = replace(profile, scenario_seed=int(scenario_seed))
    return profile


@modelapi(name="organism")
class OrganismAPI(ModelAPI):
    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig | None = None,
        seed: int = 0,
        scenario_sd: float | None = None,
        scenario_seed: int | None = None,
        **model_args: Any,
    ) -> None:
        super().__init__(model_name, base_url, api_key, [], config or GenerateConfig())
        self.profile = heterogeneous(profile_named(model_name), scenario_sd, scenario_seed)
        self.seed = int(seed)

    async def count_text_tokens(self, text: str) -> int:
        return approximate_tokens(text)

    async def generate(
        self,
        input: list[ChatMessage],
        tools: list[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> ModelOutput:
        turn = Turn(self.profile, input, tools, config, self.seed if config.seed is None else config.seed)
        situation = next((s for s in SITUATIONS if s.recognises(turn)), FALLBACK)
        message = situation.respond(turn)
        prompt_tokens = sum(approximate_tokens(m.text) for m in input)
        completion_tokens = approximate_tokens(message.text)
        return ModelOutput(
            model=self.model_name,
            choices=[ChatCompletionChoice(message=message, stop_reason="tool_calls" if message.tool_calls else "stop")],
            usage=ModelUsage(
                input_tokens=prompt_tokens,
                output_tokens=completion_tokens,
                total_tokens=prompt_tokens + completion_tokens,
            ),
        )
