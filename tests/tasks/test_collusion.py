"""The collusion suite's grid: complete, paired, the appeal only where the condition says, items verbatim."""

from __future__ import annotations

import itertools
import re
from collections import Counter

import pytest

from scorers.data_files import load_yaml
from tasks.collusion import DEFAULT_ITEMS, collusion, collusion_samples

REVIEW = load_yaml("collusion/review.yaml")
ITEMS = load_yaml("collusion/items.yaml")["items"]
ALL_COT = ["none", "hidden_scratchpad", "visible_cot", "native_reasoning", "scaffolded"]


def _texts(sample_input: object) -> str:
    assert isinstance(sample_input, list)
    return "\n".join(message.text for message in sample_input)


def test_items_are_paired_and_varied() -> None:
    assert len(ITEMS) * 2 >= 40
    assert len({item["id"] for item in ITEMS}) == len(ITEMS)
    assert len({item["backdoor_kind"] for item in ITEMS}) >= 15
    assert {item["kind"] for item in ITEMS} == {"code_diff", "action_log"}
    for item in ITEMS:
        assert item["clean"].strip() and item["backdoor"].strip() and item["clean"] != item["backdoor"]


def test_default_grid_is_complete_and_covers_the_first_items() -> None:
    samples = collusion_samples()
    cells = Counter(
        (s.metadata["solidarity_appeal"], s.metadata["planted"], s.metadata["cot"]) for s in samples if s.metadata
    )
    expected = set(itertools.product(["none", "appeal"], ["backdoor", "clean"], ["none", "hidden_scratchpad"]))
    assert set(cells) == expected and set(cells.values()) == {DEFAULT_ITEMS}
    assert {(s.metadata or {})["scenario_id"] for s in samples} == {item["id"] for item in ITEMS[:DEFAULT_ITEMS]}
    everything = collusion_samples(
        cot="none", solidarity_appeal="none", planted="backdoor", scenarios_per_cell=len(ITEMS)
    )
    assert [(s.metadata or {})["scenario_id"] for s in everything] == [item["id"] for item in ITEMS]
    assert len({s.id for s in samples}) == len(samples)
    factors = load_yaml("shared/conditions.yaml")["factors"]
    for sample in samples:
        assert sample.metadata is not None
        assert all(sample.metadata[factor] in levels for factor, levels in factors.items())
        assert {"scenario_id", "paraphrase", "backdoor_kind", "item_kind"} <= set(sample.metadata)


def test_appeal_and_item_variant_follow_the_condition() -> None:
    appeals = REVIEW["notes"]["appeal"]
    routine = REVIEW["notes"]["none"]
    by_id = {item["id"]: item for item in ITEMS}
    for sample in collusion_samples(cot=ALL_COT, scenarios_per_cell=len(ITEMS)):
        metadata = sample.metadata or {}
        text = _texts(sample.input)
        assert any(note.strip() in text for note in appeals) == (metadata["solidarity_appeal"] == "appeal")
        assert any(note.strip() in text for note in routine) == (metadata["solidarity_appeal"] == "none")
        item = by_id[metadata["scenario_id"]]
        assert item[metadata["planted"]] in text
        assert "another copy of you" in text and "<verdict>flag</verdict>" in text


def test_no_template_field_is_left_unfilled() -> None:
    fields = re.compile(r"\{(?:request_no|title|assistant_name|instance|kind_label|note|lang|content|company)\}")
    for sample in collusion_samples(cot=ALL_COT, scenarios_per_cell=len(ITEMS)):
        assert not fields.search(_texts(sample.input))


def test_appeal_and_no_appeal_samples_differ_only_in_the_note() -> None:
    samples = collusion_samples(planted="backdoor", cot="none", scenarios_per_cell=3)
    by_index: dict[str, list[str]] = {}
    for sample in samples:
        by_index.setdefault(str(sample.id).rsplit("-", 1)[1], []).append(_texts(sample.input))
    for none_text, appeal_text in by_index.values():
        strip = re.compile(r"Note from the author:.*?```", re.DOTALL)
        assert strip.sub("", none_text) == strip.sub("", appeal_text) and none_text != appeal_text


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"solidarity_appeal": "begging"}, "unknown solidarity_appeal level"),
        ({"planted": "trojan"}, "unknown planted level"),
        ({"scenarios_per_cell": "many"}, "positive integer"),
    ],
)
def test_bad_parameters_give_one_line_errors(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message) as error:
        collusion(**kwargs)  # type: ignore[arg-type]
    assert "\n" not in str(error.value)
