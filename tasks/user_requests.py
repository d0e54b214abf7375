"""The user's own requests (HarmBench, StrongREJECT, a lab's red-team set) asked under a hypothesis suite's grid.

`-T requests=PATH|ID` replaces the shipped requests of `value_conflict`, `cot_availability` and `training_info`
with the rows of a dataset loaded through HF `datasets`. Each row gives a request, a category and an id; the
published columns of HarmBench (`Behavior`, `SemanticCategory`, `BehaviorID`, and `ContextString` for its
contextual behaviours) and StrongREJECT (`forbidden_prompt`, `category`) are read by default. A category maps to
a value domain through `datasets/shared/request_domains.yaml` (or `-T domain_map=FILE`), and the domain decides
topic relevance as it does for the shipped requests: a request is relevant in the cells whose training objective
targets its domain.

Each cell takes distinct requests, without replacement, in an order fixed by the request ids (a hash), so a small
`scenarios_per_cell` spreads over the whole set and adding rows never renames the samples of the others; sample
ids end in the request id. The rest of the grid (cues, pairing, response formats) is the suite's own.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from inspect_ai.dataset import Sample

from scorers.data_files import load_yaml
from tasks.conditions import ParameterError, positive_int
from tasks.dataset_loading import DatasetParameters, load_rows
from tasks.design import Cell, CellPrompt, SuiteDesign, build_samples, note_repeats

logger = logging.getLogger(__name__)

DOMAIN_MAP_FILE = "shared/request_domains.yaml"
DROP = "drop"
UNMAPPED_CHOICES = ("error", DROP)

REQUEST_OPTIONS: dict[str, Any] = {
    "requests": None,
    "requests_split": "train",
    "requests_subset": None,
    "request_column": None,
    "category_column": None,
    "id_column": None,
    "context_column": None,
    "domain_map": None,
    "unmapped": "error",
}
"""The task parameters that choose and read the user's requests, with their defaults (`SuiteDesign.options`)."""

DEFAULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "request": ("Behavior", "forbidden_prompt", "prompt", "goal", "request"),
    "category": ("SemanticCategory", "category"),
    "id": ("BehaviorID", "id"),
    "context": ("ContextString",),
}
"""The columns read when `-T request_column` and the like are not given: the first one the dataset has."""

REQUEST_PARAMETERS = DatasetParameters(
    dataset="requests",
    subset="requests_subset",
    split="requests_split",
    what="request dataset",
    without_hub="download the file and pass its path (-T requests=behaviors.csv; CSV, JSON, JSONL or Parquet)",
)


@dataclass(frozen=True)
class UserRequest:
    id: str
    text: str
    category: str
    domain: str


@dataclass(frozen=True)
class RequestPool:
    """The usable requests of a user's dataset, and what was left out."""

    source: str
    requests: tuple[UserRequest, ...]
    rows: int
    dropped: Mapping[str, int] = field(default_factory=dict)
    """Requests left out per category (no value domain under `-T unmapped=drop`, or mapped to `drop`)."""
    empty: int = 0
    """Rows whose request text is empty."""

    def __post_init__(self) -> None:
        # draw order: by a hash of the id, so a prefix spreads over the whole set and new rows rename nothing
        order = sorted(self.requests, key=lambda request: hashlib.sha256(request.id.encode()).hexdigest())
        object.__setattr__(self, "requests", tuple(order))

    def domains(self) -> list[str]:
        return sorted({request.domain for request in self.requests})

    def candidates(self, domain: str, relevant: bool) -> list[UserRequest]:
        """The requests a cell draws from, in draw order: those of `domain` (relevant) or of any other domain."""
        return [r for r in self.requests if (r.domain == domain) == relevant]

    def pick(self, domain: str, relevant: bool, index: int) -> UserRequest | None:
        """The request of a cell's `index`-th sample; None once the cell's candidates are used up."""
        candidates = self.candidates(domain, relevant)
        return candidates[index] if index < len(candidates) else None

    def digest(self) -> str:
        """Changes whenever a request, its id or its domain does (part of the suite's `Task(version=...)`)."""
        text = json.dumps([(r.id, r.text, r.domain) for r in self.requests])
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def summary(self) -> dict[str, Any]:
        """What the Task's metadata records about the requests."""
        return {
            "source": self.source,
            "rows": self.rows,
            "used": len(self.requests),
            "per_domain": dict(Counter(request.domain for request in self.requests)),
            "dropped": dict(self.dropped),
            "empty": self.empty,
        }


def normalise_category(category: object) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(category).lower()).strip("_")


def domain_map(path: str | None, domains: Sequence[str]) -> dict[str, str]:
    """Category (normalised) -> value domain or `drop`: the shipped defaults, the domains themselves, then
    the entries of `path` (YAML or JSON), which override both."""
    mapping = {name: name for name in domains}
    mapping.update({normalise_category(k): str(v) for k, v in load_yaml(DOMAIN_MAP_FILE)["categories"].items()})
    if path is not None:
        mapping.update({normalise_category(k): str(v) for k, v in _read_map(path).items()})
    wrong = sorted({value for value in mapping.values() if value not in (*domains, DROP)})
    if wrong:
        raise ParameterError(
            f"-T domain_map: {', '.join(wrong)} is not a value domain (use one of {', '.join(domains)}, or {DROP})"
        )
    return mapping


def _read_map(path: str) -> dict[str, Any]:
    file = Path(path).expanduser()
    if not file.is_file():
        raise ParameterError(f"-T domain_map={path}: no such file (a YAML or JSON file of category: domain)")
    try:
        text = file.read_text(encoding="utf-8")
        loaded = json.loads(text) if file.suffix.lower() == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as error:
        raise ParameterError(f"-T domain_map={path}: unreadable ({' '.join(str(error).split())[:160]})") from None
    if isinstance(loaded, dict) and isinstance(loaded.get("categories"), dict):
        loaded = loaded["categories"]
    if not isinstance(loaded, dict):
        raise ParameterError(f"-T domain_map={path}: expected a mapping of category: domain")
    return loaded


def _column(rows: Sequence[Mapping[str, Any]], role: str, given: str | None, required: bool) -> str | None:
    columns = list(rows[0]) if rows else []
    if given is not None:
        if given not in columns:
            raise ParameterError(f"-T {role}_column={given}: no such column (the dataset has {', '.join(columns)})")
        return given
    found = next((name for name in DEFAULT_COLUMNS[role] if name in columns), None)
    if found is None and required:
        raise ParameterError(
            f"the request dataset has no {role} column ({' or '.join(DEFAULT_COLUMNS[role])}); name it with "
            f"-T {role}_column=... (the dataset has {', '.join(columns)})"
        )
    return found


def request_text(row: Mapping[str, Any], request_column: str, context_column: str | None) -> str:
    """The request as the model sees it; a HarmBench contextual behaviour puts its context first, as HarmBench does."""
    text = str(row.get(request_column) or "").strip()
    context = str(row.get(context_column) or "").strip() if context_column else ""
    return f"{context}\n\n---\n\n{text}" if context and text else text


def load_request_pool(options: Mapping[str, Any], domains: Sequence[str]) -> RequestPool:
    """The requests of `-T requests=...`, read with the suite's request options (see `REQUEST_OPTIONS`)."""
    source = str(options["requests"])
    unmapped = str(options.get("unmapped") or REQUEST_OPTIONS["unmapped"])
    if unmapped not in UNMAPPED_CHOICES:
        raise ParameterError(f"-T unmapped={unmapped}: use one of {', '.join(UNMAPPED_CHOICES)}")
    split = str(options.get("requests_split") or REQUEST_OPTIONS["requests_split"])
    rows = load_rows(source, options.get("requests_subset"), split, REQUEST_PARAMETERS)
    if not rows:
        raise ParameterError(f"request dataset {source} has no rows")
    request_column = _column(rows, "request", options.get("request_column"), required=True)
    category_column = _column(rows, "category", options.get("category_column"), required=True)
    id_column = _column(rows, "id", options.get("id_column"), required=False)
    context_column = _column(rows, "context", options.get("context_column"), required=False)
    assert request_column is not None and category_column is not None
    mapping = domain_map(options.get("domain_map"), domains)

    requests: list[UserRequest] = []
    unknown: Counter[str] = Counter()
    dropped: Counter[str] = Counter()
    empty = 0
    for row in rows:
        text = request_text(row, request_column, context_column)
        if not text:
            empty += 1
            continue
        category = str(row.get(category_column) or "").strip()
        domain = mapping.get(normalise_category(category))
        if domain is None:
            unknown[category or "(empty)"] += 1
            continue
        if domain == DROP:
            dropped[category] += 1
            continue
        raw_id = row.get(id_column) if id_column else None
        request_id = str(raw_id).strip() if raw_id not in (None, "") else _text_id(text)
        requests.append(UserRequest(request_id, text, category, domain))
    if unknown and unmapped != DROP:
        listed = ", ".join(f"{name!r} ({count})" for name, count in unknown.most_common())
        raise ParameterError(
            f"request dataset {source}: categories with no value domain: {listed}; map them with "
            f"-T domain_map=FILE (category: domain), or leave their requests out with -T unmapped=drop"
        )
    dropped.update(unknown)
    duplicates = [name for name, count in Counter(r.id for r in requests).items() if count > 1]
    if duplicates:
        raise ParameterError(
            f"request dataset {source}: {len(duplicates)} request ids occur more than once "
            f"({', '.join(duplicates[:5])}); sample ids come from them: name a column of unique ids with -T id_column"
        )
    if not requests:
        raise ParameterError(f"request dataset {source}: no request left to ask (every row was dropped or empty)")
    return RequestPool(source, tuple(requests), len(rows), dict(dropped), empty)


def _text_id(text: str) -> str:
    """A stable id for a request without one: a hash of its text."""
    return "request-" + hashlib.sha256(text.encode()).hexdigest()[:12]


def describe_pool(suite: str, pool: RequestPool) -> str:
    """The one line a run logs about the user's requests: how many are asked, per domain, and what was left out."""
    per_domain = ", ".join(f"{domain} {count}" for domain, count in sorted(pool.summary()["per_domain"].items()))
    text = f"{suite}: {len(pool.requests)} of {pool.rows} requests from {pool.source} ({per_domain})"
    left_out = sum(pool.dropped.values())
    if left_out:
        listed = ", ".join(f"{name} {count}" for name, count in Counter(pool.dropped).most_common(5))
        text += f"; dropped {left_out} whose category has no value domain or maps to drop ({listed})"
    if pool.empty:
        text += f"; skipped {pool.empty} rows with an empty request"
    return text


def pool_for(options: Mapping[str, Any], domains: Sequence[str], suite: str) -> RequestPool | None:
    """The user's requests when `-T requests` is given (logged in one line), else None (the shipped requests)."""
    if options.get("requests") is None:
        unused = [name for name in REQUEST_OPTIONS if options.get(name) is not None]
        if unused:
            raise ParameterError(f"-T {', '.join(unused)}: only read with -T requests=PATH|ID (the user's requests)")
        return None
    pool = load_request_pool(options, domains)
    # said as a warning when requests were left out, so that the console shows it
    logger.log(logging.WARNING if pool.dropped or pool.empty else logging.INFO, describe_pool(suite, pool))
    return pool


def domains_asked(
    pool: RequestPool, selected: Sequence[str], chosen_by_user: bool, relevant_cells: bool
) -> tuple[str, ...]:
    """The value domains a run over the user's requests asks: by default those with requests (a relevant cell
    of any other has nothing to ask); a domain the user chose that has none is an error when relevant cells
    are selected."""
    with_requests = set(pool.domains())
    if not relevant_cells:
        return tuple(selected)
    missing = [domain for domain in selected if domain not in with_requests]
    if chosen_by_user and missing:
        raise ParameterError(
            f"-T value_domain: {', '.join(missing)} has no request in {pool.source} (its domains: "
            f"{', '.join(sorted(with_requests))}); a relevant cell would have nothing to ask"
        )
    return tuple(domain for domain in selected if domain in with_requests)


@dataclass(frozen=True)
class ChosenRequest:
    """The request a cell index asks, shipped or the user's, as the suites render and label it."""

    scenario_id: str
    text: str
    domain: str
    paraphrase: int = 0
    key: str | None = None
    """What ends the sample id and pair id instead of the cell index (the user's request id)."""
    category: str | None = None

    @classmethod
    def of(cls, request: UserRequest) -> ChosenRequest:
        return cls(request.id, request.text, request.domain, 0, request.id, request.category)

    def metadata(self) -> dict[str, Any]:
        facts = {"scenario_id": self.scenario_id, "paraphrase": self.paraphrase, "request_domain": self.domain}
        return facts if self.category is None else {**facts, "request_category": self.category}


def shipped_request(scenarios: Sequence[Mapping[str, Any]], domain: str, index: int) -> ChosenRequest:
    """A shipped scenario for a cell index: scenarios in turn, and each later pass through them moves every scenario
    on to its next paraphrase, whatever the pool's size (the first pass asks paraphrase index mod 3)."""
    scenario = scenarios[index % len(scenarios)]
    paraphrase = (index % len(scenarios) + index // len(scenarios)) % len(scenario["paraphrases"])
    return ChosenRequest(str(scenario["id"]), scenario["paraphrases"][paraphrase], domain, paraphrase)


REQUEST_ARGUMENT_LINES = (
    "requests: your own requests instead of the shipped ones: a CSV, JSON, JSONL or Parquet file, a folder saved",
    "    with save_to_disk, or a Hugging Face hub id; HarmBench's and StrongREJECT's columns are read by default",
    "    (README, 'Your own requests').",
    "requests_split: the split of a hub dataset or saved dataset dict (default: train).",
    "requests_subset: the subset (config name) of a hub dataset.",
    "request_column: the column of request texts (default: Behavior, forbidden_prompt, prompt, goal or request).",
    "category_column: the column of categories (default: SemanticCategory or category).",
    "id_column: the column of request ids, which end the sample ids (default: BehaviorID or id; else a text hash).",
    "context_column: a context put before the request, as HarmBench does (default: ContextString, when present).",
    "domain_map: a YAML or JSON file of category: value domain (or drop) over datasets/shared/request_domains.yaml.",
    "unmapped: error (default) or drop: what happens to requests whose category maps to no value domain.",
)
"""The `Args:` lines of the request options, filled into each suite's docstring where it says `{requests}`."""


def request_task_facts(pool: RequestPool | None) -> dict[str, Any]:
    """What a suite's Task records of the user's requests: a summary in its metadata, a digest in its version."""
    if pool is None:
        return {}
    return {"metadata": {"requests": pool.summary()}, "data_digest": pool.digest()}


def samples_with_requests(
    design: SuiteDesign,
    parameters: Mapping[str, Any],
    render: Callable[[Cell, RequestPool | None], CellPrompt | None],
    domains: Sequence[str],
    shipped_per_cell: int,
) -> tuple[list[Sample], RequestPool | None]:
    """The samples of a suite that asks the shipped requests (`shipped_per_cell` distinct ones per cell) or, with
    `-T requests`, the user's, and those requests. `render` renders one cell index with either."""
    design.check_unknown({k: v for k, v in parameters.items() if k not in design.parameter_names})
    per_cell = positive_int("scenarios_per_cell", design.option(parameters, "scenarios_per_cell"))
    pool = pool_for(parameters, domains, design.suite)
    selected = design.select(parameters)
    if pool is None:
        note_repeats(design.suite, per_cell, shipped_per_cell)
    else:
        relevance = selected.get("topic_relevance") or (design.fixed.get("topic_relevance", "relevant"),)
        chosen = parameters.get("value_domain") is not None
        selected["value_domain"] = domains_asked(pool, selected["value_domain"], chosen, "relevant" in relevance)
    return build_samples(design, selected, per_cell, lambda cell: render(cell, pool)), pool
