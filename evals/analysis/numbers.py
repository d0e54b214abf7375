"""How numbers are written in every report line: signed effects never read "-0.00", missing values read "–"."""

from __future__ import annotations

import math

DASH = "–"


def signed(value: float, digits: int = 2) -> str:
    """`+0.25`, `-0.10`; a value that rounds to zero is `+0.00` (never `-0.00`); NaN is a dash."""
    if math.isnan(value):
        return DASH
    text = f"{value:+.{digits}f}"
    return f"{0.0:+.{digits}f}" if float(text) == 0 else text


def unsigned(value: float, digits: int = 2) -> str:
    """`0.25`; a value that rounds to zero is `0.00`; NaN is a dash."""
    if math.isnan(value):
        return DASH
    text = f"{value:.{digits}f}"
    return f"{0.0:.{digits}f}" if float(text) == 0 else text


def interval(low: float, high: float, sign: bool = True, digits: int = 2) -> str:
    """`[-0.12, +0.30]` (or unsigned with `sign=False`)."""
    write = signed if sign else unsigned
    return f"[{write(low, digits)}, {write(high, digits)}]"


def with_interval(value: float, low: float, high: float, sign: bool = True, digits: int = 2) -> str:
    """`+0.25 [+0.10, +0.40]` (or unsigned with `sign=False`); a dash when the value is NaN."""
    if math.isnan(value):
        return DASH
    write = signed if sign else unsigned
    return f"{write(value, digits)} {interval(low, high, sign, digits)}"
