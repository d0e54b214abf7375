"""The factorial condition grid shared by every suite, and parsing of `-T` factor selections.

Every sample's metadata carries its full condition (all factors of the design vocabulary), so any log can be
sliced by any factor. Suites vary some factors; the others sit at their reference (first) level.
"""

from __future__ import annotations

from collections.abc import Sequence

from scorers.errors import ParameterError as ParameterError  # re-exported: suites raise it
from scorers.vocabulary import factor_levels

FactorSelection = str | Sequence[str] | None
"""What a `-T factor=...` parameter arrives as: one level, a list (comma-separated on the CLI), or unset."""


def reference_condition() -> dict[str, str]:
    return {factor: levels[0] for factor, levels in factor_levels().items()}


def select_levels(
    factor: str, requested: FactorSelection, available: Sequence[str], option: str | None = None
) -> tuple[str, ...]:
    """The levels of `factor` a run asked for, validated against what the suite offers.

    `requested` is None (use every available level), one level, a comma-separated string or a list.
    Unknown levels raise a one-line ParameterError naming the factor, the bad level and the valid ones;
    `option` names the command-line flag to suggest instead of `-T factor=` (e.g. `--suites`).
    """
    if requested is None:
        return tuple(available)
    usage = f"{option} " if option else f"-T {factor}="
    raw = [requested] if isinstance(requested, str) else list(requested)
    levels = [str(item).strip() for part in raw for item in str(part).split(",") if str(item).strip()]
    if not levels:
        raise ParameterError(f"{usage.strip()} selects no levels; choose from: {', '.join(available)}")
    unknown = [level for level in levels if level not in available]
    if unknown:
        offered = "available" if option else "this suite offers"
        raise ParameterError(
            f"unknown {factor} level(s) {', '.join(map(repr, unknown))}; "
            f"{offered}: {', '.join(available)} (e.g. {usage}{available[0]})"
        )
    return tuple(dict.fromkeys(levels))


def positive_int(name: str, value: object) -> int:
    """Validate an integer task parameter such as `scenarios_per_cell`."""
    try:
        number = int(str(value))
    except ValueError:
        raise ParameterError(f"-T {name} must be a positive integer, got {value!r}") from None
    if number < 1:
        raise ParameterError(f"-T {name} must be a positive integer, got {value!r}")
    return number


def integer(name: str, value: object) -> int:
    """Validate an integer task parameter such as `question_seed` (a one-line error, not a traceback)."""
    if isinstance(value, bool):
        raise ParameterError(f"-T {name} must be an integer, got {value!r}")
    try:
        return int(str(value).strip())
    except ValueError:
        raise ParameterError(f"-T {name} must be an integer, got {value!r}") from None
