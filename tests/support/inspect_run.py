"""In-process Inspect runs for tests, without the work that only feeds a screen nobody watches.

A test reads the log an eval returns; it never looks at Inspect's live display. Two things Inspect does by
default cost about a quarter of a small organism run and change nothing in the log:
- recomputing every metric after each finished sample for the live display (`score_display`); the suites'
  grouped metrics make about 200 per task;
- the real-time sample buffer (a SQLite database per task) that `inspect view` reads while a run is live
  (`log_realtime`).
Logs, scores and metrics are the same either way; any option can still be overridden per call.

The display stays `none`: Inspect keeps the first display it creates for the whole process, so a test that
chose another one would change what later in-process runs (the nightly command's among them) print.
"""

from __future__ import annotations

from typing import Any

from inspect_ai import eval as inspect_eval
from inspect_ai.log import EvalLog

QUIET: dict[str, Any] = {"display": "none", "score_display": False, "log_realtime": False}
"""Options that only feed a live screen; see the module docstring."""


def run_eval(*args: Any, **kwargs: Any) -> list[EvalLog]:
    """`inspect_ai.eval` with `QUIET` defaults (explicit keyword arguments win)."""
    return inspect_eval(*args, **{**QUIET, **kwargs})
