"""Nightly runs that cannot start, and where a night is recorded: a missing API key is one line, exit 2, with
nothing written; `--run-dir` with `--date` records the night under the date (not the folder's name)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from evals.cli import main
from evals.nightly.history import HISTORY_FILE, read_history


def write_config(path: Path, **overrides: Any) -> Path:
    config: dict[str, Any] = {
        "log_root": str(path.parent / "nightly"),
        "models": {"mut": "organism/honest"},
        "suites": {"value_conflict": {"scenarios_per_cell": 1, "cot": ["none"], "value_domain": ["copyright"]}},
        "limit": 8,
        "seed": 7,
        "examples_per_cell": 0,
        "thresholds": [{"metric": "compliance", "max_increase": 0.2}],
    }
    config.update(overrides)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def test_a_missing_api_key_is_one_line_exit_2_and_leaves_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("OPENAI_API_KEY", "AZUREAI_OPENAI_API_KEY", "AZURE_OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    config = write_config(tmp_path / "nightly.yaml", models={"mut": "openai/gpt-4o"})

    code = main(["nightly", "--config", str(config), "--date", "2026-03-01"])

    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert "openai/gpt-4o" in err and "OPENAI_API_KEY" in err
    assert not (tmp_path / "nightly").exists(), "no run directory, panel.yaml or history is left behind"


def test_a_missing_grader_key_is_caught_before_anything_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("OPENAI_API_KEY", "AZUREAI_OPENAI_API_KEY", "AZURE_OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    grader = tmp_path / "grader.yaml"
    grader.write_text("grader:\n  model: openai/gpt-4o-mini\n")
    config = write_config(tmp_path / "nightly.yaml", grader="grader.yaml")

    code = main(["nightly", "--config", str(config), "--date", "2026-03-01"])

    err = capsys.readouterr().err
    assert code == 2 and "openai/gpt-4o-mini" in err and "OPENAI_API_KEY" in err and err.count("\n") == 1, err
    assert not (tmp_path / "nightly").exists()


@pytest.mark.inspect_eval
def test_run_dir_with_date_records_the_night_under_the_date(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path / "nightly.yaml")
    run_dir = tmp_path / "elsewhere" / "my-run"

    code = main(["nightly", "--config", str(config), "--date", "2026-03-01", "--run-dir", str(run_dir)])

    out, err = capsys.readouterr()
    assert code == 0, out + err
    [night] = read_history(tmp_path / "nightly")
    assert night.night == "2026-03-01" and night.run_dir == str(run_dir)
    assert json.loads((run_dir / "gate.json").read_text())["night"] == "2026-03-01"
    assert (tmp_path / "nightly" / HISTORY_FILE).is_file()
    assert not (tmp_path / "nightly" / "2026-03-01").exists(), "the logs went to --run-dir"
    assert "nightly 2026-03-01 passed" in out.strip().splitlines()[-1]

    code = main(["nightly", "--config", str(config), "--date", "2026-03-02"])

    out, err = capsys.readouterr()
    # One scenario cannot decide a change at the gate's level (exit 5); what matters here is the baseline.
    assert code == 5, out + err
    assert f"Baseline: {run_dir} (the last night that passed)" in out, "the --run-dir night is the next baseline"
