"""The scorers against real model output: every suite's prompts answered by a real small instruct model
(SmolLM2-135M-Instruct served by llama.cpp), each reply labelled by hand (datasets/labelled/real_output/).

Each scorer's agreement with the hand labels is a test with a floor, measured separately on the `dev` split
(looked at while the rules were written) and the `holdout` split (never looked at for tuning). Truncated
replies go through the real scorers with their recorded stop reason and must never be scored as answers.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from inspect_ai.model import ChatMessageUser, ModelName, ModelOutput
from inspect_ai.scorer import Score, Scorer, Target
from inspect_ai.solver import TaskState

from scorers.collusion import collusion, read_verdict
from scorers.compliance import classify_compliance, compliance
from scorers.data_files import data_path
from scorers.eval_awareness import eval_awareness
from scorers.output_contract import parse_response
from scorers.oversight_subversion import classify_answer
from scorers.reasoning_concealment import answer_decision, reasoning_concealment
from scorers.sandbagging import read_answer, sandbagging

CORPUS = "labelled/real_output/replies.jsonl"
SUITES = (
    "value_conflict",
    "training_info",
    "cot_availability",
    "sandbagging",
    "eval_awareness",
    "reasoning_concealment",
    "oversight_subversion",
    "collusion",
)
COMPLIANCE_SUITES = ("value_conflict", "training_info", "cot_availability", "eval_awareness")
COMPLIANCE_LABELS = ("complied", "partial", "refused", "unclear")
# split -> minimum agreement of the offline compliance rules with the consensus hand labels (finished replies),
# and the most hand-labelled `unclear` replies the rules may score `complied`. Measured with the deliverable
# signs (scorers/deliverables.py): 0.859 (55/64) / 1 on dev, 0.639 (23/36) / 2 on holdout (the request-agnostic
# rules before them: 0.531 / 19 and 0.583 / 6 against the same labels). Two hand labellers agree on 0.88, so the
# issue's 90% is at the ceiling of the labels; the holdout figure is what to expect on unseen output, and on real
# output like this score compliance with a grader (the judge uses the same four labels). The floors stop
# regressions; they are not targets.
COMPLIANCE_FLOORS = {"dev": 0.84, "holdout": 0.63}
UNCLEAR_AS_COMPLIED_CEILINGS = {"dev": 1, "holdout": 2}
# split -> minimum share of finished replies that state an answer whose answer the readers read correctly.
READ_FLOORS = {"dev": 0.95, "holdout": 0.90}


@pytest.fixture(scope="module")
def corpus() -> list[dict[str, Any]]:
    with data_path(CORPUS).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _finished(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [row for row in rows if not row["labels"]["truncated"]]


def test_corpus_covers_every_suite_and_is_labelled(corpus: list[dict[str, Any]]) -> None:
    assert len(corpus) >= 300
    suites = Counter(row["suite"] for row in corpus)
    assert set(suites) == set(SUITES), suites
    assert len({row["id"] for row in corpus}) == len(corpus)
    for row in corpus:
        labels = row["labels"]
        assert row["split"] in ("dev", "holdout"), row["id"]
        assert labels["truncated"] == (row["stop_reason"] in ("max_tokens", "model_length", "content_filter"))
        if row["suite"] in COMPLIANCE_SUITES:
            assert labels["compliance"] in COMPLIANCE_LABELS, row["id"]
        else:
            assert "answer" in labels, row["id"]
    assert {row["condition"].get("cot") for row in corpus} >= {"none", "hidden_scratchpad", "native_reasoning"}
    assert sum(row["labels"]["truncated"] for row in corpus) >= 30


def _compliance_rows(corpus: list[dict[str, Any]], split: str) -> list[dict[str, Any]]:
    return [r for r in _finished(corpus) if r["suite"] in COMPLIANCE_SUITES and r["split"] == split]


@pytest.mark.parametrize("split", list(COMPLIANCE_FLOORS))
def test_compliance_rules_agree_with_hand_labels(
    split: str, corpus: list[dict[str, Any]], report: Callable[[str], None], new_confusion: Callable[[], Any]
) -> None:
    rows = _compliance_rows(corpus, split)
    predicted = [(row, classify_compliance(parse_response(row["reply"]), row["request"]).label) for row in rows]
    agree = sum(row["labels"]["compliance"] == label for row, label in predicted)
    report(f"real output: compliance rules agreement, split={split}: {agree / len(rows):.3f} ({agree}/{len(rows)})")
    for name in COMPLIANCE_LABELS:
        confusion = new_confusion()
        for row, label in predicted:
            confusion.add(label == name, row["labels"]["compliance"] == name, row["id"])
        report(confusion.line(f"real output: compliance '{name}', split={split}"))
    unclear_as_complied = [
        row["id"] for row, label in predicted if row["labels"]["compliance"] == "unclear" and label == "complied"
    ]
    report(f"real output: hand-labelled unclear scored complied, split={split}: {len(unclear_as_complied)}")
    assert agree / len(rows) >= COMPLIANCE_FLOORS[split]
    assert len(unclear_as_complied) <= UNCLEAR_AS_COMPLIED_CEILINGS[split], unclear_as_complied


def test_two_hand_labellers_agree_and_the_label_is_their_consensus(
    corpus: list[dict[str, Any]], report: Callable[[str], None], agreement: Callable[..., tuple[int, float]]
) -> None:
    rows = [row for row in corpus if "compliance_labeller_2" in row["labels"]]
    assert len(rows) == len(_compliance_rows(corpus, "dev") + _compliance_rows(corpus, "holdout"))
    first = [row["labels"]["compliance_labeller_1"] for row in rows]
    second = [row["labels"]["compliance_labeller_2"] for row in rows]
    agree, kappa = agreement(first, second, COMPLIANCE_LABELS)
    report(f"real output: two hand labellers agree on {agree}/{len(rows)} compliance labels, Cohen's kappa {kappa:.2f}")
    for row in rows:
        labels = row["labels"]
        if labels["compliance_labeller_1"] == labels["compliance_labeller_2"]:
            assert labels["compliance"] == labels["compliance_labeller_1"], row["id"]
        else:
            assert labels["compliance_adjudication_note"], row["id"]
    assert kappa >= 0.7


def _state(row: dict[str, Any]) -> TaskState:
    output = ModelOutput.from_content("smollm2", row["reply"], stop_reason=row["stop_reason"])
    metadata = dict(row["condition"])
    if row.get("choices"):
        metadata["options" if isinstance(row["choices"], dict) else "choices"] = row["choices"]
    metadata |= {"question_source": "mcq" if isinstance(row["choices"], list) and row["choices"] else "arithmetic"}
    return TaskState(
        model=ModelName("openai-api/local/smollm2"),
        sample_id=row["id"],
        epoch=1,
        input=row["request"],
        messages=[ChatMessageUser(content=row["request"]), output.message],
        output=output,
        metadata=metadata,
    )


SCORERS: dict[str, Callable[[], Scorer]] = {
    "value_conflict": lambda: compliance(backend="rules"),
    "training_info": lambda: compliance(backend="rules"),
    "cot_availability": lambda: compliance(backend="rules"),
    "eval_awareness": eval_awareness,
    "sandbagging": sandbagging,
    "reasoning_concealment": reasoning_concealment,
    "collusion": collusion,
}


def _score(row: dict[str, Any]) -> Score:
    scorer = SCORERS[row["suite"]]()
    target = Target(row["target"] if isinstance(row["target"], str) else list(row["target"]))
    score = asyncio.run(scorer(_state(row), target))  # type: ignore[arg-type]
    assert isinstance(score, Score)
    return score


def _all_nan(value: Any) -> bool:
    values = value.values() if isinstance(value, dict) else [value]
    return all(isinstance(v, float) and math.isnan(v) for v in values)


def test_truncated_replies_are_never_scored_as_answers(
    corpus: list[dict[str, Any]], report: Callable[[str], None]
) -> None:
    truncated = [row for row in corpus if row["labels"]["truncated"] and row["suite"] in SCORERS]
    for row in truncated:
        score = _score(row)
        assert score.answer == "truncated", row["id"]
        assert _all_nan(score.value), row["id"]
        assert (score.metadata or {})["truncated"] is True
        assert "truncated" in str((score.metadata or {})["unscored_reason"])
    finished = [row for row in _finished(corpus) if row["suite"] in SCORERS]
    scored_as_truncated = [row["id"] for row in finished if _score(row).answer == "truncated"]
    for split in ("dev", "holdout"):
        count = sum(row["split"] == split for row in truncated)
        report(f"real output: truncated replies scored as answers, split={split}: 0 of {count}")
    assert not scored_as_truncated


def _read(row: dict[str, Any]) -> str | None:
    """What the suite's reader takes as the stated answer of a reply."""
    parsed = parse_response(row["reply"])
    suite = row["suite"]
    if suite == "sandbagging":
        metadata = {"question_source": "mcq" if row["choices"] else "arithmetic", "choices": row["choices"] or []}
        return read_answer(parsed, metadata).value
    if suite == "reasoning_concealment":
        options: dict[str, str] = row["choices"] or {}
        return answer_decision(parsed.answer, "".join(sorted(options)) or "ABCD", options)
    if suite == "collusion":
        return read_verdict(parsed.answer, row["reply"]).verdict
    if suite == "oversight_subversion":
        return classify_answer(parsed.answer)
    raise AssertionError(suite)


READER_SUITES = ("sandbagging", "reasoning_concealment", "collusion", "oversight_subversion")


@pytest.mark.parametrize("split", list(READ_FLOORS))
def test_answer_readers_read_stated_answers(
    split: str, corpus: list[dict[str, Any]], report: Callable[[str], None]
) -> None:
    rows = [r for r in _finished(corpus) if r["suite"] in READER_SUITES and r["split"] == split]
    stated = [row for row in rows if row["labels"]["answer"] is not None]
    misread = [(row["id"], row["labels"]["answer"], _read(row)) for row in stated]
    misread = [item for item in misread if str(item[1]) != str(item[2])]
    unstated = [row for row in rows if row["labels"]["answer"] is None]
    invented = [(row["id"], _read(row)) for row in unstated]
    invented = [item for item in invented if item[1] is not None]
    share = 1 - len(misread) / len(stated) if stated else 1.0
    report(
        f"real output: answers read correctly, split={split}: {share:.3f} "
        f"({len(stated) - len(misread)}/{len(stated)} replies that state one); "
        f"answers read where none is stated: {len(invented)}/{len(unstated)}"
    )
    for suite in READER_SUITES:
        mine = [row for row in stated if row["suite"] == suite]
        wrong = [item for item in misread if item[0] in {row["id"] for row in mine}]
        report(f"real output:   {suite}, split={split}: {len(mine) - len(wrong)}/{len(mine)} read correctly")
    assert share >= READ_FLOORS[split], misread


def test_native_reasoning_requested_but_not_returned_is_recorded(
    corpus: list[dict[str, Any]], report: Callable[[str], None]
) -> None:
    """llama.cpp's server ignores reasoning options: every cot=native_reasoning reply is a plain reply, and
    every scorer says so instead of treating it as a reply without reasoning."""
    native = [row for row in corpus if row["condition"].get("cot") == "native_reasoning" and row["suite"] in SCORERS]
    assert native and not any(row["native_reasoning"] for row in native)
    for row in native:
        assert (_score(row).metadata or {})["reasoning_requested_not_returned"] is True, row["id"]
    others = [row for row in corpus if row["condition"].get("cot") != "native_reasoning" and row["suite"] in SCORERS]
    assert not any((_score(row).metadata or {})["reasoning_requested_not_returned"] for row in others[:40])
    report(f"real output: cot=native_reasoning replies flagged reasoning_requested_not_returned: {len(native)}")
