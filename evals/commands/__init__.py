"""Subcommands of the `schemer-evals` command line, one module each. Each module exposes
`register(subparsers)`, which adds its parser and sets `handler` to a function taking the parsed args and
returning an exit code."""

import argparse


class UsageError(Exception):
    """An error the user can fix; the command line prints it as one line without a traceback (exit code 2)."""


def add_task_parameters(parser: argparse.ArgumentParser, applies_to: str) -> None:
    """The `-T KEY=VALUE` option, spelled and explained alike in every command that builds suites;
    `applies_to` says which suites a parameter goes to."""
    parser.add_argument(
        "-T",
        dest="task_args",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=f"task parameter, as for `inspect eval -T` (e.g. -T cot=none,hidden_scratchpad); {applies_to}; repeatable",
    )
