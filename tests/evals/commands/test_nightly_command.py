"""`schemer-evals nightly --verbose` adds every metric of every log; without it the terminal gets none."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.commands.nightly import metric_dump
from evals.logs import find_log_files, read_log_infos
from tasks.value_conflict import value_conflict
from tests.support.inspect_run import run_eval

pytestmark = pytest.mark.inspect_eval


def test_the_verbose_dump_lists_every_metric_of_each_log(tmp_path: Path) -> None:
    run_eval(
        value_conflict(cot="none", value_domain="copyright", scenarios_per_cell=1),
        model="organism/honest",
        log_dir=str(tmp_path),
    )
    infos = read_log_infos(find_log_files([tmp_path]))
    lines = metric_dump(infos)
    assert lines[0] == "value_conflict x organism/honest (success):"
    assert len(lines) > 20 and all(line.startswith("  ") for line in lines[1:])
    assert any(line.startswith("  compliance ") for line in lines)
