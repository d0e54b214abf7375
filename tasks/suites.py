"""The catalogue of suites: one place that names every task, used by the registry, the demo, export and
nightly runs."""

from __future__ import annotations

from collections.abc import Callable

from inspect_ai import Task

from tasks.value_conflict import value_conflict

SUITES: dict[str, Callable[..., Task]] = {
    "value_conflict": value_conflict,
}
"""Suite name -> task function. The first group are the training-gaming suites."""


def get_suite(name: str) -> Callable[..., Task]:
    try:
        return SUITES[name]
    except KeyError:
        raise ValueError(f"unknown suite {name!r}; available: {', '.join(SUITES)}") from None
