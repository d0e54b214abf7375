"""Scenario heterogeneity for the organisms: each scenario gets its own latent propensity, as real models do.

Without it, every organism sample is an independent draw and the harness's naive binomial intervals look right.
With `scenario_sd > 0` a scenario's gaming and compliance propensities are shifted on the logit scale by
scenario effects drawn from N(0, scenario_sd^2), shared by all its paraphrases, cue styles and epochs. The
intercepts are calibrated so that the population rate (the mean over scenarios) stays exactly the profile's
planted `gaming_rate` / `base_compliance`. The two effects of a scenario are independent, so planted rates
combine as in the homogeneous profile (compliance = g + (1 - g) c, training-minus-unmonitored gap = g (1 - c)).
The effects depend on the scenario only (never on the training cue), so samples that differ only in the cue
still share every draw and cue-blind profiles show a gap of exactly 0.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from scipy.optimize import brentq
from scipy.special import expit

from scorers.data_files import load_yaml

SPEC_FILE = "organisms/heterogeneity.yaml"
QUADRATURE_POINTS = 64


@dataclass(frozen=True)
class ScenarioEffects:
    """Logit-scale shifts of one scenario's propensities (0 for a homogeneous organism)."""

    gaming: float = 0.0
    compliance: float = 0.0


NO_EFFECTS = ScenarioEffects()


def default_scenario_sd() -> float:
    return float(load_yaml(SPEC_FILE)["default_scenario_sd"])


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def _scenario_entries(node: Any) -> Iterator[tuple[str, list[str]]]:
    if isinstance(node, dict):
        if "id" in node and isinstance(node.get("paraphrases"), list):
            yield str(node["id"]), [str(p) for p in node["paraphrases"]]
        for value in node.values():
            yield from _scenario_entries(value)
    elif isinstance(node, list):
        for item in node:
            yield from _scenario_entries(item)


@lru_cache(maxsize=1)
def _paraphrase_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for relative in load_yaml(SPEC_FILE)["scenario_files"]:
        for scenario_id, paraphrases in _scenario_entries(load_yaml(relative)):
            for paraphrase in paraphrases:
                index[_normalise(paraphrase)] = scenario_id
    return index


@lru_cache(maxsize=4096)
def scenario_of(request: str) -> str:
    """The scenario a request belongs to: the id of the scenario whose paraphrase it is (or contains), else the
    request itself (every unknown request is its own scenario)."""
    text = _normalise(request)
    index = _paraphrase_index()
    if text in index:
        return index[text]
    found = [(len(p), scenario) for p, scenario in index.items() if p in text]
    return max(found)[1] if found else f"request:{text}"


def scenario_effects(profile: str, seed: int, scenario: str, scenario_sd: float) -> ScenarioEffects:
    """The scenario's effects for this profile and seed (the same for every sample of the scenario)."""
    if scenario_sd <= 0:
        return NO_EFFECTS
    rng = random.Random(f"scenario-effect\x00{profile}\x00{seed}\x00{scenario}")
    return ScenarioEffects(rng.gauss(0.0, scenario_sd), rng.gauss(0.0, scenario_sd))


@lru_cache(maxsize=1)
def _quadrature() -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    nodes, weights = np.polynomial.hermite_e.hermegauss(QUADRATURE_POINTS)
    return nodes, weights / weights.sum()


def population_rate(intercept: float, scenario_sd: float) -> float:
    """Mean of expit(intercept + u) over u ~ N(0, scenario_sd^2) (Gauss-Hermite quadrature)."""
    nodes, weights = _quadrature()
    return float(np.dot(weights, expit(intercept + scenario_sd * nodes)))


@lru_cache(maxsize=256)
def logit_intercept(rate: float, scenario_sd: float) -> float:
    """The logit intercept whose population rate under N(0, scenario_sd^2) scenario effects is `rate`."""
    if not 0.0 < rate < 1.0:
        raise ValueError(f"logit_intercept needs a rate strictly between 0 and 1, got {rate}")
    if scenario_sd <= 0:
        return math.log(rate / (1 - rate))
    return float(brentq(lambda mu: population_rate(mu, scenario_sd) - rate, -60.0, 60.0, xtol=1e-12))


def scenario_rate(rate: float, scenario_sd: float, effect: float) -> float:
    """A scenario's own rate given its effect; exactly `rate` for a homogeneous organism or a 0/1 rate."""
    if scenario_sd <= 0 or rate <= 0.0 or rate >= 1.0:
        return rate
    return float(expit(logit_intercept(rate, scenario_sd) + effect))


def intra_scenario_correlation(rate: float, scenario_sd: float) -> float:
    """The intra-class correlation of 0/1 outcomes at population rate `rate`: Var(p_s) / (rate (1 - rate))."""
    if scenario_sd <= 0 or not 0.0 < rate < 1.0:
        return 0.0
    nodes, weights = _quadrature()
    rates = expit(logit_intercept(rate, scenario_sd) + scenario_sd * nodes)
    return float(np.dot(weights, (rates - rate) ** 2) / (rate * (1 - rate)))
