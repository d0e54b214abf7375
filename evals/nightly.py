"""Nightly regression runs: the configured suites x model panel through Inspect's `eval_set` into a dated log
directory, then a report, a comparison against the baseline run, and a verdict against the config's
thresholds.

`eval_set` makes a night resumable: re-running the same config into the same directory reuses finished logs
and the finished samples of interrupted ones. A log can end `error` or `cancelled` while Inspect reports
success, so the verdict reads every log's status from disk. The model panel maps stable aliases
(`model-under-test`) to model names; each run records its panel in `panel.yaml`, so a night that swaps the
model behind an alias is compared alias to alias.

The gate is right both ways (see `evals.gate`): every name in the config is checked before any model is
called, the baseline is the last night that passed (or a pinned run) and is rejected when empty or
unreadable, a night passes only when the baseline's gated metric x cell pairs were compared (coverage), and
the verdict goes to the top of the night's report and into the history of nights (`evals.history`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fnmatch
import inspect as python_inspect
import math
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

import pandas as pd
import yaml
from inspect_ai import Task, eval_set
from inspect_ai.model import GenerateConfig, Model, get_model
from inspect_ai.util import DisplayType

from evals.compare import Comparison, Side, compare, coverage, describe, plural, render_markdown, summary_line
from evals.gate import GateSummary, RegressionLine, Verdict
from evals.gate_report import append_section, gate_html, gate_markdown, put_on_top, trend_html
from evals.history import (
    BaselineChoice,
    Headline,
    Night,
    config_hash,
    headline_rates,
    last_passed,
    plot_trend,
    read_history,
    read_night,
    record_night,
    render_trend_markdown,
    scored_pairs,
)
from evals.logs import LogInfo, SampleTable, find_log_files, load, read_log_infos, status_problems
from evals.metric_catalogue import suite_metrics
from evals.name_checks import UnknownNameError, build_suite, check_pattern, check_task_arguments, suggestion
from evals.report import WrittenReport, make_report
from evals.report.tables import fmt_delta, fmt_p, fmt_rate
from scorers.grader_settings import CONFIG_ENV
from tasks.suites import SUITES

PANEL_FILE = "panel.yaml"
"""Written into every run directory: the alias -> model panel the night ran."""

REPORT_DIR = "report"
COMPARE_FILE = "compare.md"
TOP_LEVEL_KEYS = {
    "log_root",
    "models",
    "panel",
    "suites",
    "epochs",
    "limit",
    "seed",
    "eval",
    "grader",
    "baseline",
    "alpha",
    "thresholds",
    "examples_per_cell",
    "min_coverage",
}
THRESHOLD_KEYS = {"metric", "suite", "cells", "max_increase", "max_decrease", "significant", "primary"}
LAST_PASSED = "last_passed"
BASELINE_AUTOMATIC = (LAST_PASSED, "previous")
"""`previous` is the older spelling of `last_passed`."""
TREND_FILE = "trend.md"
TREND_PLOT = "trend.png"
EVAL_SET_OWN = {"tasks", "model", "log_dir", "epochs", "limit", "display", "model_roles"}


class ConfigError(ValueError):
    """A bad nightly config; the message names the file, the problem and the fix, on one line."""


@dataclass(frozen=True)
class Threshold:
    """How far a metric may move from the baseline before the night fails.

    `metric` is a glob over metric names (`compliance`, `training_gaming_reasoning:*`); `suite` optionally
    limits the rule to one suite; `cells` is `all` (the pooled rate only) or `each` (every condition cell and
    the pooled rate). A move counts when the change (tonight minus baseline) is above `max_increase` or below
    `-max_decrease` (either may be absent: that direction is not checked) and, with `significant`, also
    significant after Holm's correction. A `primary` rule's pairs must all be compared (coverage); by default
    a rule is primary unless its metric is a glob.
    """

    metric: str
    cells: Literal["all", "each"] = "all"
    max_increase: float | None = None
    max_decrease: float | None = None
    significant: bool = True
    primary: bool = True
    suite: str | None = None

    def matches(self, suite: str, metric: str) -> bool:
        return (self.suite is None or self.suite == suite) and fnmatch.fnmatchcase(metric, self.metric)

    def gates(self, cell: str) -> bool:
        return self.cells == "each" or cell == "all"

    def describe(self) -> str:
        limits = [f"max_increase {self.max_increase:g}" if self.max_increase is not None else ""]
        limits.append(f"max_decrease {self.max_decrease:g}" if self.max_decrease is not None else "")
        text = ", ".join(limit for limit in limits if limit)
        return f"{self.metric} ({self.cells} cells): {text}" + (", must be significant" if self.significant else "")


@dataclass(frozen=True)
class GraderSpec:
    model: str
    config: dict[str, Any] = field(default_factory=dict)
    settings_file: Path | None = None
    """The grader file, whose `judge:` section (votes, voting, threshold, maybe band) the TG scorer reads."""


@dataclass(frozen=True)
class NightlyConfig:
    path: Path
    log_root: Path
    models: dict[str, str]
    """alias -> model name"""
    suites: dict[str, dict[str, Any]]
    """suite -> task arguments"""
    epochs: int | None = None
    limit: int | None = None
    seed: int | None = None
    eval_options: dict[str, Any] = field(default_factory=dict)
    grader: GraderSpec | None = None
    baseline: str = LAST_PASSED
    alpha: float = 0.05
    thresholds: list[Threshold] = field(default_factory=list)
    examples_per_cell: int = 2
    min_coverage: float = 1.0
    """Share of the baseline's primary gated metric x cell pairs that must be compared for a pass."""

    @property
    def baseline_is_automatic(self) -> bool:
        return self.baseline in BASELINE_AUTOMATIC

    def rule(self, suite: str, metric: str) -> Threshold | None:
        """The first threshold that applies to a suite's metric (None: the metric is not gated)."""
        return next((t for t in self.thresholds if t.matches(suite, metric)), None)

    def gated(self, suite: str, metric: str, cell: str, primary_only: bool = True) -> bool:
        rule = self.rule(suite, metric)
        return rule is not None and rule.gates(cell) and (rule.primary or not primary_only)


@dataclass(frozen=True)
class Regression:
    threshold: Threshold
    row: pd.Series
    direction: Literal["increase", "decrease"]

    def message(self, baseline_label: str) -> str:
        return (
            f"REGRESSION {self.direction} past threshold: {describe(self.row, baseline_label, 'tonight')}; "
            f"threshold {self.threshold.describe()}"
        )


@dataclass
class NightlyResult:
    run_dir: Path
    logs: list[LogInfo]
    problems: list[str]
    report: WrittenReport | None = None
    baseline: Path | None = None
    baseline_reason: str = ""
    comparison: Comparison | None = None
    regressions: list[Regression] = field(default_factory=list)
    gate: GateSummary | None = None
    headlines: list[Headline] = field(default_factory=list)
    completed_samples: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return self.gate.exit_code if self.gate is not None else (4 if self.problems else 0)


# ---------------------------------------------------------------------------------------------------- config


def _fail(path: Path, problem: str) -> ConfigError:
    return ConfigError(f"{path}: {problem}")


EXAMPLE_FILES = {
    "nightly config": "configs/nightly.yaml",
    "model panel": "configs/models.yaml",
    "grader settings": "configs/grader.yaml",
}


def _read_yaml(path: Path, what: str) -> dict[str, Any]:
    if not path.is_file():
        example = EXAMPLE_FILES.get(what, "configs/nightly.yaml")
        raise ConfigError(f"{what} {path} does not exist; pass an existing YAML file (e.g. {example})")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise _fail(path, f"invalid YAML{where}: {getattr(error, 'problem', error)}; fix the syntax") from None
    if not isinstance(data, dict):
        raise _fail(path, "expected a mapping of settings at the top level (key: value lines)")
    return data


def _number(path: Path, name: str, value: object, kind: type[int] | type[float], minimum: float) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float) or (kind is int and not isinstance(value, int)):
        raise _fail(path, f"{name} must be a {'whole number' if kind is int else 'number'}, got {value!r}")
    if value < minimum:
        raise _fail(path, f"{name} must be at least {minimum:g}, got {value!r}")
    return kind(value)


def _models(path: Path, data: dict[str, Any]) -> dict[str, str]:
    models = data.get("models")
    if models is None and "panel" in data:
        panel_path = (path.parent / str(data["panel"])).resolve()
        models = _read_yaml(panel_path, "model panel").get("models")
        path = panel_path
    if models is None:
        raise _fail(path, "missing `models` (alias: model, e.g. `model-under-test: openai/gpt-4o`) or `panel` (a file)")
    if isinstance(models, list):
        models = {str(model): str(model) for model in models}
    if not isinstance(models, dict) or not models:
        raise _fail(path, "`models` must map aliases to model names, e.g. `model-under-test: openai/gpt-4o`")
    panel = {str(alias): str(model) for alias, model in models.items()}
    if any("/" not in model for model in panel.values()):
        bad = next(model for model in panel.values() if "/" not in model)
        raise _fail(path, f"model {bad!r} needs a provider prefix, e.g. openai/gpt-4o or organism/honest")
    if len(set(panel.values())) != len(panel):
        raise _fail(path, "two aliases name the same model; give each model one alias")
    return panel


def _suites(path: Path, data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    suites = data.get("suites")
    if suites is None:
        raise _fail(path, f"missing `suites` (suite: task arguments); available: {', '.join(SUITES)}")
    if isinstance(suites, list):
        suites = {str(name): {} for name in suites}
    if not isinstance(suites, dict) or not suites:
        raise _fail(path, "`suites` must map suite names to their task arguments (or {})")
    result: dict[str, dict[str, Any]] = {}
    for name, args in suites.items():
        if str(name) not in SUITES:
            raise _fail(path, f"unknown suite {name!r}{suggestion(str(name), SUITES)} (available: {', '.join(SUITES)})")
        args = args or {}
        if not isinstance(args, dict):
            raise _fail(path, f"arguments of suite {name} must be a mapping (e.g. scenarios_per_cell: 4)")
        try:
            check_task_arguments(str(name), args)
        except UnknownNameError as error:
            raise _fail(path, str(error)) from None
        result[str(name)] = dict(args)
    return result


def _thresholds(path: Path, data: dict[str, Any], suites: dict[str, dict[str, Any]]) -> list[Threshold]:
    raw = data.get("thresholds") or []
    if not isinstance(raw, list):
        raise _fail(path, "`thresholds` must be a list of {metric, cells, max_increase, max_decrease, significant}")
    thresholds = []
    for index, item in enumerate(raw, start=1):
        where = f"thresholds[{index}]"
        if not isinstance(item, dict) or "metric" not in item:
            raise _fail(path, f"{where} needs a `metric` (a metric name or glob, e.g. compliance)")
        unknown = sorted(str(key) for key in set(item) - THRESHOLD_KEYS)
        if unknown:
            raise _fail(
                path,
                f"{where} has unknown key {unknown[0]!r}{suggestion(unknown[0], THRESHOLD_KEYS)} "
                f"(keys: {', '.join(sorted(THRESHOLD_KEYS))})",
            )
        cells = item.get("cells", "all")
        if cells not in ("all", "each"):
            raise _fail(path, f"{where}.cells must be `all` (pooled rate) or `each` (every cell), got {cells!r}")
        limits = {
            key: None if item.get(key) is None else _number(path, f"{where}.{key}", item[key], float, 0.0)
            for key in ("max_increase", "max_decrease")
        }
        if limits["max_increase"] is None and limits["max_decrease"] is None:
            raise _fail(path, f"{where} sets neither max_increase nor max_decrease; set at least one")
        significant = item.get("significant", True)
        metric = str(item["metric"])
        primary = item.get("primary", not any(c in metric for c in "*?["))
        for flag, value in (("significant", significant), ("primary", primary)):
            if not isinstance(value, bool):
                raise _fail(path, f"{where}.{flag} must be true or false")
        suite = item.get("suite")
        if suite is not None and str(suite) not in suites:
            raise _fail(path, f"{where}.suite {suite!r} is not a configured suite{suggestion(str(suite), suites)}")
        thresholds.append(
            Threshold(
                metric,
                cast(Literal["all", "each"], cells),
                limits["max_increase"],
                limits["max_decrease"],
                significant,
                primary,
                None if suite is None else str(suite),
            )
        )
    return thresholds


def _grader(path: Path, value: object) -> GraderSpec | None:
    if value is None:
        return None
    source = path
    if isinstance(value, str):
        source = (path.parent / value).resolve()
        value = _read_yaml(source, "grader settings").get("grader")
    if not isinstance(value, dict) or "model" not in value:
        raise _fail(source, "`grader` needs a `model` (e.g. anthropic/claude-sonnet-4-5) and optional `config`")
    config = value.get("config") or {}
    try:
        GenerateConfig(**config)
    except Exception as error:
        raise _fail(source, f"grader config is not a valid generate config: {str(error).splitlines()[0]}") from None
    return GraderSpec(str(value["model"]), dict(config), source if source != path else None)


def _eval_options(path: Path, value: object) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _fail(path, "`eval` must map eval_set options to values (e.g. max_connections: 10)")
    allowed = set(python_inspect.signature(eval_set).parameters) | set(GenerateConfig.model_fields)
    for key in value:
        if key in EVAL_SET_OWN:
            raise _fail(path, f"set {key!r} at the top level of the config (or leave it to nightly), not under `eval`")
        if key not in allowed:
            raise _fail(path, f"`eval` option {key!r} is not an eval_set option (see inspect_ai.eval_set)")
    return dict(value)


def load_config(path: Path) -> NightlyConfig:
    """Read and validate a nightly config; any problem is a one-line ConfigError."""
    data = _read_yaml(path, "nightly config")
    unknown = sorted(str(key) for key in set(data) - TOP_LEVEL_KEYS)
    if unknown:
        raise _fail(
            path,
            f"unknown setting {unknown[0]!r}{suggestion(unknown[0], TOP_LEVEL_KEYS)} "
            f"(settings: {', '.join(sorted(TOP_LEVEL_KEYS))})",
        )
    if "log_root" not in data:
        raise _fail(path, "missing `log_root` (where dated run directories go, e.g. results/nightly)")
    baseline = str(data.get("baseline") or LAST_PASSED)
    min_coverage = _number(path, "min_coverage", data.get("min_coverage", 1.0), float, 0.0)
    if min_coverage > 1:
        raise _fail(path, f"min_coverage is a share between 0 and 1 (1 = every gated pair), got {min_coverage}")
    alpha = _number(path, "alpha", data.get("alpha", 0.05), float, 0.0)
    if not 0 < alpha < 1:
        raise _fail(path, f"alpha must be between 0 and 1, got {alpha}")
    optional_ints = {
        key: None if data.get(key) is None else _number(path, key, data[key], int, 1 if key != "seed" else 0)
        for key in ("epochs", "limit", "seed")
    }
    suites = _suites(path, data)
    return NightlyConfig(
        path=path,
        log_root=Path(str(data["log_root"])),
        models=_models(path, data),
        suites=suites,
        epochs=optional_ints["epochs"],
        limit=optional_ints["limit"],
        seed=optional_ints["seed"],
        eval_options=_eval_options(path, data.get("eval")),
        grader=_grader(path, data.get("grader")),
        baseline=baseline,
        alpha=alpha,
        thresholds=_thresholds(path, data, suites),
        examples_per_cell=_number(path, "examples_per_cell", data.get("examples_per_cell", 2), int, 0),
        min_coverage=min_coverage,
    )


def ensure_writable(directory: Path) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory):
            pass
    except OSError as error:
        raise ConfigError(
            f"log directory {directory} is not writable ({error.strerror or error}); "
            "set log_root in the config (or --run-dir) to a directory you can write"
        ) from None


# ---------------------------------------------------------------------------------------------------- running


def run_directory(config: NightlyConfig, date: dt.date | None = None, run_dir: Path | None = None) -> Path:
    return run_dir or config.log_root / (date or dt.date.today()).isoformat()


def build_tasks(config: NightlyConfig) -> list[Task]:
    try:
        return [build_suite(name, args) for name, args in config.suites.items()]
    except UnknownNameError as error:
        raise _fail(config.path, str(error)) from None


def model_roles(config: NightlyConfig) -> dict[str, str | Model] | None:
    if config.grader is None:
        return None
    return {"grader": get_model(config.grader.model, config=GenerateConfig(**config.grader.config))}


def read_panel(run_dir: Path) -> dict[str, str]:
    """model -> alias, from a run's panel.yaml (empty when the directory was not written by nightly)."""
    path = run_dir / PANEL_FILE
    if not path.is_file():
        return {}
    models = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models") or {}
    return {str(model): str(alias) for alias, model in models.items()}


def write_panel(config: NightlyConfig, run_dir: Path) -> None:
    path = run_dir / PANEL_FILE
    panel = {"models": config.models}
    if path.is_file() and (yaml.safe_load(path.read_text(encoding="utf-8")) or {}) != panel:
        raise ConfigError(
            f"{run_dir} already holds a run of a different model panel; "
            "use a new --run-dir (or --date) for a changed panel"
        )
    path.write_text(yaml.safe_dump(panel, sort_keys=False), encoding="utf-8")


def run_evals(
    config: NightlyConfig, run_dir: Path, display: DisplayType | None = None, tasks: list[Task] | None = None
) -> list[LogInfo]:
    """Run (or resume) the night's eval set; return the headers of the logs now in the run directory.
    Inspect's own display is off unless asked for (`display`): the night prints its own short table."""
    tasks = tasks if tasks is not None else build_tasks(config)  # bad task arguments fail before anything runs
    ensure_writable(run_dir)
    write_panel(config, run_dir)
    options: dict[str, Any] = dict(config.eval_options)
    if config.seed is not None:
        options.setdefault("seed", config.seed)
    if display is None:
        options.setdefault("score_display", False)  # running metrics feed a screen that is not shown
    with judge_settings_from(config.grader):
        eval_set(
            tasks=tasks,
            model=list(config.models.values()),
            log_dir=str(run_dir),
            epochs=config.epochs,
            limit=config.limit,
            display=display or "none",
            model_roles=model_roles(config),
            **options,
        )
    return read_log_infos(find_log_files([run_dir]))


@contextlib.contextmanager
def judge_settings_from(grader: GraderSpec | None) -> Iterator[None]:
    """Point the TG scorer at the grader file's `judge:` section for the duration of the run (unless the
    environment already names one), so the night judges with the configured votes and threshold."""
    if grader is None or grader.settings_file is None or os.environ.get(CONFIG_ENV):
        yield
        return
    os.environ[CONFIG_ENV] = str(grader.settings_file)
    try:
        yield
    finally:
        os.environ.pop(CONFIG_ENV, None)


def missing_runs(config: NightlyConfig, logs: list[LogInfo]) -> list[str]:
    have = {(info.suite, info.model) for info in logs}
    return [
        f"{suite} x {model}: no log in the run directory"
        for suite in config.suites
        for model in config.models.values()
        if (suite, model) not in have
    ]


# ---------------------------------------------------------------------------------------------------- checks


def check_metric_names(config: NightlyConfig) -> dict[str, list[str]]:
    """Every threshold's metric must match a metric one of its suites produces (probed offline, cached).
    A rule whose suites could not be probed is not checked (the probe logs a warning)."""
    if not config.thresholds:
        return {}
    cache_dir = config.log_root if config.log_root.is_dir() else None
    probed = suite_metrics(config.suites, cache_dir)
    metrics = {suite: names for suite, names in probed.items() if names is not None}
    for index, rule in enumerate(config.thresholds, start=1):
        suites = [suite for suite in probed if rule.suite in (None, suite)]
        if any(probed[suite] is None for suite in suites):
            continue
        names = sorted({m for suite in suites for m in metrics[suite]})
        try:
            check_pattern(rule.metric, names, f"thresholds[{index}].metric")
        except UnknownNameError as error:
            raise _fail(config.path, f"{error} (the configured suites produce: {', '.join(names)})") from None
    return metrics


def validate_baseline(path: Path, what: str) -> None:
    """A baseline must hold readable logs that finished; anything else is rejected before a model is called."""
    if not path.is_dir():
        raise ConfigError(f"{what} {path} is not a run directory; pass a directory of a finished run")
    try:
        infos = read_log_infos(find_log_files([path]), strict=True)
    except ValueError as error:
        raise ConfigError(f"{what} {path} is unusable: {' '.join(str(error).split())}") from None
    if not infos or not any(info.complete for info in infos):
        raise ConfigError(f"{what} {path} has no finished logs; pass the directory of a run that finished")


def resolve_baseline(config: NightlyConfig, run_dir: Path, override: Path | None = None) -> BaselineChoice:
    """The run to compare with and why: `--baseline`, else a pinned baseline, else the last night that passed."""
    if override is not None:
        validate_baseline(override, "--baseline")
        return BaselineChoice(override, "given with --baseline")
    if not config.baseline_is_automatic:
        pinned = Path(config.baseline)
        validate_baseline(pinned, f"{config.path}: baseline")
        return BaselineChoice(pinned, f"pinned in {config.path.name}")
    choice = last_passed(config.log_root, run_dir.name)
    if choice.path is not None:
        validate_baseline(choice.path, "the last passing night")
    return choice


def check_thresholds(comparison: Comparison, config: NightlyConfig) -> list[Regression]:
    """Every comparison row that moves past the first threshold that applies to its suite and metric."""
    regressions: list[Regression] = []
    for _, row in comparison.rows.iterrows():
        rule = config.rule(str(row["suite"]), str(row["metric"]))
        delta = float(row["delta"])
        if rule is None or math.isnan(delta) or not rule.gates(str(row["cell"])):
            continue
        if rule.significant and not bool(row["significant"]):
            continue
        if rule.max_increase is not None and delta > rule.max_increase:
            regressions.append(Regression(rule, row, "increase"))
        elif rule.max_decrease is not None and delta < -rule.max_decrease:
            regressions.append(Regression(rule, row, "decrease"))
    return regressions


def compare_runs(
    config: NightlyConfig, baseline: Path, run_dir: Path, tonight: SampleTable | None = None, paired: bool = True
) -> Comparison:
    """Tonight against the baseline, alias by alias; the Holm family is the gated comparisons only."""
    baseline_aliases = read_panel(baseline)
    tonight_aliases = {model: alias for alias, model in config.models.items()}
    return compare(
        Side(f"baseline {baseline.name}", load([baseline]), baseline_aliases),
        Side(f"tonight {run_dir.name}", tonight if tonight is not None else load([run_dir]), tonight_aliases),
        alpha=config.alpha,
        paired=paired,
        family=lambda suite, metric, cell: config.gated(suite, metric, cell, primary_only=False),
    )


def regression_line(regression: Regression) -> RegressionLine:
    row = regression.row

    def rate(side: str) -> str:
        return fmt_rate(*(row[f"{side}_{c}"] for c in ("rate", "ci_low", "ci_high", "n", "unscored")))

    where = " ".join(
        part for part in (str(row["key"]), str(row["suite"]), str(row["metric"]), f"[{row['cell']}]") if part
    )
    return RegressionLine(
        where=where,
        baseline=rate("a"),
        tonight=rate("b"),
        change=fmt_delta(row["delta"], row["ci_low"], row["ci_high"]),
        p_adjusted=fmt_p(row["p_adjusted"]),
        p_raw=fmt_p(row["p_value"]),
        threshold=regression.threshold.describe(),
    )


# ---------------------------------------------------------------------------------------------------- the night


def _completed(table: SampleTable) -> int:
    samples = table.samples
    return int((~samples["error"].astype(bool)).sum()) if len(samples) else 0


def _verdict(result: NightlyResult, config: NightlyConfig, share: float | None) -> Verdict:
    if result.problems:
        return "incomplete"
    if result.regressions:
        return "regressed"
    if share is not None and share < config.min_coverage:
        return "not_covered"
    return "passed"


def run_nightly(
    config: NightlyConfig,
    run_dir: Path,
    display: DisplayType | None = None,
    baseline_override: Path | None = None,
    strict: bool = False,
    paired: bool = True,
) -> NightlyResult:
    """Check names and the baseline, run the night, compare, decide, report and record the night."""
    tasks = build_tasks(config)
    choice = resolve_baseline(config, run_dir, baseline_override)
    metrics = check_metric_names(config)
    logs = run_evals(config, run_dir, display, tasks)
    result = NightlyResult(run_dir, logs, status_problems(logs) + missing_runs(config, logs))
    result.baseline, result.baseline_reason = choice.path, choice.reason
    tonight = load([run_dir], strict=strict)
    result.warnings = list(tonight.warnings)
    result.completed_samples = _completed(tonight)
    if not result.problems and result.completed_samples == 0:
        result.problems.append("no sample finished")
    aliases = {model: alias for alias, model in config.models.items()}
    primary = sorted(
        {
            m
            for found in metrics.values()
            for m in found
            if any(
                (t.primary and t.matches("", m)) or (t.primary and t.suite and t.matches(t.suite, m))
                for t in config.thresholds
            )
        }
    )
    result.headlines = headline_rates(tonight, aliases, primary or None)
    gate = GateSummary(run_dir.name, "passed", min_coverage=config.min_coverage)
    gate.baseline_reason = choice.reason
    gate.baseline = None if result.baseline is None else result.baseline.name
    if result.baseline is not None and not result.problems:
        result.comparison = compare_runs(config, result.baseline, run_dir, tonight, paired)
        result.regressions = check_thresholds(result.comparison, config)
        recorded = read_night(result.baseline)
        baseline_gated = {tuple(pair) for pair in recorded.gated_pairs} if recorded else set()

        def gated(key: str, suite: str, metric: str, cell: str) -> bool:
            return config.gated(suite, metric, cell) or (key, suite, metric, cell) in baseline_gated

        covered = coverage(result.comparison, gated)
        gate.coverage_compared, gate.coverage_total = covered.compared, covered.total
        gate.coverage_missing = covered.missing
        gate.matching = list(result.comparison.matching) + list(result.comparison.unmatched_models)
        gate.regressions = [regression_line(r) for r in result.regressions]
        gate.statistic = result.comparison.statistic
    gate.problems = list(result.problems)
    gate.verdict = _verdict(result, config, gate.coverage)
    result.gate = gate
    report_dir = run_dir / REPORT_DIR
    if not result.problems:
        result.report = make_report([run_dir], report_dir, examples_per_cell=config.examples_per_cell)
        if result.comparison is not None:
            (report_dir / COMPARE_FILE).write_text(render_markdown(result.comparison), encoding="utf-8")
        put_on_top(result.report.markdown, result.report.html, gate_markdown(gate), gate_html(gate))
    night = Night(
        night=run_dir.name,
        run_dir=str(run_dir),
        models=dict(config.models),
        config_hash=config_hash(config.path.read_text(encoding="utf-8")),
        gate=gate,
        headlines=result.headlines,
        samples=result.completed_samples,
        gated_pairs=[list(pair) for pair in scored_pairs(tonight, aliases) if config.gated(pair[1], pair[2], pair[3])],
    )
    record_night(config.log_root, night)
    if result.report is not None:
        write_trend(config.log_root, report_dir, result.report)
    return result


def write_trend(log_root: Path, out_dir: Path, written: WrittenReport | None = None) -> Path:
    """`trend.md` and `trend.png` from the history under `log_root`; appended to a written report if given."""
    nights = read_history(log_root)
    markdown = render_trend_markdown(nights)
    path = out_dir / TREND_FILE
    out_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(markdown, encoding="utf-8")
    plot = plot_trend(nights, out_dir / TREND_PLOT)
    if written is not None:
        section = markdown.replace("# Nightly trend", "## Nightly trend", 1)
        section = (
            "\n".join(
                "#" + line if line.startswith("## ") and not line.startswith("## Nightly") else line
                for line in section.splitlines()
            )
            + "\n"
        )
        append_section(written.markdown, written.html, section, trend_html(path, plot))
    return path


# ---------------------------------------------------------------------------------------------------- output


def headline_for(result: NightlyResult, config: NightlyConfig, suite: str, model: str) -> str:
    """The run's headline metric (the first threshold's metric it has, else its first) with its interval."""
    candidates = [h for h in result.headlines if h.suite == suite and h.model == model]
    for rule in config.thresholds:
        chosen = next((h for h in candidates if rule.matches(suite, h.metric)), None)
        if chosen is not None:
            break
    else:
        chosen = candidates[0] if candidates else None
    if chosen is None:
        return "-"
    return f"{chosen.metric} {chosen.rate:.2f} [{chosen.low:.2f}, {chosen.high:.2f}]"


def run_verdict(result: NightlyResult, suite: str, alias: str, info: LogInfo) -> str:
    if not info.complete:
        return "INCOMPLETE"
    if result.comparison is None:
        return "no baseline" if result.baseline is None else "-"
    mine = [r for r in result.regressions if str(r.row["suite"]) == suite and str(r.row["key"]) in (alias, "")]
    if mine:
        return f"REGRESSED ({len(mine)})"
    pairs = result.comparison.baseline_pairs
    if not pairs.empty:
        here = pairs[(pairs["suite"] == suite) & pairs["key"].isin([alias, ""])]
        if not here.empty and not here["compared"].astype(bool).any():
            return "not compared"
    return "ok"


def run_table(result: NightlyResult, config: NightlyConfig) -> list[str]:
    """One short line per run (suite x model): status, finished samples, headline metric, verdict."""
    aliases = {m: a for a, m in config.models.items()}
    rows = [("suite", "model", "status", "n", "headline [95% CI]", "verdict")]
    for info in result.logs:
        alias = aliases.get(info.model, info.model)
        rows.append(
            (
                info.suite,
                f"{alias} = {info.model}" if alias != info.model else info.model,
                info.status,
                str(info.completed_samples),
                headline_for(result, config, info.suite, info.model),
                run_verdict(result, info.suite, alias, info),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            cell.rjust(w) if i == 3 else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]


def explain(result: NightlyResult, config: NightlyConfig | None = None) -> list[str]:
    """What the night found, for the terminal: baseline and why, problems, regressions, coverage, the runs,
    the verdict line and the summary line."""
    gate = result.gate
    lines = []
    if result.baseline is not None:
        lines.append(f"Baseline: {result.baseline} ({result.baseline_reason}).")
    else:
        lines.append(
            f"No baseline run to compare with ({result.baseline_reason or 'none'}); "
            "this run can be the next night's baseline if it passes."
        )
    lines += [f"warning: {warning}" for warning in result.warnings if warning.startswith("skipped ")]
    lines += [f"INCOMPLETE {problem}" for problem in result.problems]
    if result.problems:
        lines.append(f"Re-run the same command to resume the run in {result.run_dir} (finished samples are kept).")
    baseline_label = f"baseline {result.baseline.name}" if result.baseline else "baseline"
    lines += [regression.message(baseline_label) for regression in result.regressions]
    if gate is not None:
        lines += [f"models: {line}" for line in gate.matching]
        if gate.verdict == "not_covered":
            shown = gate.coverage_missing[:10]
            more = (
                f" (and {len(gate.coverage_missing) - len(shown)} more)"
                if len(gate.coverage_missing) > len(shown)
                else ""
            )
            lines.append(f"NOT COVERED: {', '.join(shown) or 'the baseline has no gated pairs'}{more}")
    if result.comparison is not None:
        lines.append(f"Compared with {result.baseline}: {summary_line(result.comparison)}.")
    if config is not None and result.logs:
        lines += ["", *run_table(result, config), ""]
    if gate is not None:
        lines.append(gate.verdict_line())
    verdict = "FAILED" if result.exit_code else "passed"
    where = f"report: {result.report.html}" if result.report else f"logs: {result.run_dir}"
    lines.append(
        f"nightly {result.run_dir.name} {verdict}: {plural(len(result.logs), 'log')}, "
        f"{plural(result.completed_samples, 'sample')} finished, {plural(len(result.regressions), 'regression')}; "
        f"{where}"
    )
    return lines
