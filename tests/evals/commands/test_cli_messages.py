"""Small things users read: help text, counts, plurals, hints that name the right file, one-line errors for a
misspelled organism profile."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from evals.cli import build_parser
from evals.compare import plural
from evals.nightly.config import ConfigError, load_config

Runner = Callable[..., subprocess.CompletedProcess[str]]


@pytest.mark.parametrize("command", ["report", "consistency", "compare", "nightly", "trend", "demo"])
def test_help_shows_percent_signs_once(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args([command, "--help"])
    text = capsys.readouterr().out
    assert "%%" not in text
    if command in ("report", "consistency"):
        assert "95% intervals" in " ".join(text.split())


def test_counts_agree_with_their_nouns() -> None:
    assert plural(1, "regression") == "1 regression"
    assert plural(0, "regression") == "0 regressions"
    assert plural(2, "metric x cell comparison") == "2 metric x cell comparisons"


def test_a_missing_grader_file_hint_names_the_grader_example(tmp_path: Path) -> None:
    config = tmp_path / "nightly.yaml"
    config.write_text(
        "log_root: out\nmodels: {m: organism/honest}\nsuites: {value_conflict: {}}\ngrader: absent.yaml\n"
    )
    with pytest.raises(
        ConfigError, match=r"grader settings .*absent.yaml does not exist; .*\(e.g. configs/grader.yaml\)"
    ):
        load_config(config)


def test_a_misspelled_organism_profile_is_one_line_with_the_closest_name(outside_repo: Path, cli: Runner) -> None:
    task = outside_repo / "task.py"
    task.write_text(
        "from inspect_ai import Task, task\nfrom inspect_ai.dataset import Sample\n"
        "from inspect_ai.solver import generate\n\n\n@task\ndef one() -> Task:\n"
        "    return Task(dataset=[Sample(input='hi')], solver=generate())\n"
    )
    result = cli(["inspect", "eval", "task.py@one", "--model", "organism/hones"], cwd=outside_repo, timeout=120)
    output = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert result.returncode != 0
    assert output == ["unknown organism profile 'hones'; did you mean --model organism/honest?"], output
