"""Which logs are one run: logs of the same suite and model are pooled only when they ran with the same task
arguments (`-T`, `log.eval.task_args`); otherwise each set of arguments is its own run, shown separately (a
`-T cot=none` run pooled with a `-T cot=hidden_scratchpad` run would mix two designs without saying so).

Also reads what the report needs from each log's header besides `evals.logs.LogInfo`: the samples actually run
and completed (not the dataset size), and the grader's token usage per log.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from inspect_ai.log import EvalLog, read_eval_log

from evals.logs import SampleTable

RUN_SEPARATOR = " ["
"""A suite split into runs is named `suite [arg=value, ...]`."""

POOLED_WARNING = "logs pooled (several runs of the same suite and model)"
"""The warning `evals.logs.read_samples` writes for any pooling; replaced here by a precise one."""


@dataclass(frozen=True)
class LogHeader:
    """What the report reads from one log's header."""

    path: str
    task_args: dict[str, Any]
    completed_samples: int
    grader_usage: dict[str, int]
    """Token counts of the `grader` model role (input, output, total); empty when no grader ran."""


def read_headers(table: SampleTable) -> dict[str, LogHeader]:
    return {info.path: log_header(read_eval_log(info.path, header_only=True), info.path) for info in table.logs}


def log_header(log: EvalLog, path: str) -> LogHeader:
    usage = log.stats.role_usage.get("grader") if log.stats and log.stats.role_usage else None
    grader = (
        {
            "input_tokens": int(usage.input_tokens),
            "output_tokens": int(usage.output_tokens),
            "total_tokens": int(usage.total_tokens),
        }
        if usage is not None
        else {}
    )
    return LogHeader(
        path=path,
        task_args=dict(log.eval.task_args or {}),
        completed_samples=int(log.results.completed_samples) if log.results else 0,
        grader_usage=grader,
    )


def base_suite(suite: str) -> str:
    """The suite a (possibly split) run belongs to."""
    return suite.split(RUN_SEPARATOR, 1)[0]


def _args_text(args: Mapping[str, Any], keys: list[str]) -> str:
    def value(item: Any) -> str:
        return ",".join(str(v) for v in item) if isinstance(item, list | tuple) else str(item)

    return ", ".join(f"{key}={value(args.get(key, '-'))}" for key in keys)


def split_runs(table: SampleTable, headers: Mapping[str, LogHeader]) -> SampleTable:
    """A copy of `table` in which each (suite, model) with logs of different task arguments becomes one suite
    per set of arguments (`value_conflict [cot=none]`), with a warning saying so; logs with equal arguments
    stay pooled, also with a warning."""
    by_group: dict[tuple[str, str], list[str]] = {}
    for info in table.logs:
        by_group.setdefault((info.suite, info.model), []).append(info.path)
    renamed: dict[str, str] = {}
    warnings = [w for w in table.warnings if not w.endswith(POOLED_WARNING)]
    for (suite, model), paths in by_group.items():
        if len(paths) < 2:
            continue
        signatures = {path: json.dumps(headers[path].task_args, sort_keys=True, default=str) for path in paths}
        if len(set(signatures.values())) == 1:
            warnings.append(f"{suite} x {model}: {len(paths)} logs with the same task arguments pooled")
            continue
        arg_sets = [headers[path].task_args for path in paths]
        differing = sorted(
            {
                key
                for args in arg_sets
                for key in args
                if len({json.dumps(a.get(key), default=str) for a in arg_sets}) > 1
            }
        )
        for path in paths:
            renamed[path] = f"{suite}{RUN_SEPARATOR}{_args_text(headers[path].task_args, differing)}]"
        warnings.append(
            f"{suite} x {model}: {len(paths)} logs with different task arguments ({', '.join(differing)}) "
            "shown as separate runs, not pooled"
        )
    if not renamed:
        return SampleTable(table.logs, table.samples, table.scores, table.conditions, warnings)
    samples = table.samples.copy()
    for path, suite in renamed.items():
        samples.loc[samples["log"] == path, "suite"] = suite
    logs = [replace(info, suite=renamed.get(info.path, info.suite)) for info in table.logs]
    return SampleTable(logs, samples, table.scores, table.conditions, warnings)
