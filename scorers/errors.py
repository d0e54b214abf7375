"""The error type for mistakes a user can fix (a bad `-T`/`-S` parameter, a missing grader, a malformed data
file): Inspect's CLI prints a PrerequisiteError as its one-line message instead of a traceback, and being a
ValueError too, it is caught like any other bad value. In the lowest layer so scorers and tasks share it."""

from __future__ import annotations

from scorers.inspect_internals import PrerequisiteError


class ParameterError(PrerequisiteError, ValueError):
    """A bad parameter or missing prerequisite, reported as one line that names the problem and the fix."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.args = (message,)
