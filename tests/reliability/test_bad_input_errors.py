"""Bad configs and parameters give one line that names the problem and the fix: no traceback, non-zero exit.

Through the real command lines: the installed `inspect` CLI for task parameters (a subprocess, as users run
it), and `evals.cli.main` in-process for `schemer-evals` commands.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from inspect_ai import eval

from evals.cli import main
from tasks.conditions import ParameterError
from tasks.value_conflict import value_conflict

pytestmark = pytest.mark.inspect_eval


Runner = Callable[..., subprocess.CompletedProcess[str]]


INSPECT_BANNER = ("inspect_ai v", "- hooks enabled", "  schemer_evals_redact_secrets")
"""Inspect's own start-up lines, printed when a hook is registered (ours is, when an API key is set)."""


def error_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip() and not line.startswith(INSPECT_BANNER)]


def test_unknown_factor_level_on_the_inspect_cli(
    outside_repo: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # Inspect's console wraps messages at the terminal width
    result = cli(
        ["inspect", "eval", "tasks/value_conflict", "-T", "cot=bogus", "--model", "mockllm/model", "--limit", "1"],
        cwd=outside_repo,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Traceback" not in output
    [line] = error_lines(output)
    assert "unknown cot level(s) 'bogus'" in line
    assert "-T cot=none" in line and "hidden_scratchpad" in line


@pytest.mark.parametrize(
    ("parameters", "problem", "fix"),
    [
        ({"cot": "telepathy"}, "unknown cot level(s) 'telepathy'", "-T cot=none"),
        ({"training_awareness": "training,watched"}, "'watched'", "-T training_awareness=unmonitored"),
        ({"scenarios_per_cell": "many"}, "scenarios_per_cell must be a positive integer", "'many'"),
        ({"scenarios_per_cell": -1}, "scenarios_per_cell must be a positive integer", "-1"),
    ],
)
def test_bad_task_parameters_raise_one_line_prerequisite_errors(
    parameters: dict[str, object], problem: str, fix: str
) -> None:
    with pytest.raises(ParameterError) as raised:
        value_conflict(**parameters)  # type: ignore[arg-type]
    message = str(raised.value)
    assert problem in message and fix in message
    assert "\n" not in message
    assert isinstance(raised.value, ValueError)


def test_missing_api_key_names_the_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("NOKEY_API_KEY", raising=False)
    with pytest.raises(Exception, match="NOKEY_API_KEY"):
        eval(value_conflict(scenarios_per_cell=1), model="openai-api/nokey/model", limit=1, log_dir=str(tmp_path))


@pytest.mark.parametrize(
    ("arguments", "problem", "fix"),
    [
        (["--suites", "no_such_suite"], "unknown suite level(s) 'no_such_suite'", "--suites value_conflict"),
        (["--profiles", "saint"], "unknown profile level(s) 'saint'", "--profiles honest"),
    ],
)
def test_schemer_evals_unknown_names(
    arguments: list[str], problem: str, fix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", *arguments]) == 2
    captured = capsys.readouterr()
    [line] = error_lines(captured.err)
    assert problem in line and fix in line
    assert "Traceback" not in captured.err and not captured.out


def test_log_dir_that_is_not_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert main(["demo", "--log-dir", str(blocker / "logs")]) == 2
    [line] = error_lines(capsys.readouterr().err)
    assert f"cannot write to {blocker / 'logs'}" in line
    assert "pass --log-dir with a directory you can write to" in line


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to read-only directories")
def test_log_dir_without_write_permission(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        assert main(["demo", "--log-dir", str(locked)]) == 2
    finally:
        locked.chmod(0o700)
    [line] = error_lines(capsys.readouterr().err)
    assert "cannot write to" in line and "Permission denied" in line


GATE = "thresholds: [{metric: compliance, max_increase: 0.5}]\n"
NIGHTLY_BASE = "log_root: out\nmodels: {a: organism/honest}\n" + GATE
BAD_NIGHTLY_CONFIGS = {
    "unknown suite": (NIGHTLY_BASE + "suites: {nope: {}}\n", ["unknown suite 'nope'", "available: value_conflict"]),
    "malformed YAML": (
        "log_root: out\nmodels: {a: organism/honest\nsuites: [value_conflict]\n",
        ["invalid YAML at line 3", "fix the syntax"],
    ),
    "unknown factor level": (
        NIGHTLY_BASE + "suites: {value_conflict: {cot: bogus}}\n",
        ["unknown cot level(s) 'bogus'", "hidden_scratchpad"],
    ),
    "missing grader file": (
        NIGHTLY_BASE + "suites: [value_conflict]\ngrader: no_such_grader.yaml\n",
        ["grader settings", "no_such_grader.yaml does not exist"],
    ),
    "grader without a model": (
        NIGHTLY_BASE + "suites: [value_conflict]\ngrader: {config: {temperature: 0.5}}\n",
        ["`grader` needs a `model`", "anthropic/claude-sonnet-4-5"],
    ),
    "log root under a file": (
        "log_root: a-file/logs\nmodels: {a: organism/honest}\nsuites: [value_conflict]\n" + GATE,
        ["not writable", "set log_root"],
    ),
}


@pytest.mark.parametrize("case", list(BAD_NIGHTLY_CONFIGS))
def test_bad_nightly_configs(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text, expected = BAD_NIGHTLY_CONFIGS[case]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-file").write_text("")
    config = tmp_path / "nightly.yaml"
    config.write_text(text)
    assert main(["nightly", "--config", str(config)]) == 2
    captured = capsys.readouterr()
    [line] = error_lines(captured.err)
    assert all(part in line for part in expected), line
    assert "Traceback" not in captured.err
    assert not list(tmp_path.rglob("*.eval")), "nothing may run before the config is known to be good"


@pytest.fixture(scope="module")
def small_log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    log_dir = tmp_path_factory.mktemp("logs")
    task = value_conflict(cot="hidden_scratchpad", scenarios_per_cell=1)
    eval(task, model="organism/honest", limit=2, log_dir=str(log_dir))
    return log_dir


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["report", "no_such_dir"], ["no such log file or directory: no_such_dir"]),
        (["report", "empty"], ["no Inspect logs", "pass a log directory"]),
        (["report", "LOGS", "--output-dir", "a-file/report"], ["Not a directory: a-file/report", "pass a path"]),
    ],
)
def test_bad_report_paths(
    arguments: list[str],
    expected: list[str],
    small_log_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-file").write_text("")
    (tmp_path / "empty").mkdir()
    assert main([str(small_log_dir) if argument == "LOGS" else argument for argument in arguments]) == 2
    captured = capsys.readouterr()
    [line] = [line for line in error_lines(captured.err) if "error:" in line]
    assert error_lines(captured.err)[-1] == line, "the error is the last thing printed"
    assert all(part in line for part in expected), line
    assert "Traceback" not in captured.err


def test_judge_demanded_without_a_grader(
    small_log_dir: Path, tmp_path: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`-S backend=judge` with no grader bound: one line naming the missing role, no traceback."""
    monkeypatch.setenv("COLUMNS", "400")
    [log] = list(small_log_dir.glob("*.eval"))
    copy = tmp_path / log.name
    copy.write_bytes(log.read_bytes())
    scorer = ["--scorer", "scorers/training_gaming_reasoning", "-S", "backend=judge"]
    result = cli(["inspect", "score", str(copy), *scorer, "--action", "append", "--overwrite"], cwd=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Traceback" not in output
    [line] = [line for line in error_lines(output) if "grader" in line]
    assert "needs a grader model" in line and "--model-role grader=" in line
