"""The `schemer-evals` command line: demo, export-suite, report, compare, nightly, consistency, trend, calibrate,
plan.

Subcommands live in `evals/commands/`, one module each; this module only wires them together and turns
expected failures (bad configs, missing files) into one-line errors with exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import sys
from collections.abc import Callable, Sequence

from evals.commands import UsageError
from evals.model_checks import prerequisite_message
from scorers.inspect_internals import PrerequisiteError

COMMAND_MODULES = (
    "evals.commands.demo",
    "evals.commands.export_suite",
    "evals.commands.report",
    "evals.commands.compare",
    "evals.commands.nightly",
    "evals.commands.consistency",
    "evals.commands.trend",
    "evals.commands.calibrate",
    "evals.commands.plan",
)
"""Modules that each register one subcommand (a `register(subparsers)` function), in the order `--help` lists
them. To add a command, add one line here."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="schemer-evals",
        description="Measure instrumental training-gaming and worst-case scheming behaviours with Inspect.",
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"%(prog)s {importlib.metadata.version('schemer-evals')}",
        help="print the installed version and exit",
    )
    subparsers = parser.add_subparsers(
        dest="command",
        required=True,
        metavar="COMMAND",
        help="one of the commands below; COMMAND --help for its options",
    )
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def one_line(error: Exception) -> str:
    """The message to print: a file-system error from the OS names the path and what to do about it."""
    if isinstance(error, PrerequisiteError) and not isinstance(error, ValueError):
        return prerequisite_message(error)  # raised inside a run (a model started late): Inspect's markup removed
    if isinstance(error, OSError) and error.filename is not None:
        return (
            f"{error.strerror or type(error).__name__}: {error.filename}; "
            "pass a path that exists and that you may write to (a directory where output goes)"
        )
    return " ".join(str(error).split())


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except (
        UsageError,
        ValueError,
        FileNotFoundError,
        PermissionError,
        NotADirectoryError,
        IsADirectoryError,
        FileExistsError,
        PrerequisiteError,
    ) as error:
        print(f"schemer-evals {args.command}: error: {one_line(error)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"schemer-evals {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
