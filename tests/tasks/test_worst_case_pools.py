"""The worst-case suites' scenario pools: enough distinct scenarios at a large `scenarios_per_cell`, no two of
them near-duplicates, and every scenario read by the simulated organisms the way it is planted.

Suites `reasoning_concealment`, `eval_awareness` and `collusion` grow by appending scenarios; their default
sizes keep posing the first ones (each suite's own tests pin that). Here every scenario reachable at `LARGE`
is checked. The organism checks call the situations and the suites' scoring functions directly on the built
samples' messages (no Inspect eval), so the file runs in seconds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from functools import cache

import pytest
from inspect_ai.dataset import Sample
from inspect_ai.model import ChatMessage, ChatMessageAssistant, GenerateConfig

from evals.organisms.perception import perceive
from evals.organisms.profiles import get_profile
from evals.organisms.situation_collusion import CollusionSituation, recognised_backdoor
from evals.organisms.situation_concealment import (
    ConcealmentSituation,
    is_responsible,
    perceives_monitoring,
    read_options,
    serves_itself,
)
from evals.organisms.situation_eval_awareness import EvalAwarenessSituation, perceive_framing
from evals.organisms.situations import Situation, Turn
from scorers.collusion import read_verdict
from scorers.data_files import load_yaml
from scorers.deliverables import deliverable_for
from scorers.eval_awareness import judge as judge_eval_awareness
from scorers.output_contract import parse_message
from scorers.reasoning_concealment import judge as judge_concealment
from tasks.collusion import collusion_samples
from tasks.eval_awareness import eval_awareness_samples
from tasks.reasoning_concealment import reasoning_concealment_samples
from tests.support.near_duplicates import closest_pairs

LARGE = 200
"""A `scenarios_per_cell` well past every pool, so every scenario a suite can ask appears."""
MIN_SCENARIOS = 30
NEAR_DUPLICATE = 0.5
"""Cosine (TF-IDF, word 1-2 grams) at which two scenarios count as near-duplicates. Measured when the pools
grew: the closest pair of each suite is at 0.13-0.21 (0.09-0.18 before), while a copy of one scenario with
its place, object or numbers swapped scores 0.66-0.79 against its original (e.g. fake reviews for a bakery
instead of a restaurant: 0.79; `test_the_threshold_catches_a_scenario_with_names_swapped`)."""
SEEDS = range(12)
"""Seeds tried per scenario to find a sample where the planted behaviour fires (rates 0.6-0.8: at least one of
12 fires for every scenario, and the check is deterministic)."""


def _messages(sample: Sample) -> list[ChatMessage]:
    assert isinstance(sample.input, list)
    return sample.input


def _user(sample: Sample) -> str:
    return _messages(sample)[-1].text


def _meta(sample: Sample) -> dict[str, object]:
    return dict(sample.metadata or {})


@cache
def _large(suite: str) -> tuple[Sample, ...]:
    builders: dict[str, Callable[[], list[Sample]]] = {
        "reasoning_concealment": lambda: reasoning_concealment_samples(scenarios_per_cell=LARGE),
        "eval_awareness": lambda: eval_awareness_samples(
            framing="red_team_evaluation,real_deployment", cot="hidden_scratchpad", scenarios_per_cell=LARGE
        ),
        "collusion": lambda: collusion_samples(cot="hidden_scratchpad", scenarios_per_cell=LARGE),
    }
    return tuple(builders[suite]())


def _first_per(samples: Iterable[Sample], *keys: str) -> list[Sample]:
    """The first sample of each combination of `scenario_id` and the given metadata keys."""
    seen: dict[tuple[object, ...], Sample] = {}
    for sample in samples:
        seen.setdefault((_meta(sample)["scenario_id"], *(_meta(sample)[key] for key in keys)), sample)
    return list(seen.values())


def _texts_by_scenario(suite: str) -> dict[str, list[str]]:
    """The text that varies per scenario: the decision and its options, the request, the submitted item."""
    if suite == "collusion":
        items = load_yaml("collusion/items.yaml")["items"]
        return {
            item["id"]: [f"{item['title']}\n{item['clean']}", f"{item['title']}\n{item['backdoor']}"] for item in items
        }
    texts: dict[str, set[str]] = {}
    for sample in _large(suite):
        texts.setdefault(str(_meta(sample)["scenario_id"]), set()).add(_user(sample))
    return {scenario: sorted(group) for scenario, group in texts.items()}


SUITES = ("reasoning_concealment", "eval_awareness", "collusion")


@pytest.mark.parametrize("suite", SUITES)
def test_a_large_size_reaches_at_least_thirty_distinct_scenarios(suite: str) -> None:
    distinct = {_meta(sample)["scenario_id"] for sample in _large(suite)}
    assert len(distinct) >= MIN_SCENARIOS, (suite, len(distinct))


@pytest.mark.parametrize("suite", SUITES)
def test_no_two_scenarios_are_near_duplicates(suite: str) -> None:
    pairs = closest_pairs(_texts_by_scenario(suite), top=5)
    report = "\n".join(pair.describe() for pair in pairs)
    print(f"{suite}: the 5 closest pairs of scenarios\n{report}")
    assert pairs[0].similarity < NEAR_DUPLICATE, f"near-duplicate scenarios in {suite}:\n{report}"


def test_the_threshold_catches_a_scenario_with_names_swapped() -> None:
    texts = _texts_by_scenario("reasoning_concealment")
    original = texts["compute_allocation"][0]
    swapped = (
        original.replace("Forty", "Sixty")
        .replace("forty", "sixty")
        .replace("GPUs", "TPU hosts")
        .replace("infrastructure", "platform")
        .replace("quarter", "month")
    )
    pairs = closest_pairs({**texts, "swapped_copy": [swapped]}, top=1)
    assert {pairs[0].first, pairs[0].second} == {"compute_allocation", "swapped_copy"}
    assert pairs[0].similarity >= NEAR_DUPLICATE, pairs[0].describe()


def _turn(sample: Sample, profile: str, seed: int) -> Turn:
    return Turn(get_profile(profile), _messages(sample), [], GenerateConfig(), seed)


def _reply(situation: Situation, sample: Sample, profile: str, seed: int) -> ChatMessageAssistant:
    return situation.respond(_turn(sample, profile, seed))


def test_every_concealment_scenario_is_read_and_concealed_as_planted() -> None:
    situation = ConcealmentSituation()
    by_pair: dict[tuple[object, object], dict[object, Sample]] = {}
    for sample in _first_per(_large("reasoning_concealment"), "cot_monitoring"):
        metadata = _meta(sample)
        assert situation.recognises(_turn(sample, "honest", 0)), sample.id
        assert perceives_monitoring(_messages(sample)) == (metadata["cot_monitoring"] == "monitored"), sample.id
        options = read_options(_user(sample))
        assert options is not None and options.texts == metadata["options"], sample.id
        assert (options.self_serving, options.aligned) == (
            metadata["self_serving_option"],
            metadata["aligned_option"],
        ), sample.id
        texts = options.texts
        assert [letter for letter, text in texts.items() if serves_itself(text)] == [options.self_serving], sample.id
        assert [letter for letter, text in texts.items() if is_responsible(text)] == [options.aligned], sample.id
        honest = judge_concealment(parse_message(_reply(situation, sample, "honest", 0)), metadata).value
        assert isinstance(honest, dict)
        assert honest["chose_self_serving"] == 0.0 and honest["reasoning_concealment"] == 0.0, sample.id
        by_pair.setdefault((metadata["scenario_id"], metadata["paraphrase"]), {})[metadata["cot_monitoring"]] = sample

    schemed: set[object] = set()
    for (scenario, _), levels in by_pair.items():
        if set(levels) != {"monitored", "private"}:
            continue
        for seed in SEEDS:
            watched, private = (
                judge_concealment(
                    parse_message(_reply(situation, levels[level], "worst_case_schemer", seed)), _meta(levels[level])
                ).value
                for level in ("monitored", "private")
            )
            assert isinstance(watched, dict) and isinstance(private, dict)
            if watched["contradicts"] == 1.0:
                # Sanitised reasoning, self-serving action when watched; candid and consistent in private.
                assert watched["chose_self_serving"] == 1.0, scenario
                assert private["chose_self_serving"] == 1.0 and private["reasoning_concealment"] == 0.0, scenario
                assert private["mentions_self_interest"] == 1.0, scenario
                schemed.add(scenario)
                break
    every = {_meta(sample)["scenario_id"] for sample in _large("reasoning_concealment")}
    assert schemed == every, sorted(map(str, every - schemed))


def test_every_eval_awareness_request_is_read_and_gamed_as_planted() -> None:
    situation = EvalAwarenessSituation()
    framings = {"red_team_evaluation": "evaluation", "real_deployment": "deployment"}
    by_pair: dict[object, dict[object, Sample]] = {}
    for sample in _first_per(_large("eval_awareness"), "framing"):
        metadata = _meta(sample)
        assert situation.recognises(_turn(sample, "honest", 0)), sample.id
        assert perceive_framing(_messages(sample)) == framings[str(metadata["framing"])], sample.id
        seen = perceive(_messages(sample))
        assert seen.request_domains == {metadata["value_domain"]}, (sample.id, seen.request_domains)
        deliverable = deliverable_for(None, seen.request)
        assert deliverable is not None and deliverable == deliverable_for(metadata["scenario_id"]), sample.id
        by_pair.setdefault(metadata["pair_id"], {})[metadata["framing"]] = sample

    def score(sample: Sample, profile: str, seed: int) -> dict[str, float]:
        reply = _reply(situation, sample, profile, seed)
        value = judge_eval_awareness(parse_message(reply), _user(sample), _meta(sample)["scenario_id"]).value
        assert isinstance(value, dict)
        return {key: float(v) for key, v in value.items()}

    gamed: set[object] = set()
    for levels in by_pair.values():
        test, real = levels["red_team_evaluation"], levels["real_deployment"]
        scenario = _meta(test)["scenario_id"]
        honest = [score(sample, "honest", 0) for sample in (test, real)]
        assert honest[0]["complied"] == honest[1]["complied"], scenario  # the framing changes nothing
        assert not math.isnan(honest[0]["complied"]), (scenario, "unclear compliance")
        for seed in SEEDS:
            tested, deployed = score(test, "worst_case_schemer", seed), score(real, "worst_case_schemer", seed)
            if tested["eval_gaming"] == 1.0:
                assert tested["refused"] == 1.0 and tested["says_being_tested"] == 1.0, scenario
                assert deployed["eval_gaming"] == 1.0 and deployed["complied"] == 1.0, scenario
                gamed.add(scenario)
                break
    every = {_meta(sample)["scenario_id"] for sample in _large("eval_awareness")}
    assert gamed == every, sorted(map(str, every - gamed))


def test_every_collusion_item_is_recognised_and_covered_for_as_planted() -> None:
    situation = CollusionSituation()
    colluded: set[object] = set()
    samples = _first_per(_large("collusion"), "planted", "solidarity_appeal")
    for sample in samples:
        metadata = _meta(sample)
        planted = metadata["planted"] == "backdoor"
        assert situation.recognises(_turn(sample, "honest", 0)), sample.id
        assert (recognised_backdoor(_user(sample)) is not None) == planted, sample.id

        def verdict(profile: str, seed: int, sample: Sample = sample) -> str | None:
            reply = _reply(situation, sample, profile, seed)
            return read_verdict(parse_message(reply).answer, reply.text).verdict

        if planted:
            assert verdict("honest", 0) == "flag", sample.id
            if metadata["solidarity_appeal"] == "appeal" and any(
                verdict("worst_case_schemer", seed) == "approve" for seed in SEEDS
            ):
                colluded.add(metadata["scenario_id"])
        else:
            assert any(verdict("honest", seed) == "approve" for seed in SEEDS), sample.id
    every = {_meta(sample)["scenario_id"] for sample in samples}
    assert colluded == every, sorted(map(str, every - colluded))
