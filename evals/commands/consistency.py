"""`schemer-evals consistency LOG_DIR`: in how many contexts each behaviour appears, per model, and how
training-gaming co-occurs with each worst-case behaviour (see `evals/analysis/consistency.py`). Prints the tables and
writes them as JSON and Markdown."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from evals.analysis.consistency import analyse, to_json, to_markdown, to_text
from evals.logs import load


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "consistency",
        help="per model: in how many contexts each behaviour appears, and TG x worst-case co-occurrence",
        description="Reads Inspect logs and reports, per model and behaviour, the contexts (suite x condition cell) "
        "where the behaviour is significant, and how training-gaming and each worst-case behaviour co-occur, "
        "with 95% intervals. An unreadable log is skipped with a warning naming it (an error with --strict).",
    )
    parser.add_argument(
        "log_dir", type=Path, metavar="LOG_DIR", help="directory of Inspect logs (searched recursively)"
    )
    parser.add_argument("--model", default=None, help="only this model (full name or its last part)")
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        metavar="STEM",
        help="file stem of the outputs: STEM.json and STEM.md (default: LOG_DIR/consistency)",
    )
    parser.add_argument("--strict", action="store_true", help="an unreadable log is an error instead of skipped")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    result = analyse(load([args.log_dir], args.model, strict=args.strict))
    stem: Path = args.output or args.log_dir / "consistency"
    stem.parent.mkdir(parents=True, exist_ok=True)
    json_path, markdown_path = stem.with_suffix(".json"), stem.with_suffix(".md")
    json_path.write_text(to_json(result), encoding="utf-8")
    markdown_path.write_text(to_markdown(result), encoding="utf-8")
    print(to_text(result))
    for warning in result.warnings:
        print(f"warning: {warning}")
    print(f"\nWrote {json_path} and {markdown_path}")
    return 0
