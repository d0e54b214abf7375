"""Inspect entry point (`evals`): importing this registers the `organism/<profile>` model provider."""

from evals.organisms.provider import OrganismAPI

__all__ = ["OrganismAPI"]
