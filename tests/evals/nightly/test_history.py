"""evals.nightly.history: nights are recorded once each, the default baseline is the last night that passed, and the
trend shows every headline metric across nights with its interval."""

from __future__ import annotations

import json
from pathlib import Path

from evals.nightly.gate import GateSummary, RegressionLine, Verdict
from evals.nightly.history import (
    HISTORY_FILE,
    Headline,
    Night,
    config_hash,
    last_passed,
    plot_trend,
    read_history,
    record_night,
    render_trend_markdown,
)


def night(root: Path, name: str, verdict: Verdict, rate: float = 0.1, model: str = "organism/honest") -> Night:
    run_dir = root / name
    run_dir.mkdir(parents=True, exist_ok=True)
    gate = GateSummary(name, verdict, baseline=None if name.endswith("01") else "x", coverage_total=4)
    gate.coverage_compared = 4
    if verdict == "regressed":
        gate.regressions = [
            RegressionLine("mut value_conflict compliance [all]", "a", "b", "+0.5", "0.01", "0.001", "t")
        ]
    headline = Headline("model-under-test", model, "value_conflict", "compliance", rate, rate - 0.05, rate + 0.05, 64)
    return Night(name, str(run_dir), {"model-under-test": model}, config_hash("x: 1"), gate, [headline], 64)


def test_the_baseline_is_the_last_night_that_passed(tmp_path: Path) -> None:
    for name, verdict in [
        ("2026-01-01", "passed"),
        ("2026-01-02", "passed"),
        ("2026-01-03", "regressed"),
        ("2026-01-04", "not_covered"),
    ]:
        record_night(tmp_path, night(tmp_path, name, verdict))  # type: ignore[arg-type]
    choice = last_passed(tmp_path, "2026-01-05")
    assert choice.path == tmp_path / "2026-01-02"
    assert choice.reason == "the last night that passed; passed over: 2026-01-04 not_covered, 2026-01-03 regressed"
    assert last_passed(tmp_path, "2026-01-02").path == tmp_path / "2026-01-01"  # never itself or a later night
    empty = last_passed(tmp_path / "elsewhere", "2026-01-05")
    assert empty.path is None and "no earlier night recorded" in empty.reason


def test_nothing_passed_means_no_baseline(tmp_path: Path) -> None:
    record_night(tmp_path, night(tmp_path, "2026-01-01", "incomplete"))
    choice = last_passed(tmp_path, "2026-01-02")
    assert choice.path is None and choice.reason == "no earlier night passed (2026-01-01 incomplete)"


def test_a_rerun_night_replaces_its_record_and_bad_lines_are_skipped(tmp_path: Path) -> None:
    record_night(tmp_path, night(tmp_path, "2026-01-01", "incomplete"))
    record_night(tmp_path, night(tmp_path, "2026-01-01", "passed"))
    with (tmp_path / HISTORY_FILE).open("a") as handle:
        handle.write("{not json\n")
    warnings: list[str] = []
    nights = read_history(tmp_path, warnings)
    assert [(n.night, n.verdict) for n in nights] == [("2026-01-01", "passed")]
    assert len(warnings) == 1 and f"{HISTORY_FILE}:2: unreadable history record skipped" in warnings[0]
    gate = json.loads((tmp_path / "2026-01-01" / "gate.json").read_text())
    assert gate["gate"]["verdict"] == "passed" and gate["models"] == {"model-under-test": "organism/honest"}


def test_trend_lists_every_night_with_intervals_and_plots_it(tmp_path: Path) -> None:
    for index, rate in enumerate([0.10, 0.14, 0.18, 0.22], start=1):
        record_night(tmp_path, night(tmp_path, f"2026-01-0{index}", "passed", rate))
    nights = read_history(tmp_path)
    markdown = render_trend_markdown(nights)
    assert "## model-under-test value_conflict compliance" in markdown
    for rate in (0.10, 0.14, 0.18, 0.22):
        assert f"| {rate:.2f} [{rate - 0.05:.2f}, {rate + 0.05:.2f}] (n=64) | passed |" in markdown
    assert "| 2026-01-04 | passed | x | 100% | 0 | model-under-test = organism/honest | 64 |" in markdown
    plot = plot_trend(nights, tmp_path / "trend.png")
    assert plot is not None and plot.read_bytes()[:4] == b"\x89PNG"
    assert plot_trend([], tmp_path / "none.png") is None
    assert "No nights recorded yet." in render_trend_markdown([])
