"""The scorer sets each kind of suite uses, named once so every training-gaming suite is scored alike."""

from __future__ import annotations

from inspect_ai.scorer import Scorer

from scorers.compliance import compliance
from scorers.training_gaming import training_gaming_reasoning


def training_gaming_scorers() -> list[Scorer]:
    """Scorers of the training-gaming suites (value_conflict, training_info, cot_availability)."""
    return [compliance(), training_gaming_reasoning()]
