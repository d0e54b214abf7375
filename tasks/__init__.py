"""Inspect tasks for schemer-evals: one module per suite, plus the shared condition grid, prompt rendering
and solvers. Run a suite with `inspect eval tasks/<suite>` (installed) or `inspect eval tasks/<suite>.py`.
"""
