"""`schemer-evals plan`: before a run, what it can detect and what it costs.

Builds the suite's samples with the given task parameters (as `inspect eval -T` would, without calling any
model), finds its cells and how many scenarios fill each, and prints the minimum detectable gap at the
requested power under an assumed intra-scenario correlation, the number of model calls, and the same figures
for larger `scenarios_per_cell` so the size can be chosen (see `evals.analysis.power`).
"""

from __future__ import annotations

import argparse
import inspect
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd
from inspect_ai.util import registry_info

from evals.analysis.power import PLANNING_RATE, Plan, default_icc, plan_suite
from evals.analysis.rates import NOT_CELL_FACTORS
from evals.commands import UsageError, add_task_parameters
from evals.commands.export_suite import parse_task_args, suite_parameters
from scorers.judge import may_call_grader
from scorers.vocabulary import factor_levels
from tasks.suites import DESIGNS, SUITES, get_suite

ALTERNATIVE_SIZES = (2, 4, 8)
"""Multiples of scenarios_per_cell shown for comparison."""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "plan",
        help="minimum detectable gap, sample count and model calls of a planned run (no model calls)",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
    )
    parser.add_argument("--suite", required=True, help=f"one suite ({', '.join(SUITES)})")
    add_task_parameters(parser, "checked against the suite's parameters")
    parser.add_argument("--scenarios-per-cell", type=int, help="the suite's scenarios_per_cell (default: its own)")
    parser.add_argument("--epochs", type=int, default=1, help="epochs of the run (default 1)")
    parser.add_argument(
        "--icc",
        type=float,
        default=None,
        help=f"assumed intra-scenario correlation (default {default_icc():.2f}, the heterogeneous organisms')",
    )
    parser.add_argument(
        "--baseline-rate", type=float, default=PLANNING_RATE, help=f"rate the gap starts from (default {PLANNING_RATE})"
    )
    parser.add_argument("--alpha", type=float, default=0.05, help="two-sided significance level (default 0.05)")
    parser.add_argument("--power", type=float, default=0.8, help="power (default 0.8)")
    parser.add_argument("--grader-votes", type=int, default=5, help="judge votes per sample (default 5)")
    parser.set_defaults(handler=run)


def cell_factors(metadata: pd.DataFrame) -> list[str]:
    """The vocabulary factors these samples vary, except those kept out of the per-condition cells."""
    return [
        factor
        for factor in factor_levels()
        if factor in metadata and factor not in NOT_CELL_FACTORS and metadata[factor].nunique(dropna=True) > 1
    ]


def build_plan(args: argparse.Namespace, scenarios_per_cell: int | None) -> Plan:
    task_function = get_suite(args.suite)
    parameters = parse_task_args(args.task_args)
    unknown = sorted(set(parameters) - set(inspect.signature(task_function).parameters))
    if unknown:
        raise UsageError(f"-T {', '.join(unknown)}: suite {args.suite} takes no such parameter")
    if scenarios_per_cell is not None:
        if "scenarios_per_cell" not in inspect.signature(task_function).parameters:
            raise UsageError(f"suite {args.suite} has no scenarios_per_cell parameter")
        parameters["scenarios_per_cell"] = scenarios_per_cell
    task = task_function(**suite_parameters(task_function, parameters))
    samples = list(task.dataset)
    metadata = pd.DataFrame([sample.metadata or {} for sample in samples])
    scorer_names = [registry_info(scorer).name for scorer in task.scorer or []]
    graded = sum(may_call_grader(name, sample.metadata or {}) for name in scorer_names for sample in samples)
    return plan_suite(
        args.suite,
        samples,
        cell_factors(metadata),
        epochs=args.epochs,
        icc=args.icc,
        baseline_rate=args.baseline_rate,
        alpha=args.alpha,
        power=args.power,
        grader_votes=args.grader_votes,
        turns_per_sample=turns_per_sample(args.suite, parameters),
        graded_samples=graded,
    )


def turns_per_sample(suite: str, parameters: dict[str, Any]) -> int:
    """Model calls per sample: an agentic suite's most turns (its `max_turns` replies, then the follow-up
    question), from its design's default or `-T max_turns`; 1 for a single-turn suite."""
    design = DESIGNS[suite]
    if "max_turns" not in design.options:
        return 1
    return int(design.option(parameters, "max_turns")) + 1


def default_scenarios_per_cell(suite: str) -> int | None:
    """The suite's own `scenarios_per_cell` (its design's default), None when it has no such option or the
    default is 'every scenario' (None)."""
    value = DESIGNS[suite].options.get("scenarios_per_cell")
    return None if value is None else int(value)


def run(args: argparse.Namespace) -> int:
    if not 0.0 < args.alpha < 1.0 or not 0.0 < args.power < 1.0:
        raise UsageError("--alpha and --power must be strictly between 0 and 1")
    plan = build_plan(args, args.scenarios_per_cell)
    for line in plan.lines():
        print(line)
    base = args.scenarios_per_cell or default_scenarios_per_cell(args.suite)
    if base is not None and "scenarios_per_cell" in inspect.signature(get_suite(args.suite)).parameters:
        print(
            "\n  scenarios_per_cell  samples  model calls  distinct scenarios (smallest cell)  detectable gap (alpha)"
            "  (Holm family)"
        )
        with _suite_notes() as notes:
            for size in (base, *(base * k for k in ALTERNATIVE_SIZES)):
                other = build_plan(args, size)
                family_alpha = other.alpha / other.family_size
                print(
                    f"  {size:>18}  {other.samples:>7}  {other.model_calls:>11}  "
                    f"{other.smallest_cell.scenarios:>34}  {other.cell_mdd():>+22.2f}  "
                    f"{other.cell_mdd(family_alpha):>+13.2f}"
                )
        if notes:
            print(
                "  note: past the distinct scenarios a cell holds, a larger size buys little power: "
                + notes[0].split(": ", 1)[-1]
            )
    return 0


@contextmanager
def _suite_notes() -> Iterator[list[str]]:
    """Collects what the suites say while the size table is built (a size past the distinct scenarios of a cell)
    instead of letting each build print it in the middle of the table."""
    notes: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            notes.append(record.getMessage())

    suite_logger = logging.getLogger("tasks")
    handler = Collect(logging.WARNING)
    suite_logger.addHandler(handler)
    propagate, suite_logger.propagate = suite_logger.propagate, False
    try:
        yield notes
    finally:
        suite_logger.removeHandler(handler)
        suite_logger.propagate = propagate
