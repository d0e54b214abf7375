"""A model whose provider cannot start (its API key is not set) is one line naming the model and the variable,
raised before anything runs."""

from __future__ import annotations

import pytest

from evals.model_checks import ModelPrerequisiteError, check_models, start_model


@pytest.fixture
def no_openai_key(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "AZUREAI_OPENAI_API_KEY", "AZURE_OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("no_openai_key")
def test_a_missing_key_is_one_line_naming_the_variable() -> None:
    with pytest.raises(ModelPrerequisiteError) as raised:
        start_model("openai/gpt-4o", {"temperature": 0.0})
    message = str(raised.value)
    assert message.startswith("model openai/gpt-4o cannot start:")
    assert "OPENAI_API_KEY" in message and "\n" not in message
    assert "[bold]" not in message and "ERROR:" not in message
    assert isinstance(raised.value, ValueError), "the command line reports ValueErrors as one line, exit 2"


@pytest.mark.usefixtures("no_openai_key")
def test_check_models_stops_at_the_first_model_that_cannot_start() -> None:
    check_models(["mockllm/model", "organism/honest"])
    with pytest.raises(ModelPrerequisiteError, match="openai/gpt-4o"):
        check_models(["mockllm/model", "openai/gpt-4o"])
