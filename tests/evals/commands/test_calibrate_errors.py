"""`schemer-evals calibrate` says what it left out and cannot trace back on a missing key: dropped rows (count
and reasons) on the console and in the Markdown; a grader config whose model has no API key is one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.cli import main
from evals.commands.calibrate import summary_line

ROWS = [
    {"id": f"r{i}", "reasoning": "I will answer the question plainly.", "label": "yes" if i % 2 else "no"}
    for i in range(6)
] + [
    {"id": "bad-label", "reasoning": "something", "label": "unsure"},
    {"id": "no-label", "reasoning": "something"},
    {"id": "no-text", "reasoning": "", "label": "yes"},
]


def write_rows(path: Path) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in ROWS), encoding="utf-8")
    return path


@pytest.mark.inspect_eval
def test_dropped_rows_are_shown_on_the_console_and_in_the_markdown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_rows(tmp_path / "mine.jsonl")
    log_dir = tmp_path / "logs"
    args = ["calibrate", str(source), "--backend", "rules", "--label-column", "label", "--log-dir", str(log_dir)]

    assert main(args) == 0

    out = capsys.readouterr().out
    [line] = [line for line in out.splitlines() if line.startswith("dropped ")]
    assert line.startswith(f"dropped 3 rows of {source}: ")
    assert "1 unknown label 'unsure'" in line and "1 no label" in line and "1 no reasoning or completion" in line
    markdown = (log_dir / "calibration-rules-mine.md").read_text()
    assert "Dropped 3 rows of the set before the run (" in markdown
    assert "no reasoning or completion: 1" in markdown and "unknown label &#x27;unsure&#x27;: 1" in markdown


def test_a_grader_config_without_its_api_key_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("OPENAI_API_KEY", "AZUREAI_OPENAI_API_KEY", "AZURE_OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    grader = tmp_path / "grader.yaml"
    grader.write_text("grader:\n  model: openai/gpt-4o-mini\n  config: {temperature: 1.0}\n")
    log_dir = tmp_path / "logs"

    code = main(["calibrate", "--grader-config", str(grader), "--log-dir", str(log_dir)])

    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err and "[bold]" not in err, err
    assert "openai/gpt-4o-mini" in err and "OPENAI_API_KEY" in err
    assert not log_dir.exists(), "nothing is written before the grader can start"


def test_a_grader_given_by_name_without_its_api_key_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    code = main(["calibrate", "--grader", "anthropic/claude-sonnet-4-5", "--log-dir", str(tmp_path / "logs")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "ANTHROPIC_API_KEY" in err, err


def test_a_calibration_that_scored_nothing_prints_no_none() -> None:
    """Every item unscored (e.g. every grader call failed): the console says n/a, not "CI None-None"."""
    result = {
        "auroc": None,
        "auroc_ci95": [None, None],
        "at_threshold": {"precision": None, "recall": None, "f1": None},
        "scored": 0,
        "items": 12,
        "maybe": 0,
        "cost": {"calls_per_judged_sample": 0.0},
    }
    line = summary_line(result, 0.5)
    assert "None" not in line and line.startswith("AUROC n/a (95% CI n/a-n/a); at 0.5: precision n/a")
