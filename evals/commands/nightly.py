"""`schemer-evals nightly --config FILE`: run the nightly eval set, report, compare with the baseline (the last
night that passed, or a pinned run) and exit with the gate's verdict: 0 passed, 1 a regression past a
threshold (its interval at the gate's level excludes the allowed change), 2 a bad config (e.g. no
thresholds), arguments or baseline, or a model that cannot start (an API key not set; nothing runs, nothing is
written), 3 the baseline's gated pairs not covered, 4 a log that did not finish, 5 cannot decide (too few
scenarios for the test at the gate's level).

The terminal gets a short table per run; `--verbose` adds every metric of every log."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any, cast

from inspect_ai.log import read_eval_log
from inspect_ai.util import DisplayType

from evals.logs import LogInfo
from evals.nightly.config import load_config
from evals.nightly.explain import explain
from evals.nightly.night import run_nightly
from evals.nightly.run import night_name, run_directory

DISPLAYS = ("full", "conversation", "rich", "plain", "log", "none")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "nightly",
        help="run the nightly eval set, report, and fail on regressions against the last passing night",
        description="Runs the config's suites x model panel with Inspect's eval_set into <log_root>/<date>/ "
        "(re-running resumes), compares with the baseline (the last night that passed, or a pinned one), writes "
        "the report with the verdict on top and records the night in <log_root>/history.jsonl. Exit codes: "
        "0 passed, 1 regression (its interval at the gate's level excludes the allowed change), 2 bad "
        "config/arguments/baseline or a model that cannot start (API key not set), 3 baseline not covered, "
        "4 run incomplete, 5 cannot decide (too few scenarios for the test at the gate's level).",
    )
    parser.add_argument("--config", type=Path, required=True, help="nightly config YAML (see configs/nightly.yaml)")
    parser.add_argument("--date", type=dt.date.fromisoformat, default=None, help="run date YYYY-MM-DD (default: today)")
    parser.add_argument(
        "--run-dir",
        type=Path,
        default=None,
        help="log directory of this run (default: log_root/date); the history still records the night by its date",
    )
    parser.add_argument("--baseline", type=Path, default=None, help="baseline run directory (overrides the config)")
    parser.add_argument(
        "--display", choices=DISPLAYS, default=None, help="Inspect's progress display (default: none, quiet)"
    )
    parser.add_argument("--verbose", action="store_true", help="also print every metric of every log")
    parser.add_argument("--strict", action="store_true", help="an unreadable log is an error instead of skipped")
    parser.add_argument(
        "--naive", action="store_true", help="unpaired tests (ignore that both nights ran the same samples)"
    )
    parser.set_defaults(handler=run)


def metric_dump(infos: list[LogInfo]) -> list[str]:
    """Every metric of every log's results, one line each (the `--verbose` view)."""
    lines: list[str] = []
    for info in infos:
        log = read_eval_log(info.path, header_only=True)
        lines.append(f"{info.suite} x {info.model} ({info.status}):")
        for score in log.results.scores if log.results else []:
            for name, metric in score.metrics.items():
                lines.append(f"  {score.name} {name}: {metric.value:g}")
    return lines


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    run_dir = run_directory(config, args.date, args.run_dir)
    result = run_nightly(
        config,
        run_dir,
        cast(DisplayType | None, args.display),
        args.baseline,
        args.strict,
        not args.naive,
        night=night_name(args.date),
    )
    print()
    if args.verbose:
        for line in metric_dump(result.logs):
            print(line)
        print()
    for line in explain(result, config):
        print(line)
    return result.exit_code
