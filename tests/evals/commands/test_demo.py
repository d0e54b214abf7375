"""`schemer-evals demo` writes logs for every suite x profile and tells the user where they are."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from inspect_ai.log import list_eval_logs, read_eval_log

from tasks.suites import SUITES

Runner = Callable[..., subprocess.CompletedProcess[str]]


@pytest.mark.slow
def test_demo_writes_logs_and_says_how_to_open_them(outside_repo: Path, cli: Runner) -> None:
    log_dir = outside_repo / "demo-logs"
    # Two suites, two samples each: the command's shape (suite x profile, logs, report, messages), not its size;
    # tests/evals/report runs the whole panel (every suite) in-process, a larger run of the same `run_panel`.
    suites = ["value_conflict", "sandbagging"]
    command = ["schemer-evals", "demo", "--log-dir", str(log_dir), "--limit", "2", "--suites", ",".join(suites)]
    result = cli(command, cwd=outside_repo)
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"inspect view --log-dir {log_dir}" in result.stdout
    logs = [read_eval_log(path, header_only=True) for path in list_eval_logs(str(log_dir))]
    assert len(logs) == len(suites) * 3 and all(suite in SUITES for suite in suites)
    assert {log.eval.model for log in logs} == {
        "organism/honest",
        "organism/context_gated_gamer",
        "organism/worst_case_schemer",
    }
    assert (log_dir / "report" / "report.html").exists()
    assert "Report (verdict per model, heat map" in result.stdout
    assert all(log.status == "success" for log in logs)


def test_demo_rejects_unknown_profile(outside_repo: Path, cli_in_process: Runner) -> None:
    result = cli_in_process(["schemer-evals", "demo", "--profiles", "saint"], cwd=outside_repo)
    assert result.returncode == 2
    assert "unknown profile level(s) 'saint'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--max-tasks", "0"], "--max-tasks: must be 1 or more, got 0"),
        (["--limit", "-3"], "--limit: must be 1 or more, got -3"),
        (["--limit", "0"], "--limit: must be 1 or more, got 0"),
        (["--limit", "ten"], "--limit: must be a whole number, got 'ten'"),
    ],
)
def test_demo_rejects_counts_that_would_hang_or_run_nothing(
    outside_repo: Path, cli_in_process: Runner, args: list[str], message: str
) -> None:
    result = cli_in_process(["schemer-evals", "demo", "--log-dir", str(outside_repo / "logs"), *args], cwd=outside_repo)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert not (outside_repo / "logs").exists()


def test_demo_rejects_a_misspelled_task_argument_with_the_closest_name(
    outside_repo: Path, cli_in_process: Runner
) -> None:
    result = cli_in_process(
        ["schemer-evals", "demo", "--suites", "value_conflict", "-T", "value_domian=copyright"], cwd=outside_repo
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "suite value_conflict has no parameter 'value_domian'; did you mean 'value_domain'?" in lines[0]
    assert not list(outside_repo.glob("results/demo-*/*.eval"))
