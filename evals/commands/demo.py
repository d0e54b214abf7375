"""`schemer-evals demo`: the main job without API keys. Runs the suites against the organism panel through
Inspect's `eval_set` into a dated log directory under `results/`, then prints a summary and how to open the
logs. Re-running with the same `--log-dir` resumes instead of redoing finished work."""

from __future__ import annotations

import argparse
import datetime as dt
import os
from pathlib import Path
from typing import Any

from inspect_ai import eval_set
from inspect_ai.log import EvalLog

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
    parser.add_argument("--limit", type=int, default=None, help="samples per suite (default: all)")
    parser.add_argument("--max-tasks", type=int, default=4, help="tasks run in parallel (default 4)")
    parser.add_argument("--no-report", action="store_true", help="skip writing the HTML/Markdown report")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    profiles = select_levels("profile", args.profiles, list(PROFILES), option="--profiles")
    suites = select_levels("suite", args.suites, list(SUITES), option="--suites")
    log_dir = writable_dir(args.log_dir or Path("results") / f"demo-{dt.date.today().isoformat()}", "--log-dir")
    success, logs = eval_set(
        tasks=[SUITES[name]() for name in suites],
        model=[f"organism/{profile}" for profile in profiles],
        log_dir=str(log_dir),
        limit=args.limit,
        max_tasks=args.max_tasks,
        log_dir_allow_dirty=True,
    )
    print()
    print(summarise(logs))
    print()
    print(f"Logs: {log_dir.resolve()}")
    print(f"Open them with:  inspect view --log-dir {log_dir}")
    if not args.no_report:
        written = make_report([log_dir], log_dir / "report", progress=None)
        print(f"Report (tables with 95% intervals, TG-vs-worst-case matrix, plots): {written.html}")
        print(f"Markdown summary: {written.markdown}")
    return 0 if success else 1


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
            f"{gap['all']:+.2f} [{gap['all ci_low']:+.2f}, {gap['all ci_high']:+.2f}] (n={int(gap['all n'])})"
            if gap and "all" in gap
            else "-"
        )
        samples = log.results.completed_samples if log.results else 0
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
