"""Reading Inspect logs for reports, comparisons and nightly runs, in one place.

Finds the logs under the paths a user gives, checks their status (a log can end `error` or `cancelled` while
`inspect eval` exits 0), and turns their sample summaries into two compact pandas tables: one row per sample
(model, suite, condition) and one row per sample score key. Summaries are read log by log and dropped once
converted, so a 20,000-sample run is never held in memory as transcripts; the few transcripts a report shows
are read one at a time with `read_sample`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import pandas as pd
from inspect_ai.log import (
    EvalLog,
    EvalSample,
    EvalSampleSummary,
    list_eval_logs,
    read_eval_log,
    read_eval_log_sample,
    read_eval_log_sample_summaries,
)
from inspect_ai.scorer import value_to_float

from scorers.compliance import VALUE_KEY as COMPLIANCE_VALUE_KEY
from scorers.vocabulary import factor_levels

COMPLIANCE = "compliance"

METRIC_SEPARATOR = ":"
"""A dict-valued score's keys become metrics named `<scorer>:<key>`; a scalar score is the metric `<scorer>`."""

NOT_FACTORS = frozenset(
    {
        "suite",
        "scenario_id",
        "paraphrase",
        "pair_id",
        "request_domain",
        "objective_paraphrase",
        "training_cue_style",
        "training_cue",
        "request_category",
    }
)
"""Metadata that identifies a prompt or its wording rather than a condition of the design."""

NOT_FACTOR_SUFFIXES = ("_id", "_kind", "_paraphrase", "_style", "_index")
"""Metadata keys with these endings describe an item or a wording, not a condition."""

MAX_EXTRA_FACTOR_LEVELS = 4
"""A suite's own metadata key (e.g. `incentive`) counts as a factor when it takes 2..this many short values,
unless the suite declares its factors (a `factors` list in the task's metadata)."""

LABEL_METADATA = ("motive", "unscored_reason", "backend", "deliverable")
"""String entries of a score's metadata kept per sample (the TG motive, why a judgement is unscored, which back
end decided it, which deliverable the compliance rules looked for)."""

LOG_SUFFIXES = (".eval", ".json")

logger = logging.getLogger(__name__)


class LogError(ValueError):
    """Logs that cannot be used as asked (none found, unknown model, ...); printed as one line."""


@dataclass(frozen=True)
class LogInfo:
    """One log's header: which task and model it ran and how it ended."""

    path: str
    task: str
    suite: str
    model: str
    status: str
    created: str
    task_id: str
    samples_expected: int
    error: str | None = None
    completed_samples: int = 0
    """Samples that finished (from the log's results; 0 when the run never got to scoring)."""
    declared_factors: tuple[str, ...] = ()
    """The factors the suite declares in its task metadata (`factors`), in declaration order."""
    declared_levels: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """Each declared factor's levels, reference first, when the task metadata's `factors` is a mapping
    `{factor: [levels...]}` (the form every suite writes); empty when it is only a list of names."""
    judge_counts: tuple[tuple[str, float], ...] = ()
    """The TG scorer's back-end and judge-cost counts (`tg_count ...` metrics), when the log has them."""

    @property
    def complete(self) -> bool:
        return self.status == "success"

    @property
    def file_name(self) -> str:
        return Path(self.path).name


@dataclass
class SampleTable:
    """The samples of some logs: `samples` has one row per sample (identity, condition, score labels), `scores`
    one row per numeric score key (`row` joins them; `value` NaN means unscored)."""

    logs: list[LogInfo]
    samples: pd.DataFrame
    scores: pd.DataFrame
    conditions: list[str] = field(default_factory=list)
    """The sample columns that hold condition metadata (factor candidates)."""
    warnings: list[str] = field(default_factory=list)

    @property
    def models(self) -> list[str]:
        return sorted(self.samples["model"].unique()) if len(self.samples) else []

    @property
    def suites(self) -> list[str]:
        return sorted(self.samples["suite"].unique()) if len(self.samples) else []

    def declared_factors(self, suite: str) -> tuple[str, ...] | None:
        """The factors a suite's logs declare, or None when they declare none."""
        declared = [info.declared_factors for info in self.logs if info.suite == suite and info.declared_factors]
        return declared[0] if declared else None

    def declared_levels(self, suite: str) -> dict[str, tuple[str, ...]]:
        """Each declared factor's levels (reference first) for a suite; empty when its logs declare none."""
        for info in self.logs:
            if info.suite == suite and info.declared_levels:
                return dict(info.declared_levels)
        return {}


def local_path(name: str) -> str:
    """A filesystem path from what `list_eval_logs` returns (`file://` URIs for local logs)."""
    if name.startswith("file://"):
        return unquote(urlparse(name).path)
    return name


def find_log_files(sources: Sequence[str | Path]) -> list[str]:
    """Every log file under the given directories (recursively) or named directly, oldest first."""
    files: list[str] = []
    for source in sources:
        path = Path(source)
        if path.is_dir():
            found = [local_path(info.name) for info in list_eval_logs(str(path), recursive=True, descending=False)]
            if not found:
                raise LogError(f"no Inspect logs (*.eval, *.json) under {path}; pass a log directory or .eval files")
            files.extend(found)
        elif path.is_file():
            if path.suffix not in LOG_SUFFIXES:
                raise LogError(f"{path} is not an Inspect log (*.eval or *.json)")
            files.append(str(path))
        else:
            raise LogError(f"no such log file or directory: {path}")
    return list(dict.fromkeys(files))


def log_info(log: EvalLog, path: str) -> LogInfo:
    epochs = log.eval.config.epochs or 1
    metadata = log.eval.metadata or {}
    task_suite = metadata.get("suite")
    declared = metadata.get("factors")
    names, levels = declared_design(declared)
    return LogInfo(
        path=path,
        task=log.eval.task,
        suite=str(task_suite or log.eval.task.rsplit("/", 1)[-1]),
        model=log.eval.model,
        status=log.status,
        created=str(log.eval.created),
        task_id=log.eval.task_id,
        samples_expected=(log.eval.dataset.samples or 0) * epochs,
        completed_samples=log.results.completed_samples if log.results else 0,
        error=log.error.message if log.error else None,
        declared_factors=names,
        declared_levels=levels,
        judge_counts=judge_counts(log),
    )


def declared_design(declared: object) -> tuple[tuple[str, ...], tuple[tuple[str, tuple[str, ...]], ...]]:
    """Factor names and levels from a task's `factors` metadata: a mapping factor -> levels (reference first)
    or a plain list of factor names (older logs). Anything else declares nothing."""
    if isinstance(declared, Mapping):
        levels = tuple(
            (str(factor), tuple(str(level) for level in values) if isinstance(values, list | tuple) else ())
            for factor, values in declared.items()
        )
        return tuple(name for name, _ in levels), tuple((name, values) for name, values in levels if values)
    if isinstance(declared, list | tuple):
        return tuple(str(factor) for factor in declared), ()
    return (), ()


JUDGE_COUNT_PREFIX = "tg_count "


def judge_counts(log: EvalLog) -> tuple[tuple[str, float], ...]:
    """The `tg_count ...` metrics of a log's results (back ends used, grader calls and tokens)."""
    if not log.results:
        return ()
    return tuple(
        (name.removeprefix(JUDGE_COUNT_PREFIX), count_value(float(metric.value)))
        for score in log.results.scores
        for name, metric in score.metrics.items()
        if name.startswith(JUDGE_COUNT_PREFIX)
    )


def count_value(value: float) -> float:
    """A count as a whole number (`240`, not `240.0`); an average of counts to one decimal (`5914.2`)."""
    if math.isnan(value):
        return value
    return int(value) if value.is_integer() else round(value, 1)


def unreadable(path: str, error: Exception) -> str:
    """The one-line warning (or error) for a log that cannot be read."""
    reason = " ".join(str(error).split()) or type(error).__name__
    return f"skipped unreadable log {path} ({reason})"


def read_log_infos(files: Iterable[str], strict: bool = False, skipped: list[str] | None = None) -> list[LogInfo]:
    """Headers of the given logs. A task re-run in place (same task id) counts once: the newest log wins.

    A log that cannot be read (truncated, corrupt) is skipped with a warning naming the file, appended to
    `skipped` when given; with `strict` it is an error instead."""
    newest: dict[str, LogInfo] = {}
    for path in files:
        try:
            info = log_info(read_eval_log(path, header_only=True), path)
        except Exception as error:  # Inspect raises ValueError, KeyError, zip and JSON errors for a bad file
            if strict:
                raise LogError(
                    f"{unreadable(path, error).replace('skipped ', '', 1)}; remove it or run without --strict"
                ) from None
            message = unreadable(path, error)
            logger.warning(message)
            if skipped is not None:
                skipped.append(message)
            continue
        previous = newest.get(info.task_id)
        if previous is None or info.created >= previous.created:
            newest[info.task_id] = info
    return sorted(newest.values(), key=lambda info: (info.suite, info.model, info.created))


def model_matches(model: str, wanted: str) -> bool:
    """`wanted` names the model exactly or by its last path parts (`context_gated_gamer` for
    `organism/context_gated_gamer`)."""
    return model == wanted or model.endswith("/" + wanted)


def select_model(infos: Sequence[LogInfo], wanted: str) -> list[LogInfo]:
    chosen = [info for info in infos if model_matches(info.model, wanted)]
    if not chosen:
        available = sorted({info.model for info in infos})
        raise LogError(f"no logs of model {wanted!r}; these logs have: {', '.join(available) or 'no models'}")
    if len({info.model for info in chosen}) > 1:
        raise LogError(f"model {wanted!r} is ambiguous: {', '.join(sorted({i.model for i in chosen}))}")
    return chosen


def status_problems(infos: Sequence[LogInfo]) -> list[str]:
    """One line per log that did not finish successfully."""
    return [
        f"{info.suite} x {info.model}: log status {info.status}"
        + (f" ({info.error.splitlines()[0][:200]})" if info.error else "")
        + f" in {info.path}"
        for info in infos
        if not info.complete
    ]


def numeric_value(value: object) -> float | None:
    """A score value as a float, NaN when unscored, or None when it is not a number at all."""
    if value is None:
        return math.nan
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value_to_float()(value))
        except (TypeError, ValueError):
            return None
    return None


def score_entries(scorer: str, value: object) -> list[tuple[str, str, float]]:
    """(metric, key, value) for each numeric part of one score value. `compliance`'s `{"compliance": v}` (a dict
    only so that Inspect's metrics see its unscored samples) is the scorer's own number, metric `compliance`."""
    if scorer == COMPLIANCE and isinstance(value, Mapping) and list(value) == [COMPLIANCE_VALUE_KEY]:
        value = value[COMPLIANCE_VALUE_KEY]
    if isinstance(value, Mapping):
        entries = []
        for key, item in value.items():
            number = numeric_value(item)
            if number is not None:
                entries.append((f"{scorer}{METRIC_SEPARATOR}{key}", str(key), number))
        return entries
    number = numeric_value(value)
    return [] if number is None else [(scorer, "", number)]


def _condition(metadata: Mapping[str, Any]) -> dict[str, str]:
    vocabulary = factor_levels()
    condition = {factor: str(metadata[factor]) for factor in vocabulary if factor in metadata}
    for key, value in metadata.items():
        if key in vocabulary or key in NOT_FACTORS or key.endswith(NOT_FACTOR_SUFFIXES):
            continue
        if isinstance(value, str) and 0 < len(value) <= 40 and " " not in value:
            condition[key] = value
    for key in ("scenario_id", "paraphrase"):
        if key in metadata:
            condition[key] = str(metadata[key])
    return condition


class _Collector:
    """Accumulates rows as plain lists; the DataFrames are built once at the end."""

    def __init__(self) -> None:
        self.samples: list[dict[str, Any]] = []
        self.conditions: dict[str, None] = {}
        self.score_rows: dict[str, list[Any]] = {"row": [], "scorer": [], "key": [], "metric": [], "value": []}

    def add(self, info: LogInfo, summary: EvalSampleSummary) -> None:
        row = len(self.samples)
        condition = _condition(summary.metadata)
        self.conditions.update(dict.fromkeys(condition))
        record: dict[str, Any] = {
            "row": row,
            "log": info.path,
            "model": info.model,
            "suite": str(summary.metadata.get("suite", info.suite)),
            "sample_id": summary.id,
            "epoch": summary.epoch,
            "error": summary.error is not None,
            "pair_id": None if summary.metadata.get("pair_id") is None else str(summary.metadata["pair_id"]),
            **condition,
        }
        for scorer, score in (summary.scores or {}).items():
            if score.answer is not None:
                record[f"answer:{scorer}"] = score.answer
            for name in LABEL_METADATA:
                label = (score.metadata or {}).get(name)
                if isinstance(label, str):
                    record[f"{name}:{scorer}"] = label
            for metric, key, value in score_entries(scorer, score.value):
                self.score_rows["row"].append(row)
                self.score_rows["scorer"].append(scorer)
                self.score_rows["key"].append(key)
                self.score_rows["metric"].append(metric)
                self.score_rows["value"].append(value)
        self.samples.append(record)


def read_samples(
    infos: Sequence[LogInfo],
    progress: Callable[[int, int, LogInfo], None] | None = None,
    strict: bool = False,
    skipped: Sequence[str] = (),
) -> SampleTable:
    """Read every log's sample summaries into a SampleTable. Errored samples are kept (flagged) without scores.
    A log whose samples cannot be read is left out with a warning (an error with `strict`); `skipped` are
    earlier warnings about unreadable logs, kept in the table's warnings."""
    collector = _Collector()
    warnings = [*skipped, *status_problems(infos)]
    read: list[LogInfo] = []
    for index, info in enumerate(infos, start=1):
        if progress:
            progress(index, len(infos), info)
        try:
            summaries = read_eval_log_sample_summaries(info.path)
        except Exception as error:  # a corrupt sample index; the header was readable
            if strict:
                raise LogError(
                    f"{unreadable(info.path, error).replace('skipped ', '', 1)}; remove it or run without --strict"
                ) from None
            warnings.append(unreadable(info.path, error))
            logger.warning(warnings[-1])
            continue
        read.append(info)
        for summary in summaries:
            collector.add(info, summary)
    infos = read
    samples = pd.DataFrame(collector.samples)
    if samples.empty:
        samples = pd.DataFrame(columns=["row", "log", "model", "suite", "sample_id", "epoch", "error", "pair_id"])
    scores = pd.DataFrame(collector.score_rows)
    scores["value"] = scores["value"].astype(float)
    for column in ("scorer", "key", "metric"):
        scores[column] = scores[column].astype("category")
    seen: dict[tuple[str, str], int] = {}
    for info in infos:
        seen[(info.suite, info.model)] = seen.get((info.suite, info.model), 0) + 1
    warnings += [
        f"{suite} x {model}: {count} logs pooled (several runs of the same suite and model)"
        for (suite, model), count in seen.items()
        if count > 1
    ]
    return SampleTable(list(infos), samples, scores, list(collector.conditions), warnings)


def load(
    sources: Sequence[str | Path],
    model: str | None = None,
    progress: Callable[[int, int, LogInfo], None] | None = None,
    strict: bool = False,
) -> SampleTable:
    """Find, filter (by model, if given) and read the logs under `sources`. Unreadable logs are skipped with a
    warning in the table's `warnings` (`skipped unreadable log <path> ...`), or are an error with `strict`."""
    skipped: list[str] = []
    infos = read_log_infos(find_log_files(sources), strict=strict, skipped=skipped)
    if not infos:
        raise LogError(
            f"no readable Inspect logs under {', '.join(str(s) for s in sources)} ({len(skipped)} unreadable)"
        )
    if model is not None:
        infos = select_model(infos, model)
    return read_samples(infos, progress, strict=strict, skipped=skipped)


def skipped_logs(warnings: Iterable[str]) -> list[str]:
    """The warnings (of `unreadable`) about logs skipped as unreadable."""
    return [warning for warning in warnings if warning.startswith("skipped unreadable log ")]


def skipped_count(warnings: Iterable[str]) -> int:
    """How many logs a table's warnings say were skipped as unreadable."""
    return len(skipped_logs(warnings))


def suite_factors(samples: pd.DataFrame, conditions: Iterable[str], declared: Sequence[str] | None = None) -> list[str]:
    """The condition factors these samples vary: when the suite declares its factors, exactly those (in declared
    order; everything else in metadata is descriptive); otherwise vocabulary factors in vocabulary order, then
    short-valued metadata keys with a few levels (e.g. `incentive`)."""
    vocabulary = factor_levels()

    def varies(column: str) -> bool:
        return column in samples and samples[column].nunique(dropna=True) > 1

    if declared is not None:
        return without_aliases(samples, [f for f in declared if varies(f)])
    factors = [f for f in vocabulary if varies(f)]
    for column in conditions:
        if column in vocabulary or column in NOT_FACTORS or column not in samples:
            continue
        if column.endswith(INCIDENTAL_SUFFIXES):
            continue
        if 1 < samples[column].nunique(dropna=True) <= MAX_EXTRA_FACTOR_LEVELS:
            factors.append(column)
    return without_aliases(samples, factors)


INCIDENTAL_SUFFIXES = ("_option", "_cue", "_letter", "_document", "_doc")
"""Undeclared metadata with these endings names a wording or an item (an answer option's letter, the cue or
document shown), never a condition of the design."""


def without_aliases(samples: pd.DataFrame, factors: Sequence[str]) -> list[str]:
    """Drop a factor that splits the samples exactly like an earlier one (e.g. `cot_monitoring=monitored` is
    `cot=visible_cot` under another name), so the same split is never reported twice."""
    kept: list[str] = []
    for factor in factors:
        codes = samples[factor].astype(str)
        if not any(_same_partition(codes, samples[other].astype(str)) for other in kept):
            kept.append(factor)
    return kept


def _same_partition(first: pd.Series, second: pd.Series) -> bool:
    pairs = pd.DataFrame({"a": first.to_numpy(), "b": second.to_numpy()}).drop_duplicates()
    return bool(pairs["a"].is_unique and pairs["b"].is_unique)


def level_order(factor: str, present: Iterable[str], declared: Sequence[str] | None = None) -> list[str]:
    """Levels in the suite's declared order, else vocabulary order (reference first); levels outside both
    follow in order of appearance."""
    present = list(dict.fromkeys(str(level) for level in present))
    vocabulary = tuple(declared) if declared else factor_levels().get(factor, ())
    return [level for level in vocabulary if level in present] + [level for level in present if level not in vocabulary]


def read_sample(path: str, sample_id: str | int, epoch: int) -> EvalSample:
    """One full sample (messages with attachments resolved, without events), for showing a transcript."""
    return read_eval_log_sample(
        path, id=sample_id, epoch=epoch, resolve_attachments=True, exclude_fields={"events", "store"}
    )
