"""Which metrics each configured suite produces, known before the night's models are called.

Score keys of dict-valued scorers are only known once a sample is scored, so a threshold's metric name can
only be checked against a scored sample. The catalogue runs each configured suite on one sample against the
offline `organism/honest` model (no API call, a couple of seconds a suite) and caches the names under the log
root, keyed by the suite, its arguments and the installed package version.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from inspect_ai import eval as inspect_eval

from evals.logs import load
from tasks.suites import get_suite

logger = logging.getLogger(__name__)

PROBE_MODEL = "organism/honest"
CACHE_FILE = ".metric-catalogue.json"


def _package_version() -> str:
    try:
        return version("schemer-evals")
    except PackageNotFoundError:
        return "unknown"


def _cache_key(suite: str, arguments: Mapping[str, Any]) -> str:
    text = json.dumps([suite, dict(arguments), _package_version()], sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def probe(suite: str, arguments: Mapping[str, Any]) -> list[str]:
    """The metric names (`scorer` / `scorer:key`) one scored sample of the suite yields."""
    with tempfile.TemporaryDirectory(prefix="schemer-evals-probe-") as log_dir:
        inspect_eval(
            get_suite(suite)(**arguments),
            model=PROBE_MODEL,
            limit=1,
            log_dir=log_dir,
            display="none",
            score_display=False,
        )
        table = load([log_dir])
        return sorted(set(table.scores["metric"].astype(str)))


def suite_metrics(
    suites: Mapping[str, Mapping[str, Any]], cache_dir: Path | None = None
) -> dict[str, list[str] | None]:
    """suite -> metric names, from the cache under `cache_dir` when present, else probed (and cached). A suite
    whose probe fails (e.g. its scorer is configured to require the grader) maps to None: unknown, with a
    warning, rather than blocking the run."""
    cache_path = cache_dir / CACHE_FILE if cache_dir is not None else None
    cache: dict[str, list[str]] = {}
    if cache_path is not None and cache_path.is_file():
        try:
            cache = {str(k): [str(m) for m in v] for k, v in json.loads(cache_path.read_text("utf-8")).items()}
        except (ValueError, AttributeError, TypeError):
            cache = {}
    result: dict[str, list[str] | None] = {}
    changed = False
    for suite, arguments in suites.items():
        key = _cache_key(suite, arguments)
        if key not in cache:
            try:
                names = probe(suite, arguments)
            except Exception as error:  # the probe is a convenience check; the run itself reports real errors
                logger.warning(
                    "could not list the metrics of suite %s (%s); its metric names are not checked", suite, error
                )
                result[suite] = None
                continue
            if not names:
                result[suite] = None
                continue
            cache[key] = names
            changed = True
        result[suite] = cache[key]
    if changed and cache_path is not None and cache_path.parent.is_dir():
        cache_path.write_text(json.dumps(cache, indent=1, sort_keys=True), encoding="utf-8")
    return result
