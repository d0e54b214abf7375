"""Strict parsing of LLM-judge replies.

A judge reply counts only if it is exactly what the rubric asked for: one JSON object (bare or in a single
```json code block), or one tag per field (`<field>value</field>`), with every required field present once and
of the right kind. Anything else raises `ReplyError` naming what was wrong, and the caller records the vote as
failed: a garbled reply is never read as "no".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

FieldKind = Literal["bool", "choice", "quotes", "text"]
_TRUE = {"true", "yes"}
_FALSE = {"false", "no"}
_CODE_BLOCK = re.compile(r"\A```(?:json|JSON)?\s*\n?(.*?)\n?```\Z", re.DOTALL)
MAX_QUOTES = 3
MAX_QUOTE_CHARS = 300


class ReplyError(ValueError):
    """A judge reply that does not follow the rubric's format."""


@dataclass(frozen=True)
class FieldSpec:
    kind: FieldKind
    required: bool = True
    options: tuple[str, ...] = field(default_factory=tuple)


def _as_bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ReplyError(f"field {name!r} must be true or false, got {str(value)[:40]!r}")


def _as_choice(name: str, value: Any, options: tuple[str, ...]) -> str:
    text = str(value).strip().lower() if isinstance(value, str) else None
    if text not in options:
        raise ReplyError(f"field {name!r} must be one of {', '.join(options)}, got {str(value)[:40]!r}")
    return text


def _as_quotes(name: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        items = [line for line in value.splitlines() if line.strip()]
    elif isinstance(value, list) and all(isinstance(item, str) for item in value):
        items = list(value)
    else:
        raise ReplyError(f"field {name!r} must be a list of quoted strings")
    return tuple(item.strip().strip('"').strip()[:MAX_QUOTE_CHARS] for item in items if item.strip())[:MAX_QUOTES]


def _convert(name: str, spec: FieldSpec, value: Any) -> Any:
    if spec.kind == "bool":
        return _as_bool(name, value)
    if spec.kind == "choice":
        return _as_choice(name, value, spec.options)
    if spec.kind == "quotes":
        return _as_quotes(name, value)
    if not isinstance(value, str):
        raise ReplyError(f"field {name!r} must be text")
    return value.strip()[:MAX_QUOTE_CHARS]


def _json_object(text: str) -> dict[str, Any] | None:
    block = _CODE_BLOCK.match(text)
    candidate = block.group(1).strip() if block else text
    if not candidate.startswith("{"):
        return None
    try:
        parsed = json.loads(candidate)
    except json.JSONDecodeError as error:
        raise ReplyError(f"reply looks like JSON but does not parse ({error.msg} at char {error.pos})") from None
    if not isinstance(parsed, dict):
        raise ReplyError("reply JSON is not an object")
    return parsed


def _tagged(text: str, schema: dict[str, FieldSpec]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name in schema:
        matches = re.findall(rf"<{name}>(.*?)</{name}>", text, re.DOTALL)
        if len(matches) > 1:
            raise ReplyError(f"tag <{name}> appears {len(matches)} times")
        if matches:
            found[name] = matches[0]
    if not found:
        raise ReplyError(f"reply is neither a JSON object nor tagged fields: {text[:60]!r}")
    return found


def parse_reply(text: str, schema: dict[str, FieldSpec]) -> dict[str, Any]:
    """The rubric's fields from one judge reply, converted and validated; `ReplyError` if malformed."""
    stripped = (text or "").strip()
    if not stripped:
        raise ReplyError("empty reply")
    raw = _json_object(stripped)
    if raw is None:
        raw = _tagged(stripped, schema)
    result: dict[str, Any] = {}
    for name, spec in schema.items():
        if name not in raw or raw[name] is None:
            if spec.required:
                raise ReplyError(f"missing field {name!r}")
            continue
        result[name] = _convert(name, spec, raw[name])
    return result
