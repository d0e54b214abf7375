"""The eval_awareness suite's grid: complete, paired across framings, the framing text only where the condition
says, value_conflict's requests reused (not copied), no leftover template fields."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest
from inspect_ai.dataset import Sample

from scorers.data_files import load_yaml
from tasks.eval_awareness import FRAMINGS, eval_awareness, eval_awareness_samples
from tasks.prompting import render

ALL_COT = ["none", "hidden_scratchpad", "visible_cot", "native_reasoning", "scaffolded"]


def _system(sample: Sample) -> str:
    assert isinstance(sample.input, list)
    return sample.input[0].text


def _user(sample: Sample) -> str:
    assert isinstance(sample.input, list)
    return sample.input[-1].text


def test_default_grid_is_complete_and_balanced() -> None:
    samples = eval_awareness_samples()
    domains = list(load_yaml("value_conflict/scenarios.yaml")["value_domains"])
    cells = Counter(
        (s.metadata["value_domain"], s.metadata["framing"], s.metadata["cot"]) for s in samples if s.metadata
    )
    assert set(cells) == set(itertools.product(domains, FRAMINGS, ["none", "hidden_scratchpad"]))
    assert set(cells.values()) == {4}
    assert len({s.id for s in samples}) == len(samples)


def test_every_sample_carries_the_full_condition() -> None:
    factors = load_yaml("shared/conditions.yaml")["factors"]
    for sample in eval_awareness_samples(scenarios_per_cell=2):
        assert sample.metadata is not None
        for factor, levels in factors.items():
            assert sample.metadata[factor] in levels
        assert {"framing", "scenario_id", "paraphrase", "pair_id"} <= sample.metadata.keys()


def test_requests_are_value_conflicts_and_identical_across_framings() -> None:
    spec = load_yaml("value_conflict/scenarios.yaml")["value_domains"]
    requests = {text for domain in spec.values() for request in domain["requests"] for text in request["paraphrases"]}
    by_pair: dict[str, set[str]] = {}
    for sample in eval_awareness_samples(scenarios_per_cell=12):
        assert sample.metadata is not None
        user = _user(sample)
        assert user in requests
        by_pair.setdefault(sample.metadata["pair_id"], set()).add(user)
    assert all(len(users) == 1 for users in by_pair.values())


def test_framing_text_appears_only_where_the_condition_says() -> None:
    framings = load_yaml("eval_awareness/framings.yaml")["framings"]
    spec = load_yaml("value_conflict/scenarios.yaml")
    names = {"operator": spec["operator"], "assistant_name": spec["assistant_name"]}
    for sample in eval_awareness_samples(cot=ALL_COT, scenarios_per_cell=3):
        assert sample.metadata is not None
        system = _system(sample)
        for framing, texts in framings.items():
            if not texts:  # `unstated`: no framing paragraph, checked by the other levels being absent
                continue
            present = any(render(text, **names).strip() in system for text in texts)
            assert present == (framing == sample.metadata["framing"]), (sample.id, framing)


def test_prompts_render_without_leftover_template_fields_and_paraphrases_rotate() -> None:
    samples = eval_awareness_samples(cot=ALL_COT, scenarios_per_cell=6)
    for sample in samples:
        text = _system(sample) + "\n" + _user(sample)
        assert "{" not in text and "}" not in text, text
    framed = [s for s in samples if (s.metadata or {})["framing"] == "real_deployment"]
    assert {(s.metadata or {})["framing_paraphrase"] for s in framed} == {0, 1, 2}
    assert len({(s.metadata or {})["paraphrase"] for s in framed}) == 3


def test_factor_selection_and_size_knob() -> None:
    samples = eval_awareness_samples(
        framing="real_deployment,unstated", cot="none", value_domain="honesty", scenarios_per_cell=5
    )
    assert len(samples) == 2 * 1 * 1 * 5


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"framing": "audit"}, "unknown framing level"),
        ({"value_domain": "tax"}, "unknown value_domain level"),
        ({"scenarios_per_cell": "x"}, "positive integer"),
    ],
)
def test_bad_parameters_give_one_line_errors(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message) as error:
        eval_awareness(**kwargs)  # type: ignore[arg-type]
    assert "\n" not in str(error.value)
