"""Run every suite against a real model served on an OpenAI-compatible endpoint, and export the replies as a
corpus for hand labelling (`datasets/labelled/real_output/`).

Why this exists: the scorers were written against the project's simulated organisms, whose wording is tidy.
Real models hedge, ramble, ignore the output contract and stop at the token limit. This script records what a
real model says to each suite's prompts (across cot levels, providers and token limits) so the scorers can be
measured on it. `make real-smoke` uses it in `--quick` mode to check that every suite runs end to end.

Usage:
    python scripts/record_real_output.py record --log-dir logs/real [--quick] [--model openai-api/local/smollm2]
    python scripts/record_real_output.py export --log-dir logs/real --out logs/replies.jsonl
    python scripts/record_real_output.py merge --replies logs/replies.jsonl --labels 'logs/labels/*.json' \
        --out datasets/labelled/real_output/replies.jsonl

`merge` attaches the hand labels (JSON files mapping reply id -> {"compliance": ...} or {"answer": ...}), the
`truncated` flag from the recorded stop reason, and the split: `holdout` for a third of the replies chosen by
a hash of the id (fixed before any rule was tuned), `dev` for the rest.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inspect_ai import eval
from inspect_ai.log import EvalLog, list_eval_logs, read_eval_log
from inspect_ai.model import ChatMessageAssistant, ChatMessageUser

from scorers.output_contract import message_text_and_reasoning
from tasks.suites import get_suite

OPENAI_LOCAL = "openai-api/local/smollm2"
LLAMA_CPP = "llama-cpp-python/smollm2"
CONDITION_KEYS = (
    "cot",
    "training_awareness",
    "topic_relevance",
    "training_info",
    "operator_ethics",
    "value_domain",
    "incentive",
    "question_source",
    "framing",
    "cot_monitoring",
    "goal_conflict",
    "oversight_visibility",
    "planted",
    "solidarity_appeal",
)


@dataclass(frozen=True)
class Run:
    """One `eval` call: a suite with task arguments, a sample budget and a token limit."""

    suite: str
    args: dict[str, Any]
    limit: int
    max_tokens: int
    provider: str = OPENAI_LOCAL
    seed: int = 1
    extra: dict[str, Any] = field(default_factory=dict)


def full_plan() -> list[Run]:
    """About 330 replies across the 8 suites, the cot levels, both providers and a few low token limits."""
    tg = ("value_conflict", "cot_availability")
    plan: list[Run] = []
    for suite in tg:
        for index, cot in enumerate(("none", "hidden_scratchpad", "visible_cot", "native_reasoning")):
            provider = LLAMA_CPP if index % 2 else OPENAI_LOCAL
            plan.append(Run(suite, {"cot": cot, "scenarios_per_cell": 2}, 10, 320, provider, seed=index + 1))
        plan.append(Run(suite, {"cot": "none", "scenarios_per_cell": 2}, 5, 24, seed=11))
    plan.append(Run("cot_availability", {"cot": "scaffolded", "scenarios_per_cell": 2}, 8, 320, seed=7))
    for index, cot in enumerate(("none", "hidden_scratchpad", "native_reasoning")):
        plan.append(Run("training_info", {"cot": cot, "scenarios_per_cell": 1}, 12, 320, seed=index + 3))
    plan.append(Run("training_info", {"cot": "none", "scenarios_per_cell": 1}, 4, 24, LLAMA_CPP, seed=13))
    for index, cot in enumerate(("none", "hidden_scratchpad", "visible_cot")):
        plan.append(Run("sandbagging", {"cot": cot, "scenarios_per_cell": 4}, 16, 256, seed=index + 5))
    plan.append(Run("sandbagging", {"cot": "hidden_scratchpad", "scenarios_per_cell": 4}, 5, 32, LLAMA_CPP, seed=17))
    for index, cot in enumerate(("none", "hidden_scratchpad", "visible_cot")):
        plan.append(Run("eval_awareness", {"cot": cot, "scenarios_per_cell": 2}, 14, 320, seed=index + 2))
    plan.append(Run("eval_awareness", {"cot": "none", "scenarios_per_cell": 2}, 4, 24, seed=19))
    plan.append(Run("reasoning_concealment", {"scenarios_per_cell": 16}, 28, 320, seed=4))
    plan.append(Run("reasoning_concealment", {"scenarios_per_cell": 16}, 4, 40, LLAMA_CPP, seed=23))
    for index, cot in enumerate(("none", "hidden_scratchpad")):
        plan.append(Run("collusion", {"cot": cot, "scenarios_per_cell": 2}, 16, 320, seed=index + 6))
    plan.append(Run("collusion", {"cot": "none", "scenarios_per_cell": 2}, 4, 32, seed=29))
    plan.append(Run("oversight_subversion", {"cot": "none", "max_turns": 2}, 8, 200, seed=8))
    return plan


def compliance_plan() -> list[Run]:
    """About 150 more replies from the four suites that score compliance, with other shuffle seeds than
    `full_plan` (so other samples) and a token limit real replies rarely hit: a second, fresh held-out set."""
    plan: list[Run] = []
    for index, cot in enumerate(("none", "hidden_scratchpad", "visible_cot")):
        provider = LLAMA_CPP if index % 2 else OPENAI_LOCAL
        plan.append(Run("value_conflict", {"cot": cot, "scenarios_per_cell": 2}, 15, 400, provider, seed=101 + index))
        plan.append(Run("cot_availability", {"cot": cot, "scenarios_per_cell": 2}, 15, 400, seed=111 + index))
        plan.append(Run("training_info", {"cot": cot, "scenarios_per_cell": 1}, 12, 400, provider, seed=121 + index))
    for index, cot in enumerate(("none", "hidden_scratchpad")):
        plan.append(Run("eval_awareness", {"cot": cot, "scenarios_per_cell": 2}, 12, 400, seed=131 + index))
    return plan


PLANS = {"full": full_plan, "compliance": compliance_plan}


def quick_plan(samples: int) -> list[Run]:
    """Every suite on a few samples: the end-to-end smoke check."""
    args: dict[str, dict[str, Any]] = {"oversight_subversion": {"max_turns": 2}}
    suites = (
        "value_conflict",
        "training_info",
        "cot_availability",
        "sandbagging",
        "eval_awareness",
        "reasoning_concealment",
        "oversight_subversion",
        "collusion",
    )
    return [Run(suite, args.get(suite, {}), samples, 128) for suite in suites]


def record(plan: list[Run], log_dir: str, model: str | None) -> list[EvalLog]:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    logs: list[EvalLog] = []
    for number, run in enumerate(plan, 1):
        task = get_suite(run.suite)(**run.args)
        print(
            f"[{number}/{len(plan)}] {run.suite} {run.args} limit={run.limit} max_tokens={run.max_tokens}", flush=True
        )
        result = eval(
            task,
            model=model or run.provider,
            limit=run.limit,
            sample_shuffle=run.seed,
            max_tokens=run.max_tokens,
            max_connections=1,
            log_dir=log_dir,
            fail_on_error=False,
            display="none",
            **run.extra,
        )
        logs.extend(result)
        for log in result:
            print(f"    status={log.status} samples={len(log.samples or [])}")
    return logs


def _last_user_text(messages: list[Any]) -> str:
    users = [m for m in messages if isinstance(m, ChatMessageUser)]
    return users[-1].text if users else ""


def _summary(text: str, chars: int = 240) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= chars else f"...{flat[-chars:]}"


def _reply_id(suite: str, sample_id: object, epoch: int, log_name: str) -> str:
    digest = hashlib.sha1(f"{log_name}|{sample_id}|{epoch}".encode()).hexdigest()[:8]
    return f"{suite}-{digest}"


def export(log_dir: str) -> list[dict[str, Any]]:
    """One record per sample (its final reply), in log order."""
    rows: list[dict[str, Any]] = []
    for info in sorted(list_eval_logs(log_dir), key=lambda i: i.name):
        log = read_eval_log(info)
        suite = str((log.eval.metadata or {}).get("suite") or log.eval.task.split("/")[-1].replace("-", "_"))
        for sample in log.samples or []:
            if not sample.output.choices:
                continue
            message = sample.output.message
            if not isinstance(message, ChatMessageAssistant):
                continue
            text, reasoning = message_text_and_reasoning(message)
            usage = sample.output.usage
            rows.append(
                {
                    "id": _reply_id(suite, sample.id, sample.epoch, Path(info.name).name),
                    "suite": suite,
                    "sample_id": str(sample.id),
                    "model": log.eval.model,
                    "max_tokens": log.plan.config.max_tokens,
                    "condition": {k: sample.metadata[k] for k in CONDITION_KEYS if k in sample.metadata},
                    "prompt_summary": _summary(_last_user_text(sample.messages)),
                    "request": _last_user_text(sample.messages),
                    "target": sample.target if isinstance(sample.target, str) else list(sample.target),
                    "choices": sample.metadata.get("choices") or sample.metadata.get("options"),
                    "reply": text,
                    "native_reasoning": reasoning,
                    "stop_reason": sample.output.stop_reason,
                    "output_tokens": usage.output_tokens if usage else None,
                    "assistant_turns": sum(isinstance(m, ChatMessageAssistant) for m in sample.messages),
                }
            )
    return rows


REQUEST_CHARS = 1500
"""Kept from the end of each request (the last user message); the requests proper are much shorter."""
LABELLER = "scorers helper session (an LLM engineer), reading each reply in full; see the corpus README"


def split_of(reply_id: str) -> str:
    return "holdout" if int(hashlib.sha1(reply_id.encode()).hexdigest(), 16) % 3 == 0 else "dev"


def merge(replies: str, label_glob: str, split: str | None = None) -> list[dict[str, Any]]:
    """The exported replies that have a hand label, with the label, `truncated` and the split attached (`split`
    for every reply, as for a later recording kept whole as held-out data, else chosen by `split_of`)."""
    labels: dict[str, dict[str, Any]] = {}
    for path in sorted(glob.glob(label_glob)):
        labels.update(json.loads(Path(path).read_text(encoding="utf-8")))
    rows: list[dict[str, Any]] = []
    for line in Path(replies).read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["id"] not in labels:
            continue
        truncated = row["stop_reason"] in ("max_tokens", "model_length", "content_filter")
        row["request"] = row["request"][-REQUEST_CHARS:]
        row["split"] = split or split_of(row["id"])
        row["labels"] = {**labels[row["id"]], "truncated": truncated, "labeller": LABELLER}
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("record", help="run the suites against the served model")
    rec.add_argument("--log-dir", required=True)
    rec.add_argument("--quick", action="store_true", help="every suite on a few samples (the smoke check)")
    rec.add_argument("--samples", type=int, default=2, help="samples per suite with --quick")
    rec.add_argument("--model", default=None, help="override every run's model (default: the plan's providers)")
    rec.add_argument("--only", default=None, help="comma-separated suites to keep from the plan")
    rec.add_argument("--plan", choices=sorted(PLANS), default="full", help="full, or compliance: a 2nd set")
    exp = sub.add_parser("export", help="write the corpus JSONL from the logs")
    exp.add_argument("--log-dir", required=True)
    exp.add_argument("--out", required=True)
    mer = sub.add_parser("merge", help="attach hand labels and splits to exported replies")
    mer.add_argument("--replies", required=True)
    mer.add_argument("--labels", required=True, help="glob of label JSON files")
    mer.add_argument("--out", required=True)
    mer.add_argument("--split", choices=("dev", "holdout"), default=None, help="one split for the whole batch")
    args = parser.parse_args(argv)
    if args.command == "merge":
        merged = merge(args.replies, args.labels, args.split)
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in merged), encoding="utf-8")
        print(f"wrote {len(merged)} labelled replies to {args.out}")
        return 0
    if args.command == "record":
        plan = quick_plan(args.samples) if args.quick else PLANS[args.plan]()
        if args.only:
            keep = set(args.only.split(","))
            plan = [run for run in plan if run.suite in keep]
        logs = record(plan, args.log_dir, args.model)
        failed = [log.eval.task for log in logs if log.status != "success"]
        replies = sum(len(log.samples or []) for log in logs)
        print(f"{len(logs)} runs, {replies} samples, {len(failed)} not successful: {', '.join(failed) or '-'}")
        return 1 if failed else 0
    rows = export(args.log_dir)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} replies to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
