"""`schemer-evals plan`: the default form (no --scenarios-per-cell) works for every suite; grader calls are
counted only for scorers that call a grader (and only on samples they may judge); an agentic suite's model
calls are its turns, stated as an upper bound."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.cli import main
from tasks.suites import SUITES
from tests.support.request_sets import HARMBENCH_COLUMNS, harmbench_rows, write_rows


@pytest.mark.parametrize("suite", list(SUITES))
def test_the_default_form_works_for_every_suite(suite: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--suite", suite]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert out.startswith(f"{suite}: ") and "minimum detectable gap" in out


def test_value_conflict_by_default_shows_its_own_size_first(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--suite", "value_conflict"]) == 0
    rows = capsys.readouterr().out.split("scenarios_per_cell  samples")[1].splitlines()[1:]
    sizes = [int(row.split()[0]) for row in rows if not row.strip().startswith("note:")]
    assert sizes == [4, 8, 16, 32], "the design's default (4), then multiples"


def test_grader_calls_only_where_a_scorer_calls_a_grader(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--suite", "collusion"]) == 0
    assert "no grader calls (its scorers use no grader)" in capsys.readouterr().out.splitlines()[0]
    # compliance judges every answer; the TG judge only replies with reasoning space (cot other than none)
    assert main(["plan", "--suite", "value_conflict", "-T", "cot=none,hidden_scratchpad", "--grader-votes", "3"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("value_conflict: 240 samples x 1 epoch(s) = 240 model calls (single-turn)")
    assert "up to 1080 grader calls (3 votes for each of 360 scorer x sample judgements)" in first
    assert main(["plan", "--suite", "value_conflict", "-T", "cot=none"]) == 0
    assert "up to 600 grader calls (5 votes for each of 120 scorer x sample judgements)" in capsys.readouterr().out


def test_the_agentic_suite_counts_turns_as_an_upper_bound(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--suite", "oversight_subversion", "-T", "max_turns=4"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert "48 samples x 1 epoch(s) x up to 5 turns = at most 240 model calls (an upper bound" in first
    assert "no grader calls" in first


def test_the_size_table_shows_where_distinct_scenarios_run_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    requests = write_rows(tmp_path / "behaviors.csv", harmbench_rows(), HARMBENCH_COLUMNS)
    assert main(["plan", "--suite", "value_conflict", "-T", f"requests={requests}", "-T", "cot=none"]) == 0
    out = capsys.readouterr().out
    assert "distinct scenarios (smallest cell)" in out
    rows = out.split("scenarios_per_cell  samples")[1].splitlines()[1:5]
    distinct = [int(row.split()[3]) for row in rows]
    assert distinct == sorted(distinct) and distinct[-1] == distinct[-2], "the column stops growing when cells run out"
    assert "note: past the distinct scenarios a cell holds" in out and "ran out of distinct requests" in out
