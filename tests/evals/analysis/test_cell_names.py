"""Cell names survive samples whose metadata lacks a factor (pandas keeps NaN through `astype(str)`)."""

from __future__ import annotations

import math

import pandas as pd

from evals.analysis.rates import MISSING_LEVEL, cell_names


def test_missing_factor_levels_are_named_not_crashing() -> None:
    frame = pd.DataFrame({"cot": ["none", "hidden_scratchpad"], "incentive": ["neutral", math.nan]})
    assert cell_names(frame, ["cot", "incentive"]) == ["none/neutral", f"hidden_scratchpad/{MISSING_LEVEL}"]


def test_no_factors_is_the_pooled_cell() -> None:
    assert cell_names(pd.DataFrame({"cot": ["none"]}), []) == ["all"]
