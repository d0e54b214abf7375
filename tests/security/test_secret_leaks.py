"""API keys never appear in logs, traces, reports or console output.

Runs the installed `inspect` CLI with sentinel values in OPENAI_API_KEY, ANTHROPIC_API_KEY and a custom
provider's key (FAULT_API_KEY, and `-M api_key=...`) against the loopback fault server, through normal
replies, retried faults and errors with tracebacks, then `schemer-evals report` over the logs, and greps every
artefact: stdout and stderr, every member of every `.eval` log, Inspect's data directory (trace logs, sample
buffer) and the report files.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from inspect_ai import eval

from scorers.secrets import register_redaction
from tasks.value_conflict import value_conflict

if TYPE_CHECKING:
    from artefacts import find_secrets  # type: ignore[import-not-found]
    from fault_server import Fault, FaultServer, Schedule, per_prompt  # type: ignore[import-not-found]
else:
    from tests.support.artefacts import find_secrets
    from tests.support.fault_server import Fault, FaultServer, Schedule, per_prompt

pytestmark = pytest.mark.inspect_eval


BIN = Path(sys.executable).parent
SENTINELS = {
    "OPENAI_API_KEY": "sk-proj-SENTINEL0openai0key0d41d8cd98f00b204",
    "ANTHROPIC_API_KEY": "sk-ant-api03-SENTINEL0anthropic0key0e9800998ecf8427e",
    "FAULT_API_KEY": "SENTINEL0custom0provider0key0a3f2c9",
}
MODEL_ARG_KEY = "SENTINEL0model0arg0key0b7e4d1"
REPLY_MARKER = "I should decline this request."
"""Text of the fault server's replies: found in the logs, so the scan reads them."""


def mixed_faults() -> Schedule:
    """The first three prompts always fail (errors with tracebacks); the others fail once, in rotation."""
    order: dict[str, int] = {}
    rotation = [Fault.RATE_LIMIT, Fault.RESET, Fault.UNAVAILABLE, Fault.OK]

    def schedule(index: int, key: str, attempt: int) -> Fault:
        position = order.setdefault(key, len(order))
        if position < 3:
            return Fault.SERVER_ERROR
        return rotation[position % len(rotation)] if attempt == 0 else Fault.OK

    return schedule


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer() as running:
        yield running


def inspect_eval(
    server: FaultServer, work: Path, env_keys: dict[str, str], extra: list[str]
) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if not name.endswith("_API_KEY")}
    env.update(env_keys)
    env.update(
        {
            "FAULT_BASE_URL": server.base_url,
            "XDG_DATA_HOME": str(work / "inspect-data"),  # Inspect's trace logs and sample buffer land here
            "INSPECT_DISPLAY": "plain",
            "NO_COLOR": "1",
        }
    )
    command = [
        str(BIN / "inspect"),
        "eval",
        "tasks/value_conflict",
        "--model",
        "openai-api/fault/test-model",
        "-T",
        "value_domain=copyright",
        "-T",
        "scenarios_per_cell=1",
        "--log-dir",
        str(work / "logs"),
        "--max-retries",
        "0",
        "--no-fail-on-error",
        *extra,
    ]
    return subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.slow
def test_keys_from_the_environment_never_reach_artefacts(server: FaultServer, outside_repo: Path) -> None:
    server.set_schedule(mixed_faults())
    result = inspect_eval(server, outside_repo, SENTINELS, [])

    assert result.returncode == 0, result.stderr[-2000:]
    assert {r.headers.get("authorization") for r in server.requests} == {f"Bearer {SENTINELS['FAULT_API_KEY']}"}
    served = {r.fault for r in server.requests}
    assert {Fault.SERVER_ERROR, Fault.RATE_LIMIT, Fault.RESET, Fault.OK} <= served
    logs = list((outside_repo / "logs").glob("*.eval"))
    assert logs, "the run wrote no log"
    report = subprocess.run(
        [str(BIN / "schemer-evals"), "report", "logs", "--output-dir", "report"],
        cwd=outside_repo,
        env={**os.environ, **SENTINELS},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert report.returncode == 0, report.stderr[-2000:]
    assert (outside_repo / "report" / "report.html").is_file()
    leaks = find_secrets(
        SENTINELS.values(),
        [outside_repo / "logs", outside_repo / "inspect-data", outside_repo / "report"],
        {
            "eval stdout": result.stdout,
            "eval stderr": result.stderr,
            "report stdout": report.stdout,
            "report stderr": report.stderr,
        },
    )
    assert not leaks, leaks
    assert find_secrets([REPLY_MARKER], [outside_repo / "logs"]), "the scan must read inside the log"


def test_a_key_passed_as_a_model_argument_is_not_logged(
    server: FaultServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """`-M api_key=...` on the command line is `model_args` here; the log records model args."""
    monkeypatch.delenv("FAULT_API_KEY", raising=False)
    eval(
        value_conflict(value_domain="copyright", scenarios_per_cell=1),
        model="openai-api/fault/test-model",
        model_base_url=server.base_url,
        model_args={"api_key": MODEL_ARG_KEY},
        limit=2,
        log_dir=str(tmp_path / "logs"),
    )
    captured = capfd.readouterr()
    assert {r.headers.get("authorization") for r in server.requests} == {f"Bearer {MODEL_ARG_KEY}"}
    leaks = find_secrets([MODEL_ARG_KEY], [tmp_path / "logs"], {"stdout": captured.out, "stderr": captured.err})
    assert not leaks, leaks
    assert find_secrets(["openai-api/fault/test-model"], [tmp_path / "logs"]), "the scan must read inside the log"


def test_a_provider_that_echoes_the_key_in_an_error(
    server: FaultServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Inspect records the 401's message verbatim (sample error, model event, header); the project's hook
    (scorers.secrets) rewrites the finished log with the key replaced by its variable's name."""
    monkeypatch.setenv("FAULT_API_KEY", SENTINELS["FAULT_API_KEY"])
    register_redaction()  # the key was set after `scorers` was imported (a user's key is set before)
    server.set_schedule(per_prompt(Fault.UNAUTHORIZED_ECHO))
    eval(
        value_conflict(value_domain="copyright", scenarios_per_cell=1),
        model="openai-api/fault/test-model",
        model_base_url=server.base_url,
        model_args={"max_retries": 0},
        max_retries=0,
        limit=1,
        log_dir=str(tmp_path),
    )
    assert not find_secrets([SENTINELS["FAULT_API_KEY"]], [tmp_path])
    assert find_secrets(["Incorrect API key provided: [REDACTED FAULT_API_KEY]"], [tmp_path]), "the error is kept"
