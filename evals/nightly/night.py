"""One night from start to finish: check names and the baseline, run the eval set, compare with the baseline,
decide the gate's verdict, write the report with the verdict on top, record the night and draw the trend."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from inspect_ai.util import DisplayType

from evals.compare import Comparison, coverage, render_markdown
from evals.logs import LogInfo, SampleTable, load, status_problems
from evals.nightly.baseline import resolve_baseline
from evals.nightly.config import NightlyConfig
from evals.nightly.gate import GateSummary, decide
from evals.nightly.gate_report import gate_html, gate_markdown, put_on_top
from evals.nightly.history import Headline, Night, config_hash, headline_rates, read_night, record_night, scored_pairs
from evals.nightly.regressions import (
    Regression,
    Undecided,
    check_thresholds,
    compare_runs,
    regression_line,
    undecided,
)
from evals.nightly.run import build_tasks, check_metric_names, check_prerequisites, missing_runs, run_evals
from evals.nightly.trend import write_trend
from evals.report import WrittenReport, make_report

REPORT_DIR = "report"
COMPARE_FILE = "compare.md"


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
    undecided: list[Undecided] = field(default_factory=list)
    gate: GateSummary | None = None
    headlines: list[Headline] = field(default_factory=list)
    completed_samples: int = 0
    warnings: list[str] = field(default_factory=list)
    night: str = ""
    """The name the history records (the date); empty means the run directory's name."""

    @property
    def exit_code(self) -> int:
        return self.gate.exit_code if self.gate is not None else (4 if self.problems else 0)


def _completed(table: SampleTable) -> int:
    samples = table.samples
    return int((~samples["error"].astype(bool)).sum()) if len(samples) else 0


def run_nightly(
    config: NightlyConfig,
    run_dir: Path,
    display: DisplayType | None = None,
    baseline_override: Path | None = None,
    strict: bool = False,
    paired: bool = True,
    night: str | None = None,
) -> NightlyResult:
    """Check names, models and the baseline, run the night, compare, decide, report and record the night.
    `night` is the name the history records (the date); by default the run directory's name."""
    night = night or run_dir.name
    tasks = build_tasks(config)
    check_prerequisites(config)
    choice = resolve_baseline(config, run_dir, baseline_override, night)
    metrics = check_metric_names(config)
    logs = run_evals(config, run_dir, display, tasks)
    result = NightlyResult(run_dir, logs, status_problems(logs) + missing_runs(config, logs))
    result.baseline, result.baseline_reason = choice.path, choice.reason
    result.night = night
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
    gate = GateSummary(night, "passed", min_coverage=config.min_coverage)
    gate.baseline_reason = choice.reason
    gate.baseline = None if result.baseline is None else result.baseline.name
    if result.baseline is not None and not result.problems:
        result.comparison = compare_runs(config, result.baseline, run_dir, tonight, paired)
        result.regressions = check_thresholds(result.comparison, config)
        result.undecided = undecided(result.comparison, config)
        recorded = read_night(result.baseline)
        baseline_gated = {tuple(pair) for pair in recorded.gated_pairs} if recorded else set()

        def gated(key: str, suite: str, metric: str, cell: str) -> bool:
            return config.gated(suite, metric, cell) or (key, suite, metric, cell) in baseline_gated

        covered = coverage(result.comparison, gated)
        gate.coverage_compared, gate.coverage_total = covered.compared, covered.total
        gate.coverage_missing = covered.missing
        gate.matching = list(result.comparison.matching) + list(result.comparison.unmatched_models)
        gate.regressions = [regression_line(r) for r in result.regressions]
        gate.undecided = [u.message() for u in result.undecided]
        gate.statistic = result.comparison.statistic
    gate.problems = list(result.problems)
    gate.verdict = decide(gate, bool(result.problems), bool(result.regressions), bool(result.undecided))
    result.gate = gate
    report_dir = run_dir / REPORT_DIR
    if not result.problems:
        result.report = make_report([run_dir], report_dir, examples_per_cell=config.examples_per_cell)
        if result.comparison is not None:
            (report_dir / COMPARE_FILE).write_text(render_markdown(result.comparison), encoding="utf-8")
        put_on_top(result.report.markdown, result.report.html, gate_markdown(gate), gate_html(gate))
    record = Night(
        night=night,
        run_dir=str(run_dir),
        models=dict(config.models),
        config_hash=config_hash(config.path.read_text(encoding="utf-8")),
        gate=gate,
        headlines=result.headlines,
        samples=result.completed_samples,
        gated_pairs=[list(pair) for pair in scored_pairs(tonight, aliases) if config.gated(pair[1], pair[2], pair[3])],
    )
    record_night(config.log_root, record)
    if result.report is not None:
        write_trend(config.log_root, report_dir, result.report)
    return result
