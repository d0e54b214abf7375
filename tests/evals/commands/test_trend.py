"""`schemer-evals trend ROOT` prints every night and each headline metric across nights, and writes them."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.cli import main
from evals.nightly.gate import GateSummary, RegressionLine, Verdict
from evals.nightly.history import Headline, Night, record_night


def night(root: Path, name: str, verdict: Verdict, rate: float, model: str = "organism/honest") -> Night:
    gate = GateSummary(name, verdict, baseline="x", coverage_compared=4, coverage_total=4)
    if verdict == "regressed":
        gate.regressions = [RegressionLine("where", "a", "b", "+0.5", "0.01", "0.001", "t")]
    headline = Headline("model-under-test", model, "value_conflict", "compliance", rate, rate - 0.05, rate + 0.05, 64)
    return Night(name, str(root / name), {"model-under-test": model}, "hash", gate, [headline], 64)


def test_trend_prints_nights_and_writes_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record_night(tmp_path, night(tmp_path, "2026-01-01", "passed", 0.10))
    record_night(tmp_path, night(tmp_path, "2026-01-02", "regressed", 0.60, "organism/context_gated_gamer"))
    assert main(["trend", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "| 2026-01-02 | regressed | x | 100% | 1 | model-under-test = organism/context_gated_gamer | 64 |" in out
    assert "| 2026-01-02 | organism/context_gated_gamer | 0.60 [0.55, 0.65] (n=64) | regressed |" in out
    assert (tmp_path / "trend.md").is_file() and (tmp_path / "trend.png").is_file()


def test_trend_without_history_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trend", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "history.jsonl does not exist" in err
