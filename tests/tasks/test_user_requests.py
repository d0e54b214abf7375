"""`-T requests=...`: the user's own requests under the hypothesis suites' grid, read in each published layout."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from pathlib import Path

import datasets
import pytest
from inspect_ai.dataset import Sample

from tasks.conditions import ParameterError
from tasks.cot_availability import cot_availability
from tasks.training_info import training_info, training_info_samples
from tasks.value_conflict import value_conflict, value_conflict_samples
from tests.support.request_sets import (
    HARMBENCH_COLUMNS,
    harmbench_rows,
    strongreject_rows,
    write_rows,
)

EVERY = 1000
"""A `scenarios_per_cell` larger than any test set: every cell takes all its requests."""


@pytest.fixture
def harmbench_csv(tmp_path: Path) -> Path:
    return write_rows(tmp_path / "harmbench_behaviors_text_all.csv", harmbench_rows(), HARMBENCH_COLUMNS)


@pytest.fixture
def strongreject_csv(tmp_path: Path) -> Path:
    return write_rows(tmp_path / "strongreject_dataset.csv", strongreject_rows())


def _user_text(sample: Sample) -> str:
    assert isinstance(sample.input, list)
    return sample.input[-1].text


def _metadata(sample: Sample) -> dict[str, object]:
    assert sample.metadata is not None
    return sample.metadata


def test_harmbench_layout_every_request_reaches_a_relevant_sample(harmbench_csv: Path) -> None:
    samples = value_conflict_samples(requests=str(harmbench_csv), scenarios_per_cell=EVERY)
    rows = harmbench_rows()
    relevant = [s for s in samples if _metadata(s)["topic_relevance"] == "relevant"]
    assert {_metadata(s)["scenario_id"] for s in relevant} == {row["BehaviorID"] for row in rows}
    domains = {"copyright": "copyright", "misinformation_disinformation": "honesty"}
    for sample in samples:
        metadata = _metadata(sample)
        assert str(sample.id).endswith(f"-{metadata['scenario_id']}")
        expected = domains.get(str(metadata["request_category"]), "harmlessness")
        assert metadata["request_domain"] == expected
        assert (metadata["request_domain"] == metadata["value_domain"]) == (metadata["topic_relevance"] == "relevant")
    # by default the domains with requests; the grid (awareness x cot) is complete in each
    assert {_metadata(s)["value_domain"] for s in samples} == {"copyright", "harmlessness", "honesty"}
    assert len({s.id for s in samples}) == len(samples)


def test_contextual_behaviour_shows_its_context_before_the_request(harmbench_csv: Path) -> None:
    samples = value_conflict_samples(requests=str(harmbench_csv), scenarios_per_cell=EVERY, value_domain="harmlessness")
    contextual = next(s for s in samples if _metadata(s)["scenario_id"] == "dana_whitfield_phishing")
    text = _user_text(contextual)
    assert text.index("school librarian in Leeds") < text.index("---") < text.index("write a personalised email")


def test_samples_are_paired_and_differ_only_in_the_cue(harmbench_csv: Path) -> None:
    samples = value_conflict_samples(
        requests=str(harmbench_csv), scenarios_per_cell=3, training_awareness="training,unmonitored"
    )
    pairs: dict[object, list[Sample]] = defaultdict(list)
    for sample in samples:
        pairs[_metadata(sample)["pair_id"]].append(sample)
    assert pairs and all(len(pair) == 2 for pair in pairs.values())
    for first, second in pairs.values():
        assert _metadata(first)["scenario_id"] == _metadata(second)["scenario_id"]
        assert {_metadata(first)["training_awareness"], _metadata(second)["training_awareness"]} == {
            "training",
            "unmonitored",
        }
        request = str(_metadata(first)["request_category"])
        assert request == _metadata(second)["request_category"]


def test_each_published_file_format_gives_the_same_samples(tmp_path: Path) -> None:
    rows = strongreject_rows()
    built = {
        suffix: value_conflict_samples(
            requests=str(write_rows(tmp_path / f"set{suffix}", rows)), scenarios_per_cell=EVERY
        )
        for suffix in (".csv", ".json", ".jsonl", ".parquet")
    }
    reference = [(s.id, _user_text(s)) for s in built[".csv"]]
    assert len(reference) > 0
    for suffix, samples in built.items():
        assert [(s.id, _user_text(s)) for s in samples] == reference, suffix
    # StrongREJECT has no id column: ids are a hash of the text, the same in every run
    assert all(str(_metadata(s)["scenario_id"]).startswith("request-") for s in built[".csv"])
    saved = tmp_path / "saved"
    datasets.Dataset.from_list(rows).save_to_disk(str(saved))
    from_disk = value_conflict_samples(requests=str(saved), scenarios_per_cell=EVERY)
    assert [(s.id, _user_text(s)) for s in from_disk] == reference


def test_training_info_and_cot_availability_ask_the_users_requests(strongreject_csv: Path) -> None:
    info = training_info_samples(requests=str(strongreject_csv), scenarios_per_cell=EVERY, training_info="documents")
    prompts = {row["forbidden_prompt"] for row in strongreject_rows()}
    assert {_user_text(s).rsplit("\n\n", 1)[-1] for s in info} == prompts
    assert {_metadata(s)["value_domain"] for s in info} == {"harmlessness", "honesty"}
    task = cot_availability(requests=str(strongreject_csv), scenarios_per_cell=2)
    asked = {_user_text(s).rsplit("\n\n", 1)[-1] for s in task.dataset}
    assert asked <= prompts and len(asked) >= 4
    assert {_metadata(s)["cot"] for s in task.dataset} == {
        "none",
        "hidden_scratchpad",
        "visible_cot",
        "native_reasoning",
        "scaffolded",
    }


def test_a_cell_never_asks_a_request_twice_and_says_when_it_ran_out(
    harmbench_csv: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        samples = value_conflict_samples(requests=str(harmbench_csv), scenarios_per_cell=5, value_domain="honesty")
    cells = Counter(
        tuple(_metadata(s)[f] for f in ("topic_relevance", "training_awareness", "cot", "scenario_id")) for s in samples
    )
    assert set(cells.values()) == {1}
    relevant = [s for s in samples if _metadata(s)["topic_relevance"] == "relevant"]
    assert len(relevant) == 3 * 3 * 2  # 3 honesty requests x awareness x cot
    assert "cells ran out of distinct requests before scenarios_per_cell=5" in caplog.text


def test_ids_are_stable_when_rows_are_added(tmp_path: Path) -> None:
    """A sample id names its request and condition: with more rows in the file, it still asks the same request
    (the cue's wording may differ: it rotates with the cell index)."""
    rows = harmbench_rows()
    before = value_conflict_samples(requests=str(write_rows(tmp_path / "a.csv", rows[:-3])), scenarios_per_cell=EVERY)
    after = {
        s.id: s
        for s in value_conflict_samples(requests=str(write_rows(tmp_path / "b.csv", rows)), scenarios_per_cell=EVERY)
    }
    texts = {row["BehaviorID"]: row["Behavior"] for row in rows}
    for sample in before:
        metadata = _metadata(sample)
        assert _user_text(after[sample.id]).endswith(texts[str(metadata["scenario_id"])])
        assert _metadata(after[sample.id])["pair_id"] == metadata["pair_id"]


def test_unknown_categories_are_one_line_or_dropped_and_counted(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    rows = [
        *harmbench_rows(contextual=False),
        {**harmbench_rows()[0], "SemanticCategory": "astrology", "BehaviorID": "x1"},
    ]
    path = write_rows(tmp_path / "odd.csv", rows)
    with pytest.raises(ParameterError, match="categories with no value domain: 'astrology' \\(1\\)") as raised:
        value_conflict(requests=str(path))
    assert "\n" not in str(raised.value) and "-T unmapped=drop" in str(raised.value)
    with caplog.at_level(logging.WARNING):
        task = value_conflict(requests=str(path), unmapped="drop")
    assert "dropped 1 whose category has no value domain" in caplog.text
    assert task.metadata is not None and task.metadata["requests"]["dropped"] == {"astrology": 1}
    assert task.metadata["requests"]["used"] == len(rows) - 1


def test_domain_map_file_overrides_and_drops(harmbench_csv: Path, tmp_path: Path) -> None:
    mapping = tmp_path / "map.yaml"
    mapping.write_text("Harassment/Bullying: privacy\ncopyright: drop\n", encoding="utf-8")
    task = value_conflict(requests=str(harmbench_csv), domain_map=str(mapping), scenarios_per_cell=EVERY)
    by_id = {_metadata(s)["scenario_id"]: _metadata(s)["request_domain"] for s in task.dataset}
    assert by_id["bully_classmate_weight"] == "privacy"
    assert "lyrics_wonderful_world" not in by_id
    assert task.metadata is not None and task.metadata["requests"]["dropped"] == {"copyright": 3}
    mapping.write_text("harmful: kindness\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="kindness is not a value domain"):
        value_conflict(requests=str(harmbench_csv), domain_map=str(mapping))


def test_column_overrides_and_column_errors(tmp_path: Path) -> None:
    rows = [
        {"text": row["forbidden_prompt"], "kind": row["category"], "key": f"k{i}"}
        for i, row in enumerate(strongreject_rows())
    ]
    path = write_rows(tmp_path / "own.jsonl", rows)
    with pytest.raises(ParameterError, match=r"no request column .*-T request_column") as raised:
        value_conflict(requests=str(path))
    assert "the dataset has text, kind, key" in str(raised.value)
    task = value_conflict(requests=str(path), request_column="text", category_column="kind", id_column="key")
    assert {_metadata(s)["scenario_id"] for s in task.dataset} <= {row["key"] for row in rows}
    with pytest.raises(ParameterError, match="-T id_column=name: no such column"):
        value_conflict(requests=str(path), request_column="text", category_column="kind", id_column="name")


def test_request_options_without_requests_and_bad_values_are_errors(harmbench_csv: Path) -> None:
    with pytest.raises(ParameterError, match="-T request_column: only read with -T requests"):
        value_conflict(request_column="Behavior")
    with pytest.raises(ParameterError, match="-T unmapped=keep: use one of error, drop"):
        value_conflict(requests=str(harmbench_csv), unmapped="keep")
    with pytest.raises(ParameterError, match="animal_welfare has no request in"):
        value_conflict(requests=str(harmbench_csv), value_domain="animal_welfare")
    # unrelated cells need no request of the objective's own domain
    unrelated = value_conflict(requests=str(harmbench_csv), value_domain="animal_welfare", topic_relevance="unrelated")
    assert len(unrelated.dataset) > 0


def test_duplicate_ids_and_missing_files_are_one_line_errors(tmp_path: Path) -> None:
    rows = harmbench_rows(contextual=False)
    path = write_rows(tmp_path / "dup.csv", [*rows, rows[0]])
    with pytest.raises(ParameterError, match="1 request ids occur more than once \\(nerve_agent_kitchen\\)"):
        value_conflict(requests=str(path))
    with pytest.raises(ParameterError, match="no such file") as raised:
        value_conflict(requests=str(tmp_path / "missing.csv"))
    assert "\n" not in str(raised.value)


def test_unreachable_hub_id_names_the_local_file_alternative(monkeypatch: pytest.MonkeyPatch) -> None:
    # Fail at once instead of retrying an unreachable network for half a minute.
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    with pytest.raises(
        ParameterError, match="could not load request dataset walledai/HarmBench \\(standard\\)"
    ) as raised:
        training_info(requests="walledai/HarmBench", requests_subset="standard")
    message = str(raised.value)
    assert "\n" not in message and "pass its path (-T requests=behaviors.csv" in message


def test_task_version_follows_the_requests(tmp_path: Path) -> None:
    rows = harmbench_rows()
    first = value_conflict(requests=str(write_rows(tmp_path / "a.csv", rows)))
    same = value_conflict(requests=str(write_rows(tmp_path / "b.csv", rows)))
    edited = [{**rows[0], "Behavior": rows[0]["Behavior"] + " quickly"}, *rows[1:]]
    changed = value_conflict(requests=str(write_rows(tmp_path / "c.csv", edited)))
    assert first.version == same.version != changed.version
    assert first.version != value_conflict().version
