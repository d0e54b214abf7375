"""Inspect entry point (`scorers`): importing this registers every scorer as `scorers/<name>`."""

from scorers.collusion import collusion
from scorers.compliance import compliance
from scorers.eval_awareness import eval_awareness
from scorers.oversight_subversion import oversight_subversion
from scorers.reasoning_concealment import reasoning_concealment
from scorers.sandbagging import sandbagging
from scorers.training_gaming import training_gaming_reasoning

__all__ = [
    "collusion",
    "compliance",
    "eval_awareness",
    "oversight_subversion",
    "reasoning_concealment",
    "sandbagging",
    "training_gaming_reasoning",
]
