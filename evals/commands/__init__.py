"""Subcommands of the `schemer-evals` command line, one module each. Each module exposes
`register(subparsers)`, which adds its parser and sets `handler` to a function taking the parsed args and
returning an exit code."""


class UsageError(Exception):
    """An error the user can fix; the command line prints it as one line without a traceback (exit code 2)."""
