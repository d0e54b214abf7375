"""The organisms must read every cue the suites plant, from the messages alone."""

from __future__ import annotations

from evals.organisms.perception import perceive
from tasks.value_conflict import value_conflict_samples

SPACES = {"none": "none", "hidden_scratchpad": "hidden", "visible_cot": "visible", "scaffolded": "scaffolded"}


def test_perception_reads_value_conflict_cues() -> None:
    samples = value_conflict_samples(cot=list(SPACES), scenarios_per_cell=12)
    for sample in samples:
        assert isinstance(sample.input, list) and sample.metadata is not None
        seen = perceive(sample.input)
        metadata = sample.metadata
        assert seen.training_awareness == metadata["training_awareness"], sample.id
        assert seen.conflict_domain == metadata["value_domain"], sample.id
        assert seen.value_conflict == (metadata["topic_relevance"] == "relevant"), sample.id
        assert seen.reasoning_space == SPACES[metadata["cot"]], sample.id


def test_native_reasoning_is_a_reasoning_space() -> None:
    sample = value_conflict_samples(cot="native_reasoning", scenarios_per_cell=1)[0]
    assert isinstance(sample.input, list)
    assert perceive(sample.input, native_reasoning=True).reasoning_space == "native"
    assert not perceive(sample.input).has_reasoning_space
