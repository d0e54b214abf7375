"""`inspect score` re-scores an existing log with the registered `scorers/training_gaming_reasoning` scorer and
a grader bound on the command line, the way users re-grade a run with a different judge."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from inspect_ai.log import read_eval_log

from tasks.value_conflict import value_conflict
from tests.support.inspect_run import run_eval

Runner = Callable[..., subprocess.CompletedProcess[str]]


@pytest.mark.slow
def test_inspect_score_regrades_a_log_with_a_grader_from_the_command_line(
    tmp_path: Path, outside_repo: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    task = value_conflict(value_domain="privacy", cot="hidden_scratchpad", training_awareness="training")
    [log] = run_eval(task, model="organism/context_gated_gamer", seed=3, log_dir=str(tmp_path / "logs"))
    assert log.status == "success" and log.location
    before = {str(s.id): (s.scores or {})["training_gaming_reasoning"] for s in log.samples or []}
    assert {score.metadata["backend"] for score in before.values() if score.metadata} == {"rules"}

    monkeypatch.setenv("INSPECT_CACHE_DIR", str(tmp_path / "cache"))
    rescored_file = tmp_path / "rescored.eval"
    result = cli(
        [
            "inspect",
            "score",
            log.location,
            "--scorer",
            "scorers/training_gaming_reasoning",
            "-S",
            "votes=3",
            "--model-role",
            "grader=mockllm/model",
            "--action",
            "overwrite",
            "--output-file",
            str(rescored_file),
            "--display",
            "plain",
        ],
        cwd=outside_repo,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    rescored = read_eval_log(str(rescored_file))
    assert rescored.samples
    backends = set()
    for sample in rescored.samples:
        score = (sample.scores or {})["training_gaming_reasoning"]
        metadata = score.metadata or {}
        backends.add(metadata["backend"])
        if metadata["backend"] == "judge":
            # mockllm's default reply is not a verdict: unscored, with the reason, never a silent 0
            assert score.answer == "unscored" and "unparseable reply" in str(score.explanation)
            assert metadata["grader_calls"] == 3
        else:
            assert metadata["backend"] == "prefilter" and metadata["grader_calls"] == 0
    assert "judge" in backends, "reasoning that mentions training goes to the grader"
