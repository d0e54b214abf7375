"""One corrupt `.eval` in a directory must not stop `report`, `compare` or `consistency`: it is skipped with a
warning naming the file (and counted), unless `--strict`, where it is a one-line error naming the file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from evals.cli import main
from tasks.value_conflict import value_conflict
from tests.support.inspect_run import run_eval

pytestmark = pytest.mark.inspect_eval


@pytest.fixture(scope="module")
def logs_with_a_corrupt_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    log_dir = tmp_path_factory.mktemp("logs")
    run_eval(
        value_conflict(cot="none", value_domain="copyright", scenarios_per_cell=1),
        model="organism/honest",
        log_dir=str(log_dir),
    )
    corrupt = log_dir / "2026-01-01T00-00-00+00-00_value-conflict_corrupt.eval"
    corrupt.write_bytes(b"PK\x03\x04 cut short")
    return log_dir, corrupt


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_report_skips_and_counts_a_corrupt_log(
    logs_with_a_corrupt_file: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log_dir, corrupt = logs_with_a_corrupt_file
    code, out, err = run(capsys, "report", str(log_dir), "--output-dir", str(tmp_path / "r"), "--examples", "0")
    assert code == 0, err
    assert f"warning: skipped unreadable log {corrupt} (" in err
    assert "1 log, " in out and "1 unreadable log skipped" in out
    assert str(corrupt) in (tmp_path / "r" / "report.md").read_text()
    code, _, err = run(capsys, "report", str(log_dir), "--output-dir", str(tmp_path / "s"), "--strict")
    assert code == 2 and err.count("\n") == 1 and re.search(f"unreadable log {re.escape(str(corrupt))} ", err)


def test_compare_and_consistency_skip_a_corrupt_log(
    logs_with_a_corrupt_file: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log_dir, corrupt = logs_with_a_corrupt_file
    code, out, err = run(capsys, "compare", str(log_dir), str(log_dir), "--output-dir", str(tmp_path / "c"))
    assert code == 0, err
    assert f"warning: skipped unreadable log {corrupt} (" in err and "0 changed significantly" in out
    code, _, err = run(capsys, "compare", str(log_dir), str(log_dir), "--strict", "--output-dir", str(tmp_path))
    assert code == 2 and str(corrupt) in err and err.count("\n") == 1
    code, out, err = run(capsys, "consistency", str(log_dir), "--output", str(tmp_path / "k" / "consistency"))
    assert code == 0, err
    assert f"warning: skipped unreadable log {corrupt} (" in out
    code, _, err = run(capsys, "consistency", str(log_dir), "--strict", "--output", str(tmp_path / "k2" / "c"))
    assert code == 2 and str(corrupt) in err
