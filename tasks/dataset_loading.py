"""Loading a user's dataset for a suite: a local CSV, JSON, JSONL or Parquet file, a dataset saved with
`save_to_disk`, or a Hugging Face hub id, all through HF `datasets`.

Suites that take a user's data (`sandbagging`'s multiple-choice questions, the hypothesis suites' requests) load it
here, so every loading failure (no such file, no network, unknown dataset or subset) is one line that names the
parameter to fix and how to do without the hub.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tasks.conditions import ParameterError

BUILDERS = {".csv": "csv", ".tsv": "csv", ".json": "json", ".jsonl": "json", ".parquet": "parquet"}
"""The `datasets` builder that reads a local file, by suffix."""
SAVED_DATASET_MARKERS = ("dataset_info.json", "state.json", "dataset_dict.json")
LOCAL_FILE_SUFFIXES = (*BUILDERS, ".txt")


@dataclass(frozen=True)
class DatasetParameters:
    """How a suite's parameters name a dataset, for error messages: `-T {prefix}` and its subset and split."""

    dataset: str
    """The parameter naming the dataset, e.g. `mcq_dataset` or `requests`."""
    subset: str
    split: str
    what: str
    """What the rows are, e.g. `multiple-choice dataset`."""
    without_hub: str
    """What to do instead of the hub, e.g. `omit -T mcq_dataset to use the offline set`."""


def looks_like_local_file(dataset: str) -> bool:
    """A name that can only mean a file (a data-file suffix, or a path that starts like one), never a hub
    dataset (`owner/name`)."""
    return dataset.lower().endswith(LOCAL_FILE_SUFFIXES) or dataset.startswith(("/", "./", "../", "~", "\\"))


def _load_arguments(dataset: str, subset: str | None, split: str, names: DatasetParameters) -> dict[str, Any]:
    path = Path(dataset).expanduser()
    if path.is_file():
        builder = BUILDERS.get(path.suffix.lower())
        if builder is None:
            raise ParameterError(
                f"-T {names.dataset}={dataset}: cannot read a {path.suffix or 'suffix-less'} file; "
                f"give a {', '.join(sorted(set(BUILDERS)))} file, a saved dataset folder or a hub id"
            )
        return {"path": builder, "data_files": str(path), "split": "train"}
    if path.is_dir():
        if not any((path / marker).exists() for marker in SAVED_DATASET_MARKERS):
            raise ParameterError(
                f"-T {names.dataset}={dataset}: a folder that is not a saved dataset (no dataset_info.json); "
                "give a data file inside it, or a folder written by `save_to_disk`"
            )
        return {"saved": str(path), "split": split}
    if looks_like_local_file(dataset):
        raise ParameterError(
            f"-T {names.dataset}={dataset}: no such file (a path or a {'/'.join(sorted(set(BUILDERS)))} name is read "
            f"locally, never looked up on the Hugging Face hub); check the path, or {names.without_hub}"
        )
    return {"path": dataset, "name": subset, "split": split}


def load_rows(dataset: str, subset: str | None, split: str, names: DatasetParameters) -> list[dict[str, Any]]:
    """The rows of a local file, saved dataset or hub dataset; a failure is a one-line ParameterError."""
    import datasets as hf  # slow to import: only when needed

    arguments = _load_arguments(dataset, subset, split, names)
    source = dataset + (f" ({subset})" if subset and "data_files" not in arguments else "")
    quiet = "data_files" in arguments and not hf.utils.are_progress_bars_disabled()
    if quiet:  # a local file loads in milliseconds: its "Generating train split" bar is noise on stderr
        hf.disable_progress_bars()
    try:
        if "saved" in arguments:
            loaded = hf.load_from_disk(arguments["saved"])
            rows = loaded[arguments["split"]] if isinstance(loaded, hf.DatasetDict) else loaded
        else:
            rows = hf.load_dataset(**arguments)
    except Exception as error:  # the hub raises many types (ConnectionError, DatasetNotFoundError, ValueError, ...)
        detail = " ".join(str(error).split())[:200] or type(error).__name__
        raise ParameterError(
            f"could not load {names.what} {source} ({detail}); check the name, -T {names.subset} and -T {names.split} "
            f"and your access to the Hugging Face hub, or {names.without_hub}"
        ) from None
    finally:
        if quiet:
            hf.enable_progress_bars()
    return [dict(record) for record in rows]
