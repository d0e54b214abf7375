"""How the test session is planned: which tests run an Inspect eval (the `inspect_eval` marker, which
`make test-fast` leaves out), and how `make test` spreads the files over two workers.

`inspect_eval` marks a test that runs an Inspect eval or starts a `schemer-evals` / `inspect` command. Tests
that use the `cli`, `cli_in_process` or `demo_report` fixtures get it automatically; a module whose tests run
evals any other way declares `pytestmark = pytest.mark.inspect_eval`. The session checks the declaration: a
test without the marker that starts an Inspect run is reported and fails the session, so the fast selection
stays fast.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest
from inspect_ai.hooks import Hooks, RunStart, hooks
from inspect_ai.model import get_model

EVAL_FIXTURES = ("cli", "cli_in_process", "demo_report")
"""Fixtures that run an eval or a command: a test using one is marked `inspect_eval` automatically."""

SHARED_RUN_FILES = {
    "tests/evals/report/test_verdict.py": "demo-run",
    "tests/evals/report/test_render_chromium.py": "demo-run",
}
"""Test files that share a session-scoped organism run (the `demo_report` fixture): under `--dist loadfile` they
go to the same worker as one unit, so the run is made once. Collection fails if a file that uses the fixture is
missing here."""
SHARED_RUN_FIXTURES = ("demo_report",)


# Inspect announces the registered hooks on stdout the first time it makes a model in a process; making one now,
# before the counter below is registered, keeps that announcement out of the tests that read what a command
# printed. Hooks are looked up when each run starts, so the counter still hears every run.
get_model("mockllm/model", memoize=False)


@hooks(name="schemer_tests_run_counter", description="Counts Inspect runs started in the test process.")
class RunCounter(Hooks):
    runs = 0

    async def on_run_start(self, data: RunStart) -> None:
        RunCounter.runs += 1


_RUNS_BEFORE = pytest.StashKey[int]()


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadfile`, with the files of `SHARED_RUN_FILES` scheduled together. (xdist's own `loadgroup`
    marks no longer group tests under pytest >= 9.2: pytest-dev/pytest-xdist#1386.)"""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class SharedRunScheduling(LoadFileScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return SHARED_RUN_FILES.get(path, path)

    return SharedRunScheduling(config, log)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "inspect_eval: runs an Inspect eval or starts a command (left out by `make test-fast`)"
    )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the tests that use an eval fixture, check `SHARED_RUN_FILES`, and queue the files holding slow tests
    first, so that under `--dist loadfile --no-loadscope-reorder` the longest units do not start last and leave a
    worker idle at the end."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if any(name in fixtures for name in EVAL_FIXTURES):
            item.add_marker(pytest.mark.inspect_eval)
        path = item.path.relative_to(config.rootpath).as_posix()
        shared = [name for name in SHARED_RUN_FIXTURES if name in fixtures]
        if shared and path not in SHARED_RUN_FILES:
            raise pytest.UsageError(f"{path} uses {shared[0]}: add it to SHARED_RUN_FILES in {__name__}")
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_files)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    item.stash[_RUNS_BEFORE] = RunCounter.runs


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    """An unmarked test that started an Inspect run (in its setup, call or teardown) fails at teardown."""
    report: pytest.TestReport = yield
    started = RunCounter.runs > item.stash.get(_RUNS_BEFORE, RunCounter.runs)
    if call.when == "teardown" and started and item.get_closest_marker("inspect_eval") is None:
        report.outcome = "failed"
        report.longrepr = (
            f"{item.nodeid} runs an Inspect eval but is not marked inspect_eval (so `make test-fast` would run "
            "it): add `pytestmark = pytest.mark.inspect_eval` to its module"
        )
    return report
