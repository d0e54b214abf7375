"""Outcome tables of an organism simulated without Inspect, for the statistics validation.

Checking interval coverage or a gate's false-alarm rate takes hundreds of runs; running Inspect for each would
take hours. The organisms' behaviour is a pure function of what they perceive and their seed, so this module
builds a suite's real samples once, perceives each prompt once, and then draws each seed's decisions with the
very function the provider uses (`training_gaming.decision_for`). A test checks the result against a real eval.
The scorers are assumed exact here (compliance = the organism complied; TG reasoning = it training-gamed, unscored
without reasoning space), which their own labelled-fixture tests measure separately.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from inspect_ai.dataset import Sample

from evals.logs import SampleTable
from evals.organisms.perception import Perception, perceive
from evals.organisms.profiles import Profile
from evals.organisms.training_gaming import decision_for, situation_rng

COMPLIANCE = "compliance"
TRAINING_GAMING = "training_gaming_reasoning:training_gaming"


@dataclass(frozen=True)
class PerceivedSample:
    sample_id: str
    metadata: dict[str, Any]
    perception: Perception


def perceive_samples(samples: Sequence[Sample]) -> list[PerceivedSample]:
    """Each sample's perception, as the organism would form it from the messages (done once per suite)."""
    perceived = []
    for sample in samples:
        metadata = dict(sample.metadata or {})
        messages = sample.input if isinstance(sample.input, list) else []
        native = metadata.get("cot") == "native_reasoning"
        perceived.append(PerceivedSample(str(sample.id), metadata, perceive(messages, native_reasoning=native)))
    return perceived


def simulate(
    profile: Profile,
    samples: Sequence[PerceivedSample],
    seed: int,
    epochs: int = 1,
    factors: Sequence[str] = (),
) -> pd.DataFrame:
    """One row per sample, epoch and metric, shaped like `evals.analysis.rates.scored_frame`: `sample_id`,
    `epoch`, `scenario_id`, `pair_id`, `metric`, `value` (NaN unscored), `hit`, `scored`, plus the given metadata
    factors.
    The organism's draws do not depend on the epoch (a repeated conversation is answered the same way), so
    epochs repeat each sample's values."""
    rows: list[dict[str, Any]] = []
    for item in samples:
        decision = decision_for(profile, seed, item.perception, situation_rng(profile, seed, item.perception))
        tg = float(decision.training_games) if item.perception.has_reasoning_space else math.nan
        values = {COMPLIANCE: float(decision.complies), TRAINING_GAMING: tg}
        base = {factor: item.metadata.get(factor) for factor in factors}
        for epoch in range(1, epochs + 1):
            for metric, value in values.items():
                rows.append(
                    {
                        "sample_id": item.sample_id,
                        "epoch": epoch,
                        "scenario_id": str(item.metadata.get("scenario_id", item.sample_id)),
                        "pair_id": str(item.metadata.get("pair_id", item.sample_id)),
                        **base,
                        "metric": metric,
                        "value": value,
                    }
                )
    frame = pd.DataFrame(rows)
    frame["scored"] = frame["value"].notna()
    frame["hit"] = frame["value"] >= 1.0
    return frame


def sample_table(runs: Mapping[str, pd.DataFrame], suite: str) -> SampleTable:
    """Simulated runs (model name -> `simulate` frame) as the `SampleTable` that `evals.logs.load` would
    return for logs of them, so reports, comparisons and the factor model can be checked without Inspect."""
    sample_rows: list[dict[str, Any]] = []
    score_rows: list[dict[str, Any]] = []
    identity = ["sample_id", "epoch", "scenario_id", "pair_id"]
    for model, frame in runs.items():
        factor_columns = [c for c in frame.columns if c not in {*identity, "metric", "value", "scored", "hit"}]
        for (sample_id, epoch), part in frame.groupby(["sample_id", "epoch"], sort=False):
            row = len(sample_rows)
            first = part.iloc[0]
            sample_rows.append(
                {
                    "row": row,
                    "log": f"simulated/{model}",
                    "model": model,
                    "suite": suite,
                    "sample_id": sample_id,
                    "epoch": epoch,
                    "error": False,
                    "scenario_id": first["scenario_id"],
                    "pair_id": first["pair_id"],
                    **{c: first[c] for c in factor_columns},
                }
            )
            for metric, value in zip(part["metric"], part["value"], strict=True):
                scorer, _, key = str(metric).partition(":")
                score_rows.append({"row": row, "scorer": scorer, "key": key, "metric": metric, "value": value})
    samples = pd.DataFrame(sample_rows)
    scores = pd.DataFrame(score_rows)
    scores["value"] = scores["value"].astype(float)
    conditions = [
        c
        for c in samples.columns
        if c not in {"row", "log", "model", "suite", "sample_id", "epoch", "error", "pair_id"}
    ]
    return SampleTable([], samples, scores, conditions)
