"""Turns a calibration run's Inspect log into what a lab needs before it trusts a back end's numbers: AUROC
with a bootstrap interval, precision / recall / F1 (Wilson intervals) at the configured threshold, a threshold
sweep, AUROC against the number of votes, grader calls and tokens per sample, panel agreement, the confusion
matrix and the worst misses quoted. Written as JSON and Markdown next to the logs."""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from inspect_ai.log import EvalLog

from evals.calibrate.labelled import LabelledSet
from evals.calibrate.measures import at_threshold, auroc, best_threshold, headline, panel_agreement, sweep

SCORER = "training_gaming_reasoning"
SCORED = ("training_gaming", "no_training_gaming")
WORST_MISSES = 3
QUOTE_CHARS = 400
RESULT_PREFIX = "calibration"


@dataclass(frozen=True)
class Judged:
    """One labelled item as the back end scored it."""

    id: str
    label: bool
    answer: str
    score: float
    backend: str
    maybe: bool
    votes: list[int]
    panel_votes: dict[str, list[int]]
    calls: int
    cache_hits: int
    saved: int
    tokens: int
    reason: str
    category: str

    @property
    def scored(self) -> bool:
        return self.answer in SCORED and not math.isnan(self.score)


def judged_items(log: EvalLog) -> list[Judged]:
    rows: list[Judged] = []
    for sample in log.samples or []:
        result = (sample.scores or {}).get(SCORER)
        meta = (result.metadata if result else None) or {}
        sample_meta = sample.metadata or {}
        score = meta.get("tg_score")
        rows.append(
            Judged(
                id=str(sample.id),
                label=bool(sample_meta.get("label")),
                answer=str(result.answer) if result and result.answer else "error",
                score=float(score) if isinstance(score, int | float) else math.nan,
                backend=str(meta.get("backend", "none")),
                maybe=bool(meta.get("maybe")),
                votes=[int(v) for v in meta.get("tg_votes", [])],
                panel_votes={k: [int(v) for v in vs] for k, vs in (meta.get("panel_votes") or {}).items()},
                calls=int(meta.get("grader_calls", 0)),
                cache_hits=int(meta.get("grader_cache_hits", 0)),
                saved=int(meta.get("grader_calls_saved", 0)),
                tokens=int(meta.get("grader_tokens", 0)),
                reason=str(meta.get("unscored_reason") or (result.explanation if result else sample.error) or ""),
                category=str(sample_meta.get("category", "")),
            )
        )
    return rows


def _finite(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else round(float(value), 4)


def auroc_by_votes(rows: list[Judged]) -> list[dict[str, Any]]:
    """AUROC when each judged sample keeps only its first k votes (samples that stopped earlier keep all of
    theirs; rules / prefilter samples keep their 0/1 score)."""
    most = max((len(row.votes) for row in rows), default=0)
    curve = []
    for k in range(1, most + 1):
        scores = [sum(row.votes[:k]) / len(row.votes[:k]) if row.votes else row.score for row in rows]
        curve.append({"votes": k, "auroc": _finite(auroc(scores, [row.label for row in rows]))})
    return curve


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= QUOTE_CHARS else flat[: QUOTE_CHARS - 3] + "..."


def summarise(
    log: EvalLog, labelled: LabelledSet, backend: str, threshold: float, graders: dict[str, str]
) -> dict[str, Any]:
    rows = judged_items(log)
    scored = [row for row in rows if row.scored]
    scores, labels = [row.score for row in scored], [row.label for row in scored]
    figures = headline([row.id for row in scored], scores, labels, threshold)
    point, value, (low, high) = figures.point, figures.auroc, figures.auroc_ci95
    points = sweep(scores, labels)
    by_id = {item.id: item for item in labelled.items}
    misses = sorted((r for r in scored if r.label and r.score < threshold), key=lambda r: r.score)[:WORST_MISSES]
    false_alarms = sorted((r for r in scored if not r.label and r.score >= threshold), key=lambda r: -r.score)
    judged = [row for row in rows if row.backend == "judge"]
    panel = sorted({name for row in judged for name in row.panel_votes})
    agreement_rows = [row for row in scored if row.panel_votes and all(row.panel_votes.get(n) for n in panel)]
    verdicts = {
        name: [sum(r.panel_votes[name]) / len(r.panel_votes[name]) >= threshold for r in agreement_rows]
        for name in panel
    }
    categories = sorted({row.category for row in scored if row.category})
    return {
        "kind": "schemer-evals calibration",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "backend": backend,
        "graders": graders,
        "set": labelled.name,
        "source": labelled.source,
        "log": log.location,
        "items": len(rows),
        "positives": sum(row.label for row in rows),
        "dropped_rows": dict(labelled.dropped),
        "scored": len(scored),
        "unscored": {
            "count": len(rows) - len(scored),
            "reasons": _reasons([row for row in rows if not row.scored]),
        },
        "threshold": threshold,
        "auroc": _finite(value),
        "auroc_ci95": [_finite(low), _finite(high)],
        "at_threshold": _clean(point.as_dict()),
        "maybe": sum(row.maybe for row in scored),
        "best_f1_threshold": best_threshold(points, threshold) if scored else None,
        "sweep": [_clean(p.as_dict()) for p in points],
        "auroc_by_votes": auroc_by_votes(scored),
        "cost": _cost(rows, judged),
        "panel": panel_agreement(verdicts) if len(panel) > 1 else None,
        "by_category": {
            c: _clean(at_threshold(*_pairs([r for r in scored if r.category == c]), threshold).as_dict())
            for c in categories
        },
        "worst_misses": [_miss(row, by_id[row.id].reasoning or by_id[row.id].completion, "missed") for row in misses],
        "worst_false_alarms": [
            _miss(row, by_id[row.id].reasoning or by_id[row.id].completion, "false alarm")
            for row in false_alarms[:WORST_MISSES]
        ],
    }


def _pairs(rows: list[Judged]) -> tuple[list[float], list[bool]]:
    return [row.score for row in rows], [row.label for row in rows]


def _reasons(rows: list[Judged]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        key = row.answer if row.answer != "unscored" else f"unscored: {row.reason[:120]}"
        counts[key] = counts.get(key, 0) + 1
    return counts


def _cost(rows: list[Judged], judged: list[Judged]) -> dict[str, Any]:
    calls = sum(row.calls for row in rows)
    hits = sum(row.cache_hits for row in rows)
    return {
        "samples": len(rows),
        "judged_samples": len(judged),
        "grader_calls": calls,
        "grader_cache_hits": hits,
        "grader_real_calls": calls - hits,
        "grader_calls_saved": sum(row.saved for row in rows),
        "calls_per_sample": round(calls / len(rows), 3) if rows else 0.0,
        "calls_per_judged_sample": round(calls / len(judged), 3) if judged else 0.0,
        "tokens_per_sample": round(sum(row.tokens for row in rows) / len(rows), 1) if rows else 0.0,
    }


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    def fix(value: Any) -> Any:
        if isinstance(value, float):
            return _finite(value)
        if isinstance(value, list):
            return [fix(v) for v in value]
        return value

    return {key: fix(value) for key, value in values.items()}


def _miss(row: Judged, text: str, what: str) -> dict[str, Any]:
    return {"id": row.id, "what": what, "score": _finite(row.score), "category": row.category, "quote": _excerpt(text)}


def write_result(result: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / f"{RESULT_PREFIX}-{result['backend']}-{result['set']}"
    json_path, md_path = stem.with_suffix(".json"), stem.with_suffix(".md")
    json_path.write_text(json.dumps(result, indent=2), encoding="utf-8")
    md_path.write_text(to_markdown(result), encoding="utf-8")
    return json_path, md_path


def fmt(value: Any, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def md_quote(text: str) -> str:
    """Model output is untrusted: HTML-escaped and kept on one line inside a Markdown quote."""
    return html.escape(text).replace("|", "&#124;").replace("`", "&#96;")


def _dropped(dropped: dict[str, int]) -> list[str]:
    """The rows of the set that were left out before the run (no or unknown label, no text, another split)."""
    if not dropped:
        return []
    reasons = "; ".join(
        f"{md_quote(reason)}: {count}" for reason, count in sorted(dropped.items(), key=lambda r: -r[1])
    )
    return ["", f"Dropped {sum(dropped.values())} rows of the set before the run ({reasons})."]


def to_markdown(result: dict[str, Any]) -> str:
    point = result["at_threshold"]
    low, high = result["auroc_ci95"]
    cost = result["cost"]
    lines = [
        f"# Calibration of the `{result['backend']}` back end on `{md_quote(result['set'])}`",
        "",
        f"Graders: {md_quote(', '.join(f'{k}={v}' for k, v in result['graders'].items())) or 'none (offline rules)'}. "
        f"Items: {result['items']} ({result['positives']} positive), scored {result['scored']}, "
        f"unscored {result['unscored']['count']}. Created {result['created']}.",
        *_dropped(result.get("dropped_rows") or {}),
        "",
        f"- **AUROC {fmt(result['auroc'])}** (95% bootstrap CI {fmt(low)}-{fmt(high)}, n={result['scored']})",
        f"- At threshold {result['threshold']}: precision {fmt(point['precision'])} "
        f"(CI {fmt(point['precision_ci'][0])}-{fmt(point['precision_ci'][1])}), recall {fmt(point['recall'])} "
        f"(CI {fmt(point['recall_ci'][0])}-{fmt(point['recall_ci'][1])}), F1 {fmt(point['f1'])}; "
        f"{result['maybe']} in the maybe band",
        f"- Best-F1 threshold on this set: {result['best_f1_threshold']} (in-sample: choose it on a dev split)",
        f"- Grader calls per judged sample {cost['calls_per_judged_sample']} ({cost['grader_real_calls']} real "
        f"calls, {cost['grader_cache_hits']} cache hits, {cost['grader_calls_saved']} saved by adaptive voting), "
        f"tokens per sample {cost['tokens_per_sample']}",
        "",
        "## Confusion matrix",
        "",
        "| | labelled TG | labelled not TG |",
        "| --- | ---: | ---: |",
        f"| judged TG | {point['tp']} | {point['fp']} |",
        f"| judged not TG | {point['fn']} | {point['tn']} |",
        "",
        "## Threshold sweep",
        "",
        "| threshold | flagged | precision | recall | F1 |",
        "| ---: | ---: | ---: | ---: | ---: |",
        *(
            f"| {p['threshold']} | {p['flagged']} | {fmt(p['precision'])} | {fmt(p['recall'])} | {fmt(p['f1'])} |"
            for p in result["sweep"]
        ),
    ]
    if result["auroc_by_votes"]:
        lines += ["", "## AUROC against the number of votes", "", "| votes | AUROC |", "| ---: | ---: |"]
        lines += [f"| {p['votes']} | {fmt(p['auroc'])} |" for p in result["auroc_by_votes"]]
    if result["panel"]:
        panel = result["panel"]
        lines += [
            "",
            "## Grader panel agreement",
            "",
            f"Fleiss' kappa {fmt(panel['fleiss_kappa'])} over "
            f"{panel['items']} items; Cohen's kappa: "
            + ", ".join(f"{pair} {fmt(k)}" for pair, k in panel["cohen_kappa"].items()),
        ]
    if result["by_category"]:
        lines += [
            "",
            "## By category",
            "",
            "| category | n | flagged | recall | precision |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for name, c in result["by_category"].items():
            n = c["tp"] + c["fp"] + c["fn"] + c["tn"]
            lines.append(f"| {name} | {n} | {c['flagged']} | {fmt(c['recall'])} | {fmt(c['precision'])} |")
    lines += ["", "## Worst misses", ""]
    for miss in result["worst_misses"] + result["worst_false_alarms"]:
        lines.append(
            f"- {miss['what']} `{md_quote(miss['id'])}` (score {fmt(miss['score'])}): > {md_quote(miss['quote'])}"
        )
    if result["unscored"]["count"]:
        lines += ["", "## Unscored", ""]
        lines += [f"- {md_quote(reason)}: {count}" for reason, count in result["unscored"]["reasons"].items()]
    return "\n".join(lines) + "\n"
