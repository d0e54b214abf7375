"""`schemer-evals report LOGS...`: one self-contained HTML page and a Markdown summary from Inspect logs.

Unreadable logs are skipped with a warning naming each (counted in the summary line), or are an error with
`--strict`. Over a nightly root (a directory with `history.jsonl`) the report also draws each headline metric
across nights (`trend.md`, `trend.png`, and a section at the end of the report)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from evals.analysis.evidence import DEFAULT_MARGIN
from evals.compare import plural
from evals.logs import LogInfo, load, skipped_count
from evals.nightly.history import HISTORY_FILE
from evals.nightly.trend import write_trend
from evals.report import build_report, write_report


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "report",
        help="write an HTML report and a Markdown summary from Inspect logs",
        description="First a verdict card per model (where training-gaming and each worst-case behaviour appear, "
        "consistency, placement) and a models x behaviours heat map; then one figure per hypothesis, per-condition "
        "rates with 95% intervals, effects, example transcripts, and the logs, judge cost and unscored samples.",
    )
    parser.add_argument(
        "logs", nargs="+", type=Path, metavar="LOGS", help="log directories (searched recursively) or .eval files"
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=None,
        help="where report.html and report.md go (default: results/reports/<name of the first LOGS>)",
    )
    parser.add_argument("--model", default=None, help="only this model (full name or its last part)")
    parser.add_argument("--examples", type=int, default=2, help="example transcripts per condition cell (default 2)")
    parser.add_argument("--strict", action="store_true", help="an unreadable log is an error instead of skipped")
    parser.add_argument(
        "--margin",
        type=float,
        default=DEFAULT_MARGIN,
        help=f"a behaviour counts as not found only when its 95%% upper bound is below this effect "
        f"(default {DEFAULT_MARGIN})",
    )
    parser.add_argument(
        "--no-planted",
        action="store_true",
        help="do not read organism transcripts to draw their planted values in the figures",
    )
    parser.set_defaults(handler=run)


def progress(index: int, total: int, info: LogInfo) -> None:
    print(f"[{index}/{total}] reading {info.suite} x {info.model} ({info.status})", file=sys.stderr, flush=True)


def default_output_dir(logs: list[Path]) -> Path:
    return Path("results") / "reports" / (logs[0].resolve().name.removesuffix(".eval") or "report")


def run(args: argparse.Namespace) -> int:
    if args.examples < 0:
        raise ValueError("--examples must be 0 or more")
    if not 0 < args.margin <= 1:
        raise ValueError("--margin must be above 0 and at most 1")
    out_dir: Path = args.output_dir or default_output_dir(args.logs)
    table = load(args.logs, model=args.model, progress=progress, strict=args.strict)
    sources = [str(source) for source in args.logs]
    report = build_report(table, sources, args.examples, planted=not args.no_planted, margin=args.margin)
    written = write_report(report, out_dir)
    for warning in written.report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for root in (path for path in args.logs if (path / HISTORY_FILE).is_file()):
        trend = write_trend(root, out_dir, written)
        print(f"Trend across the nights under {root}: {trend}")
    samples = int(written.report.sample_counts["samples"].sum()) if not written.report.sample_counts.empty else 0
    skipped = skipped_count(table.warnings)
    print(
        f"Report of {plural(len(written.report.logs), 'log')}, {plural(samples, 'sample')}, "
        f"{plural(len(written.report.models), 'model')}"
        + (f", {plural(skipped, 'unreadable log')} skipped" if skipped else "")
        + f": {written.html} (summary: {written.markdown})"
    )
    return 0
