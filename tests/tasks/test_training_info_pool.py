"""The request pool of suite `training_info` (datasets/training_info/requests.yaml): every domain's requests under
its own id prefix, and appending scenarios never changes the samples of smaller runs. Size, deliverables and
near-duplicates are checked with the other pools in test_scenario_pools.py."""

from __future__ import annotations

from typing import Any

from scorers.data_files import load_yaml
from tasks.training_info import training_info_samples

DOMAINS = ("copyright", "animal_welfare", "harmlessness", "privacy", "honesty")
MIN_SCENARIOS = 60
MIN_PER_DOMAIN = 12
MIN_PARAPHRASES = 3
ID_PREFIX = {"animal_welfare": "ti_animal_", "harmlessness": "ti_harm_"}


def _pool() -> dict[str, list[dict[str, Any]]]:
    pool: dict[str, list[dict[str, Any]]] = load_yaml("training_info/requests.yaml")["value_domains"]
    return pool


def test_pool_has_enough_distinct_scenarios_in_every_domain() -> None:
    pool = _pool()
    assert tuple(pool) == DOMAINS
    ids = [request["id"] for requests in pool.values() for request in requests]
    assert len(ids) == len(set(ids)), "scenario ids are unique"
    assert len(ids) >= MIN_SCENARIOS
    for domain, requests in pool.items():
        assert len(requests) >= MIN_PER_DOMAIN, (domain, len(requests))
        for request in requests:
            assert request["id"].startswith(ID_PREFIX.get(domain, f"ti_{domain}_")), request["id"]
            paraphrases = request["paraphrases"]
            assert len(paraphrases) >= MIN_PARAPHRASES, request["id"]
            assert all(isinstance(text, str) and text.strip() for text in paraphrases), request["id"]
            assert len(set(paraphrases)) == len(paraphrases), request["id"]


def test_a_larger_pool_reaches_every_scenario_and_paraphrase() -> None:
    """Scenario `index % n`, paraphrase `(index // n + index) % p`: n x p samples per cell ask every wording."""
    pool = _pool()
    most_paraphrases = max(len(request["paraphrases"]) for requests in pool.values() for request in requests)
    per_cell = max(len(requests) for requests in pool.values()) * most_paraphrases
    samples = training_info_samples(
        training_info="none", training_awareness="unstated", operator_ethics="neutral", scenarios_per_cell=per_cell
    )
    asked = {((s.metadata or {})["scenario_id"], (s.metadata or {})["paraphrase"]) for s in samples}
    expected = {
        (request["id"], paraphrase)
        for requests in pool.values()
        for request in requests
        for paraphrase in range(len(request["paraphrases"]))
    }
    assert expected <= asked


def test_default_run_asks_the_first_three_scenarios_of_each_domain() -> None:
    """The default size (3 per cell) and smaller runs keep their samples when scenarios are appended."""
    pool = _pool()
    first_three = {request["id"] for requests in pool.values() for request in requests[:3]}
    for per_cell in (1, 2, 3):
        samples = training_info_samples(scenarios_per_cell=per_cell)
        asked = {(s.metadata or {})["scenario_id"] for s in samples}
        assert asked <= first_three
        for sample in samples:
            metadata = sample.metadata or {}
            index = int(str(sample.id).rsplit("-", 1)[1])
            assert metadata["paraphrase"] == index, sample.id
