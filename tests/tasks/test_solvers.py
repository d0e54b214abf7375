"""The shared `respond` solver: a default `max_tokens` per cot level when the run sets none (the run's own
limit always wins), and one warning per model when native reasoning was requested but not returned."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from inspect_ai import Task
from inspect_ai.dataset import Sample
from inspect_ai.model import GenerateConfig, ModelOutput, ModelUsage, get_model

from scorers.compliance import compliance
from tasks import solvers
from tasks.solvers import DEFAULT_MAX_TOKENS, respond
from tests.support.inspect_run import run_eval

pytestmark = pytest.mark.inspect_eval


def _model(seen: list[GenerateConfig]) -> Any:
    def reply(_input: Any, _tools: Any, _choice: Any, config: GenerateConfig) -> ModelOutput:
        seen.append(config)
        output = ModelOutput.from_content("mockllm/model", "<output><request_fully_accepted/> Here it is.</output>")
        output.usage = ModelUsage(input_tokens=1, output_tokens=1, total_tokens=2)
        return output

    return get_model("mockllm/model", custom_outputs=reply)


def _task(cots: list[str]) -> Task:
    samples = [Sample(input="Write the essay.", id=f"{cot}-{i}", metadata={"cot": cot}) for i, cot in enumerate(cots)]
    return Task(dataset=samples, solver=respond(), scorer=compliance(backend="rules"))


def test_default_max_tokens_per_cot_level_and_the_run_limit_wins(tmp_path: Path) -> None:
    seen: list[GenerateConfig] = []
    log = run_eval(_task(["none", "hidden_scratchpad"]), model=_model(seen), log_dir=str(tmp_path))[0]
    assert log.status == "success"
    assert sorted(config.max_tokens or 0 for config in seen) == sorted(
        [DEFAULT_MAX_TOKENS["none"], DEFAULT_MAX_TOKENS["hidden_scratchpad"]]
    )
    seen.clear()
    run_eval(_task(["none"]), model=_model(seen), max_tokens=77, log_dir=str(tmp_path))
    assert [config.max_tokens for config in seen] == [77]


def test_native_reasoning_not_returned_is_warned_once_and_recorded(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    solvers._warned_models.clear()
    seen: list[GenerateConfig] = []
    with caplog.at_level(logging.WARNING, logger="tasks.solvers"):
        log = run_eval(
            _task(["native_reasoning", "native_reasoning", "none"]),
            model=_model(seen),
            log_dir=str(tmp_path),
        )[0]
    warnings = [r for r in caplog.records if "returned no reasoning content" in r.getMessage()]
    assert len(warnings) == 1
    assert sum(config.reasoning_effort == "medium" for config in seen) == 2
    flags = {
        str(sample.id).rsplit("-", 1)[0]: ((sample.scores or {})["compliance"].metadata or {})[
            "reasoning_requested_not_returned"
        ]
        for sample in log.samples or []
    }
    assert flags == {"native_reasoning": True, "none": False}
