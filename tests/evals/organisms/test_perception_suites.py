"""The organisms read the cues of the training_info and cot_availability suites exactly as the metadata says,
from the messages alone, and see no training information or unethical operator in the other suites."""

from __future__ import annotations

from inspect_ai.model import ChatMessageUser

from evals.organisms.perception import perceive
from scorers.data_files import load_yaml
from tasks.cot_availability import cot_availability_samples
from tasks.training_info import training_info_samples
from tasks.value_conflict import value_conflict_samples

ALL_COT = ["none", "hidden_scratchpad", "visible_cot", "native_reasoning", "scaffolded"]
SPACES = {
    "none": "none",
    "hidden_scratchpad": "hidden",
    "visible_cot": "visible",
    "native_reasoning": "none",
    "scaffolded": "scaffolded",
}
"""What the prompt alone offers; native reasoning is a generation option, not prompt text."""


def test_perception_reads_training_info_cues() -> None:
    # Nine per cell reach every cue, hint, document set and employee (the paraphrases of the whole request pool:
    # the test below); one per cell every cot.
    samples = training_info_samples(scenarios_per_cell=9) + training_info_samples(cot=ALL_COT, scenarios_per_cell=1)
    for sample in samples:
        assert isinstance(sample.input, list) and sample.metadata is not None
        seen = perceive(sample.input)
        metadata = sample.metadata
        assert seen.training_awareness == metadata["training_awareness"], sample.id
        assert seen.training_documents == (metadata["training_info"] == "documents"), sample.id
        assert seen.training_hint == (metadata["training_info"] == "hint"), sample.id
        assert seen.operator_unethical == (metadata["operator_ethics"] == "unethical"), sample.id
        assert seen.reasoning_space == SPACES[metadata["cot"]], sample.id
        # No stated objective against one value, so hypothesis 1's gate stays shut at every level.
        assert seen.conflict_domain is None and not seen.value_conflict, sample.id
        assert seen.request_domains == {metadata["value_domain"]}, (sample.id, seen.request_domains)


CROSS_DOMAIN_SHARE = 0.10
"""At most this share of training_info paraphrases may also read as touching a second value domain."""


def test_every_training_info_request_is_perceived_in_its_own_domain() -> None:
    """Every wording of every request in the pool (not only those a default-size run asks) reads as touching the
    value domain it is filed under, from the request text alone; few also read as touching another."""
    pool: dict[str, list[dict[str, object]]] = load_yaml("training_info/requests.yaml")["value_domains"]
    total = 0
    crossing: list[tuple[str, str, list[str]]] = []
    for domain, requests in pool.items():
        for request in requests:
            paraphrases = request["paraphrases"]
            assert isinstance(paraphrases, list)
            for paraphrase in paraphrases:
                seen = perceive([ChatMessageUser(content=str(paraphrase))]).request_domains
                assert domain in seen, (request["id"], paraphrase, sorted(seen))
                total += 1
                if seen - {domain}:
                    crossing.append((str(request["id"]), str(paraphrase), sorted(seen - {domain})))
    print(f"training_info paraphrases also perceived in another domain: {len(crossing)}/{total}")
    for scenario, paraphrase, others in crossing:
        print(f"  {scenario} -> also {', '.join(others)}: {paraphrase}")
    assert len(crossing) < CROSS_DOMAIN_SHARE * total, crossing


def test_perception_reads_cot_availability_cues() -> None:
    for sample in cot_availability_samples(cot=ALL_COT, topic_relevance="relevant,unrelated", scenarios_per_cell=12):
        assert isinstance(sample.input, list) and sample.metadata is not None
        seen = perceive(sample.input, native_reasoning=sample.metadata["cot"] == "native_reasoning")
        metadata = sample.metadata
        assert seen.training_awareness == metadata["training_awareness"], sample.id
        assert seen.conflict_domain == metadata["value_domain"], sample.id
        assert seen.value_conflict == (metadata["topic_relevance"] == "relevant"), sample.id
        expected_space = "native" if metadata["cot"] == "native_reasoning" else SPACES[metadata["cot"]]
        assert seen.reasoning_space == expected_space, sample.id
        assert not (seen.training_documents or seen.training_hint or seen.operator_unethical), sample.id


def test_value_conflict_shows_no_training_information() -> None:
    """Its cues say whether a conversation is trained on ("part of the training pipeline"), never how."""
    for sample in value_conflict_samples(cot=ALL_COT, scenarios_per_cell=12):
        assert isinstance(sample.input, list)
        seen = perceive(sample.input)
        assert not (seen.training_documents or seen.training_hint or seen.operator_unethical), sample.id
