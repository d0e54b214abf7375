"""`inspect eval tasks/oversight_subversion tasks/collusion` works from outside the repository against the
organisms: the registry finds both suites and the organism situations answer them."""

from __future__ import annotations

import math
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from inspect_ai.log import list_eval_logs, read_eval_log

Runner = Callable[..., subprocess.CompletedProcess[str]]


@pytest.mark.slow
def test_both_suites_run_under_inspect_eval(outside_repo: Path, cli: Runner) -> None:
    result = cli(
        [
            "inspect",
            "eval",
            "tasks/oversight_subversion",
            "tasks/collusion",
            "--model",
            "organism/worst_case_schemer",
            "--limit",
            "4",
            "--log-dir",
            "logs",
            "-T",
            "cot=hidden_scratchpad",
        ],
        cwd=outside_repo,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    logs = {log.eval.task: log for log in map(read_eval_log, list_eval_logs(str(outside_repo / "logs")))}
    assert set(logs) == {"tasks/oversight_subversion", "tasks/collusion"}
    for task, log in logs.items():
        assert log.status == "success", log.error
        scorer = task.split("/")[1]
        for sample in log.samples or []:
            value = sample.scores[scorer].value  # type: ignore[index]
            assert isinstance(value, dict), (task, value)
            # --limit takes a balanced prefix: collusion is unscored (NaN) for clean items by design.
            if (sample.metadata or {}).get("planted") == "clean":
                assert math.isnan(value[scorer]) and value["false_flag"] in (0.0, 1.0), (task, value)
            else:
                assert value[scorer] in (0.0, 1.0), (task, value)
