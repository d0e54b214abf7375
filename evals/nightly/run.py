"""The night's eval set: the tasks of the configured suites, run (or resumed) with Inspect's `eval_set` into
the run directory with the grader and its judge settings, and the checks made before any model is called
(task arguments, threshold metric names, a writable log directory)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from inspect_ai import Task, eval_set
from inspect_ai.model import Model
from inspect_ai.util import DisplayType

from evals.logs import LogInfo, find_log_files, read_log_infos
from evals.model_checks import check_models, start_model
from evals.name_checks import UnknownNameError, build_suite, check_pattern
from evals.nightly.config import ConfigError, GraderSpec, NightlyConfig, invalid
from evals.nightly.metric_catalogue import suite_metrics
from evals.nightly.panel import write_panel
from scorers.grader_settings import CONFIG_ENV


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


def night_name(date: dt.date | None = None) -> str:
    """The night a run is recorded under in the history: its date (`--date`, else today), whatever directory
    its logs go to, so nights sort by date and the last night that passed is the latest earlier date."""
    return (date or dt.date.today()).isoformat()


def run_directory(config: NightlyConfig, date: dt.date | None = None, run_dir: Path | None = None) -> Path:
    """`--run-dir` when given, else `<log_root>/<date>`."""
    return run_dir or config.log_root / night_name(date)


def build_tasks(config: NightlyConfig) -> list[Task]:
    try:
        return [build_suite(name, args) for name, args in config.suites.items()]
    except UnknownNameError as error:
        raise invalid(config.path, str(error)) from None


def model_roles(config: NightlyConfig) -> dict[str, str | Model] | None:
    if config.grader is None:
        return None
    return {"grader": start_model(config.grader.model, config.grader.config)}


def check_prerequisites(config: NightlyConfig) -> None:
    """Every model of the panel and the grader can start (API keys set): checked before the night writes
    anything, so a missing key is one line and exit 2, with no run directory or panel.yaml left behind."""
    check_models(config.models.values())
    model_roles(config)


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
            raise invalid(config.path, f"{error} (the configured suites produce: {', '.join(names)})") from None
    return metrics
