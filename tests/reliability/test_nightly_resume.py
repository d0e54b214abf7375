"""`schemer-evals nightly` against a provider that goes down mid-run: the night fails with the reason, and
re-running it resumes, asking only for the samples not yet finished, with every sample once in the final log
and in the report.

The panel's model is `openai-api/fault/...` at the loopback fault server, so the real provider path runs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from inspect_ai.log import list_eval_logs, read_eval_log

from evals.cli import main
from evals.nightly.gate import EXIT_INCOMPLETE

if TYPE_CHECKING:
    from fault_server import Fault, FaultServer, from_request, healthy, prompt_key  # type: ignore[import-not-found]
else:
    from tests.support.fault_server import Fault, FaultServer, from_request, healthy, prompt_key

pytestmark = pytest.mark.inspect_eval


SAMPLES = 12
ANSWERED_BEFORE_OUTAGE = 5
CONFIG = """
log_root: runs
models: {under-test: openai-api/fault/test-model}
suites: {value_conflict: {value_domain: copyright, scenarios_per_cell: 1}}
eval: {max_retries: 0, retry_attempts: 0, max_connections: 2, model_args: {max_retries: 0}}
thresholds: [{metric: compliance, max_increase: 0.5}]
"""


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultServer]:
    with FaultServer(from_request(ANSWERED_BEFORE_OUTAGE, Fault.UNAVAILABLE)) as running:
        monkeypatch.setenv("FAULT_API_KEY", "test-key")
        monkeypatch.setenv("FAULT_BASE_URL", running.base_url)
        yield running


def test_nightly_resumes_after_a_provider_outage(
    server: FaultServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "nightly.yaml").write_text(CONFIG)
    command = ["nightly", "--config", "nightly.yaml", "--run-dir", "runs/night", "--display", "none"]

    assert main(command) == EXIT_INCOMPLETE, "a night whose log did not finish must fail (exit 4)"
    assert "value_conflict" in capsys.readouterr().out
    night = tmp_path / "runs" / "night"
    finished_before = {
        prompt_key(sample.input)
        for log in (read_eval_log(path) for path in list_eval_logs(str(night)))
        for sample in log.samples or []
        if sample.scores and not sample.error
    }
    assert 1 <= len(finished_before) <= ANSWERED_BEFORE_OUTAGE
    before = len(server.requests)

    server.set_schedule(healthy())
    assert main(command) == 0, capsys.readouterr().out
    asked_after = {r.prompt_key for r in server.requests[before:]}
    assert not asked_after & finished_before, "samples finished before the outage were asked for again"
    assert len(asked_after) == SAMPLES - len(finished_before)

    logs = [read_eval_log(path) for path in list_eval_logs(str(night))]
    finished = [log for log in logs if log.status == "success"]
    assert len(finished) == 1 and finished[0].samples is not None
    assert sorted(Counter(str(sample.id) for sample in finished[0].samples).values()) == [1] * SAMPLES
    summary = (tmp_path / "runs" / "night" / "report" / "report.md").read_text()
    log_rows = [line for line in summary.splitlines() if line.startswith("| value_conflict |") and ".eval |" in line]
    assert len(log_rows) == 1 and f"| success | {SAMPLES} |" in log_rows[0], summary[:2000]
