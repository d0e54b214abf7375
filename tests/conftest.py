"""Shared test helpers: run the installed `inspect` / `schemer-evals` commands in a subprocess, from a
directory outside the repository, the way users do."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.inspect_internals import speed_up_inspect

# Skips work that only feeds screens nobody watches (the distribution scan per eval, the results table rendered
# into a quiet console); logs and printed output are unchanged. See tests/support/inspect_internals.py.
speed_up_inspect()

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
