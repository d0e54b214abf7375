"""Known secrets (values of *_API_KEY / *_TOKEN / *_SECRET ... variables, long enough to be keys) are redacted
from error text the project records, and from a finished log by the hook, before anyone reads it."""

from __future__ import annotations

from pathlib import Path

import pytest
from inspect_ai import Task, eval
from inspect_ai.dataset import Sample
from inspect_ai.log import read_eval_log
from inspect_ai.model import ModelOutput, ModelUsage
from inspect_ai.solver import generate

from scorers.secrets import has_secrets, known_secrets, redact, register_redaction

KEY = "sk-test-0123456789abcdef"


def test_known_secrets_are_named_like_secrets_and_long_enough() -> None:
    environ = {
        "OPENAI_API_KEY": KEY,
        "HF_TOKEN": "hf_abcdefghijkl",
        "AWS_SECRET_ACCESS_KEY": "aws/secret/value/123",
        "MY_SECRET": "short",  # too short to be a key: never replaced
        "HOME": "/home/someone/long/path",  # not a secret's name
    }
    secrets = known_secrets(environ)
    assert set(secrets.values()) == {"OPENAI_API_KEY", "HF_TOKEN", "AWS_SECRET_ACCESS_KEY"}
    text = f"Error code: 401 - Incorrect API key provided: {KEY}; token hf_abcdefghijkl; home /home/someone/long/path"
    assert redact(text, secrets) == (
        "Error code: 401 - Incorrect API key provided: [REDACTED OPENAI_API_KEY]; token [REDACTED HF_TOKEN]; "
        "home /home/someone/long/path"
    )


def test_a_key_that_contains_another_is_replaced_whole() -> None:
    secrets = known_secrets({"A_TOKEN": "abcdefgh", "B_API_KEY": "abcdefgh-ijklmnop"})
    assert redact("x abcdefgh-ijklmnop y abcdefgh", secrets) == "x [REDACTED B_API_KEY] y [REDACTED A_TOKEN]"


@pytest.mark.inspect_eval
def test_the_hook_redacts_a_key_echoed_into_a_finished_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The model under test (mockllm) writes the key into its reply, as a careless proxy writes it into an
    error: the log on disk holds the variable's name instead."""
    monkeypatch.setenv("ECHO_API_KEY", KEY)
    assert has_secrets()
    register_redaction()  # the key was set after `scorers` was imported (a user's key is set before)
    output = ModelOutput.from_content("mockllm/model", f"your key is {KEY}")
    output.usage = ModelUsage(input_tokens=1, output_tokens=1, total_tokens=2)
    task = Task(dataset=[Sample(input="hello")], solver=generate())
    [log] = eval(
        task, model="mockllm/model", model_args={"custom_outputs": [output]}, log_dir=str(tmp_path), display="none"
    )
    assert log.location
    on_disk = read_eval_log(log.location)
    assert on_disk.samples and on_disk.samples[0].output.completion == "your key is [REDACTED ECHO_API_KEY]"
    assert KEY not in on_disk.model_dump_json()
