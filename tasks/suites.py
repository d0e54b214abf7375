"""The catalogue of suites: one place that names every task, used by the registry, the demo, export and
nightly runs, and the facts other layers read from the suites' designs (hypothesis labels, figure factors,
worst-case behaviours). Adding a suite: `docs/adding-a-suite.md`."""

from __future__ import annotations

from collections.abc import Callable

from inspect_ai import Task

from tasks.collusion import collusion
from tasks.cot_availability import cot_availability
from tasks.design import DECLARED, TRAINING_GAMING, SuiteDesign
from tasks.eval_awareness import eval_awareness
from tasks.oversight_subversion import oversight_subversion
from tasks.reasoning_concealment import reasoning_concealment
from tasks.sandbagging import sandbagging
from tasks.training_info import training_info
from tasks.value_conflict import value_conflict

SUITES: dict[str, Callable[..., Task]] = {
    "value_conflict": value_conflict,
    "training_info": training_info,
    "cot_availability": cot_availability,
    "sandbagging": sandbagging,
    "eval_awareness": eval_awareness,
    "reasoning_concealment": reasoning_concealment,
    "oversight_subversion": oversight_subversion,
    "collusion": collusion,
}
"""Suite name -> task function. The first group are the training-gaming suites."""

DESIGNS: dict[str, SuiteDesign] = {name: DECLARED[name] for name in SUITES}
"""Suite name -> its declared design (factors, levels, defaults, options, and what reports file it under)."""

WORST_CASE_BEHAVIOURS: tuple[str, ...] = tuple(
    design.behaviour for design in DESIGNS.values() if design.behaviour != TRAINING_GAMING
)
"""The worst-case behaviours, in suite order: each the score key of its suite's headline."""

HYPOTHESES: dict[str, tuple[str, str]] = {
    name: (design.hypothesis, design.varies) for name, design in DESIGNS.items() if design.hypothesis
}
"""Hypothesis suite -> (hypothesis label, what it varies), as reports name them."""

FIGURE_FACTORS: dict[str, tuple[str, ...]] = {
    name: design.figure_factors for name, design in DESIGNS.items() if design.figure_factors
}
"""Hypothesis suite -> the factors its report figure plots against training awareness."""


def get_suite(name: str) -> Callable[..., Task]:
    try:
        return SUITES[name]
    except KeyError:
        raise ValueError(f"unknown suite {name!r}; available: {', '.join(SUITES)}") from None
