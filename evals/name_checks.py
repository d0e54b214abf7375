"""Checking names a user typed (suites, task parameters, metrics, factors, cells) against the valid ones.

A misspelled name must stop a run before any model is called, with one line that names the closest valid
name: Inspect only warns about an unknown `-T` argument and then runs the whole grid at full cost, and a
threshold on a metric that does not exist silently never applies.
"""

from __future__ import annotations

import difflib
import fnmatch
import inspect as python_inspect
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from tasks.suites import SUITES, get_suite


class UnknownNameError(ValueError):
    """A name that matches nothing valid; the message is one line with the closest valid name."""


def closest(name: str, valid: Iterable[str]) -> str | None:
    """The valid name most like `name` (difflib), or None when nothing is close."""
    matches = difflib.get_close_matches(name, list(valid), n=1, cutoff=0.6)
    return matches[0] if matches else None


def suggestion(name: str, valid: Iterable[str]) -> str:
    """`; did you mean 'x'?` (or `; valid: a, b, c` when nothing is close)."""
    choices = sorted(dict.fromkeys(valid))
    best = closest(name, choices)
    if best is not None:
        return f"; did you mean {best!r}?"
    shown = ", ".join(choices[:12]) + (", ..." if len(choices) > 12 else "")
    return f"; valid: {shown}" if choices else ""


def check_name(name: str, valid: Iterable[str], what: str) -> str:
    """Return `name` when valid, else raise a one-line error naming the closest valid name."""
    choices = list(valid)
    if name in choices:
        return name
    raise UnknownNameError(f"unknown {what} {name!r}{suggestion(name, choices)}")


def check_pattern(pattern: str, valid: Iterable[str], what: str) -> list[str]:
    """The valid names a glob matches; a pattern that matches none is an error with the closest name."""
    choices = list(valid)
    matched = [name for name in choices if fnmatch.fnmatchcase(name, pattern)]
    if not matched:
        raise UnknownNameError(f"{what} {pattern!r} matches nothing{suggestion(pattern, choices)}")
    return matched


def task_parameters(suite: str) -> list[str]:
    """The parameters a suite's task function accepts (what `-T name=value` may name)."""
    return list(python_inspect.signature(get_suite(suite)).parameters)


def check_suite(suite: str) -> str:
    return check_name(suite, SUITES, "suite")


def check_task_arguments(suite: str, arguments: Mapping[str, Any]) -> None:
    """Every `-T` name must be a parameter of the suite's task function (Inspect itself only warns)."""
    parameters = task_parameters(check_suite(suite))
    for name in arguments:
        if name not in parameters:
            raise UnknownNameError(
                f"suite {suite} has no parameter {name!r}{suggestion(str(name), parameters)} "
                f"(it takes: {', '.join(parameters)})"
            )


def parse_task_arguments(items: Iterable[str], parse_value: Callable[[str], Any]) -> dict[str, Any]:
    """`name=value` strings (as given to `-T`) as a mapping; a string without `=` is an error."""
    arguments: dict[str, Any] = {}
    for item in items:
        name, equals, value = item.partition("=")
        if not equals or not name.strip():
            raise UnknownNameError(f"-T {item!r} must be name=value, e.g. -T scenarios_per_cell=4")
        arguments[name.strip()] = parse_value(value)
    return arguments


_BAD_LEVEL = re.compile(r"unknown (\w+) level\(s\) '([^',]+)'[^;]*; this suite offers: ([^(]+)")


def build_suite(suite: str, arguments: Mapping[str, Any]) -> Any:
    """The suite's Task from checked arguments; a bad level is one line that adds the closest valid level."""
    check_task_arguments(suite, arguments)
    try:
        return get_suite(suite)(**arguments)
    except ValueError as error:
        message = " ".join(str(error).split())
        match = _BAD_LEVEL.search(message)
        if match:
            best = closest(match.group(2), [level.strip() for level in match.group(3).split(",")])
            if best is not None:
                message += f"; did you mean {match.group(1)}={best}?"
        raise UnknownNameError(f"suite {suite}: {message}") from None
