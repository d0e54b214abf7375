"""The shipped request pools are large enough for cells to hold many distinct scenarios, and hold no near-duplicates.

A pool is a data file whose `value_domains` map each domain to its requests (each with an `id`, a `deliverable:`
kind and paraphrases), either directly (a list) or under `requests:`. Adding a pool to these checks is one entry
in `POOLS`. Cheap: no Inspect eval, one TF-IDF fit per pool.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest

from scorers.data_files import load_yaml
from scorers.deliverables import deliverable_for, deliverable_kinds
from tests.support.near_duplicates import ClosePair, closest_pairs

NEAR_DUPLICATE = 0.40
"""Two scenarios whose closest texts reach this TF-IDF cosine are near-duplicates. Measured when the value_conflict
pool grew to 100 requests: its closest distinct pair scored 0.23 (two harm requests sharing "explain ... step by
step") and training_info's 0.12, while a copy of any request with the two longest words of every paraphrase swapped
for other names scored at least 0.55 against its original (0.67 in training_info). 0.40 sits between the two with
room on both sides: a pool may gain more same-topic requests, and a lazily reworded copy still fails."""

TOP = 5
"""How many of the closest pairs a run prints."""


@dataclass(frozen=True)
class Pool:
    path: str
    min_per_domain: int | None = None
    min_total: int | None = None
    """Size requirements; None leaves a pool's size (and shape) to its own suite's tests."""

    def requests(self) -> dict[str, list[dict[str, Any]]]:
        """Each domain's request entries, in file order, whichever layout the file uses."""
        spec: dict[str, Any] = load_yaml(self.path)
        return {
            domain: list(entry["requests"] if isinstance(entry, dict) else entry)
            for domain, entry in spec["value_domains"].items()
        }

    def texts_by_scenario(self) -> dict[str, list[str]]:
        return {
            str(request["id"]): [str(text) for text in request["paraphrases"]]
            for requests in self.requests().values()
            for request in requests
        }


POOLS = {
    "value_conflict": Pool("value_conflict/scenarios.yaml", min_per_domain=20, min_total=100),
    "training_info": Pool("training_info/requests.yaml", min_per_domain=12, min_total=60),
}
ALL_POOLS = [pytest.param(pool, id=name) for name, pool in POOLS.items()]
SIZED_POOLS = [pytest.param(pool, id=name) for name, pool in POOLS.items() if pool.min_per_domain is not None]


def _report(pool: Pool, pairs: list[ClosePair]) -> str:
    lines = [f"{pool.path}: the {len(pairs)} closest scenario pairs (near-duplicate at cosine >= {NEAR_DUPLICATE})"]
    return "\n".join([*lines, *(pair.describe() for pair in pairs)])


@pytest.mark.parametrize("pool", SIZED_POOLS)
def test_pool_size_and_shape(pool: Pool) -> None:
    kinds = deliverable_kinds()
    by_domain = pool.requests()
    ids = [str(request["id"]) for requests in by_domain.values() for request in requests]
    assert len(ids) == len(set(ids)), "scenario ids repeat"
    counts = {domain: len(requests) for domain, requests in by_domain.items()}
    print(f"{pool.path}: {counts}, {len(ids)} in all")
    assert pool.min_per_domain is not None and pool.min_total is not None
    assert min(counts.values()) >= pool.min_per_domain, counts
    assert len(ids) >= pool.min_total, counts
    for requests in by_domain.values():
        for request in requests:
            paraphrases = [str(text) for text in request["paraphrases"]]
            assert len(set(paraphrases)) >= 3, request["id"]
            assert request["deliverable"] in kinds, request["id"]


@pytest.mark.parametrize("pool", SIZED_POOLS)
def test_compliance_rules_find_every_requests_deliverable(pool: Pool) -> None:
    """By the sample's scenario id and, for a log without metadata, by any paraphrase's text."""
    for requests in pool.requests().values():
        for request in requests:
            kind = request["deliverable"]
            found = deliverable_for(request["id"])
            assert found is not None and found.kind == kind, request["id"]
            for text in request["paraphrases"]:
                found = deliverable_for(None, f"Some cue first.\n\n{text}")
                assert found is not None and found.kind == kind, (request["id"], text)


@pytest.mark.parametrize("pool", ALL_POOLS)
def test_no_near_duplicate_scenarios(pool: Pool) -> None:
    pairs = closest_pairs(pool.texts_by_scenario(), top=TOP)
    report = _report(pool, pairs)
    print(report)
    assert pairs[0].similarity < NEAR_DUPLICATE, report


def _name_swapped(text: str) -> str:
    """The same request about other things: its two longest words replaced by made-up names."""
    words = sorted(set(re.findall(r"[A-Za-z]{4,}", text)), key=lambda word: (-len(word), word))[:2]
    for word, name in zip(words, ("Zanzibar", "Quokka"), strict=False):
        text = re.sub(rf"\b{word}\b", name, text)
    return text


@pytest.mark.parametrize("pool", ALL_POOLS)
def test_the_measure_catches_a_name_swapped_copy(pool: Pool) -> None:
    """Each domain's first request, copied with names swapped into the pool, is flagged as a near-duplicate."""
    texts = pool.texts_by_scenario()
    originals = [str(requests[0]["id"]) for requests in pool.requests().values()]
    copies = {f"{scenario}__copy": [_name_swapped(text) for text in texts[scenario]] for scenario in originals}
    assert all(copies[f"{s}__copy"] != texts[s] for s in originals)
    pairs = closest_pairs({**texts, **copies}, top=10**6)
    similarity = {(pair.first, pair.second): pair.similarity for pair in pairs}
    for scenario in originals:
        copy = f"{scenario}__copy"
        key = (scenario, copy) if scenario < copy else (copy, scenario)
        assert similarity[key] >= NEAR_DUPLICATE, (scenario, similarity[key])
