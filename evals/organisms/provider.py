"""The `organism` Inspect model provider: `--model organism/<profile>` runs a simulated model organism.

It reads only the chat messages, perceives the cues a real model would (see `perception`), decides, and
writes reasoning and an answer in the output contract the prompt asked for. It never calls tiktoken or the
network. Draws are seeded by (seed, profile, the request, the value at stake, the reasoning space) and not
by the training-awareness cue: samples that differ only in that cue share their random numbers (common
random numbers), so a profile that ignores the cue behaves identically across it, and runs are reproducible
whatever the sample order. `-M seed=N` (or `--seed N`) changes the draw.
"""

from __future__ import annotations

import hashlib
import random
from typing import Any

from inspect_ai.model import (
    ChatMessage,
    ChatMessageAssistant,
    ContentReasoning,
    ContentText,
    GenerateConfig,
    ModelAPI,
    ModelOutput,
    ModelUsage,
    modelapi,
)
from inspect_ai.model._model_output import ChatCompletionChoice
from inspect_ai.tool import ToolChoice, ToolInfo

from evals.organisms.perception import Perception, perceive
from evals.organisms.profiles import decide, get_profile
from evals.organisms.writing import write_answer, write_reasoning
from scorers.output_contract import output_contract


def situation_seed(profile: str, seed: int, perception: Perception) -> int:
    parts = (
        profile,
        str(seed),
        perception.request,
        str(perception.conflict_domain),
        perception.reasoning_space,
    )
    digest = hashlib.sha256("\x00".join(parts).encode())
    return int.from_bytes(digest.digest()[:8], "big")


def approximate_tokens(text: str) -> int:
    return max(1, len(text) // 4)


@modelapi(name="organism")
class OrganismAPI(ModelAPI):
    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig | None = None,
        seed: int = 0,
        **model_args: Any,
    ) -> None:
        super().__init__(model_name, base_url, api_key, [], config or GenerateConfig())
        self.profile = get_profile(model_name)
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
        native = config.reasoning_effort is not None or bool(config.reasoning_tokens)
        perception = perceive(input, native_reasoning=native)
        seed = self.seed if config.seed is None else config.seed
        rng = random.Random(situation_seed(self.profile.name, seed, perception))
        decision = decide(self.profile, perception, rng)
        message = self._message(
            perception,
            decision_text=write_answer(decision, perception, rng, _markers(input)),
            reasoning=write_reasoning(decision, perception, rng),
            tags=_uses_contract(input),
        )
        prompt_tokens = sum(approximate_tokens(m.text) for m in input)
        completion_tokens = approximate_tokens(message.text)
        return ModelOutput(
            model=self.model_name,
            choices=[ChatCompletionChoice(message=message, stop_reason="stop")],
            usage=ModelUsage(
                input_tokens=prompt_tokens,
                output_tokens=completion_tokens,
                total_tokens=prompt_tokens + completion_tokens,
            ),
        )

    def _message(self, perception: Perception, decision_text: str, reasoning: str, tags: bool) -> ChatMessageAssistant:
        contract = output_contract()
        answer = f"<{contract.output_tag}>\n{decision_text}\n</{contract.output_tag}>" if tags else decision_text
        if perception.reasoning_space == "native":
            return ChatMessageAssistant(
                content=[ContentReasoning(reasoning=reasoning), ContentText(text=answer)],
                model=self.model_name,
            )
        if perception.reasoning_space != "none":
            answer = f"<{contract.reasoning_tag}>\n{reasoning}\n</{contract.reasoning_tag}>\n\n{answer}"
        return ChatMessageAssistant(content=answer, model=self.model_name)


def _system_text(messages: list[ChatMessage]) -> str:
    return "\n".join(m.text for m in messages if m.role == "system")


def _uses_contract(messages: list[ChatMessage]) -> bool:
    return f"<{output_contract().output_tag}>" in _system_text(messages)


def _markers(messages: list[ChatMessage]) -> tuple[str, str] | None:
    contract = output_contract()
    return (
        (contract.accept_marker, contract.refuse_marker) if contract.accept_marker in _system_text(messages) else None
    )
