"""`schemer-evals nightly --config FILE`: run the nightly eval set, report, compare with the baseline run and
exit non-zero when a metric moves past the configured thresholds (or a log did not finish)."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any, cast

from inspect_ai.util import DisplayType

from evals.nightly import explain, load_config, run_directory, run_nightly

DISPLAYS = ("full", "conversation", "rich", "plain", "log", "none")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "nightly",
        help="run the nightly eval set, report, and fail on regressions against the baseline run",
        description="Runs the config's suites x model panel with Inspect's eval_set into <log_root>/<date>/ "
        "(re-running resumes), writes the report, compares with the baseline and exits 1 on a regression.",
    )
    parser.add_argument("--config", type=Path, required=True, help="nightly config YAML (see configs/nightly.yaml)")
    parser.add_argument("--date", type=dt.date.fromisoformat, default=None, help="run date YYYY-MM-DD (default: today)")
    parser.add_argument("--run-dir", type=Path, default=None, help="log directory of this run (default: log_root/date)")
    parser.add_argument("--baseline", type=Path, default=None, help="baseline run directory (overrides the config)")
    parser.add_argument("--display", choices=DISPLAYS, default=None, help="Inspect's progress display")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    run_dir = run_directory(config, args.date, args.run_dir)
    result = run_nightly(config, run_dir, cast(DisplayType | None, args.display), args.baseline)
    print()
    for line in explain(result):
        print(line)
    return result.exit_code
