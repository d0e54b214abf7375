"""Which of a suite's own factors (e.g. `incentive`, `framing`, `cot_monitoring`) vary across a set of scores,
so worst-case metrics group by exactly the factors a run varied, whether or not they are in the shared
condition vocabulary."""

from __future__ import annotations

from collections.abc import Sequence

from inspect_ai.scorer import SampleScore


def varied_among(scores: list[SampleScore], factors: Sequence[str]) -> list[str]:
    """The `factors` that take more than one value across these samples' metadata, in the given order."""
    seen: dict[str, set[str]] = {factor: set() for factor in factors}
    for sample_score in scores:
        metadata = sample_score.sample_metadata or {}
        for factor in factors:
            if factor in metadata:
                seen[factor].add(str(metadata[factor]))
    return [factor for factor in factors if len(seen[factor]) > 1]
