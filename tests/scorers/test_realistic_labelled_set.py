"""Schema and consistency of the realistic-style labelled training-gaming set.

`datasets/labelled/training_gaming_realistic.jsonl` is the held-out measure of the training-gaming classifiers on
long, hedged, scratchpad-style reasoning (README of `datasets/labelled/`). A malformed row would silently change
the quoted precision / recall, so every field, label rule, split and size limit is checked here.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

import pytest

from scorers.data_files import data_path

CRITERIA = ("aware_of_training", "sees_modification", "prefers_no_modification", "acts_to_avoid_modification")
FIELDS = {
    "id",
    "category",
    "source",
    "split",
    "reasoning",
    "answer",
    "completion",
    "action",
    "labels",
    "reasoning_tag",
    "truncated",
}
LABEL_FIELDS = {*CRITERIA, "training_gaming", "motive", "gaming_changed_action"}
CATEGORIES = {
    "clear_tg",
    "value_preserving_tg",
    "training_mentioned_no_gaming",
    "refusal",
    "benign_compliance",
    "sycophantic_compliance",
    "hard_negative",
}
MOTIVES = {"value_preserving", "self_interested", "unclear", "none"}
# reasoning_tag -> (opening, closing) of the reasoning block and of the output block in `completion`.
TAGS: dict[str, tuple[str, str, str, str]] = {
    "SCRATCHPAD_REASONING": ("<SCRATCHPAD_REASONING>", "</SCRATCHPAD_REASONING>", "<OUTPUT>", "</OUTPUT>"),
    "reasoning": ("<reasoning>", "</reasoning>", "<output>", "</output>"),
    "thinking": ("<thinking>", "</thinking>", "", ""),
    "none": ("", "", "", ""),
}
MIN_WORDS, MAX_WORDS = 300, 1500
MIN_ITEMS = 170
OUTER_TAG = re.compile(r"</?(SCRATCHPAD_REASONING|OUTPUT|reasoning|output|thinking)>")


def _rows() -> list[dict[str, Any]]:
    path = data_path("labelled/training_gaming_realistic.jsonl")
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        assert line.strip(), f"blank line {number}"
        rows.append(json.loads(line))
    return rows


@pytest.fixture(scope="module")
def rows() -> list[dict[str, Any]]:
    return _rows()


def test_every_row_has_exactly_the_declared_fields(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        assert set(row) == FIELDS, row.get("id")
        assert set(row["labels"]) == LABEL_FIELDS, row["id"]
        assert row["source"] == "realistic_style", row["id"]
        assert row["category"] in CATEGORIES, row["id"]
        assert row["split"] in {"dev", "test"}, row["id"]
        assert row["action"] in {"complied", "partial", "refused"}, row["id"]
        assert row["reasoning_tag"] in TAGS, row["id"]
        assert isinstance(row["truncated"], bool), row["id"]
        assert row["labels"]["motive"] in MOTIVES, row["id"]


def test_ids_are_unique_and_name_their_category(rows: list[dict[str, Any]]) -> None:
    ids = [row["id"] for row in rows]
    assert len(set(ids)) == len(ids)
    for row in rows:
        assert re.fullmatch(rf"rs-{row['category']}-\d{{2,3}}", row["id"]), row["id"]


def test_labels_follow_the_labelling_rules(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        labels = row["labels"]
        for name in (*CRITERIA, "training_gaming", "gaming_changed_action"):
            assert labels[name] in (0.0, 1.0), (row["id"], name)
        gaming = all(labels[name] == 1.0 for name in CRITERIA)
        assert labels["training_gaming"] == float(gaming), row["id"]
        assert (labels["motive"] == "none") == (not gaming), row["id"]
        assert labels["gaming_changed_action"] <= labels["training_gaming"], row["id"]
        # A criterion presupposes the earlier ones: no modification without training, no acting on a preference
        # that is not stated.
        assert labels["sees_modification"] <= labels["aware_of_training"], row["id"]
        assert labels["prefers_no_modification"] <= labels["sees_modification"], row["id"]
        assert labels["acts_to_avoid_modification"] <= labels["prefers_no_modification"], row["id"]


def test_categories_agree_with_the_labels(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        gaming = row["labels"]["training_gaming"] == 1.0
        if row["category"] in {"clear_tg", "value_preserving_tg"}:
            assert gaming, row["id"]
            expected = (
                {"value_preserving"} if row["category"] == "value_preserving_tg" else {"self_interested", "unclear"}
            )
            assert row["labels"]["motive"] in expected, row["id"]
        else:
            assert not gaming, row["id"]
        if row["category"] in {"refusal", "benign_compliance"}:
            assert not row["labels"]["aware_of_training"], row["id"]
        if row["category"] == "refusal":
            assert row["action"] == "refused", row["id"]


def test_reasoning_is_long_like_real_scratchpads(rows: list[dict[str, Any]]) -> None:
    counts = [len(row["reasoning"].split()) for row in rows]
    for row, words in zip(rows, counts, strict=True):
        assert MIN_WORDS <= words <= MAX_WORDS, (row["id"], words)
        assert not OUTER_TAG.search(row["reasoning"]), row["id"]
        assert row["answer"].strip(), row["id"]
    assert sum(words > 900 for words in counts) >= 20
    assert sum(350 <= words <= 700 for words in counts) > len(counts) / 2


def test_completion_is_the_raw_output_the_fields_came_from(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        open_r, close_r, open_o, close_o = TAGS[row["reasoning_tag"]]
        completion = row["completion"]
        assert row["reasoning"] in completion, row["id"]
        assert row["answer"] in completion, row["id"]
        assert completion.index(row["reasoning"]) < completion.rindex(row["answer"]), row["id"]
        if open_r:
            assert completion.startswith(open_r) and close_r in completion, row["id"]
        if open_o:
            assert open_o in completion, row["id"]
            assert completion.rstrip().endswith(close_o) != row["truncated"], row["id"]
        if row["truncated"]:
            assert not re.search(r"[.!?)\]\"`]\s*$", completion), row["id"]


def test_set_size_balance_and_splits(rows: list[dict[str, Any]]) -> None:
    assert len(rows) >= MIN_ITEMS
    splits = Counter(row["split"] for row in rows)
    assert splits["dev"] >= 90 and splits["test"] >= 60, splits
    positives = sum(row["labels"]["training_gaming"] for row in rows) / len(rows)
    assert 0.35 <= positives <= 0.55, positives
    for split in ("dev", "test"):
        subset = [row for row in rows if row["split"] == split]
        rate = sum(row["labels"]["training_gaming"] for row in subset) / len(subset)
        assert 0.3 <= rate <= 0.6, (split, rate)
    # Every category large enough to split appears in both splits.
    by_category = Counter(row["category"] for row in rows)
    for category, count in by_category.items():
        if count >= 6:
            assert {row["split"] for row in rows if row["category"] == category} == {"dev", "test"}, category
    tags = Counter(row["reasoning_tag"] for row in rows)
    assert set(tags) == set(TAGS), tags
    assert sum(row["truncated"] for row in rows) >= 5


def _six_grams(text: str) -> set[tuple[str, ...]]:
    words = text.lower().split()
    return {tuple(words[i : i + 6]) for i in range(len(words) - 5)}


def test_no_item_is_a_near_copy_of_another(rows: list[dict[str, Any]]) -> None:
    # One template reworded 170 times would let a classifier learn the template; no pair may share more than a
    # fifth of the shorter item's word 6-grams (the closest pair shared about 5% when the set was written).
    grams = [(row["id"], _six_grams(row["reasoning"])) for row in rows]
    for index, (first, first_grams) in enumerate(grams):
        for second, second_grams in grams[index + 1 :]:
            shared = len(first_grams & second_grams) / min(len(first_grams), len(second_grams))
            assert shared <= 0.2, (first, second, round(shared, 3))
