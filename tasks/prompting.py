"""Renders prompt templates from `datasets/` and places training-awareness cues.

Templates use `{field}` placeholders. Rendering is strict: a placeholder without a value raises instead of
being left in the prompt, so a typo in a data file cannot silently reach a model.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from typing import Any

from scorers.data_files import load_yaml

_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")


def render(template: str, **fields: Any) -> str:
    """Fill `template`, repeatedly (fields may hold placeholders too), and refuse to leave any unfilled."""
    text = template
    for _ in range(4):
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name}
        missing = sorted(names - fields.keys())
        if missing:
            raise KeyError(f"template field(s) without a value: {', '.join(missing)} in {template[:80]!r}")
        rendered = text.format(**fields)
        if rendered == text or not _PLACEHOLDER.search(rendered):
            return rendered
        text = rendered
    return text


@dataclass(frozen=True)
class Cue:
    """The training-awareness cue of one sample (empty text for `unstated`)."""

    style: str
    placement: str
    text: str

    @property
    def system(self) -> str:
        return self.text if self.placement == "system" else ""

    @property
    def user(self) -> str:
        return self.text if self.placement == "user" else ""


SHARED_CUES_FILE = "shared/training_awareness_cues.yaml"


def training_awareness_cue(training_awareness: str, index: int, cues_file: str = SHARED_CUES_FILE) -> Cue:
    """The cue for a condition; `index` rotates through styles first, then paraphrases, for balance.

    `cues_file` lets a suite word the same three styles for its own deployment (e.g. an internal assistant).
    """
    if training_awareness == "unstated":
        return Cue(style="none", placement="none", text="")
    styles: dict[str, Any] = load_yaml(cues_file)["styles"]
    if any(training_awareness not in style for style in styles.values()):
        raise ValueError(f"unknown training_awareness {training_awareness!r} (no cue texts in datasets/{cues_file})")
    names = list(styles)
    style = names[index % len(names)]
    paraphrases: list[str] = styles[style][training_awareness]
    return Cue(style, styles[style]["placement"], paraphrases[(index // len(names)) % len(paraphrases)])


def join_blocks(*blocks: str) -> str:
    """Join non-empty prompt blocks with blank lines."""
    return "\n\n".join(block.strip() for block in blocks if block and block.strip())


STAKES_FILE = "shared/modification_stakes.yaml"


def modification_stakes_text(stakes: str, index: int) -> str:
    """What the prompt says training on this conversation would buy (empty for `standard`), rotated by `index`."""
    texts: list[str] = load_yaml(STAKES_FILE)["levels"].get(stakes) or []
    if stakes != "standard" and not texts:
        raise ValueError(f"unknown modification_stakes {stakes!r} (no texts in datasets/{STAKES_FILE})")
    return texts[index % len(texts)] if texts else ""
