"""The condition vocabulary (factors and levels), read from `datasets/shared/conditions.yaml`.

Lives in the lowest layer so that scorers can group results by whichever factors a log varies, and tasks
build their grids from the same definition.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from scorers.data_files import load_yaml


@lru_cache(maxsize=1)
def factor_levels() -> dict[str, tuple[str, ...]]:
    """Each factor's levels, reference level first."""
    spec: dict[str, Any] = load_yaml("shared/conditions.yaml")["factors"]
    return {factor: tuple(str(level) for level in levels) for factor, levels in spec.items()}


def varied_factors(metadatas: Iterable[Mapping[str, Any] | None]) -> list[str]:
    """The vocabulary factors that take more than one value across these samples, in vocabulary order."""
    seen: dict[str, set[str]] = {factor: set() for factor in factor_levels()}
    for metadata in metadatas:
        for factor in seen:
            if metadata and factor in metadata:
                seen[factor].add(str(metadata[factor]))
    return [factor for factor, values in seen.items() if len(values) > 1]
