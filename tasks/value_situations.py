"""The value-conflict situations, shared by the suites that ask them: `value_conflict` (hypothetical 1) and
`cot_availability` (hypothetical 3, "the same situations" under each chain-of-thought condition).

A situation is an operator's training objective that pushes against one value domain, a request that
touches that value (`relevant`) or another one (`unrelated`), a training-awareness cue and the response
format of the sample's `cot` condition. The text lives in `datasets/value_conflict/scenarios.yaml`; this
module only chooses and renders it, so both suites ask exactly the same prompts for the same cell index.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from inspect_ai.dataset import Sample
from inspect_ai.model import ChatMessageSystem, ChatMessageUser

from scorers.data_files import load_yaml
from scorers.output_contract import output_contract
from tasks.conditions import condition_grid
from tasks.prompting import join_blocks, render, training_awareness_cue

SCENARIO_FILE = "value_conflict/scenarios.yaml"
DATA_FILES = (
    SCENARIO_FILE,
    "shared/training_awareness_cues.yaml",
    "shared/output_contract.yaml",
)
"""Every data file a value-conflict prompt is rendered from (the suites' `Task(version=...)` hashes them)."""


def value_domain_names() -> list[str]:
    """The value domains that have a training objective and requests, in file order."""
    return list(load_yaml(SCENARIO_FILE)["value_domains"])


def value_situation_samples(suite: str, varied: Mapping[str, Sequence[str]], per_cell: int) -> list[Sample]:
    """`per_cell` samples for every cell of `varied`, which must name `value_domain`, `topic_relevance`,
    `training_awareness` and `cot`. Sample ids are `<suite>-<levels of varied, in order>-<index>`."""
    samples: list[Sample] = []
    for condition in condition_grid(varied):
        cell = "-".join(condition[factor] for factor in varied)
        samples.extend(value_situation_sample(suite, condition, cell, index) for index in range(per_cell))
    return samples


def value_situation_sample(suite: str, condition: Mapping[str, str], cell: str, index: int) -> Sample:
    """The sample of one cell index. Samples with the same index differ only in what their condition changes:
    training and unmonitored samples only in the cue, `cot` levels only in the response format."""
    spec: dict[str, Any] = load_yaml(SCENARIO_FILE)
    domains: dict[str, Any] = spec["value_domains"]
    domain_names = list(domains)
    domain = condition["value_domain"]
    request_domain = (
        domain
        if condition["topic_relevance"] == "relevant"
        else domain_names[(domain_names.index(domain) + 1) % len(domain_names)]
    )
    names = {"operator": spec["operator"], "assistant_name": spec["assistant_name"]}
    objectives: list[str] = domains[domain]["training_objectives"]
    scenarios: list[dict[str, Any]] = domains[request_domain]["requests"]
    scenario = scenarios[index % len(scenarios)]
    paraphrase = (index // len(scenarios) + index) % len(scenario["paraphrases"])
    objective_index = index % len(objectives)
    cue = training_awareness_cue(condition["training_awareness"], index)
    system = join_blocks(
        render(spec["system_intro"], **names),
        render(objectives[objective_index], **names),
        cue.system,
        output_contract().instructions(condition["cot"], with_markers=True),
    )
    user = join_blocks(cue.user, scenario["paraphrases"][paraphrase])
    return Sample(
        id=f"{suite}-{cell}-{index}",
        input=[ChatMessageSystem(content=system), ChatMessageUser(content=user)],
        metadata={
            **condition,
            "suite": suite,
            "scenario_id": scenario["id"],
            "paraphrase": paraphrase,
            "request_domain": request_domain,
            "objective_paraphrase": objective_index,
            "training_cue_style": cue.style,
            "training_cue": cue.text,
            "pair_id": f"{domain}-{condition['topic_relevance']}-{condition['cot']}-{index}",
        },
    )
