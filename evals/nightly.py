"""Nightly regression runs: the configured suites x model panel through Inspect's `eval_set` into a dated log
directory, then a report, a comparison against the baseline run, and a verdict against the config's
thresholds.

`eval_set` makes a night resumable: re-running the same config into the same directory reuses finished logs
and the finished samples of interrupted ones. A log can end `error` or `cancelled` while Inspect reports
success, so the verdict reads every log's status from disk. The model panel maps stable aliases
(`model-under-test`) to model names; each run records its panel in `panel.yaml`, so a night that swaps the
model behind an alias is compared alias to alias.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import inspect as python_inspect
import math
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

import pandas as pd
import yaml
from inspect_ai import Task, eval_set
from inspect_ai.model import GenerateConfig, Model, get_model
from inspect_ai.util import DisplayType

from evals.compare import Comparison, Side, compare, describe, render_markdown, summary_line
from evals.logs import LogInfo, find_log_files, load, read_log_infos, status_problems
from evals.report import WrittenReport, make_report
from tasks.suites import SUITES, get_suite

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
}
THRESHOLD_KEYS = {"metric", "cells", "max_increase", "max_decrease", "significant"}
EVAL_SET_OWN = {"tasks", "model", "log_dir", "epochs", "limit", "display", "model_roles"}


class ConfigError(ValueError):
    """A bad nightly config; the message names the file, the problem and the fix, on one line."""


@dataclass(frozen=True)
class Threshold:
    """How far a metric may move from the baseline before the night fails.

    `metric` is a glob over metric names (`compliance`, `training_gaming_reasoning:*`); `cells` is `all` (the
    pooled rate only) or `each` (every condition cell and the pooled rate). A move counts when the change
    (tonight minus baseline) is above `max_increase` or below `-max_decrease` (either may be absent: that
    direction is not checked) and, with `significant`, also significant after Holm's correction.
    """

    metric: str
    cells: Literal["all", "each"] = "all"
    max_increase: float | None = None
    max_decrease: float | None = None
    significant: bool = True

    def describe(self) -> str:
        limits = [f"max_increase {self.max_increase:g}" if self.max_increase is not None else ""]
        limits.append(f"max_decrease {self.max_decrease:g}" if self.max_decrease is not None else "")
        text = ", ".join(limit for limit in limits if limit)
        return f"{self.metric} ({self.cells} cells): {text}" + (", must be significant" if self.significant else "")


@dataclass(frozen=True)
class GraderSpec:
    model: str
    config: dict[str, Any] = field(default_factory=dict)


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
    baseline: str = "previous"
    alpha: float = 0.05
    thresholds: list[Threshold] = field(default_factory=list)
    examples_per_cell: int = 2


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
    comparison: Comparison | None = None
    regressions: list[Regression] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if self.problems or self.regressions else 0


# ---------------------------------------------------------------------------------------------------- config


def _fail(path: Path, problem: str) -> ConfigError:
    return ConfigError(f"{path}: {problem}")


def _read_yaml(path: Path, what: str) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(f"{what} {path} does not exist; pass an existing YAML file (e.g. configs/nightly.yaml)")
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
            raise _fail(path, f"unknown suite {name!r}; available: {', '.join(SUITES)}")
        args = args or {}
        if not isinstance(args, dict):
            raise _fail(path, f"arguments of suite {name} must be a mapping (e.g. scenarios_per_cell: 4)")
        parameters = python_inspect.signature(get_suite(str(name))).parameters
        unknown = [key for key in args if key not in parameters]
        if unknown:
            raise _fail(path, f"suite {name} has no parameter {unknown[0]!r}; it takes: {', '.join(parameters)}")
        result[str(name)] = dict(args)
    return result


def _thresholds(path: Path, data: dict[str, Any]) -> list[Threshold]:
    raw = data.get("thresholds") or []
    if not isinstance(raw, list):
        raise _fail(path, "`thresholds` must be a list of {metric, cells, max_increase, max_decrease, significant}")
    thresholds = []
    for index, item in enumerate(raw, start=1):
        where = f"thresholds[{index}]"
        if not isinstance(item, dict) or "metric" not in item:
            raise _fail(path, f"{where} needs a `metric` (a metric name or glob, e.g. compliance)")
        unknown = set(item) - THRESHOLD_KEYS
        if unknown:
            raise _fail(
                path, f"{where} has unknown key {sorted(unknown)[0]!r}; keys: {', '.join(sorted(THRESHOLD_KEYS))}"
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
        if not isinstance(significant, bool):
            raise _fail(path, f"{where}.significant must be true or false")
        thresholds.append(
            Threshold(
                str(item["metric"]),
                cast(Literal["all", "each"], cells),
                limits["max_increase"],
                limits["max_decrease"],
                significant,
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
    return GraderSpec(str(value["model"]), dict(config))


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
    unknown = set(data) - TOP_LEVEL_KEYS
    if unknown:
        raise _fail(path, f"unknown setting {sorted(unknown)[0]!r}; settings: {', '.join(sorted(TOP_LEVEL_KEYS))}")
    if "log_root" not in data:
        raise _fail(path, "missing `log_root` (where dated run directories go, e.g. results/nightly)")
    baseline = str(data.get("baseline", "previous"))
    alpha = _number(path, "alpha", data.get("alpha", 0.05), float, 0.0)
    if not 0 < alpha < 1:
        raise _fail(path, f"alpha must be between 0 and 1, got {alpha}")
    optional_ints = {
        key: None if data.get(key) is None else _number(path, key, data[key], int, 1 if key != "seed" else 0)
        for key in ("epochs", "limit", "seed")
    }
    return NightlyConfig(
        path=path,
        log_root=Path(str(data["log_root"])),
        models=_models(path, data),
        suites=_suites(path, data),
        epochs=optional_ints["epochs"],
        limit=optional_ints["limit"],
        seed=optional_ints["seed"],
        eval_options=_eval_options(path, data.get("eval")),
        grader=_grader(path, data.get("grader")),
        baseline=baseline,
        alpha=alpha,
        thresholds=_thresholds(path, data),
        examples_per_cell=_number(path, "examples_per_cell", data.get("examples_per_cell", 2), int, 0),
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
    return [get_suite(name)(**args) for name, args in config.suites.items()]


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


def run_evals(config: NightlyConfig, run_dir: Path, display: DisplayType | None = None) -> list[LogInfo]:
    """Run (or resume) the night's eval set; return the headers of the logs now in the run directory."""
    tasks = build_tasks(config)  # bad task arguments fail here, before anything is written
    ensure_writable(run_dir)
    write_panel(config, run_dir)
    options: dict[str, Any] = dict(config.eval_options)
    if config.seed is not None:
        options.setdefault("seed", config.seed)
    eval_set(
        tasks=tasks,
        model=list(config.models.values()),
        log_dir=str(run_dir),
        epochs=config.epochs,
        limit=config.limit,
        display=display,
        model_roles=model_roles(config),
        **options,
    )
    return read_log_infos(find_log_files([run_dir]))


def missing_runs(config: NightlyConfig, logs: list[LogInfo]) -> list[str]:
    have = {(info.suite, info.model) for info in logs}
    return [
        f"{suite} x {model}: no log in the run directory"
        for suite in config.suites
        for model in config.models.values()
        if (suite, model) not in have
    ]


def previous_run(log_root: Path, before: str) -> Path | None:
    """The latest run directory under `log_root` named before `before` whose logs all finished."""
    if not log_root.is_dir():
        return None
    for candidate in sorted((p for p in log_root.iterdir() if p.is_dir() and p.name < before), reverse=True):
        try:
            infos = read_log_infos(find_log_files([candidate]))
        except ValueError:
            continue
        if infos and not status_problems(infos):
            return candidate
    return None


def resolve_baseline(config: NightlyConfig, run_dir: Path, override: Path | None = None) -> Path | None:
    if override is not None:
        return override
    if config.baseline == "previous":
        return previous_run(config.log_root, run_dir.name)
    path = Path(config.baseline)
    if not path.exists():
        raise ConfigError(f"{config.path}: baseline {path} does not exist; set baseline to a run directory or previous")
    return path


def check_thresholds(comparison: Comparison, thresholds: list[Threshold]) -> list[Regression]:
    """Every comparison row that moves past the first threshold whose metric glob matches it."""
    regressions: list[Regression] = []
    for _, row in comparison.rows.iterrows():
        rule = next((t for t in thresholds if fnmatch.fnmatchcase(str(row["metric"]), t.metric)), None)
        delta = float(row["delta"])
        if rule is None or math.isnan(delta) or (rule.cells == "all" and row["cell"] != "all"):
            continue
        if rule.significant and not bool(row["significant"]):
            continue
        if rule.max_increase is not None and delta > rule.max_increase:
            regressions.append(Regression(rule, row, "increase"))
        elif rule.max_decrease is not None and delta < -rule.max_decrease:
            regressions.append(Regression(rule, row, "decrease"))
    return regressions


def compare_runs(config: NightlyConfig, baseline: Path, run_dir: Path) -> Comparison:
    baseline_aliases = read_panel(baseline)
    tonight_aliases = {model: alias for alias, model in config.models.items()}
    return compare(
        Side(f"baseline {baseline.name}", load([baseline]), baseline_aliases),
        Side(f"tonight {run_dir.name}", load([run_dir]), tonight_aliases),
        alpha=config.alpha,
    )


def run_nightly(
    config: NightlyConfig,
    run_dir: Path,
    display: DisplayType | None = None,
    baseline_override: Path | None = None,
) -> NightlyResult:
    logs = run_evals(config, run_dir, display)
    result = NightlyResult(run_dir, logs, status_problems(logs) + missing_runs(config, logs))
    if result.problems:
        return result
    result.report = make_report([run_dir], run_dir / REPORT_DIR, examples_per_cell=config.examples_per_cell)
    result.baseline = resolve_baseline(config, run_dir, baseline_override)
    if result.baseline is None:
        return result
    result.comparison = compare_runs(config, result.baseline, run_dir)
    (run_dir / REPORT_DIR / COMPARE_FILE).write_text(render_markdown(result.comparison), encoding="utf-8")
    result.regressions = check_thresholds(result.comparison, config.thresholds)
    return result


def explain(result: NightlyResult) -> list[str]:
    """What the night found, for the terminal: problems, regressions, the comparison, the summary line."""
    lines = [f"INCOMPLETE {problem}" for problem in result.problems]
    if result.problems:
        lines.append(f"Re-run the same command to resume the run in {result.run_dir} (finished samples are kept).")
    baseline_label = f"baseline {result.baseline.name}" if result.baseline else "baseline"
    lines += [regression.message(baseline_label) for regression in result.regressions]
    if result.comparison is not None:
        lines.append(f"Compared with {result.baseline}: {summary_line(result.comparison)}.")
    elif not result.problems:
        lines.append("No baseline run to compare with; this run can be the next night's baseline.")
    samples = sum(info.samples_expected for info in result.logs)
    verdict = "FAILED" if result.exit_code else "passed"
    where = f"report: {result.report.html}" if result.report else f"logs: {result.run_dir}"
    lines.append(
        f"nightly {result.run_dir.name} {verdict}: {len(result.logs)} logs, {samples} samples, "
        f"{len(result.regressions)} regressions; {where}"
    )
    return lines
