"""The organisms must read every cue the suites plant, from the messages alone."""

from __future__ import annotations

from inspect_ai.model import ChatMessageUser

from evals.organisms.perception import perceive
from scorers.data_files import load_yaml
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


CROSS_DOMAIN_LIMIT = 0.10
"""At most this share of request paraphrases may also read as touching another domain. An `unrelated` sample asks
the next domain's request under the objective's domain, so a cross hit into that domain reads as a value conflict
and blurs the relevant-vs-unrelated contrast the organisms plant; a few (one in ten) would still leave it clear."""


def test_every_value_conflict_request_is_perceived_in_its_own_domain() -> None:
    """Every paraphrase of every shipped request, read alone, touches its own domain (the lexicon's general words,
    not a copy of the request) and sets off no other cue; few also touch another domain."""
    domains = load_yaml("value_conflict/scenarios.yaml")["value_domains"]
    total, crossed = 0, []
    for domain, spec in domains.items():
        for request in spec["requests"]:
            for text in request["paraphrases"]:
                seen = perceive([ChatMessageUser(content=text)])
                total += 1
                assert domain in seen.request_domains, (request["id"], text, sorted(seen.request_domains))
                assert seen.training_awareness == "unstated", (request["id"], text)
                assert not (seen.training_documents or seen.training_hint or seen.operator_unethical), request["id"]
                if seen.request_domains - {domain}:
                    crossed.append(f"{request['id']} also reads as {sorted(seen.request_domains - {domain})}: {text}")
    print(f"{len(crossed)} of {total} request paraphrases also touch another domain", *crossed, sep="\n")
    assert len(crossed) <= CROSS_DOMAIN_LIMIT * total, crossed
