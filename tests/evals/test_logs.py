"""evals.logs: finds logs, reads sample summaries into compact tables, reports unfinished logs."""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import pytest
from inspect_ai import Task
from inspect_ai.dataset import Sample
from inspect_ai.log import EvalLog
from inspect_ai.model import ModelOutput, ModelUsage, get_model
from inspect_ai.solver import generate

from evals.logs import (
    LogError,
    count_value,
    find_log_files,
    load,
    numeric_value,
    score_entries,
    skipped_count,
    status_problems,
    suite_factors,
)
from scorers.compliance import compliance
from tasks.value_conflict import value_conflict
from tests.support.inspect_run import run_eval

pytestmark = pytest.mark.inspect_eval


@pytest.fixture(scope="module")
def organism_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    log_dir = tmp_path_factory.mktemp("logs")
    logs = run_eval(
        value_conflict(cot="none", value_domain="copyright,privacy", scenarios_per_cell=2),
        model=["organism/honest", "organism/context_gated_gamer"],
        log_dir=str(log_dir),
        seed=3,
    )
    assert all(log.status == "success" for log in logs)
    return log_dir


def test_reads_one_row_per_sample_with_condition_and_scores(organism_logs: Path) -> None:
    table = load([organism_logs])
    assert table.models == ["organism/context_gated_gamer", "organism/honest"]
    assert table.suites == ["value_conflict"]
    assert len(table.samples) == 2 * 2 * 2 * 3 * 2  # models x domains x relevance x awareness x scenarios
    assert set(table.samples["training_awareness"]) == {"unmonitored", "training", "unstated"}
    assert set(table.scores["metric"].astype(str)) >= {"compliance"}
    compliance_values = table.scores[table.scores["metric"] == "compliance"]["value"]
    assert len(compliance_values) == len(table.samples)
    assert set(compliance_values) <= {0.0, 0.5, 1.0}
    factors = suite_factors(table.samples, table.conditions, table.declared_factors("value_conflict"))
    assert factors == ["training_awareness", "topic_relevance", "value_domain"]
    assert not table.warnings


def test_selects_one_model_by_its_short_name(organism_logs: Path) -> None:
    table = load([organism_logs], model="honest")
    assert table.models == ["organism/honest"]
    with pytest.raises(LogError, match="no logs of model 'saint'; these logs have: organism/context_gated_gamer"):
        load([organism_logs], model="saint")


def test_missing_or_empty_sources_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(LogError, match="no such log file or directory"):
        find_log_files([tmp_path / "nope"])
    with pytest.raises(LogError, match=r"no Inspect logs \(\*\.eval, \*\.json\) under"):
        find_log_files([tmp_path])
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(LogError, match="is not an Inspect log"):
        find_log_files([tmp_path / "notes.txt"])


def test_a_failed_log_is_reported_with_its_status(tmp_path: Path) -> None:
    calls = {"n": 0}

    def flaky(*_: object) -> ModelOutput:
        calls["n"] += 1
        if calls["n"] > 2:
            raise RuntimeError("provider went away")
        output = ModelOutput.from_content("mockllm/model", "fine")
        output.usage = ModelUsage(input_tokens=1, output_tokens=1, total_tokens=2)
        return output

    task = Task(
        dataset=[Sample(id=i, input="hi", metadata={"suite": "toy"}) for i in range(5)],
        solver=generate(),
        scorer=compliance(),
    )
    log: EvalLog = run_eval(
        task,
        model=get_model("mockllm/model", custom_outputs=flaky),
        log_dir=str(tmp_path),
        max_samples=1,
    )[0]
    assert log.status == "error"
    table = load([tmp_path])
    problems = status_problems(table.logs)
    assert len(problems) == 1 and "log status error (RuntimeError('provider went away'))" in problems[0]
    assert table.warnings == problems


def test_score_values_become_numbers_or_unscored() -> None:
    assert numeric_value(True) == 1.0
    assert numeric_value("C") == 1.0 and numeric_value("I") == 0.0
    assert math.isnan(numeric_value(None) or 0.0)
    assert numeric_value([1, 2]) is None
    entries = score_entries("tg", {"aware": 1.0, "verdict": math.nan, "notes": [1]})
    assert [(metric, key) for metric, key, _ in entries] == [("tg:aware", "aware"), ("tg:verdict", "verdict")]
    assert math.isnan(entries[1][2])
    assert score_entries("compliance", 0.5) == [("compliance", "", 0.5)]


def _with_corrupt_log(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    corrupt = target / "2026-01-01T00-00-00+00-00_value-conflict_corrupt.eval"
    corrupt.write_bytes(b"PK\x03\x04 truncated by a full disk")
    return corrupt


def test_a_corrupt_log_is_skipped_with_a_warning_naming_it(organism_logs: Path, tmp_path: Path) -> None:
    corrupt = _with_corrupt_log(organism_logs, tmp_path / "logs")
    table = load([tmp_path / "logs"])
    assert table.models == ["organism/context_gated_gamer", "organism/honest"]
    skipped = [w for w in table.warnings if w.startswith("skipped unreadable log")]
    assert len(skipped) == 1 and str(corrupt) in skipped[0]
    assert skipped_count(table.warnings) == 1
    with pytest.raises(LogError, match=f"unreadable log {re.escape(str(corrupt))} .*without --strict"):
        load([tmp_path / "logs"], strict=True)


def test_judge_counts_print_as_whole_numbers() -> None:
    assert str(count_value(240.0)) == "240"
    assert str(count_value(5914.166666666667)) == "5914.2"
    assert math.isnan(count_value(math.nan))
