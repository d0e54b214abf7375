"""What judging cost, per log and in total: LLM-judge calls and tokens of every scorer that calls the grader
(compliance, training-gaming reasoning, any other), which back end decided the TG verdicts, and the grader
role's token usage as Inspect recorded it (`log.stats.role_usage["grader"]`). Counts are integers.

Judge calls are summed from each score's metadata (`grader_calls`, `grader_tokens`), read from the sample
summaries one log at a time.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from inspect_ai.log import read_eval_log_sample_summaries

from evals.logs import SampleTable
from evals.report.metric_kinds import COMPLIANCE, TRAINING_GAMING
from evals.report.run_groups import LogHeader

TOTAL = "total"
COST_COLUMNS = [
    "log",
    "suite",
    "model",
    "TG by rules",
    "TG by judge",
    "compliance judge calls",
    "TG judge calls",
    "other judge calls",
    "judge tokens (scorers)",
    "grader tokens (role usage)",
]


def _integer(value: object) -> int:
    try:
        return int(float(str(value)))
    except ValueError:
        return 0


def log_cost(path: str) -> dict[str, int]:
    """Judge calls per scorer group and judge tokens, summed over one log's sample summaries."""
    totals = {"compliance judge calls": 0, "TG judge calls": 0, "other judge calls": 0, "judge tokens (scorers)": 0}
    for summary in read_eval_log_sample_summaries(path):
        for scorer, score in (summary.scores or {}).items():
            metadata = score.metadata or {}
            calls = _integer(metadata.get("grader_calls", 0))
            totals["judge tokens (scorers)"] += _integer(metadata.get("grader_tokens", 0))
            column = (
                "compliance judge calls"
                if scorer == COMPLIANCE
                else "TG judge calls"
                if scorer == TRAINING_GAMING
                else "other judge calls"
            )
            totals[column] += calls
    return totals


def judge_cost(table: SampleTable, headers: Mapping[str, LogHeader]) -> pd.DataFrame:
    """One row per log, and a total row, in integers."""
    rows: list[dict[str, object]] = []
    for info in table.logs:
        counts = dict(info.judge_counts)
        header = headers.get(info.path)
        rows.append(
            {
                "log": info.file_name,
                "suite": info.suite,
                "model": info.model,
                "TG by rules": _integer(counts.get("backend rules", 0)) + _integer(counts.get("backend prefilter", 0)),
                "TG by judge": _integer(counts.get("backend judge", 0)),
                **log_cost(info.path),
                "grader tokens (role usage)": header.grader_usage.get("total_tokens", 0) if header else 0,
            }
        )
    frame = pd.DataFrame(rows, columns=COST_COLUMNS)
    if frame.empty:
        return frame
    numeric = COST_COLUMNS[3:]
    total = {"log": TOTAL, "suite": "", "model": "", **{c: int(frame[c].sum()) for c in numeric}}
    frame = pd.concat([frame, pd.DataFrame([total])], ignore_index=True)
    frame[numeric] = frame[numeric].astype(int)
    return frame
