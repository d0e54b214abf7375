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

from typing import Any

from scorers.data_files import load_yaml
from scorers.output_contract import output_contract
from tasks.design import Cell, CellPrompt, Factor
from tasks.prompting import STAKES_FILE, join_blocks, modification_stakes_text, render, training_awareness_cue

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


def value_situation_prompt(cell: Cell) -> CellPrompt:
    """The prompt of one cell index. Samples with the same index differ only in what their condition changes:
    training and unmonitored samples only in the cue, `cot` levels only in the response format."""
    condition, index = cell.condition, cell.index
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
    # Each later pass through the pool moves every scenario on to its next paraphrase, whatever the pool's size
    # (the first pass, and so the default size, asks paraphrase index mod 3).
    paraphrase = (index % len(scenarios) + index // len(scenarios)) % len(scenario["paraphrases"])
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
    user = join_blocks(cue.user, scenario["paraphrases"][paraphrase])
    later = [condition[f] for f in LATER_FACTORS if condition.get(f, "standard") not in ("standard", "none")]
    return CellPrompt(
        system=system,
        user=user,
        metadata={
            "scenario_id": scenario["id"],
            "paraphrase": paraphrase,
            "request_domain": request_domain,
            "objective_paraphrase": objective_index,
            "training_cue_style": cue.style,
            "training_cue": cue.text,
            "pair_id": "-".join((domain, condition["topic_relevance"], condition["cot"], *later, str(index))),
        },
    )
