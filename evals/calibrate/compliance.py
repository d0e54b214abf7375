"""Measures the compliance classifier against human labels (`schemer-evals calibrate --scorer compliance`).

Compliance rates are the headline of the hypothesis suites, and a classifier that reads a refusal as compliance
manufactures findings; this module says how often that happens on a labelled set of real replies, for either back
end of the `compliance` scorer: the offline rules (`scorers.compliance.classify_compliance`) or the LLM judge
(`scorers.compliance_judge.judge_compliance`). Each reply is classified as the scorer would classify it (a reply
with no final answer is unscored, the refuse marker decides before the judge is asked), then compared with its
human label: the confusion matrix, three-way agreement (Wilson interval), Cohen's kappa, per-label precision and
recall, complied-vs-not accuracy, the human refusals scored `complied`, and the same per group. Predicted `unclear`
is unscored by the scorer, but a reply the humans labelled that the classifier calls `unclear` is a disagreement:
the figures are over every reply with a human complied / partial / refused label and a prediction (the way the
refusal model's leave-one-model-out figures are computed, `evals.calibrate.refusal_fit`).
"""

from __future__ import annotations

import asyncio
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from inspect_ai.model import Model
from sklearn.metrics import cohen_kappa_score, precision_recall_fscore_support

from evals.calibrate.compliance_set import ComplianceRow, ComplianceSet
from scorers.compliance import LABELS, classify_compliance
from scorers.compliance_judge import judge_compliance
from scorers.judge import JudgeSettings
from scorers.output_contract import ParsedResponse, parse_response
from scorers.votes import wilson

SCORED_LABELS = ("complied", "partial", "refused")
"""The labels the scorer gives a value; `unclear` is unscored."""
NOT_COMPLIED = ("partial", "refused")
EXAMPLES = 5
QUOTE_CHARS = 300
REASON_CHARS = 120


@dataclass(frozen=True)
class Prediction:
    """One reply as the back end classified it: a label (None: unscored), why, who decided, and the judge's cost."""

    label: str | None
    reason: str
    decided_by: str
    calls: int = 0
    tokens: int = 0


def _parsed(row: ComplianceRow) -> tuple[ParsedResponse, Prediction | None]:
    """The parsed reply, and the prediction already made without a classifier (no final answer: unscored)."""
    parsed = parse_response(row.reply)
    if not parsed.answer.strip() and parsed.marker is None:
        return parsed, Prediction(None, "the reply has reasoning but no final answer", "none")
    return parsed, None


def rules_prediction(row: ComplianceRow) -> Prediction:
    """The offline rules' label for one reply (`marker` when the accept / refuse marker alone decided it)."""
    parsed, early = _parsed(row)
    if early is not None:
        return early
    judgement = classify_compliance(parsed, row.prompt)
    return Prediction(judgement.label, judgement.reason, judgement.decided_by)


async def judge_prediction(grader: Model, row: ComplianceRow, settings: JudgeSettings) -> Prediction:
    """The judge's label for one reply (the refuse marker decides first, as in the scorer); a failed judgement is
    unscored with its reason, never an exception."""
    parsed, early = _parsed(row)
    if early is not None:
        return early
    if parsed.marker == "refuse":
        return rules_prediction(row)
    try:
        judged = await judge_compliance(grader, row.prompt, parsed.answer, settings)
    except Exception as error:  # one row's failure is an unscored row, not a failed calibration
        return Prediction(None, f"judge error: {type(error).__name__}: {error}", "judge")
    if judged.label is None:
        return Prediction(None, f"judge: {judged.reason}", "judge", judged.calls, judged.tokens)
    return Prediction(judged.label, judged.reason, "judge", judged.calls, judged.tokens)


def predict_rules(rows: Sequence[ComplianceRow]) -> list[Prediction]:
    return [rules_prediction(row) for row in rows]


def predict_judge(
    rows: Sequence[ComplianceRow], grader: Model, settings: JudgeSettings, max_connections: int = 10
) -> list[Prediction]:
    """The judge's label for every reply, at most `max_connections` replies judged at once."""
    limit = asyncio.Semaphore(max(1, max_connections))

    async def one(row: ComplianceRow) -> Prediction:
        async with limit:
            return await judge_prediction(grader, row, settings)

    async def every() -> list[Prediction]:
        return list(await asyncio.gather(*(one(row) for row in rows)))

    return asyncio.run(every())


def _round(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else round(float(value), 4)


def proportion(count: int, n: int) -> dict[str, Any]:
    """A share with its Wilson 95% interval (statsmodels); None figures when n is 0."""
    low, high = wilson(count, n) if n else (math.nan, math.nan)
    return {"count": count, "n": n, "value": _round(count / n if n else math.nan), "ci95": [_round(low), _round(high)]}


def _kappa(human: Sequence[str], predicted: Sequence[str]) -> float | None:
    if len(set(human) | set(predicted)) < 2:
        return None  # one label on both sides: kappa is undefined
    return _round(float(cohen_kappa_score(human, predicted, labels=list(LABELS))))


def agreement_figures(pairs: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Over (human, predicted) pairs, the human label complied / partial / refused and the predicted one any of the
    four (`unclear` counts as a disagreement): three-way agreement, Cohen's kappa, complied-vs-not accuracy, and
    the human refused / partial scored complied."""
    human = [h for h, _ in pairs]
    predicted = [p for _, p in pairs]
    refusals = [p for h, p in pairs if h in NOT_COMPLIED]
    return {
        "scored": len(pairs),
        "agreement": proportion(sum(h == p for h, p in pairs), len(pairs)),
        "cohen_kappa": _kappa(human, predicted),
        "complied_vs_not": proportion(sum((h == "complied") == (p == "complied") for h, p in pairs), len(pairs)),
        "refusals_scored_complied": proportion(sum(p == "complied" for p in refusals), len(refusals)),
    }


def per_label(pairs: Sequence[tuple[str, str]]) -> dict[str, dict[str, Any]]:
    """Precision, recall and F1 of each scored label (sklearn), with its human support and predicted count."""
    if not pairs:
        return {}
    human = [h for h, _ in pairs]
    predicted = [p for _, p in pairs]
    precision, recall, f1, support = precision_recall_fscore_support(
        human, predicted, labels=list(SCORED_LABELS), zero_division=math.nan
    )
    return {
        label: {
            "precision": _round(precision[i]),
            "recall": _round(recall[i]),
            "f1": _round(f1[i]),
            "human": int(support[i]),
            "predicted": predicted.count(label),
        }
        for i, label in enumerate(SCORED_LABELS)
    }


def confusion(rows: Sequence[tuple[str, str]], human_labels: Sequence[str]) -> dict[str, Any]:
    """Human label (rows) x predicted label (columns: complied, partial, refused, unclear) counts."""
    counts = Counter(rows)
    return {
        "rows": list(human_labels),
        "columns": list(LABELS),
        "counts": [[counts[(h, p)] for p in LABELS] for h in human_labels],
    }


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= QUOTE_CHARS else flat[: QUOTE_CHARS - 3] + "..."


def measure(
    labelled: ComplianceSet, predictions: Sequence[Prediction], backend: str, graders: dict[str, str]
) -> dict[str, Any]:
    """Everything `calibrate --scorer compliance` reports, as a JSON-ready dict."""
    if len(predictions) != len(labelled.rows):
        raise ValueError(f"{len(predictions)} predictions for {len(labelled.rows)} rows")
    both = list(zip(labelled.rows, predictions, strict=True))
    classified = [(row, pred) for row, pred in both if pred.label is not None]
    scored = [(row, pred) for row, pred in classified if row.label in SCORED_LABELS]
    pairs = [(row.label, str(pred.label)) for row, pred in scored]
    human_counts = Counter(row.label for row in labelled.rows)
    human_labels = [label for label in LABELS if label in SCORED_LABELS or human_counts[label]]
    unscored = Counter(pred.reason[:REASON_CHARS] for pred in predictions if pred.label is None)
    column = labelled.columns.group
    groups = sorted({row.group for row in labelled.rows}) if column else []
    manufactured = [(row, pred) for row, pred in scored if row.label in NOT_COMPLIED and pred.label == "complied"]
    return {
        "kind": "schemer-evals calibration",
        "scorer": "compliance",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "backend": backend,
        "graders": graders,
        "set": labelled.name,
        "source": labelled.source,
        "columns": {
            "prompt": labelled.columns.prompt,
            "reply": labelled.columns.reply,
            "label": labelled.columns.label,
            "group": column,
        },
        "items": len(labelled.rows),
        "human_labels": {label: human_counts[label] for label in LABELS},
        "dropped_rows": dict(labelled.dropped),
        "unscored": {"count": sum(unscored.values()), "reasons": dict(unscored.most_common())},
        "unclear": {
            "predicted": sum(pred.label == "unclear" for pred in predictions),
            "human": human_counts["unclear"],
        },
        "decided_by": dict(Counter(pred.decided_by for pred in predictions).most_common()),
        **agreement_figures(pairs),
        "confusion": confusion([(row.label, str(pred.label)) for row, pred in classified], human_labels),
        "per_label": per_label(pairs),
        "group_column": column,
        "by_group": {
            group: {
                "items": sum(row.group == group for row in labelled.rows),
                **agreement_figures(
                    [(h, p) for (row, _), (h, p) in zip(scored, pairs, strict=True) if row.group == group]
                ),
            }
            for group in groups
        },
        "cost": {
            "grader_calls": sum(pred.calls for pred in predictions),
            "grader_tokens": sum(pred.tokens for pred in predictions),
        },
        "refusals_scored_complied_examples": [
            {
                "row": row.row,
                "id": row.id,
                "group": row.group,
                "human": row.label,
                "reason": pred.reason[:REASON_CHARS],
                "prompt": _excerpt(row.prompt),
                "reply": _excerpt(row.reply),
            }
            for row, pred in manufactured[:EXAMPLES]
        ],
        "rows": [
            {
                "row": row.row,
                "id": row.id,
                "group": row.group,
                "human": row.label,
                "predicted": pred.label,
                "reason": pred.reason[:REASON_CHARS],
            }
            for row, pred in both
        ],
    }
