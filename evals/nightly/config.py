"""The nightly config file, read and checked: suites and their task arguments, the model panel (alias ->
model), eval_set options, the grader, the baseline and the thresholds. Any problem is a one-line
`ConfigError` naming the file, the problem and the fix."""

from __future__ import annotations

import fnmatch
import inspect as python_inspect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

import yaml
from inspect_ai import eval_set
from inspect_ai.model import GenerateConfig

from evals.name_checks import UnknownNameError, check_task_arguments, suggestion
from tasks.suites import SUITES

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
EVAL_SET_OWN = {"tasks", "model", "log_dir", "epochs", "limit", "display", "model_roles"}


class ConfigError(ValueError):
    """A bad nightly config; the message names the file, the problem and the fix, on one line."""


@dataclass(frozen=True)
class Threshold:
    """How far a metric may move from the baseline before the night fails.

    `metric` is a glob over metric names (`compliance`, `training_gaming_reasoning:*`); `suite` optionally
    limits the rule to one suite; `cells` is `all` (the pooled rate only) or `each` (every condition cell and
    the pooled rate). A move counts when the change (tonight minus baseline) is above `max_increase` or below
    `-max_decrease` (either may be absent: that direction is not checked): with `significant`, when the
    change's interval at the gate's Bonferroni level lies wholly beyond it; without, when the estimate does.
    A `primary` rule's pairs must all be compared (coverage); by default
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


def invalid(path: Path, problem: str) -> ConfigError:
    """The error for a problem found in the config file at `path`, naming the file."""
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
        raise invalid(path, f"invalid YAML{where}: {getattr(error, 'problem', error)}; fix the syntax") from None
    if not isinstance(data, dict):
        raise invalid(path, "expected a mapping of settings at the top level (key: value lines)")
    return data


def _number(path: Path, name: str, value: object, kind: type[int] | type[float], minimum: float) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float) or (kind is int and not isinstance(value, int)):
        raise invalid(path, f"{name} must be a {'whole number' if kind is int else 'number'}, got {value!r}")
    if value < minimum:
        raise invalid(path, f"{name} must be at least {minimum:g}, got {value!r}")
    return kind(value)


def _models(path: Path, data: dict[str, Any]) -> dict[str, str]:
    models = data.get("models")
    if models is None and "panel" in data:
        panel_path = (path.parent / str(data["panel"])).resolve()
        models = _read_yaml(panel_path, "model panel").get("models")
        path = panel_path
    if models is None:
        raise invalid(
            path, "missing `models` (alias: model, e.g. `model-under-test: openai/gpt-4o`) or `panel` (a file)"
        )
    if isinstance(models, list):
        models = {str(model): str(model) for model in models}
    if not isinstance(models, dict) or not models:
        raise invalid(path, "`models` must map aliases to model names, e.g. `model-under-test: openai/gpt-4o`")
    panel = {str(alias): str(model) for alias, model in models.items()}
    if any("/" not in model for model in panel.values()):
        bad = next(model for model in panel.values() if "/" not in model)
        raise invalid(path, f"model {bad!r} needs a provider prefix, e.g. openai/gpt-4o or organism/honest")
    if len(set(panel.values())) != len(panel):
        raise invalid(path, "two aliases name the same model; give each model one alias")
    return panel


def _suites(path: Path, data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    suites = data.get("suites")
    if suites is None:
        raise invalid(path, f"missing `suites` (suite: task arguments); available: {', '.join(SUITES)}")
    if isinstance(suites, list):
        suites = {str(name): {} for name in suites}
    if not isinstance(suites, dict) or not suites:
        raise invalid(path, "`suites` must map suite names to their task arguments (or {})")
    result: dict[str, dict[str, Any]] = {}
    for name, args in suites.items():
        if str(name) not in SUITES:
            raise invalid(
                path, f"unknown suite {name!r}{suggestion(str(name), SUITES)} (available: {', '.join(SUITES)})"
            )
        args = args or {}
        if not isinstance(args, dict):
            raise invalid(path, f"arguments of suite {name} must be a mapping (e.g. scenarios_per_cell: 4)")
        try:
            check_task_arguments(str(name), args)
        except UnknownNameError as error:
            raise invalid(path, str(error)) from None
        result[str(name)] = dict(args)
    return result


def _thresholds(path: Path, data: dict[str, Any], suites: dict[str, dict[str, Any]]) -> list[Threshold]:
    raw = data.get("thresholds")
    if raw is None or raw == []:
        # Without a threshold the gate compares nothing, and a gate that checks nothing must not pass.
        raise invalid(
            path,
            f"{'missing' if raw is None else 'empty'} `thresholds`: the gate would check nothing; add at least "
            "one, e.g. `thresholds: [{metric: compliance, max_increase: 0.15, max_decrease: 0.15}]` "
            "(see configs/nightly.yaml)",
        )
    if not isinstance(raw, list):
        raise invalid(path, "`thresholds` must be a list of {metric, cells, max_increase, max_decrease, significant}")
    thresholds = []
    for index, item in enumerate(raw, start=1):
        where = f"thresholds[{index}]"
        if not isinstance(item, dict) or "metric" not in item:
            raise invalid(path, f"{where} needs a `metric` (a metric name or glob, e.g. compliance)")
        unknown = sorted(str(key) for key in set(item) - THRESHOLD_KEYS)
        if unknown:
            raise invalid(
                path,
                f"{where} has unknown key {unknown[0]!r}{suggestion(unknown[0], THRESHOLD_KEYS)} "
                f"(keys: {', '.join(sorted(THRESHOLD_KEYS))})",
            )
        cells = item.get("cells", "all")
        if cells not in ("all", "each"):
            raise invalid(path, f"{where}.cells must be `all` (pooled rate) or `each` (every cell), got {cells!r}")
        limits = {
            key: None if item.get(key) is None else _number(path, f"{where}.{key}", item[key], float, 0.0)
            for key in ("max_increase", "max_decrease")
        }
        if limits["max_increase"] is None and limits["max_decrease"] is None:
            raise invalid(path, f"{where} sets neither max_increase nor max_decrease; set at least one")
        significant = item.get("significant", True)
        metric = str(item["metric"])
        primary = item.get("primary", not any(c in metric for c in "*?["))
        for flag, value in (("significant", significant), ("primary", primary)):
            if not isinstance(value, bool):
                raise invalid(path, f"{where}.{flag} must be true or false")
        suite = item.get("suite")
        if suite is not None and str(suite) not in suites:
            raise invalid(path, f"{where}.suite {suite!r} is not a configured suite{suggestion(str(suite), suites)}")
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
        raise invalid(source, "`grader` needs a `model` (e.g. anthropic/claude-sonnet-4-5) and optional `config`")
    config = value.get("config") or {}
    try:
        GenerateConfig(**config)
    except Exception as error:
        raise invalid(source, f"grader config is not a valid generate config: {str(error).splitlines()[0]}") from None
    return GraderSpec(str(value["model"]), dict(config), source if source != path else None)


def _eval_options(path: Path, value: object) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid(path, "`eval` must map eval_set options to values (e.g. max_connections: 10)")
    allowed = set(python_inspect.signature(eval_set).parameters) | set(GenerateConfig.model_fields)
    for key in value:
        if key in EVAL_SET_OWN:
            raise invalid(
                path, f"set {key!r} at the top level of the config (or leave it to nightly), not under `eval`"
            )
        if key not in allowed:
            raise invalid(path, f"`eval` option {key!r} is not an eval_set option (see inspect_ai.eval_set)")
    return dict(value)


def load_config(path: Path) -> NightlyConfig:
    """Read and validate a nightly config; any problem is a one-line ConfigError."""
    data = _read_yaml(path, "nightly config")
    unknown = sorted(str(key) for key in set(data) - TOP_LEVEL_KEYS)
    if unknown:
        raise invalid(
            path,
            f"unknown setting {unknown[0]!r}{suggestion(unknown[0], TOP_LEVEL_KEYS)} "
            f"(settings: {', '.join(sorted(TOP_LEVEL_KEYS))})",
        )
    if "log_root" not in data:
        raise invalid(path, "missing `log_root` (where dated run directories go, e.g. results/nightly)")
    baseline = str(data.get("baseline") or LAST_PASSED)
    min_coverage = _number(path, "min_coverage", data.get("min_coverage", 1.0), float, 0.0)
    if min_coverage > 1:
        raise invalid(path, f"min_coverage is a share between 0 and 1 (1 = every gated pair), got {min_coverage}")
    alpha = _number(path, "alpha", data.get("alpha", 0.05), float, 0.0)
    if not 0 < alpha < 1:
        raise invalid(path, f"alpha must be between 0 and 1, got {alpha}")
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
