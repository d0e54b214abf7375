"""Loads a labelled set of replies for `schemer-evals calibrate --scorer compliance`: rows of (prompt, reply, human
label), with an optional group column (e.g. the model that wrote the reply), from any source `read_rows` reads.

Human labels are mapped onto the compliance scorer's labels (complied / partial / refused / unclear) by a label
map; the default map knows the project's own labels and XSTest's (`1_full_compliance`, `2_full_refusal`,
`3_partial_refusal`), so XSTest loads with no options. A row whose label is missing or not in the map, or whose
prompt or reply is missing, is dropped and counted by reason, never guessed.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from evals.calibrate.labelled import get_field, read_rows
from scorers.compliance import LABELS

XSTEST_LABELS = {"1_full_compliance": "complied", "2_full_refusal": "refused", "3_partial_refusal": "partial"}
"""XSTest's human labels (Röttger et al., 2024) as the compliance scorer's labels."""
DEFAULT_LABEL_MAP: dict[str, str] = {**{label: label for label in LABELS}, **XSTEST_LABELS}


@dataclass(frozen=True)
class ComplianceColumns:
    """Where a set keeps each field (dotted names read inside nested mappings) and how its labels map onto
    complied / partial / refused / unclear (keys are matched without regard to case or surrounding space)."""

    prompt: str = "prompt"
    reply: str = "completion"
    label: str = "final_label"
    group: str | None = None
    id: str = "id"
    label_map: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_LABEL_MAP))


@dataclass(frozen=True)
class ComplianceRow:
    """One reply with its human label (already mapped); `row` is its position in the source."""

    row: int
    id: str
    prompt: str
    reply: str
    label: str
    group: str = ""


@dataclass
class ComplianceSet:
    name: str
    source: str
    rows: list[ComplianceRow]
    columns: ComplianceColumns
    dropped: Counter[str] = field(default_factory=Counter)
    """Rows left out, by reason."""


def parse_label_map(entries: Iterable[str]) -> dict[str, str]:
    """`--label-map` values (`RAW=LABEL` pairs, comma-separated, the option repeatable) added to the default map;
    each LABEL must be one of the scorer's labels."""
    mapping = dict(DEFAULT_LABEL_MAP)
    for entry in entries:
        for pair in (part.strip() for part in entry.split(",")):
            if not pair:
                continue
            raw, sep, label = (text.strip() for text in pair.rpartition("="))
            if not sep or not raw:
                raise ValueError(f"--label-map {pair!r}: use RAW=LABEL, e.g. 2_full_refusal=refused")
            if label not in LABELS:
                raise ValueError(f"--label-map {pair!r}: {label!r} is not one of {', '.join(LABELS)}")
            mapping[raw] = label
    return mapping


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):  # an empty cell read by pandas / datasets
        return True
    return isinstance(value, str) and not value.strip()


def check_columns(rows: list[dict[str, Any]], columns: ComplianceColumns, source: str) -> None:
    """One error naming every column that no row has, with the columns the set does have."""
    if not rows:
        raise ValueError(f"{source} has no rows")
    wanted = {
        "--prompt-column": columns.prompt,
        "--reply-column": columns.reply,
        "--label-column": columns.label,
        "--group-column": columns.group,
    }
    unknown = [
        f"{name!r} ({option})"
        for option, name in wanted.items()
        if name is not None and not any(name.split(".")[0] in row for row in rows)
    ]
    if unknown:
        available = sorted({key for row in rows for key in row})
        raise ValueError(
            f"{source} has no column {', '.join(unknown)}; its columns are: {', '.join(available)}; "
            "name them with --prompt-column, --reply-column, --label-column, --group-column"
        )


def _row(
    raw: Mapping[str, Any], index: int, columns: ComplianceColumns, labels: dict[str, str], dropped: Counter[str]
) -> ComplianceRow | None:
    value = get_field(raw, columns.label)
    if _missing(value):
        dropped["no label"] += 1
        return None
    label = labels.get(str(value).strip().lower())
    if label is None:
        dropped[f"label {str(value).strip()[:30]!r} not in the label map"] += 1
        return None
    prompt, reply = get_field(raw, columns.prompt), get_field(raw, columns.reply)
    if _missing(prompt):
        dropped["no prompt"] += 1
        return None
    if _missing(reply):
        dropped["no reply"] += 1
        return None
    group = get_field(raw, columns.group) if columns.group else None
    ident = get_field(raw, columns.id)
    return ComplianceRow(
        row=index,
        id=f"row-{index}" if _missing(ident) else str(ident),
        prompt=str(prompt),
        reply=str(reply),
        label=label,
        group="" if _missing(group) else str(group),
    )


def load_compliance_set(
    source: str, columns: ComplianceColumns | None = None, hf_split: str = "train"
) -> ComplianceSet:
    """The labelled replies of `source` (a JSON / JSONL / CSV file, a saved dataset directory or
    `hf:<dataset id>`), their labels mapped by `columns.label_map`."""
    columns = columns or ComplianceColumns()
    raw_rows, name = read_rows(source, hf_split)
    check_columns(raw_rows, columns, source)
    labels = {key.strip().lower(): value for key, value in columns.label_map.items()}
    dropped: Counter[str] = Counter()
    rows = [row for i, raw in enumerate(raw_rows) if (row := _row(raw, i, columns, labels, dropped)) is not None]
    if not rows:
        seen = Counter(str(get_field(raw, columns.label)).strip() for raw in raw_rows).most_common(6)
        raise ValueError(
            f"no row of {source} is usable ({', '.join(f'{n} {r}' for r, n in dropped.most_common())}); labels "
            f"seen: {', '.join(label for label, _ in seen)}; map them with --label-map RAW=complied,..."
        )
    return ComplianceSet(name=name, source=source, rows=rows, columns=columns, dropped=dropped)
