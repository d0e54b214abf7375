"""Every suite declares its design once and every sample follows it: the Task metadata declares the factors
(levels reference first), the `@task` signature is the design's parameters, samples sit on declared levels,
any prefix of the sample order is balanced, and bad or unknown parameters are one-line errors."""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from inspect_ai import Task
from inspect_ai.dataset import Sample

from scorers.data_files import data_version, load_yaml
from scorers.vocabulary import factor_levels
from tasks.conditions import ParameterError
from tasks.design import Factor, SuiteDesign, balanced_cells
from tasks.suites import DESIGNS, SUITES

LOOKALIKES = {
    "value_conflict": {
        "training_awareness": "unmonitored,training,rated_not_trained",
        "modification_stakes": "standard,no_deployment,narrow_scope",
        "evaluation_suspicion": "none,alignment_evaluation",
    },
    "training_info": {
        "training_awareness": "unmonitored,training,rated_not_trained",
        "modification_stakes": "standard,no_deployment,narrow_scope",
    },
    "cot_availability": {
        "training_awareness": "unmonitored,training,rated_not_trained",
        "modification_stakes": "standard,no_deployment,narrow_scope",
    },
}
"""Each hypothesis suite with its look-alike levels selected."""


def _samples(task: Task) -> list[Sample]:
    return list(task.dataset)


def _meta(sample: Sample) -> dict[str, Any]:
    assert sample.metadata is not None
    return sample.metadata


@pytest.fixture(scope="module")
def default_tasks() -> dict[str, Task]:
    return {name: suite() for name, suite in SUITES.items()}


@pytest.mark.parametrize("suite", list(SUITES))
def test_task_metadata_declares_the_design(default_tasks: dict[str, Task], suite: str) -> None:
    design = DESIGNS[suite]
    task = default_tasks[suite]
    assert task.metadata == {"suite": suite, "factors": {f.name: list(f.levels) for f in design.factors}}
    vocabulary = factor_levels()
    for factor in design.factors:
        if factor.name in vocabulary:
            # Shared factors keep the vocabulary's reference level and order.
            assert factor.levels[0] == vocabulary[factor.name][0] or factor.name == "value_domain", factor
            assert [lv for lv in vocabulary[factor.name] if lv in factor.levels] == list(factor.levels), factor
    for sample in _samples(task):
        for factor in design.factors:
            assert _meta(sample)[factor.name] in factor.defaults, (sample.id, factor.name)


@pytest.mark.parametrize("suite", list(SUITES))
def test_task_signature_is_the_design(suite: str) -> None:
    """The `@task` takes exactly the design's parameters (in its first release's order, for positional callers)
    plus a catch-all that rejects unknown names."""
    parameters = inspect.signature(SUITES[suite]).parameters
    *named, catch_all = parameters.values()
    assert sorted(p.name for p in named) == sorted(DESIGNS[suite].parameter_names)
    assert catch_all.kind == inspect.Parameter.VAR_KEYWORD
    assert all(p.default is None for p in named), "defaults live in the design, once"


@pytest.mark.parametrize("suite", list(SUITES))
def test_every_offered_level_runs(suite: str) -> None:
    design = DESIGNS[suite]
    selection = {f.name: ",".join(f.levels) for f in design.factors}
    task = SUITES[suite](**selection, scenarios_per_cell=1)
    samples = _samples(task)
    for factor in design.factors:
        assert {_meta(s)[factor.name] for s in samples} == set(factor.levels), factor.name
    assert len({s.id for s in samples}) == len(samples)


@pytest.mark.parametrize("suite", list(LOOKALIKES))
def test_lookalike_levels_default_to_the_reference(default_tasks: dict[str, Task], suite: str) -> None:
    """Existing runs keep their meaning: by default no sample has a look-alike level and ids name none."""
    for sample in _samples(default_tasks[suite]):
        metadata = _meta(sample)
        assert metadata["training_awareness"] != "rated_not_trained"
        assert metadata["modification_stakes"] == "standard"
        assert metadata["evaluation_suspicion"] == "none"
        assert not any(word in str(sample.id) for word in ("standard", "no_deployment", "alignment_evaluation"))


def test_sample_ids_are_those_of_earlier_releases() -> None:
    """Nightly baselines pair samples by id: ids are `<suite>-<levels of the first release's factors>-<index>`,
    and a look-alike level adds itself only when selected."""
    ids = {str(s.id) for s in SUITES["value_conflict"]().dataset}
    assert "value_conflict-copyright-relevant-training-none-0" in ids
    assert "value_conflict-honesty-unrelated-unstated-hidden_scratchpad-3" in ids
    assert "training_info-documents-training-unethical-privacy-hidden_scratchpad-2" in {
        str(s.id) for s in SUITES["training_info"]().dataset
    }
    assert "sandbagging-high_score_triggers_unlearning-mcq-none-9" in {
        str(s.id) for s in SUITES["sandbagging"]().dataset
    }
    stakes = SUITES["value_conflict"](modification_stakes="no_deployment", value_domain="copyright")
    assert "value_conflict-copyright-relevant-training-none-no_deployment-0" in {str(s.id) for s in stakes.dataset}


@pytest.mark.parametrize("suite", list(LOOKALIKES))
def test_lookalike_levels_run_with_balanced_cells(suite: str) -> None:
    samples = _samples(SUITES[suite](**LOOKALIKES[suite]))
    design = DESIGNS[suite]
    counts: dict[tuple[str, ...], int] = {}
    for sample in samples:
        key = tuple(_meta(sample)[f.name] for f in design.factors)
        counts[key] = counts.get(key, 0) + 1
    selected = design.select(LOOKALIKES[suite])
    expected_cells = 1
    for levels in selected.values():
        expected_cells *= len(levels)
    assert len(counts) == expected_cells and len(set(counts.values())) == 1
    assert len({s.id for s in samples}) == len(samples)


def _prefix_covers(samples: list[Sample], design: SuiteDesign, selected: dict[str, tuple[str, ...]]) -> int:
    """The length of the shortest prefix that shows every selected level of every factor."""
    missing = {(name, level) for name, levels in selected.items() for level in levels}
    for position, sample in enumerate(samples, start=1):
        missing -= {(f.name, _meta(sample)[f.name]) for f in design.factors}
        if not missing:
            return position
    raise AssertionError(f"levels never reached: {sorted(missing)}")


@pytest.mark.parametrize("suite", list(SUITES))
def test_any_prefix_is_balanced_over_the_grid(default_tasks: dict[str, Task], suite: str) -> None:
    """`--limit N` takes a prefix: it must reach every level of every factor as early as the grid allows, with
    the paired factor's levels (training and unmonitored, ...) adjacent."""
    design = DESIGNS[suite]
    samples = _samples(default_tasks[suite])
    selected = design.select({})
    paired = len(selected[design.paired]) if design.paired else 1
    widest = max((len(levels) for name, levels in selected.items() if name != design.paired), default=1)
    assert _prefix_covers(samples, design, selected) <= paired * widest
    if design.paired:
        for start in range(0, paired * 4, paired):
            group = samples[start : start + paired]
            assert [_meta(s)[design.paired] for s in group] == list(selected[design.paired])
            others = {tuple(_meta(s)[f.name] for f in design.factors if f.name != design.paired) for s in group}
            assert len(others) == 1, "a pair differs only in the paired factor"
            assert len({_meta(s)["pair_id"] for s in group}) == 1


def test_value_conflict_limit_six_covers_both_contrasts(default_tasks: dict[str, Task]) -> None:
    """The issue's example: `inspect eval tasks/value_conflict --limit 6` used to run only unmonitored/unrelated."""
    first = [_meta(s) for s in _samples(default_tasks["value_conflict"])[:6]]
    assert {m["training_awareness"] for m in first} == {"unmonitored", "training", "unstated"}
    assert {m["topic_relevance"] for m in first} == {"unrelated", "relevant"}
    assert {m["cot"] for m in first} == {"none", "hidden_scratchpad"}


def test_balanced_order_keeps_pairwise_balance() -> None:
    design = SuiteDesign(
        "toy",
        (
            Factor("a", ("a0", "a1")),
            Factor("b", ("b0", "b1")),
            Factor("c", ("c0", "c1", "c2")),
            Factor("p", ("x", "y")),
        ),
        paired="p",
    )
    cells = balanced_cells(design, design.select({}))
    assert len(cells) == 24 and len({tuple(c.values()) for c in cells}) == 24
    first_groups = cells[: 2 * 4 : 2]
    # Four groups: each level of a and b twice, every (a, b) combination once.
    assert sorted((c["a"], c["b"]) for c in first_groups) == [("a0", "b0"), ("a0", "b1"), ("a1", "b0"), ("a1", "b1")]


def test_balanced_order_is_fast_enough_for_big_grids() -> None:
    """Every task construction orders its grid; the largest selectable grid must not stall `inspect eval`."""
    design = DESIGNS["value_conflict"]
    selection = {f.name: f.levels for f in design.factors}
    started = time.perf_counter()
    cells = balanced_cells(design, selection)
    elapsed = time.perf_counter() - started
    assert len(cells) == 5 * 2 * 4 * 5 * 3 * 2
    print(f"balanced_cells: {len(cells)} cells in {elapsed:.2f} s")


BadCall = Callable[[], object]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: SUITES["value_conflict"](value_domian="copyright"), "did you mean -T value_domain="),
        (lambda: SUITES["collusion"](soldarity_appeal="none"), "did you mean -T solidarity_appeal="),
        (lambda: SUITES["sandbagging"](question_seed="abc"), "-T question_seed must be an integer, got 'abc'"),
        (lambda: SUITES["value_conflict"](modification_stakes="forever"), "unknown modification_stakes level"),
        (lambda: SUITES["training_info"](scenarios_per_cel=2), "training_info has no parameter 'scenarios_per_cel'"),
    ],
)
def test_bad_parameters_are_one_line_errors(call: BadCall, message: str) -> None:
    with pytest.raises(ParameterError) as raised:
        call()
    assert message in str(raised.value) and "\n" not in str(raised.value)


def test_a_parameter_of_another_suite_is_ignored_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    """`inspect eval tasks -T training_info=none` hands every suite the same parameters, as Inspect does."""
    with caplog.at_level(logging.WARNING):
        task = SUITES["collusion"](training_info="none", scenarios_per_cell=1)
    assert len(task.dataset) == 8
    assert "param 'training_info' not used by task 'collusion'" in caplog.text


def test_a_missing_local_mcq_file_fails_at_once() -> None:
    started = time.perf_counter()
    with pytest.raises(ParameterError, match="no such file") as raised:
        SUITES["sandbagging"](mcq_dataset="nonexist.jsonl", question_source="mcq")
    assert "\n" not in str(raised.value)
    assert time.perf_counter() - started < 5, "no hub lookups for a local-looking path"


def _texts(sample: Sample) -> str:
    assert isinstance(sample.input, list)
    return "\n\n".join(message.text for message in sample.input)


@pytest.mark.parametrize("suite", list(LOOKALIKES))
def test_lookalike_texts_appear_only_where_the_condition_says(suite: str) -> None:
    stakes: dict[str, list[str]] = load_yaml("shared/modification_stakes.yaml")["levels"]
    notices: dict[str, list[str]] = load_yaml("value_conflict/evaluation_suspicion.yaml")["levels"]
    cue_file = "training_info/training_awareness_cues.yaml" if suite == "training_info" else None
    cues: dict[str, Any] = load_yaml(cue_file or "shared/training_awareness_cues.yaml")["styles"]
    rated = [text for style in cues.values() for text in style["rated_not_trained"]]
    by_pair: dict[str, dict[str, str]] = {}
    for sample in SUITES[suite](**LOOKALIKES[suite], scenarios_per_cell=3).dataset:
        metadata, text = _meta(sample), _texts(sample)
        assert "{" not in text and "}" not in text, sample.id
        for level, texts in [*stakes.items(), *notices.items()]:
            if not texts:  # the reference levels add nothing
                continue
            factor = "modification_stakes" if level in stakes else "evaluation_suspicion"
            assert any(t.strip() in text for t in texts) == (metadata[factor] == level), (sample.id, level)
        assert any(t.strip() in text for t in rated) == (metadata["training_awareness"] == "rated_not_trained")
        cue = metadata["training_cue"].strip()
        by_pair.setdefault(metadata["pair_id"], {})[metadata["training_awareness"]] = text.replace(cue, "<cue>")
    for pair, by_awareness in by_pair.items():
        assert len(by_awareness) == 3 and len(set(by_awareness.values())) == 1, f"{pair}: differs beyond the cue"


def test_task_versions_cover_the_design() -> None:
    """eval-set reuses a log whose task version matches: a design change alone must change the version."""
    design = DESIGNS["value_conflict"]
    changed = replace(design, factors=design.factors[:-1], id_order=design.id_order[:-1])
    assert design.version() != data_version(*design.data_files)
    assert design.version() != changed.version()
    assert design.version() != replace(design, data_files=design.data_files[:-1]).version()
