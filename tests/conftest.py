"""Shared test helpers: run the installed `inspect` / `schemer-evals` commands in a subprocess, from a
directory outside the repository, the way users do."""

from __future__ import annotations

import contextlib
import functools
import importlib.metadata
import io
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import inspect_ai._display.rich.display as inspect_rich_display
import inspect_ai._util.package as inspect_package
import pytest
import rich

# Inspect resolves the distribution behind every task it runs by scanning the file list of every installed
# distribution (`importlib.metadata.packages_distributions`), once per `eval()` call: about a quarter of the
# time of a small in-process eval, and the suite makes hundreds. Nothing is installed while the tests run, so
# the scan is done once per session. Eval results and logs are unchanged (the same distribution is found).
if hasattr(inspect_package, "packages_distributions"):
    inspect_package.packages_distributions = functools.cache(importlib.metadata.packages_distributions)  # type: ignore[assignment]

# With `display="none"` Inspect still renders its final results table into a quiet console: every metric of every
# task (about 300 for a hypothesis suite, one per cell, interval bound and count) laid out by `rich`, about 1.2 s a
# task and a quarter of an in-process organism run, for output that is thrown away. While the console is quiet
# the table is skipped; what any test can see (logs, printed output) is unchanged.
if hasattr(inspect_rich_display, "tasks_results"):
    _tasks_results = inspect_rich_display.tasks_results

    def _tasks_results_unless_quiet(tasks: Any) -> Any:
        return "" if rich.get_console().quiet else _tasks_results(tasks)

    inspect_rich_display.tasks_results = _tasks_results_unless_quiet

pytest_plugins = ("tests.support.run_plan",)

BIN = Path(sys.executable).parent


def run_command(args: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run an installed console script (e.g. `inspect`) and return the finished process."""
    env = {**os.environ, "INSPECT_DISPLAY": "plain", "NO_COLOR": "1"}
    executable = BIN / args[0]
    return subprocess.run(
        [str(executable), *args[1:]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


Runner = Callable[..., subprocess.CompletedProcess[str]]


def run_in_process(args: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """`schemer-evals ARGS` through the `main` its console script calls, in this process, from `cwd`: the same
    exit code and output as `run_command` without starting a new interpreter (about 4 s each). For tests of what
    a command decides and prints; each command keeps at least one test of the installed script itself."""
    from evals.cli import main

    if args[0] != "schemer-evals":
        raise ValueError(f"run_in_process runs schemer-evals only, not {args[0]}")
    out, err = io.StringIO(), io.StringIO()
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(args[1:])
            except SystemExit as raised:  # argparse rejected the arguments, or --help
                code = raised.code if isinstance(raised.code, int) else 1
    finally:
        os.chdir(previous)
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="session")
def cli() -> Runner:
    """`run_command`, for tests that run installed console scripts."""
    return run_command


@pytest.fixture(scope="session")
def cli_in_process() -> Runner:
    """`run_in_process`: `schemer-evals` commands run in the test's process, with `cli`'s signature."""
    return run_in_process


@pytest.fixture
def outside_repo(tmp_path: Path) -> Path:
    """A working directory with no checkout around it."""
    work = tmp_path / "work"
    work.mkdir()
    return work
