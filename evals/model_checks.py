"""Checking that the models a command will call can start (their provider's API key is set, its package is
installed), before the command writes anything.

Inspect's providers check their prerequisites when the model object is built and raise Inspect's
`PrerequisiteError` with a multi-line, rich-markup message; raised inside a run it becomes a traceback and
a half-written run directory. Building each model up front turns it into one line naming the model and the
missing variable, as a `ValueError`, which the command line reports with exit code 2.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from inspect_ai.model import GenerateConfig, Model, get_model

from scorers.inspect_internals import PrerequisiteError

_MARKUP = re.compile(r"\[/?[a-z][a-z ]*\]")


class ModelPrerequisiteError(ValueError):
    """A model that cannot start; the message is one line naming the model and what is missing."""


def prerequisite_message(error: PrerequisiteError) -> str:
    """Inspect's message on one line, without its rich markup and its leading `ERROR:`."""
    text = _MARKUP.sub("", str(error.message))
    text = re.sub(r"^\s*ERROR:\s*", "", text)
    lines = [line.strip().rstrip(".") for line in text.splitlines() if line.strip()]
    return "; ".join(lines)


def start_model(name: str, config: Mapping[str, Any] | None = None) -> Model:
    """The model `name` (with its generate `config`), or a one-line `ModelPrerequisiteError` if it cannot start."""
    try:
        return get_model(name, config=GenerateConfig(**(config or {})))
    except PrerequisiteError as error:
        raise ModelPrerequisiteError(
            f"model {name} cannot start: {prerequisite_message(error)}; set the variable "
            "(or choose another model) and run again"
        ) from None


def check_models(names: Iterable[str]) -> None:
    """Start every named model once (Inspect keeps the instance for the run), so a missing key stops the
    command before it writes anything."""
    for name in dict.fromkeys(names):
        start_model(name)
