"""Inspect scorers for schemer-evals: compliance, training-gaming reasoning and worst-case behaviours.

The lowest layer of the project: scorers read data from `datasets/` and never import `tasks` or `evals`.
"""
