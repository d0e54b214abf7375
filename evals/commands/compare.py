"""`schemer-evals compare A B`: per-metric changes between two models or two versions, with significance.

Models are matched by the aliases each run recorded (a nightly run's `panel.yaml`), which the output says.
With `--fail-on-change` the exit code is a gate: 1 when anything changed significantly, 3 when the comparison
does not cover A (a model on one side only, or less than `--min-coverage` of A's metric x cell pairs
compared), 0 otherwise; a comparison of nothing is never a pass.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

from evals.compare import Side, compare, coverage, describe, render_markdown, summary_line
from evals.logs import LogError, load, skipped_logs
from evals.nightly.gate import EXIT_NOT_COVERED, EXIT_PASSED, EXIT_REGRESSED
from evals.nightly.panel import PANEL_FILE, read_panel


def share(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be a share between 0 and 1, got {text}")
    return value


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "compare",
        help="compare two models or versions: per-metric changes with intervals and corrected tests",
        description="A and B are log directories or .eval files; with --logs DIR they are models (or panel "
        "aliases) selected from the logs in DIR. Changes are B minus A, tested per metric and condition cell "
        "(paired: exact cluster sign-flip test over scenarios, its interval by inverting it), Bonferroni across "
        "all comparisons. Models are matched by the aliases each run recorded "
        f"({PANEL_FILE}), else by name. Exit codes with --fail-on-change: 0 no change, 1 a significant change, "
        "3 A not covered (a model on one side only, or too few of A's pairs compared), 2 bad arguments.",
    )
    parser.add_argument("a", metavar="A", help="baseline: a log directory or file, or a model/alias with --logs")
    parser.add_argument("b", metavar="B", help="candidate: a log directory or file, or a model/alias with --logs")
    parser.add_argument("--logs", type=Path, default=None, help="select A and B by model from this log directory")
    parser.add_argument(
        "--panel",
        type=Path,
        default=None,
        help="model panel YAML (alias: model): resolves A and B with --logs, else aliases a side that recorded none",
    )
    parser.add_argument("--alpha", type=float, default=0.05, help="family-wise significance level (default 0.05)")
    parser.add_argument(
        "--output-dir", type=Path, default=None, help="where compare.md goes (default: results/compare/<A>-vs-<B>)"
    )
    parser.add_argument(
        "--fail-on-change",
        action="store_true",
        help="exit 1 when anything changed significantly, 3 when A is not covered",
    )
    parser.add_argument(
        "--min-coverage",
        type=share,
        default=1.0,
        help="share of A's scored metric x cell pairs that must be compared (default 1: all)",
    )
    parser.add_argument("--strict", action="store_true", help="an unreadable log is an error instead of skipped")
    parser.add_argument(
        "--naive",
        action="store_true",
        help="unpaired tests (default: paired by sample id and epoch, clustered by scenario)",
    )
    parser.set_defaults(handler=run)


def panel_models(path: Path | None) -> dict[str, str]:
    if path is None:
        return {}
    if not path.is_file():
        raise LogError(f"model panel {path} does not exist")
    models = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models")
    if not isinstance(models, dict):
        raise LogError(f"model panel {path} needs `models:` mapping aliases to model names")
    return {str(alias): str(model) for alias, model in models.items()}


def recorded_aliases(path: Path) -> dict[str, str]:
    """model -> alias recorded by the run that wrote `path` (its directory's, or a log file's folder's, panel)."""
    directory = path if path.is_dir() else path.parent
    return read_panel(directory)


def side(spec: str, logs: Path | None, panel: dict[str, str], strict: bool = False) -> Side:
    if logs is not None:
        model = panel.get(spec, spec)
        label = spec if model == spec else f"{spec} ({model})"
        return Side(label, load([logs], model=model, strict=strict))
    path = Path(spec)
    aliases = recorded_aliases(path) or {model: alias for alias, model in panel.items()}
    return Side(spec, load([path], strict=strict), aliases)


def safe_name(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in Path(text).name or text)


def run(args: argparse.Namespace) -> int:
    if not 0 < args.alpha < 1:
        raise ValueError(f"--alpha must be between 0 and 1, got {args.alpha}")
    panel = panel_models(args.panel)
    a, b = side(args.a, args.logs, panel, args.strict), side(args.b, args.logs, panel, args.strict)
    for warning in dict.fromkeys(skipped_logs([*a.table.warnings, *b.table.warnings])):
        print(f"warning: {warning}", file=sys.stderr)
    comparison = compare(a, b, alpha=args.alpha, paired=not args.naive)
    out_dir: Path = args.output_dir or Path("results") / "compare" / f"{safe_name(args.a)}-vs-{safe_name(args.b)}"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "compare.md"
    path.write_text(render_markdown(comparison), encoding="utf-8")
    comparison.rows.to_csv(out_dir / "compare.csv", index=False)
    for line in comparison.matching:
        print(f"models: {line}")
    for _, row in comparison.significant.iterrows():
        print(f"CHANGED {describe(row)}")
    for line in [*comparison.unmatched_models, *comparison.only_one_side]:
        print(f"note: {line}")
    covered = coverage(comparison)
    print(
        f"{comparison.a_label} vs {comparison.b_label}: {summary_line(comparison)}; {covered.describe()}; "
        f"details: {path}"
    )
    if not args.fail_on_change:
        return EXIT_PASSED
    if len(comparison.significant):
        return EXIT_REGRESSED
    problems = [f"model {line.split(': ', 1)[1]} on one side only" for line in comparison.unmatched_models]
    if covered.share < args.min_coverage:
        problems.append(f"{covered.describe()} is below --min-coverage {args.min_coverage:.0%}")
    for problem in problems:
        print(f"schemer-evals compare: error: not covered: {problem}", file=sys.stderr)
    return EXIT_NOT_COVERED if problems else EXIT_PASSED
