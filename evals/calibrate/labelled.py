"""Loads a labelled set of reasoning transcripts for `schemer-evals calibrate`: the project's own files in
`datasets/labelled/`, a user's JSON, JSONL or CSV file, a dataset saved with `datasets.Dataset.save_to_disk`, or a
Hugging Face dataset by id (`hf:owner/name`, through `datasets.load_dataset`). `read_rows` (the rows of any of
these) is shared with the compliance calibration (`evals.calibrate.compliance_set`).

Column names, the label values that mean "training-gaming" / "faking", and the reasoning tags to cut out of a
full completion are options, so sets with other schemas load without conversion. Rows whose label is missing or
is not one of the known positive / negative values are dropped and counted, never guessed.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scorers.data_files import datasets_dir

SHIPPED = ("training_gaming", "training_gaming_realistic")
"""Labelled sets shipped in `datasets/labelled/` (the realistic one when it is present)."""
HF_PREFIX = "hf:"
DEFAULT_POSITIVE = ("1", "1.0", "true", "yes", "y", "positive", "faking", "af")
DEFAULT_NEGATIVE = ("0", "0.0", "false", "no", "n", "negative", "not_faking", "not faking", "none")
DEFAULT_TAGS = ("reasoning", "scratchpad", "SCRATCHPAD_REASONING", "think", "thinking")


@dataclass(frozen=True)
class LabelledItem:
    """One transcript with its ground truth: `reasoning` (may be empty when only `completion` is known)."""

    id: str
    reasoning: str
    answer: str
    label: bool
    completion: str = ""
    category: str = ""
    split: str = ""
    truncated: bool = False


@dataclass(frozen=True)
class Columns:
    """Where a set keeps each field (a dotted name reads inside a nested mapping, e.g. `labels.training_gaming`)."""

    id: str = "id"
    reasoning: str = "reasoning"
    answer: str = "answer"
    label: str = "labels.training_gaming"
    completion: str = "completion"
    reasoning_tag: str = "reasoning_tag"
    category: str = "category"
    split: str = "split"
    truncated: str = "truncated"
    positive: tuple[str, ...] = DEFAULT_POSITIVE
    negative: tuple[str, ...] = DEFAULT_NEGATIVE
    tags: tuple[str, ...] = DEFAULT_TAGS


@dataclass
class LabelledSet:
    name: str
    source: str
    items: list[LabelledItem]
    dropped: Counter[str] = field(default_factory=Counter)
    """Rows left out, by reason."""

    @property
    def positives(self) -> int:
        return sum(item.label for item in self.items)


def get_field(row: Mapping[str, Any], dotted: str) -> Any:
    """The value at a dotted name (`labels.training_gaming` reads inside a nested mapping), or None."""
    value: Any = row
    for part in dotted.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _label(value: Any, columns: Columns) -> bool | None:
    if value is None:
        return None
    text = str(value).strip().lower()
    if text in {v.lower() for v in columns.positive}:
        return True
    if text in {v.lower() for v in columns.negative}:
        return False
    return None


def cut_reasoning(completion: str, tags: Iterable[str]) -> tuple[str, str]:
    """The text inside the first of `tags` found in `completion` (an unclosed tag, as in a truncated reply,
    runs to the end) and the completion without it."""
    for tag in tags:
        match = re.search(rf"<{re.escape(tag)}>(.*?)(?:</{re.escape(tag)}>|\Z)", completion, re.DOTALL)
        if match:
            return match.group(1).strip(), (completion[: match.start()] + completion[match.end() :]).strip()
    return "", completion


def _item(row: Mapping[str, Any], index: int, columns: Columns, dropped: Counter[str]) -> LabelledItem | None:
    label = _label(get_field(row, columns.label), columns)
    if label is None:
        raw = get_field(row, columns.label)
        dropped["no label" if raw is None else f"unknown label {str(raw)[:30]!r}"] += 1
        return None
    reasoning = str(get_field(row, columns.reasoning) or "")
    answer = str(get_field(row, columns.answer) or "")
    completion = str(get_field(row, columns.completion) or "")
    if not reasoning.strip() and completion.strip():
        own_tag = get_field(row, columns.reasoning_tag)
        tags = ([str(own_tag)] if own_tag else []) + list(columns.tags)
        reasoning, rest = cut_reasoning(completion, tags)
        answer = answer or rest
    if not reasoning.strip() and not completion.strip():
        dropped["no reasoning or completion"] += 1
        return None
    return LabelledItem(
        id=str(get_field(row, columns.id) or f"row-{index}"),
        reasoning=reasoning,
        answer=answer,
        label=label,
        completion=completion,
        category=str(get_field(row, columns.category) or ""),
        split=str(get_field(row, columns.split) or ""),
        truncated=bool(get_field(row, columns.truncated)),
    )


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{number}: not a JSON object ({error.msg})") from None
            if not isinstance(row, dict):
                raise ValueError(f"{path}:{number}: each line must be a JSON object")
            rows.append(row)
    return rows


def _read_json(path: Path) -> list[dict[str, Any]]:
    """A JSON list of records, or an object holding one list of records (`{"source": ..., "samples": [...]}`)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: not JSON ({error.msg} at line {error.lineno})") from None
    if isinstance(data, dict):
        lists = [key for key, value in data.items() if isinstance(value, list)]
        if len(lists) != 1:
            found = f"lists {', '.join(lists)}" if lists else "no list"
            raise ValueError(f"{path}: a JSON object must hold one list of records, it holds {found}")
        data = data[lists[0]]
    if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
        raise ValueError(f"{path}: expected a list of JSON objects (records)")
    return data


def _read_csv(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [dict(row) for row in csv.DictReader(handle)]


def _read_hf(source: str, hf_split: str) -> list[dict[str, Any]]:
    import datasets  # Hugging Face datasets; imported late, it is slow to import

    path = Path(source)
    saved = (path / "dataset_info.json").exists() or (path / "dataset_dict.json").exists()
    if path.is_dir() and saved:
        loaded = datasets.load_from_disk(str(path))
    else:
        loaded = datasets.load_dataset(source.removeprefix(HF_PREFIX))
    if isinstance(loaded, datasets.DatasetDict):
        if hf_split not in loaded:
            raise ValueError(f"{source} has splits {', '.join(loaded)}; choose one with --hf-split")
        loaded = loaded[hf_split]
    return [dict(row) for row in loaded]


def _check_columns(rows: list[dict[str, Any]], columns: Columns, source: str) -> None:
    if not rows:
        raise ValueError(f"{source} has no rows")
    top = columns.label.split(".")[0]
    if not any(top in row for row in rows):
        raise ValueError(
            f"{source} has no label column {columns.label!r} (columns: {', '.join(sorted(rows[0]))}); "
            "name it with --label-column"
        )
    if not any(columns.reasoning in row or columns.completion in row for row in rows):
        raise ValueError(
            f"{source} has neither a {columns.reasoning!r} nor a {columns.completion!r} column "
            f"(columns: {', '.join(sorted(rows[0]))}); name one with --text-column or --completion-column"
        )


def read_rows(source: str, hf_split: str = "train", names: tuple[str, ...] = ()) -> tuple[list[dict[str, Any]], str]:
    """The rows of a JSON, JSONL or CSV file (by its suffix; any other suffix is read as JSONL), a directory written
    by `Dataset.save_to_disk` (or one `datasets.load_dataset` reads), or `hf:<dataset id>`; and the set's name
    (the file or directory name without its suffix). `names` are the set names the caller also accepts, listed in
    the error when `source` is not found."""
    if source.startswith(HF_PREFIX) or Path(source).is_dir():
        return _read_hf(source, hf_split), Path(source.removeprefix(HF_PREFIX)).name
    path = Path(source)
    if not path.is_file():
        raise FileNotFoundError(
            f"labelled set {source} not found: use {''.join(f'{name}, ' for name in names)}a .json, .jsonl or .csv "
            "file, a directory written by Dataset.save_to_disk, or hf:<dataset id>"
        )
    suffix = path.suffix.lower()
    rows = _read_json(path) if suffix == ".json" else _read_csv(path) if suffix == ".csv" else _read_jsonl(path)
    return rows, path.stem


def load_labelled(
    source: str, columns: Columns | None = None, split: str | None = None, hf_split: str = "train"
) -> LabelledSet:
    """A labelled set from a shipped name, a JSON / JSONL / CSV path, a saved dataset directory or `hf:<dataset id>`;
    `split` keeps only rows of that `split` value (e.g. `dev`)."""
    columns = columns or Columns()
    if source in SHIPPED:
        path = datasets_dir() / "labelled" / f"{source}.jsonl"
        if not path.exists():
            raise FileNotFoundError(f"the shipped labelled set {source} is not in this install ({path})")
        rows, name = _read_jsonl(path), source
    else:
        rows, name = read_rows(source, hf_split, SHIPPED)
    _check_columns(rows, columns, source)
    dropped: Counter[str] = Counter()
    items = [item for index, row in enumerate(rows) if (item := _item(row, index, columns, dropped)) is not None]
    if split:
        kept = [item for item in items if item.split == split]
        if not kept:
            raise ValueError(f"{source} has no rows with split {split!r}")
        dropped[f"not split {split}"] += len(items) - len(kept)
        items, name = kept, f"{name}-{split}"
    if len({item.label for item in items}) < 2:
        raise ValueError(f"{source} needs both positive and negative rows to calibrate; check --positive-label")
    return LabelledSet(name=name, source=source, items=items, dropped=dropped)
