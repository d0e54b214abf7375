"""`schemer-evals compare A B`: per-metric changes between two models or two versions, with significance."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import yaml

from evals.compare import Side, compare, describe, render_markdown, summary_line
from evals.logs import LogError, load


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "compare",
        help="compare two models or versions: per-metric changes with intervals and corrected tests",
        description="A and B are log directories or .eval files; with --logs DIR they are models (or panel "
        "aliases) selected from the logs in DIR. Changes are B minus A, tested per metric and condition cell, "
        "Holm-corrected across all comparisons.",
    )
    parser.add_argument("a", help="baseline: a log directory or file, or a model/alias with --logs")
    parser.add_argument("b", help="candidate: a log directory or file, or a model/alias with --logs")
    parser.add_argument("--logs", type=Path, default=None, help="select A and B by model from this log directory")
    parser.add_argument("--panel", type=Path, default=None, help="model panel YAML (alias: model) to resolve A and B")
    parser.add_argument("--alpha", type=float, default=0.05, help="family-wise significance level (default 0.05)")
    parser.add_argument(
        "--output-dir", type=Path, default=None, help="where compare.md goes (default: results/compare/<A>-vs-<B>)"
    )
    parser.add_argument("--fail-on-change", action="store_true", help="exit 1 when anything changed significantly")
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


def side(spec: str, logs: Path | None, panel: dict[str, str]) -> Side:
    if logs is not None:
        model = panel.get(spec, spec)
        return Side(spec if model == spec else f"{spec} ({model})", load([logs], model=model))
    return Side(spec, load([Path(spec)]))


def safe_name(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in Path(text).name or text)


def run(args: argparse.Namespace) -> int:
    if not 0 < args.alpha < 1:
        raise ValueError(f"--alpha must be between 0 and 1, got {args.alpha}")
    panel = panel_models(args.panel)
    comparison = compare(side(args.a, args.logs, panel), side(args.b, args.logs, panel), alpha=args.alpha)
    out_dir: Path = args.output_dir or Path("results") / "compare" / f"{safe_name(args.a)}-vs-{safe_name(args.b)}"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "compare.md"
    path.write_text(render_markdown(comparison), encoding="utf-8")
    comparison.rows.to_csv(out_dir / "compare.csv", index=False)
    for _, row in comparison.significant.iterrows():
        print(f"CHANGED {describe(row)}")
    for line in comparison.only_one_side:
        print(f"note: {line}")
    print(f"{comparison.b_label} vs {comparison.a_label}: {summary_line(comparison)}; details: {path}")
    return 1 if args.fail_on_change and len(comparison.significant) else 0
