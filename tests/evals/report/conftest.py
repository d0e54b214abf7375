"""A small demo run (the organism panel on every suite, `--limit` samples per suite) and its report, shared by
the report tests that check the first screen against the organisms' planted behaviour."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import pytest

from evals.commands.demo import DEFAULT_PROFILES
from evals.commands.demo import run as run_demo
from evals.logs import SampleTable, load
from evals.report import Report, build_report, write_report
from tasks.suites import SUITES

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
    args = argparse.Namespace(
        log_dir=log_dir,
        profiles=",".join(DEFAULT_PROFILES),
        suites=",".join(SUITES),
        limit=DEMO_LIMIT,
        max_tasks=4,
        no_report=True,
        task_args=[],
    )
    assert run_demo(args) == 0
    table = load([log_dir])
    report = build_report(table, [str(log_dir)], examples_per_cell=1)
    written = write_report(report, tmp_path_factory.mktemp("demo-report"))
    return DemoReport(log_dir, table, report, written.html, written.markdown)
