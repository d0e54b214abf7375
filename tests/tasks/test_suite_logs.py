"""For every suite, per-cell results add up to the samples scored: a small organism run of each suite, read
back with `evals.logs.load`, grouped by the factors the suite declares (a past regression: training_info's
`operator_ethics_cue`, empty for neutral operators, was once taken for a factor and dropped 135 samples)."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.logs import SampleTable, load, suite_factors
from tasks.suites import DESIGNS, SUITES
from tests.support.inspect_run import run_eval

pytestmark = pytest.mark.inspect_eval


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> SampleTable:
    log_dir = tmp_path_factory.mktemp("suite-logs")
    tasks = [suite(scenarios_per_cell=1) for suite in SUITES.values()]
    logs = run_eval(tasks, model="organism/honest", log_dir=str(log_dir), max_tasks=2)
    assert all(log.status == "success" for log in logs), [log.error for log in logs]
    return load([Path(log_dir)])


@pytest.mark.slow
@pytest.mark.parametrize("suite", list(SUITES))
def test_per_cell_counts_add_up_to_the_samples_scored(table: SampleTable, suite: str) -> None:
    design = DESIGNS[suite]
    samples = table.samples[table.samples["suite"] == suite]
    expected = len(SUITES[suite](scenarios_per_cell=1).dataset)
    assert len(samples) == expected and not samples["error"].any()
    assert table.declared_factors(suite) == design.factor_names
    assert table.declared_levels(suite) == {f.name: f.levels for f in design.factors}
    factors = suite_factors(samples, table.conditions, table.declared_factors(suite))
    assert factors == [f.name for f in design.factors if len(f.defaults) > 1]
    assert not {"operator_ethics_cue", "training_info_cue", "training_cue_style", "employee"} & set(factors)
    assert samples[factors].notna().all().all(), "every sample has a level of every declared factor"
    cells = samples.groupby(factors, dropna=False).size()
    assert int(cells.sum()) == expected
    scored = table.scores[table.scores["row"].isin(samples["row"])].dropna(subset=["value"])
    assert scored["row"].nunique() == expected, "every sample has a score"
