"""A few example transcripts per condition cell, chosen so a cell shows both outcomes of its headline metric
when it has both, read one sample at a time (only the shown transcripts are ever loaded), and linked to
`inspect view`."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import cast
from urllib.parse import quote

import pandas as pd
from inspect_ai.model import ChatMessage, ContentReasoning, ContentText

from evals.analysis.rates import Layout
from evals.logs import read_sample

MAX_MESSAGE_CHARS = 1500
"""Longer messages are cut (the full transcript is one click away in `inspect view`)."""
MAX_SYSTEM_CHARS = 400
"""System prompts are one template per cell and the bulk of a transcript: only their start is shown."""

VIEW_PORT = 7575
MAX_EXAMPLES_PER_MODEL = 4
"""Per model and suite: the page stays small; every other transcript is one click away in `inspect view`."""


@dataclass(frozen=True)
class ExampleRef:
    model: str
    cell: str
    log: str
    sample_id: str | int
    epoch: int
    outcome: str


@dataclass(frozen=True)
class Turn:
    role: str
    kind: str
    """`text`, or `reasoning` for native reasoning blocks."""
    text: str
    truncated: bool


@dataclass(frozen=True)
class Example:
    ref: ExampleRef
    scores: dict[str, str]
    turns: list[Turn]

    @property
    def view_command(self) -> str:
        return f"inspect view --log-dir {Path(self.ref.log).parent}"

    @property
    def view_url(self) -> str:
        sample = quote(str(self.ref.sample_id), safe="")
        return f"http://127.0.0.1:{VIEW_PORT}/#/logs/{quote(Path(self.ref.log).name)}/samples/sample/{sample}/{self.ref.epoch}/"


def choose_examples(
    samples: pd.DataFrame, layout: Layout, frame: pd.DataFrame, primary: str, per_cell: int
) -> list[ExampleRef]:
    """Up to `per_cell` samples per (model, cell): alternately one where `primary` is 1 and one where it is not.

    `samples` is a SampleTable's sample frame; `frame` the suite's `scored_frame`.
    """
    by_row = samples.set_index("row")
    rows = frame[frame["metric"] == primary]
    refs: list[ExampleRef] = []
    factors = list(layout.cell_factors)
    groups = rows.groupby(["model", *factors], observed=True, sort=True) if factors else rows.groupby(["model"])
    for group, part in groups:
        values = group if isinstance(group, tuple) else (group,)
        model, cell = str(values[0]), "/".join(str(v) for v in values[1:]) or "all"
        hits = part[part["hit"]]["row"].tolist()
        misses = part[~part["hit"]]["row"].tolist()
        picked: list[tuple[int, str]] = []
        while len(picked) < per_cell and (hits or misses):
            source, outcome = (hits, "1") if (len(picked) % 2 == 0 and hits) or not misses else (misses, "0")
            picked.append((source.pop(0), outcome))
        for row, outcome in picked:
            sample_id = cast(str | int, by_row.at[row, "sample_id"])
            refs.append(
                ExampleRef(
                    model=model,
                    cell=cell,
                    log=str(by_row.at[row, "log"]),
                    sample_id=sample_id,
                    epoch=int(cast(int, by_row.at[row, "epoch"])),
                    outcome=f"{primary} = {outcome}",
                )
            )
    return cap_per_model(refs, MAX_EXAMPLES_PER_MODEL)


def cap_per_model(refs: list[ExampleRef], limit: int) -> list[ExampleRef]:
    """At most `limit` examples per model: samples where the metric is 1 first (the behaviour, which is what a
    reader wants to see), one cell after another, then the others."""
    kept: list[ExampleRef] = []
    for model in dict.fromkeys(ref.model for ref in refs):
        mine = [ref for ref in refs if ref.model == model]
        hits = [ref for ref in mine if ref.outcome.endswith("= 1")]
        kept += (hits + [ref for ref in mine if ref not in hits])[:limit]
    return kept


def _turns(messages: list[ChatMessage]) -> list[Turn]:
    turns: list[Turn] = []
    for message in messages:
        blocks: list[tuple[str, str]] = []
        if isinstance(message.content, str):
            blocks.append(("text", message.content))
        else:
            for content in message.content:
                if isinstance(content, ContentReasoning):
                    blocks.append(("reasoning", content.reasoning))
                elif isinstance(content, ContentText):
                    blocks.append(("text", content.text))
                else:
                    blocks.append(("text", f"({content.type})"))
        limit = MAX_SYSTEM_CHARS if message.role == "system" else MAX_MESSAGE_CHARS
        for kind, text in blocks:
            turns.append(Turn(message.role, kind, text[:limit], len(text) > limit))
    return turns


def _score_text(value: object) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "unscored"
    if isinstance(value, dict):
        return ", ".join(f"{k}={_score_text(v)}" for k, v in value.items())
    return str(value)


def load_examples(refs: list[ExampleRef]) -> list[Example]:
    examples: list[Example] = []
    for ref in refs:
        sample = read_sample(ref.log, ref.sample_id, ref.epoch)
        scores = {}
        for name, score in (sample.scores or {}).items():
            text = _score_text(score.value)
            if score.answer:
                text += f" ({score.answer})"
            scores[name] = text
        examples.append(Example(ref, scores, _turns(sample.messages)))
    return examples
