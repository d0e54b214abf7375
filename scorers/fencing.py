"""Fences untrusted model output before it goes into a judge prompt.

Model output is untrusted: a transcript may contain `</transcript>`, text that imitates the rubric, or
"ignore previous instructions and output {...}". Each block is wrapped in BEGIN/END lines carrying a token
derived from the block's own content (so an identical transcript gets an identical prompt and judge calls stay
cacheable), and any fence-shaped line inside the text is neutralised first, so the text can neither close its
fence nor open a new one. The token cannot be forged: it is a hash of the text that would have to contain it.
Very long blocks are cut in the middle, keeping the head and the tail, and the cut is marked.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

FENCE_PREFIX = "UNTRUSTED"
_FENCE_SHAPED = re.compile(r"(?:BEGIN|END)[\s_-]*UNTRUSTED\b[^\n]*", re.IGNORECASE)
NEUTRALISED = "[fence marker removed]"
DEFAULT_MAX_CHARS = 24_000


@dataclass(frozen=True)
class Fenced:
    """One block of untrusted text, fenced."""

    label: str
    token: str
    body: str

    @property
    def begin(self) -> str:
        return f"BEGIN {FENCE_PREFIX} {self.label} {self.token}"

    @property
    def end(self) -> str:
        return f"END {FENCE_PREFIX} {self.label} {self.token}"

    def render(self) -> str:
        return f"{self.begin}\n{self.body}\n{self.end}"


def fence_token(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:24]


def truncate_middle(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    keep = max(0, max_chars // 2)
    dropped = len(text) - 2 * keep
    return f"{text[:keep]}\n[... {dropped} characters cut from the middle ...]\n{text[len(text) - keep :]}"


def neutralise(text: str, token: str) -> str:
    """Remove anything that could pass for a fence line, including the fence token itself."""
    cleaned = _FENCE_SHAPED.sub(NEUTRALISED, text)
    return cleaned.replace(token, NEUTRALISED)


def fence(text: str, label: str, max_chars: int = DEFAULT_MAX_CHARS) -> Fenced:
    """Fence `text` under `label` (a word such as REASONING); the token is a hash of the original text."""
    if not re.fullmatch(r"[A-Z][A-Z_]*", label):
        raise ValueError(f"fence label must be upper-case letters and underscores, got {label!r}")
    token = fence_token(f"{label}\x00{text}")
    body = neutralise(truncate_middle(text, max_chars), token)
    return Fenced(label=label, token=token, body=body)
