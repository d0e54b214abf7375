"""Small things users read: help text, counts, plurals, hints that name the right file, one-line errors for a
misspelled organism profile."""

from __future__ import annotations

import argparse
import importlib.metadata
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from evals.cli import build_parser
from evals.compare import plural
from evals.nightly.config import ConfigError, load_config
from tests.reliability.test_bad_input_errors import error_lines

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
    output = error_lines(result.stdout + result.stderr)
    assert result.returncode != 0
    assert output == ["unknown organism profile 'hones'; did you mean --model organism/honest?"], output


def test_version_prints_the_installed_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"schemer-evals {importlib.metadata.version('schemer-evals')}"


HIDDEN_ALIASES = {("export-suite", "--out")}
"""Former option names still accepted but left out of --help (each beside the option that replaced it)."""


def _parsers() -> Iterator[tuple[str, argparse.ArgumentParser]]:
    parser = build_parser()
    yield "schemer-evals", parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            yield from action.choices.items()


def test_every_argument_and_option_of_every_command_has_help() -> None:
    missing = []
    for command, parser in _parsers():
        for action in parser._actions:
            name = action.option_strings[-1] if action.option_strings else action.dest
            if action.help == argparse.SUPPRESS and (command, name) in HIDDEN_ALIASES:
                continue
            if not (action.help or "").strip() or action.help == argparse.SUPPRESS:
                missing.append(f"{command} {name}")
    assert not missing, missing
    assert {command for command, _ in _parsers()} >= {"demo", "export-suite", "report", "trend", "calibrate"}


def test_positional_arguments_are_shown_by_the_names_their_help_uses() -> None:
    """Each positional's metavar is its name in upper case (`trend ROOT`, `compare A B`), the way descriptions and
    other options' help refer to it."""
    for command, parser in _parsers():
        for action in parser._actions:
            if not action.option_strings and not isinstance(action, argparse._SubParsersAction):
                assert action.metavar == action.dest.upper(), (command, action.dest, action.metavar)
    assert "usage: schemer-evals trend [-h] [--output-dir OUTPUT_DIR] ROOT" in _usage("trend")


def test_task_parameters_are_spelled_the_same_in_every_command() -> None:
    spellings = {
        (action.metavar, action.dest)
        for _, parser in _parsers()
        for action in parser._actions
        if "-T" in action.option_strings
    }
    assert spellings == {("KEY=VALUE", "task_args")}


def _usage(command: str) -> str:
    return " ".join(dict(_parsers())[command].format_usage().split())
