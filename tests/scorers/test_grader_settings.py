"""The grader config's `judge:` section: the shipped file is valid, the environment variable names a config,
and malformed sections fail with a one-line error naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from scorers.errors import ParameterError
from scorers.grader_settings import CONFIG_ENV, config_path, read_judge_section, voting_rule

SHIPPED = Path(__file__).resolve().parents[2] / "configs" / "grader.yaml"


def test_the_shipped_grader_config_votes_adaptively_at_the_published_threshold() -> None:
    rule = voting_rule(read_judge_section(SHIPPED), str(SHIPPED))
    assert rule.voting == "adaptive" and rule.votes == 20
    assert rule.threshold == 0.4 and (rule.maybe_low, rule.maybe_high) == (0.2, 0.4)
    assert rule.min_votes <= rule.votes


def test_the_environment_variable_names_the_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "g.yaml"
    config.write_text("judge: {votes: 3}\n")
    monkeypatch.setenv(CONFIG_ENV, str(config))
    assert config_path(None) == config
    assert config_path(str(SHIPPED)) == SHIPPED, "an explicit path wins"
    monkeypatch.delenv(CONFIG_ENV)
    assert config_path(None) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("judge: [1, 2]\n", "must be a mapping"),
        ("- a\n- b\n", "is a mapping"),
        ("judge: {votes: 3\n", "not valid YAML"),
        ("judge: {maybe_band: 0.3}\n", "maybe_band must be"),
        ("judge: {voting: sometimes}\n", "voting must be one of"),
    ],
)
def test_malformed_judge_sections_fail_with_one_line(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text(text)
    with pytest.raises(ParameterError, match=message) as error:
        voting_rule(read_judge_section(config), str(config))
    assert "\n" not in str(error.value)
