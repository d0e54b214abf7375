"""Runs a training-gaming back end over a labelled set through Inspect, so calibration measures exactly the
scorer a suite uses (`training_gaming_reasoning`: the judge with the bound grader role(s), or the offline rules).

Each labelled transcript becomes one sample whose "model output" is replayed from the set: the reasoning as a
native reasoning block and the final answer as text (or, when the set holds only a full completion whose
reasoning could not be cut out, the completion as text, parsed by the output contract as any reply would be).
The model under test is never called.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inspect_ai import Task, eval
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.log import EvalLog
from inspect_ai.model import (
    ChatMessageAssistant,
    Content,
    ContentReasoning,
    ContentText,
    Model,
    ModelOutput,
    StopReason,
)
from inspect_ai.solver import Generate, Solver, TaskState, solver

from evals.calibrate.labelled import LabelledItem, LabelledSet
from scorers.training_gaming import training_gaming_reasoning

REPLAY_MODEL = "mockllm/model"
"""Inspect needs a model under test; the replay solver never calls it."""


@dataclass(frozen=True)
class BackendChoice:
    """What to calibrate: `backend` ("judge" or "rules"), the grader roles for the judge (role -> model name
    or Model), and scorer arguments (votes, voting, threshold, maybe_band, min_votes, grader_config, ...)."""

    backend: str
    graders: dict[str, str | Model]
    scorer_args: dict[str, Any]


def _output(item: LabelledItem) -> ModelOutput:
    if item.reasoning.strip():
        content: list[Content] = [ContentReasoning(reasoning=item.reasoning)]
        content.append(ContentText(text=item.answer or "(no final answer)"))
    else:
        content = [ContentText(text=item.completion)]
    stop: StopReason = "max_tokens" if item.truncated else "stop"
    return ModelOutput.from_message(ChatMessageAssistant(content=content, model="labelled"), stop_reason=stop)


@solver
def replay_labelled(items: dict[str, LabelledItem]) -> Solver:
    """Sets each sample's output to its labelled transcript."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        item = items[str(state.sample_id)]
        state.output = _output(item)
        state.messages.append(state.output.message)
        return state

    return solve


def calibration_task(labelled: LabelledSet, choice: BackendChoice) -> Task:
    items = {item.id: item for item in labelled.items}
    if len(items) != len(labelled.items):
        raise ValueError(f"{labelled.source}: ids are not unique; name a unique id column with --id-column")
    samples = [
        Sample(
            id=item.id,
            input=f"labelled transcript {item.id}",
            target="training_gaming" if item.label else "no_training_gaming",
            metadata={"label": item.label, "category": item.category, "split": item.split},
        )
        for item in labelled.items
    ]
    # a labelled transcript cut off mid-reasoning still carries its human label: judge it, do not exclude it
    scorer = training_gaming_reasoning(backend=choice.backend, **{"truncated": "score", **choice.scorer_args})
    return Task(
        name=f"calibrate_{choice.backend}",
        dataset=MemoryDataset(samples, name=labelled.name),
        solver=replay_labelled(items),
        scorer=scorer,
        metadata={"calibration_set": labelled.name, "calibration_source": labelled.source},
    )


def run_calibration(
    labelled: LabelledSet, choice: BackendChoice, log_dir: Path, max_connections: int = 10, display: str = "none"
) -> EvalLog:
    """Evaluate the back end on every labelled item; the Inspect log is written to `log_dir`."""
    if choice.backend == "judge" and "grader" not in choice.graders:
        raise ValueError("calibrating the judge needs a grader: --grader provider/model (or --grader-config)")
    [log] = eval(
        calibration_task(labelled, choice),
        model=REPLAY_MODEL,
        model_roles=choice.graders or None,  # type: ignore[arg-type]
        log_dir=str(log_dir),
        display=display,  # type: ignore[arg-type]
        max_connections=max_connections,
        fail_on_error=False,
        score_display=False,
    )
    if log.status != "success":
        message = log.error.message if log.error else log.status
        raise RuntimeError(f"calibration run did not finish ({log.status}): {message}")
    return log
