"""The only place the tests touch Inspect internals (modules whose names start with `_`), each for something
Inspect offers no public way to do. ruff's banned-api rule (TID251, see pyproject.toml) keeps other test
modules off them, so an Inspect upgrade that moves one breaks this file alone.

- `inspect_ai._util.package`: patched by `speed_up_inspect` (tests/conftest.py) to scan installed
  distributions once per session instead of once per `eval()` call.
- `inspect_ai._display.rich.display`: patched by `speed_up_inspect` to skip rendering the final results table
  into a quiet console.
- `inspect_ai._util.zipfile`: importing it teaches `zipfile` the zstd compression `.eval` logs use
  (tests/support/artefacts.py reads log members byte for byte).
"""

from __future__ import annotations

import functools
import importlib.metadata
from typing import Any

import inspect_ai._display.rich.display as inspect_rich_display
import inspect_ai._util.package as inspect_package
import inspect_ai._util.zipfile  # noqa: F401  (registers zstd with zipfile on import)
import rich


def speed_up_inspect() -> None:
    """Skip work that changes no log and no printed output; called once, from tests/conftest.py."""
    # Inspect resolves the distribution behind every task it runs by scanning the file list of every installed
    # distribution (`importlib.metadata.packages_distributions`), once per `eval()` call: about a quarter of the
    # time of a small in-process eval, and the suite makes hundreds. Nothing is installed while the tests run,
    # so the scan is done once per session. Eval results and logs are unchanged (the same distribution is found).
    if hasattr(inspect_package, "packages_distributions"):
        inspect_package.packages_distributions = functools.cache(importlib.metadata.packages_distributions)  # type: ignore[assignment]

    # With `display="none"` Inspect still renders its final results table into a quiet console: every metric of
    # every task (about 300 for a hypothesis suite, one per cell, interval bound and count) laid out by `rich`,
    # about 1.2 s a task and a quarter of an in-process organism run, for output that is thrown away. While the
    # console is quiet the table is skipped; what any test can see (logs, printed output) is unchanged.
    if hasattr(inspect_rich_display, "tasks_results"):
        tasks_results = inspect_rich_display.tasks_results

        def tasks_results_unless_quiet(tasks: Any) -> Any:
            return "" if rich.get_console().quiet else tasks_results(tasks)

        inspect_rich_display.tasks_results = tasks_results_unless_quiet
