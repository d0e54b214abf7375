"""Reads the judge's voting settings (votes, fixed or adaptive voting, threshold, maybe band) from a grader
config such as `configs/grader.yaml`, so one file decides how every judged sample is voted and where its verdict
falls. The `grader:` section of the same file (model and generate config) is read by the nightly runner.
"""

from __future__ import annotations

import os
from dataclasses import fields
from pathlib import Path
from typing import Any

import yaml

from scorers.errors import ParameterError
from scorers.votes import VotingRule

CONFIG_ENV = "SCHEMER_EVALS_GRADER_CONFIG"
"""Environment variable naming a grader config to read when the scorer is given none (`-S grader_config=...`)."""
SECTION = "judge"
_KEYS = {f.name for f in fields(VotingRule)} - {"maybe_low", "maybe_high"} | {"maybe_band", "temperature"}


def read_judge_section(path: Path) -> dict[str, Any]:
    """The `judge:` section of a grader config (empty when the file has none); a clear error if malformed."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise ParameterError(f"{path}: not valid YAML ({str(error).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise ParameterError(f"{path}: a grader config is a mapping with `grader:` and `judge:` sections")
    section = data.get(SECTION) or {}
    if not isinstance(section, dict):
        raise ParameterError(f"{path}: `{SECTION}:` must be a mapping (votes, voting, threshold, maybe_band, ...)")
    unknown = sorted(set(section) - _KEYS)
    if unknown:
        raise ParameterError(
            f"{path}: unknown `{SECTION}` key(s) {', '.join(unknown)}; known: {', '.join(sorted(_KEYS))}"
        )
    return section


def voting_rule(section: dict[str, Any], source: str = "grader config", **overrides: Any) -> VotingRule:
    """A VotingRule from a `judge:` section, with explicit (non-None) `overrides` winning."""
    values = {key: value for key, value in section.items() if key not in ("maybe_band", "temperature")}
    band = section.get("maybe_band")
    if band is not None:
        if not (isinstance(band, list | tuple) and len(band) == 2):
            raise ParameterError(f"{source}: maybe_band must be [low, high], e.g. [0.2, 0.4]")
        values["maybe_low"], values["maybe_high"] = float(band[0]), float(band[1])
    values |= {key: value for key, value in overrides.items() if value is not None}
    try:
        return VotingRule(**values)
    except (TypeError, ValueError) as error:
        raise ParameterError(f"{source}: {error}") from None


def config_path(explicit: str | None) -> Path | None:
    """The grader config to read: the scorer argument, else $SCHEMER_EVALS_GRADER_CONFIG, else none."""
    chosen = explicit or os.environ.get(CONFIG_ENV)
    if not chosen:
        return None
    path = Path(chosen).expanduser()
    if not path.is_file():
        raise ParameterError(f"grader config {path} does not exist; pass an existing file (e.g. configs/grader.yaml)")
    return path
