"""Inspect entry point (`scorers`): importing this registers every scorer as `scorers/<name>`."""

from scorers.compliance import compliance

__all__ = ["compliance"]
