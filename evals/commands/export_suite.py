"""`schemer-evals export-suite`: publish exactly what the suites ask, so others can inspect or reuse it.

For every selected suite it builds the task (with any `-T` parameters, as `inspect eval` would) and writes
its samples as a Hugging Face `datasets` dataset under `--output-dir`: `<suite>/` (`save_to_disk`, reload with
`datasets.load_from_disk`) and `<suite>.jsonl`, plus `manifest.json` with each suite's sample count, task
version and parameters. One row per sample: `id`, `messages` (role/content), `target`, and every metadata
field as its own column, so the rows can be filtered by any condition factor.
"""

from __future__ import annotations

import argparse
import inspect
import json
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml
from inspect_ai import Task
from inspect_ai.dataset import Sample

from evals.commands import UsageError, add_task_parameters
from tasks.conditions import select_levels
from tasks.suites import SUITES

DEFAULT_OUT = Path("results/suites")
RESERVED_COLUMNS = ("id", "messages", "target")
SAVED_DATASET_MARKERS = ("dataset_info.json", "state.json")
Row = dict[str, Any]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "export-suite",
        help="write every suite's samples as a Hugging Face dataset (save_to_disk and JSONL)",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
    )
    parser.add_argument(
        "--output-dir", type=Path, default=DEFAULT_OUT, help=f"where the datasets go (default: {DEFAULT_OUT})"
    )
    # The option's former name, still accepted; not shown in --help.
    parser.add_argument("--out", dest="output_dir", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    parser.add_argument("--suites", default=",".join(SUITES), help=f"comma-separated suites ({', '.join(SUITES)})")
    add_task_parameters(parser, "applied to every selected suite that takes it")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    suites = select_levels("suite", args.suites, list(SUITES), option="--suites")
    parameters = parse_task_args(args.task_args)
    plans = {name: suite_parameters(SUITES[name], parameters) for name in suites}
    unused = sorted(set(parameters) - {key for plan in plans.values() for key in plan})
    if unused:
        raise UsageError(
            f"-T {', '.join(unused)}: no selected suite takes this parameter "
            f"(suites: {', '.join(suites)}; see `inspect info` or docs/suites/ for each suite's parameters)"
        )
    out: Path = args.output_dir
    manifest: dict[str, Any] = {}
    for name in suites:
        task = SUITES[name](**plans[name])
        rows = sample_rows(list(task.dataset))
        paths = write_suite(name, rows, out)
        manifest[name] = {
            "samples": len(rows),
            "version": task.version,
            "parameters": plans[name],
            **{kind: str(path) for kind, path in paths.items()},
        }
        print(f"{name:<24} {len(rows):>6} samples -> {paths['dataset']} (save_to_disk), {paths['jsonl']}")
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    print(f"\nLoad one with:  datasets.load_from_disk('{out / suites[0]}')")
    return 0


def parse_task_args(task_args: Sequence[str]) -> dict[str, Any]:
    """`KEY=VALUE` pairs parsed the way `inspect eval -T` does: YAML values, commas make a list."""
    parameters: dict[str, Any] = {}
    for item in task_args:
        key, separator, raw = item.partition("=")
        if not separator or not key.strip():
            raise UsageError(f"-T {item!r} is not KEY=VALUE (e.g. -T cot=none,hidden_scratchpad)")
        value = yaml.safe_load(raw)
        if isinstance(value, str) and "," in value:
            value = [part.strip() for part in value.split(",")]
        parameters[key.strip().replace("-", "_")] = value
    return parameters


def suite_parameters(suite: Callable[..., Task], parameters: dict[str, Any]) -> dict[str, Any]:
    """The subset of `parameters` this suite's task function accepts."""
    accepted = inspect.signature(suite).parameters
    return {key: value for key, value in parameters.items() if key in accepted}


def sample_rows(samples: Sequence[Sample]) -> list[Row]:
    """One flat row per sample; columns whose values mix types across rows become strings, so that every
    suite's rows form one Arrow table."""
    rows = [_row(sample) for sample in samples]
    columns = {key for row in rows for key in row} - set(RESERVED_COLUMNS)
    for column in columns:
        kinds = {type(row.get(column)) for row in rows} - {type(None)}
        if len(kinds) > 1:
            for row in rows:
                if row.get(column) is not None:
                    row[column] = str(row[column])
    return rows


def _row(sample: Sample) -> Row:
    if isinstance(sample.input, str):
        messages = [{"role": "user", "content": sample.input}]
    else:
        messages = [{"role": message.role, "content": message.text} for message in sample.input]
    target = sample.target if isinstance(sample.target, str) else json.dumps(list(sample.target))
    row: Row = {"id": str(sample.id), "messages": messages, "target": target}
    for key, value in (sample.metadata or {}).items():
        if key in RESERVED_COLUMNS:
            raise ValueError(f"sample {sample.id}: metadata key {key!r} clashes with an export column; rename it")
        row[key] = value if value is None or isinstance(value, str | int | float | bool) else json.dumps(value)
    return row


def write_suite(name: str, rows: list[Row], out: Path) -> dict[str, Path]:
    """Write one suite's rows with `save_to_disk` and as JSONL; returns both paths."""
    import datasets  # slow to import: only when needed

    datasets.disable_progress_bars()
    dataset_dir, jsonl = out / name, out / f"{name}.jsonl"
    if dataset_dir.exists():
        if not any((dataset_dir / marker).exists() for marker in SAVED_DATASET_MARKERS):
            raise UsageError(f"{dataset_dir} exists and is not an exported dataset; choose another --output-dir")
        shutil.rmtree(dataset_dir)
    out.mkdir(parents=True, exist_ok=True)
    datasets.Dataset.from_list(rows).save_to_disk(str(dataset_dir))
    with jsonl.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return {"dataset": dataset_dir, "jsonl": jsonl}
