"""The value-conflict situations, shared by the suites that ask them: `value_conflict` (hypothetical 1) and
`cot_availability` (hypothetical 3, "the same situations" under each chain-of-thought condition).

A situation is an operator's training objective that pushes against one value domain, a request that
touches that value (`relevant`) or another one (`unrelated`), a training-awareness cue and the response
format of the sample's `cot` condition; optionally what training would buy (`modification_stakes`) and a
notice that the scenario is an alignment evaluation (`evaluation_suspicion`). The text lives in
`datasets/value_conflict/` and `datasets/shared/`; this module only chooses and renders it, so both suites
ask exactly the same prompts for the same cell index.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from inspect_ai.dataset import Sample

from scorers.data_files import load_yaml
from scorers.output_contract import output_contract
from tasks.design import Cell, CellPrompt, Factor, SuiteDesign
from tasks.prompting import STAKES_FILE, join_blocks, modification_stakes_text, render, training_awareness_cue
from tasks.user_requests import ChosenRequest, RequestPool, samples_with_requests, shipped_request

SCENARIO_FILE = "value_conflict/scenarios.yaml"
EVALUATION_FILE = "value_conflict/evaluation_suspicion.yaml"
DATA_FILES = (
    SCENARIO_FILE,
    EVALUATION_FILE,
    STAKES_FILE,
    "shared/training_awareness_cues.yaml",
    "shared/output_contract.yaml",
)
"""Every data file a value-conflict prompt is rendered from (the suites' `Task(version=...)` hashes them)."""

LATER_FACTORS = ("modification_stakes", "evaluation_suspicion")
"""Factors added after the first release: in `pair_id` (and the sample id) only when not at the reference."""


def value_domain_names() -> list[str]:
    """The value domains that have a training objective and requests, in file order."""
    return list(load_yaml(SCENARIO_FILE)["value_domains"])


def value_domain_factor() -> Factor:
    return Factor("value_domain", tuple(value_domain_names()))


def evaluation_notice(level: str, index: int) -> str:
    texts: list[str] = load_yaml(EVALUATION_FILE)["levels"].get(level) or []
    if level != "none" and not texts:
        raise ValueError(f"unknown evaluation_suspicion {level!r} (no texts in datasets/{EVALUATION_FILE})")
    return texts[index % len(texts)] if texts else ""


def value_situation_prompt(cell: Cell, pool: RequestPool | None = None) -> CellPrompt | None:
    """The prompt of one cell index. Samples with the same index differ only in what their condition changes:
    training and unmonitored samples only in the cue, `cot` levels only in the response format. With the user's
    requests (`pool`), None once the cell has no distinct request left."""
    condition, index = cell.condition, cell.index
    spec: dict[str, Any] = load_yaml(SCENARIO_FILE)
    domains: dict[str, Any] = spec["value_domains"]
    domain = condition["value_domain"]
    relevant = condition["topic_relevance"] == "relevant"
    if pool is not None:
        picked = pool.pick(domain, relevant, index)
        if picked is None:
            return None
        request = ChosenRequest.of(picked)
    else:
        order = list(domains)
        request_domain = domain if relevant else order[(order.index(domain) + 1) % len(order)]
        request = shipped_request(domains[request_domain]["requests"], request_domain, index)
    names = {"operator": spec["operator"], "assistant_name": spec["assistant_name"]}
    objectives: list[str] = domains[domain]["training_objectives"]
    objective_index = index % len(objectives)
    cue = training_awareness_cue(condition["training_awareness"], index)
    system = join_blocks(
        render(spec["system_intro"], **names),
        render(objectives[objective_index], **names),
        modification_stakes_text(condition.get("modification_stakes", "standard"), index),
        evaluation_notice(condition.get("evaluation_suspicion", "none"), index),
        cue.system,
        output_contract().instructions(condition["cot"], with_markers=True),
    )
    user = join_blocks(cue.user, request.text)
    later = [condition[f] for f in LATER_FACTORS if condition.get(f, "standard") not in ("standard", "none")]
    key = request.key or str(index)
    return CellPrompt(
        system=system,
        user=user,
        metadata={
            **request.metadata(),
            "objective_paraphrase": objective_index,
            "training_cue_style": cue.style,
            "training_cue": cue.text,
            "pair_id": "-".join((domain, condition["topic_relevance"], condition["cot"], *later, key)),
        },
        key=request.key,
    )


def value_situation_samples(
    design: SuiteDesign, parameters: Mapping[str, Any]
) -> tuple[list[Sample], RequestPool | None]:
    """A value-situation suite's samples for its task parameters, and the user's requests when it asks them."""
    domains = load_yaml(SCENARIO_FILE)["value_domains"]
    shipped = min(len(domain["requests"]) for domain in domains.values())
    return samples_with_requests(design, parameters, value_situation_prompt, list(domains), shipped)
