"""A small demo run (the organism panel on every suite, `--limit` samples per suite) and its report, shared by
the report tests that check the first screen against the organisms' planted behaviour.

It runs the demo's panel (`schemer-evals demo`'s default profiles and suites, through the command's own
`run_panel`) in-process with Inspect's live display off; the demo command itself is run end to end by
`tests/evals/commands/test_demo.py`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from evals.commands.demo import DEFAULT_PROFILES, run_panel
from evals.logs import SampleTable, load
from evals.name_checks import build_suite
from evals.report import Report, build_report, write_report
from tasks.suites import SUITES
from tests.support.inspect_run import QUIET

DEMO_LIMIT = 120
"""Samples per suite: enough for every planted effect to clear its interval, small enough for a test."""


@dataclass(frozen=True)
class DemoReport:
    log_dir: Path
    table: SampleTable
    report: Report
    html: Path
    markdown: Path


@pytest.fixture(scope="session")
def demo_report(tmp_path_factory: pytest.TempPathFactory) -> DemoReport:
    log_dir = tmp_path_factory.mktemp("demo-logs")
    tasks = [build_suite(name, {}) for name in SUITES]
    success, _ = run_panel(tasks, DEFAULT_PROFILES, log_dir, DEMO_LIMIT, max_tasks=4, **QUIET)
    assert success
    table = load([log_dir])
    report = build_report(table, [str(log_dir)], examples_per_cell=1)
    written = write_report(report, tmp_path_factory.mktemp("demo-report"))
    return DemoReport(log_dir, table, report, written.html, written.markdown)
