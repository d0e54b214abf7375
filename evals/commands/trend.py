"""`schemer-evals trend ROOT`: every recorded night (verdict, baseline, coverage) and each headline
metric across nights with its interval, in Markdown, so a slow drift is visible."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from evals.nightly.history import HISTORY_FILE, read_history, render_trend_markdown
from evals.nightly.trend import write_trend


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "trend",
        help="headline metrics across nightly runs, with intervals and each night's verdict",
        description=f"Reads ROOT/{HISTORY_FILE} (written by `nightly`), prints the trend as Markdown and "
        "writes trend.md and trend.png.",
    )
    parser.add_argument("root", type=Path, metavar="ROOT", help=f"the nightly log_root (holds {HISTORY_FILE})")
    parser.add_argument("--output-dir", type=Path, default=None, help="where trend.md/png go (default: ROOT)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if not (args.root / HISTORY_FILE).is_file():
        raise FileNotFoundError(
            f"{args.root / HISTORY_FILE} does not exist; pass the log_root of a nightly config (nights record there)"
        )
    warnings: list[str] = []
    nights = read_history(args.root, warnings)
    for warning in warnings:
        print(f"warning: {warning}")
    print(render_trend_markdown(nights), end="")
    path = write_trend(args.root, args.output_dir or args.root)
    print(f"\nWrote {path} and {path.with_suffix('.png')}")
    return 0
