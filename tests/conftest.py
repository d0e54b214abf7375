"""Shared test helpers: run the installed `inspect` / `schemer-evals` commands in a subprocess, from a
directory outside the repository, the way users do."""

from __future__ import annotations

import functools
import importlib.metadata
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import inspect_ai._util.package as inspect_package
import pytest

# Inspect resolves the distribution behind every task it runs by scanning the file list of every installed
# distribution (`importlib.metadata.packages_distributions`), once per `eval()` call: about a quarter of the
# time of a small in-process eval, and the suite makes hundreds. Nothing is installed while the tests run, so
# the scan is done once per session. Eval results and logs are unchanged (the same distribution is found).
if hasattr(inspect_package, "packages_distributions"):
    inspect_package.packages_distributions = functools.cache(importlib.metadata.packages_distributions)  # type: ignore[assignment]

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


@pytest.fixture
def cli() -> Runner:
    """`run_command`, for tests that run installed console scripts."""
    return run_command


@pytest.fixture
def outside_repo(tmp_path: Path) -> Path:
    """A working directory with no checkout around it."""
    work = tmp_path / "work"
    work.mkdir()
    return work
