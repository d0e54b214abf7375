"""`schemer-evals demo`: the main job without API keys. Runs the suites against the organism panel through
Inspect's `eval_set` into a dated log directory under `results/`, then prints a summary and how to open the
logs. Re-running with the same `--log-dir` resumes instead of redoing finished work."""

from __future__ import annotations

import argparse
import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from inspect_ai import Task, eval_set
from inspect_ai.log import EvalLog

from evals.analysis.numbers import with_interval
from evals.commands import add_task_parameters
from evals.name_checks import build_suite, parse_task_arguments
from evals.organisms.profiles import PROFILES
from evals.report import make_report
from tasks.conditions import select_levels
from tasks.suites import SUITES

DEFAULT_PROFILES = ("honest", "context_gated_gamer", "worst_case_schemer")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("demo", help="run the suites against simulated model organisms (no API key)")
    parser.add_argument("--log-dir", type=Path, default=None, help="where logs go (default: results/demo-<date>)")
    parser.add_argument(
        "--profiles",
        default=",".join(DEFAULT_PROFILES),
        help=f"comma-separated organism profiles (available: {', '.join(PROFILES)})",
    )
    parser.add_argument("--suites", default=",".join(SUITES), help=f"comma-separated suites ({', '.join(SUITES)})")
    parser.add_argument("--limit", type=positive_int, default=None, help="samples per suite, 1 or more (default: all)")
    parser.add_argument(
        "--max-tasks", type=positive_int, default=4, help="tasks run in parallel, 1 or more (default 4)"
    )
    add_task_parameters(parser, "applied to every selected suite and checked against each suite's parameters")
    parser.add_argument("--no-report", action="store_true", help="skip writing the HTML/Markdown report")
    parser.set_defaults(handler=run)


def positive_int(text: str) -> int:
    """A whole number of at least 1 (`--limit 0` would run nothing and report success; negative runs all)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def task_value(text: str) -> Any:
    """A `-T` value as Inspect reads it: YAML, and a comma splits it into a list."""
    if "," in text:
        return [yaml.safe_load(part) for part in text.split(",")]
    return yaml.safe_load(text)


def run(args: argparse.Namespace) -> int:
    profiles = select_levels("profile", args.profiles, list(PROFILES), option="--profiles")
    suites = select_levels("suite", args.suites, list(SUITES), option="--suites")
    task_args = parse_task_arguments(args.task_args, task_value)
    tasks = [build_suite(name, task_args) for name in suites]  # bad names and levels fail before any log
    log_dir = writable_dir(args.log_dir or Path("results") / f"demo-{dt.date.today().isoformat()}", "--log-dir")
    success, logs = run_panel(tasks, profiles, log_dir, args.limit, args.max_tasks)
    print()
    print(summarise(logs))
    print()
    print(f"Logs: {log_dir.resolve()}")
    print(f"Open them with:  inspect view --log-dir {log_dir}")
    if not args.no_report:
        written = make_report([log_dir], log_dir / "report", progress=None)
        print(f"Report (verdict per model, heat map, one figure per hypothesis, 95% intervals): {written.html}")
        print(f"Markdown summary: {written.markdown}")
    return 0 if success else 1


def run_panel(
    tasks: list[Task], profiles: Sequence[str], log_dir: Path, limit: int | None, max_tasks: int, **options: Any
) -> tuple[bool, list[EvalLog]]:
    """The demo's run: every task against every organism profile, resumable in `log_dir` (`eval_set`);
    `options` go to `eval_set` as they are (e.g. a quieter display)."""
    return eval_set(
        tasks=tasks,
        model=[f"organism/{profile}" for profile in profiles],
        log_dir=str(log_dir),
        limit=limit,
        max_tasks=max_tasks,
        log_dir_allow_dirty=True,
        **options,
    )


def writable_dir(directory: Path, option: str) -> Path:
    """Create `directory` if needed and prove files can be written there, before any model is called."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = directory / f".write-check-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise PermissionError(
            f"cannot write to {directory} ({reason}); pass {option} with a directory you can write to"
        ) from None
    return directory


def summarise(logs: list[EvalLog]) -> str:
    """One line per (suite, model): status, samples, and the compliance gap with its 95% interval."""
    lines = [f"{'suite':<24} {'model':<34} {'status':<9} {'n':>5}  compliance gap (training - unmonitored) [95% CI]"]
    for log in sorted(logs, key=lambda log: (log.eval.task, log.eval.model)):
        gap = _metric(log, "compliance", "gap ")
        gap_text = (
            f"{with_interval(gap['all'], gap['all ci_low'], gap['all ci_high'])} (n={int(gap['all n'])})"
            if gap and "all" in gap
            else "-"
        )
        samples = int(log.results.completed_samples) if log.results else 0
        lines.append(f"{log.eval.task:<24} {log.eval.model:<34} {log.status:<9} {samples:>5}  {gap_text}")
    return "\n".join(lines)


def _metric(log: EvalLog, scorer: str, prefix: str) -> dict[str, float] | None:
    if not log.results:
        return None
    values: dict[str, float] = {}
    for score in log.results.scores:
        if score.scorer != scorer:
            continue
        for name, value in score.metrics.items():
            if name.startswith(prefix):
                values[name[len(prefix) :]] = float(value.value)
    return values or None
