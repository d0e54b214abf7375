"""Inspect entry point (`tasks`): importing this registers every suite as `tasks/<suite>`."""

from tasks.suites import SUITES

__all__ = ["SUITES"]
