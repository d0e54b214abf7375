"""Judge rubrics: loads a rubric from `datasets/judge/<name>.yaml` and renders the judge's prompt around
fenced blocks of untrusted text.

The rubric's instructions sit in the system message, before the fenced blocks and again after them, so text
inside a block cannot end the instructions early or have the last word.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from string import Template
from typing import Any

from inspect_ai.model import ChatMessage, ChatMessageSystem, ChatMessageUser

from scorers.data_files import data_version, load_yaml
from scorers.fencing import DEFAULT_MAX_CHARS, Fenced, fence
from scorers.judge_replies import FieldSpec


@dataclass(frozen=True)
class Rubric:
    name: str
    system: str
    before: str
    after: str
    blocks: tuple[str, ...]
    fields: dict[str, FieldSpec]
    version: str
    """Content hash of the rubric file: part of the judge cache scope, so an edited rubric is re-asked."""

    def messages(self, texts: dict[str, str], max_chars: int = DEFAULT_MAX_CHARS) -> list[ChatMessage]:
        """The judge prompt for one item; `texts` maps each block label to its (untrusted) text."""
        missing = [label for label in self.blocks if label not in texts]
        if missing:
            raise ValueError(f"rubric {self.name!r} needs text for block(s) {', '.join(missing)}")
        fenced = [fence(texts[label], label, max_chars) for label in self.blocks]
        lines = _fence_lines(fenced)
        user = "\n\n".join(
            [
                Template(self.before).substitute(lines),
                *(block.render() for block in fenced),
                Template(self.after).substitute(lines),
            ]
        )
        return [ChatMessageSystem(content=self.system), ChatMessageUser(content=user)]


def _fence_lines(fenced: list[Fenced]) -> dict[str, str]:
    lines: dict[str, str] = {}
    for block in fenced:
        lines[f"{block.label.lower()}_begin"] = block.begin
        lines[f"{block.label.lower()}_end"] = block.end
    return lines


def _field(name: str, spec: dict[str, Any]) -> FieldSpec:
    kind = spec.get("kind")
    if kind not in ("bool", "choice", "quotes", "text"):
        raise ValueError(f"rubric field {name!r} has unknown kind {kind!r}")
    return FieldSpec(kind=kind, required=bool(spec.get("required", True)), options=tuple(spec.get("options", ())))


@cache
def load_rubric(name: str) -> Rubric:
    relative = f"judge/{name}.yaml"
    spec: dict[str, Any] = load_yaml(relative)
    try:
        return Rubric(
            name=name,
            system=spec["system"],
            before=spec["before"],
            after=spec["after"],
            blocks=tuple(spec["blocks"]),
            fields={field: _field(field, value) for field, value in spec["fields"].items()},
            version=data_version(relative),
        )
    except KeyError as error:
        raise ValueError(f"datasets/{relative} lacks the key {error}") from None
