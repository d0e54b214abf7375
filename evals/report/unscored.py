"""Why samples are unscored, for every scorer: counted per reason, and split into by-design exclusions (no
reasoning to read under `cot=none`; a key that the design does not define at some level, e.g. collusion's clean
controls) and failures (judge errors, malformed or missing output, and anything unscored without a reason).

A sample is unscored for a scorer when any of that scorer's keys is NaN. Its reason is the score's metadata
`unscored_reason` when the scorer records one.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from evals.analysis.rates import Layout
from evals.logs import SampleTable

UNSCORED_COLUMNS = ["suite", "model", "scorer", "kind", "reason", "samples", "keys"]
BY_DESIGN = "by design"
FAILURE = "failure"
NO_REASONING = ("no reasoning",)
BY_DESIGN_PHRASES = ("not applicable", "does not apply", "clean control", "by design")
NO_REASON = "no reason recorded"


def _classify(reason: str | None, cot: str | None) -> tuple[str, str]:
    if reason is None:
        return FAILURE, NO_REASON
    text = reason.lower()
    if any(p in text for p in NO_REASONING):
        # Nothing to read is by design only where the condition gave the model no place to reason.
        return (BY_DESIGN, reason) if cot in (None, "none") else (FAILURE, f"{reason} (cot={cot})")
    if any(p in text for p in BY_DESIGN_PHRASES):
        return BY_DESIGN, reason
    return FAILURE, reason


def _undefined_levels(part: pd.DataFrame, layout: Layout) -> dict[int, str]:
    """Rows of one key whose factor level never has a score while other levels do: the design does not define
    the key there (`not defined where planted=clean`)."""
    found: dict[int, str] = {}
    for factor in layout.factors:
        if factor not in part:
            continue
        scored_by_level = part.groupby(part[factor].astype(str))["value"].apply(lambda v: v.notna().any())
        if scored_by_level.all() or not scored_by_level.any():
            continue
        for level, scored in scored_by_level.items():
            if not scored:
                rows = part.loc[part[factor].astype(str) == level, "row"]
                found.update(
                    dict.fromkeys((int(r) for r in rows), f"not defined where {factor}={level} (never scored there)")
                )
    return found


def unscored_table(table: SampleTable, layouts: Mapping[str, Layout]) -> pd.DataFrame:
    samples = table.samples
    if table.scores.empty or samples.empty:
        return pd.DataFrame(columns=UNSCORED_COLUMNS)
    usable = samples[~samples["error"].astype(bool)]
    merged = table.scores.merge(usable, on="row", how="inner", suffixes=("", "_sample"))
    merged["scorer"] = merged["scorer"].astype(str)
    merged["key"] = merged["key"].astype(str)
    records: list[dict[str, object]] = []
    for (suite, model, scorer), part in merged.groupby(["suite", "model", "scorer"], sort=True):
        missing = part[part["value"].isna()]
        if missing.empty:
            continue
        layout = layouts.get(str(suite))
        undefined: dict[tuple[int, str], str] = {}
        if layout is not None:
            for key, key_part in part.groupby("key"):
                for row, why in _undefined_levels(key_part, layout).items():
                    undefined[(row, str(key))] = why
        reason_column = f"unscored_reason:{scorer}"
        per_sample: dict[int, tuple[str, str, set[str]]] = {}
        for record in missing.to_dict("records"):
            row_id, key = int(record["row"]), str(record["key"])
            recorded_value = record.get(reason_column)
            recorded = recorded_value if isinstance(recorded_value, str) else None
            cot_value = record.get("cot")
            cot = cot_value if isinstance(cot_value, str) else None
            if recorded is None and (row_id, key) in undefined:
                kind, reason = BY_DESIGN, undefined[(row_id, key)]
            else:
                kind, reason = _classify(recorded, cot)
            previous = per_sample.get(row_id)
            keys = (previous[2] if previous else set()) | {key}
            # A failure on any key makes the sample's entry a failure.
            if previous and previous[0] == FAILURE:
                kind, reason = previous[0], previous[1]
            per_sample[row_id] = (kind, reason, keys)
        counts: dict[tuple[str, str], tuple[int, set[str]]] = {}
        for kind, reason, keys in per_sample.values():
            count, seen = counts.get((kind, reason), (0, set()))
            counts[(kind, reason)] = (count + 1, seen | keys)
        for (kind, reason), (count, keys) in counts.items():
            records.append(
                {
                    "suite": suite,
                    "model": model,
                    "scorer": scorer,
                    "kind": kind,
                    "reason": reason,
                    "samples": count,
                    "keys": ", ".join(sorted(k or str(scorer) for k in keys)),
                }
            )
    frame = pd.DataFrame(records, columns=UNSCORED_COLUMNS)
    return frame.sort_values(
        ["kind", "suite", "model", "scorer", "samples"], ascending=[False, True, True, True, False]
    )
