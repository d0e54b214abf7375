"""Inspect scorers for schemer-evals: compliance, training-gaming reasoning and worst-case behaviours.

The lowest layer of the project: scorers read data from `datasets/` and never import `tasks` or `evals`.
"""

# Registers the hook that keeps API keys out of eval logs whenever any scorer (so any suite) is loaded.
import scorers.secrets  # noqa: F401
