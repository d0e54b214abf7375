"""A nightly run killed mid-way (OOM killer, pre-empted machine) resumes with `inspect eval-set` and loses
nothing: samples finished before the kill are not asked for again, and the final log holds every sample once.

Runs the installed `inspect eval-set` CLI in a subprocess against the loopback fault server, kills it with
SIGKILL while requests hang, then reruns the same command once the provider is healthy.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from inspect_ai.analysis import samples_df
from inspect_ai.log import list_eval_logs, read_eval_log

if TYPE_CHECKING:
    from fault_server import Fault, FaultServer, from_request, healthy  # type: ignore[import-not-found]
else:
    from tests.support.fault_server import Fault, FaultServer, from_request, healthy

BIN = Path(sys.executable).parent
SAMPLES = 12
ANSWERED_BEFORE_KILL = 6


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer(from_request(ANSWERED_BEFORE_KILL, Fault.HANG)) as running:
        yield running


def eval_set_command(log_dir: Path) -> list[str]:
    return [
        str(BIN / "inspect"),
        "eval-set",
        "tasks/value_conflict",
        "--model",
        "openai-api/fault/test-model",
        "-T",
        "value_domain=copyright",
        "-T",
        "scenarios_per_cell=1",
        "--log-dir",
        str(log_dir),
        "--max-connections",
        "2",
        "-M",
        "max_retries=0",
        "--max-retries",
        "0",
    ]


def wait_for(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the run to reach the fault")
        time.sleep(0.05)


@pytest.mark.slow
def test_eval_set_resumes_a_killed_run(server: FaultServer, outside_repo: Path) -> None:
    log_dir = outside_repo / "logs"
    env = {
        **os.environ,
        "FAULT_API_KEY": "test-key",
        "FAULT_BASE_URL": server.base_url,
        "INSPECT_DISPLAY": "plain",
        "NO_COLOR": "1",
    }
    with subprocess.Popen(
        eval_set_command(log_dir), cwd=outside_repo, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    ) as process:
        try:
            wait_for(lambda: len(server.requests) >= ANSWERED_BEFORE_KILL + 2, timeout=120)
            # Let the answered samples be scored and reach Inspect's sample buffer (a local SQLite write that
            # `eval-set` recovers them from; the log file itself is flushed in batches). There is no public way
            # to watch the buffer, so this is a wait sized for a busy 2-core machine.
            time.sleep(2.0)
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
    answered_before = {r.prompt_key for r in server.requests if r.fault is Fault.OK}
    assert len(answered_before) == ANSWERED_BEFORE_KILL
    before = len(server.requests)

    server.set_schedule(healthy())
    rerun = subprocess.run(eval_set_command(log_dir), cwd=outside_repo, env=env, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr[-2000:]

    asked_after = {r.prompt_key for r in server.requests[before:]}
    assert not asked_after & answered_before, "samples finished before the kill were asked for again"
    assert len(asked_after) == SAMPLES - ANSWERED_BEFORE_KILL

    logs = [read_eval_log(path) for path in list_eval_logs(str(log_dir))]
    final = [log for log in logs if log.status == "success"]
    assert len(final) == 1 and final[0].samples is not None
    assert sorted(Counter(str(sample.id) for sample in final[0].samples).values()) == [1] * SAMPLES
    assert all(sample.error is None and sample.scores for sample in final[0].samples)
    # The killed run's log stays behind with status "started"; readers must not count it twice.
    assert all(log.status != "success" for log in logs if log is not final[0])
    assert len(samples_df(str(log_dir), quiet=True)) == SAMPLES
