"""Locates the project's `datasets/` data directory, in a source checkout and in an installed wheel.

`datasets/` is data only (it must never be importable, or it would shadow Hugging Face `datasets`), so code
finds it by path: `SCHEMER_EVALS_DATASETS` if set, the copy packed into the wheel, or the checkout's folder.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml

ENV_VAR = "SCHEMER_EVALS_DATASETS"


@lru_cache(maxsize=1)
def datasets_dir() -> Path:
    """The directory holding scenario specs, prompt templates and labelled fixtures."""
    override = os.environ.get(ENV_VAR)
    candidates = [Path(override)] if override else []
    here = Path(__file__).resolve().parent
    candidates += [here / "_datasets", here.parent / "datasets"]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"schemer-evals data directory not found (looked in {', '.join(map(str, candidates))}); "
        f"reinstall the package or set {ENV_VAR} to the repository's datasets/ folder"
    )


def data_path(relative: str) -> Path:
    """Path of one file under `datasets/`, with a clear error when it is missing."""
    path = datasets_dir() / relative
    if not path.exists():
        raise FileNotFoundError(f"data file datasets/{relative} is missing (looked at {path})")
    return path


@cache
def load_yaml(relative: str) -> Any:
    """Parse one YAML file under `datasets/`; a syntax error names the file and line."""
    path = data_path(relative)
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ValueError(f"datasets/{relative} is not valid YAML: {error}") from error


def data_version(*relatives: str) -> str:
    """A short content hash of data files, used as `Task(version=...)` so that eval-set never reuses a log
    produced from different prompts (eval-set's task identity does not cover dataset contents)."""
    digest = hashlib.sha256()
    for relative in sorted(relatives):
        digest.update(relative.encode())
        digest.update(data_path(relative).read_bytes())
    return digest.hexdigest()[:12]
