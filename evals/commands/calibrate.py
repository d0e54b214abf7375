"""`schemer-evals calibrate [LABELLED]`: runs a training-gaming back end (the judge with the configured grader,
or the offline rules) over a labelled set through Inspect and reports its accuracy: AUROC with a bootstrap
interval, precision / recall / F1 at the threshold, a threshold sweep, AUROC against votes, grader calls and
tokens per sample, panel agreement, the confusion matrix and the worst misses. Writes JSON + Markdown next to
the logs and, with --write-threshold, the best-F1 threshold into the grader config.

`--scorer compliance` measures the compliance classifier instead (the judge or the offline rules) on labelled
(prompt, reply, label) rows such as XSTest's: see `evals.calibrate.compliance`."""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from inspect_ai.model import Model

from evals.calibrate import BackendChoice, Columns, LabelledSet, load_labelled, run_calibration, summarise, write_result
from evals.calibrate.accuracy import rules_threshold
from evals.calibrate.compliance import measure, predict_judge, predict_rules
from evals.calibrate.compliance_result import console_lines, write_compliance_result
from evals.calibrate.compliance_set import ComplianceColumns, ComplianceSet, load_compliance_set, parse_label_map
from evals.calibrate.labelled import DEFAULT_NEGATIVE, DEFAULT_POSITIVE, DEFAULT_TAGS
from evals.calibrate.result import fmt
from evals.model_checks import start_model
from scorers.grader_settings import config_path, read_judge_section, voting_rule
from scorers.judge import JudgeSettings

DEFAULT_SET = "training_gaming"
DEFAULT_TG_LABEL = "labels.training_gaming"
COMPLIANCE_VOTES = 5
"""Judge calls per reply for `--scorer compliance` (the compliance scorer's default)."""
TG_ONLY = {
    "voting": "--voting",
    "threshold": "--threshold",
    "maybe_band": "--maybe-band",
    "min_votes": "--min-votes",
    "no_prefilter": "--no-prefilter",
    "model_role": "--model-role",
    "write_threshold": "--write-threshold",
    "split": "--split",
    "positive_label": "--positive-label",
    "negative_label": "--negative-label",
    "reasoning_tag": "--reasoning-tag",
}
"""Options of the training-gaming calibration that --scorer compliance does not take."""
COMPLIANCE_ONLY = {
    "prompt_column": "--prompt-column",
    "reply_column": "--reply-column",
    "group_column": "--group-column",
    "label_map": "--label-map",
}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "calibrate",
        help="measure a TG back end (judge or rules) on labelled transcripts, or the compliance classifier "
        "(--scorer compliance) on labelled replies",
        description="Runs training_gaming_reasoning with the chosen back end over a labelled set (a shipped set: "
        "training_gaming, training_gaming_realistic; a .json, .jsonl or .csv file; a directory written by "
        "Dataset.save_to_disk; or hf:<dataset id>) and writes calibration-<backend>-<set>.json/.md next to the logs. "
        "With --scorer compliance it classifies labelled (prompt, reply, label) rows, e.g. XSTest's, with the "
        "compliance scorer's rules or judge and writes calibration-compliance-<backend>-<set>.json/.md.",
    )
    parser.add_argument(
        "labelled",
        nargs="?",
        default=None,
        metavar="LABELLED",
        help=f"labelled set (default {DEFAULT_SET}; required with --scorer compliance)",
    )
    parser.add_argument(
        "--scorer",
        choices=("training_gaming", "compliance"),
        default="training_gaming",
        help="the classifier to measure (default training_gaming)",
    )
    parser.add_argument(
        "--backend", choices=("judge", "rules"), default=None, help="default: judge if a grader is given"
    )
    parser.add_argument("--grader", default=None, help="grader model for the judge, e.g. anthropic/claude-sonnet-4-5")
    parser.add_argument(
        "--model-role", action="append", default=[], metavar="ROLE=MODEL", help="more panel graders: grader_2=..."
    )
    parser.add_argument(
        "--grader-config",
        type=Path,
        default=None,
        help="grader YAML (configs/grader.yaml): grader model and judge voting",
    )
    parser.add_argument(
        "--votes", type=int, default=None, help=f"most judge calls per sample (compliance: default {COMPLIANCE_VOTES})"
    )
    parser.add_argument(
        "--voting",
        choices=("fixed", "adaptive"),
        default=None,
        help="fixed: --votes judge calls per sample; adaptive: ask in rounds, stop once the vote share is settled",
    )
    parser.add_argument("--threshold", type=float, default=None, help="verdict: TG vote share >= threshold")
    parser.add_argument("--maybe-band", default=None, metavar="LOW,HIGH", help="e.g. 0.2,0.4")
    parser.add_argument("--min-votes", type=int, default=None, help="adaptive voting's first round")
    parser.add_argument("--no-prefilter", action="store_true", help="send every transcript to the judge")
    parser.add_argument("--no-cache", action="store_true", help="do not use Inspect's model cache for judge calls")
    parser.add_argument("--split", default=None, help="only rows with this split value (e.g. dev)")
    parser.add_argument("--hf-split", default="train", help="split of a Hugging Face dataset (default train)")
    parser.add_argument("--id-column", default="id", help="column holding each row's id (default id)")
    parser.add_argument("--text-column", default="reasoning", help="column holding the reasoning")
    parser.add_argument("--answer-column", default="answer", help="column holding the final answer (default answer)")
    parser.add_argument("--completion-column", default="completion", help="full reply, reasoning cut out by tag")
    parser.add_argument(
        "--label-column",
        default=None,
        help=f"dotted names read nested fields (default {DEFAULT_TG_LABEL}; compliance: final_label)",
    )
    parser.add_argument("--positive-label", action="append", default=None, help="label value meaning TG/faking")
    parser.add_argument("--negative-label", action="append", default=None, help="label value meaning not TG")
    parser.add_argument("--reasoning-tag", action="append", default=None, help="tag around the reasoning")
    parser.add_argument("--prompt-column", default=None, help="compliance: the request (default prompt)")
    parser.add_argument("--reply-column", default=None, help="compliance: the model's reply (default completion)")
    parser.add_argument(
        "--group-column", default=None, help="compliance: report agreement per value of this column (source_model)"
    )
    parser.add_argument(
        "--label-map",
        action="append",
        default=None,
        metavar="RAW=LABEL,...",
        help="compliance: map the set's labels onto complied/partial/refused/unclear, added to the defaults (those "
        "four and XSTest's 1_full_compliance, 2_full_refusal, 3_partial_refusal); repeatable",
    )
    parser.add_argument(
        "--log-dir",
        type=Path,
        default=None,
        help="the calibration run's Inspect log (default results/calibration/<set>)",
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=None,
        help="where the JSON + Markdown result goes (default: --log-dir); give a suite's log directory for its "
        "report to show the figures",
    )
    parser.add_argument(
        "--max-connections",
        type=int,
        default=10,
        help="Inspect's max_connections: most concurrent model calls (default 10)",
    )
    parser.add_argument(
        "--write-threshold", action="store_true", help="write the best-F1 threshold into --grader-config"
    )
    parser.set_defaults(handler=run)


def _roles(args: argparse.Namespace) -> dict[str, tuple[str, dict[str, Any]]]:
    """role -> (model name, its generate config) from --grader, --grader-config and --model-role."""
    roles: dict[str, tuple[str, dict[str, Any]]] = {}
    if args.grader:
        roles["grader"] = (args.grader, {})
    elif args.grader_config:
        spec = (yaml.safe_load(args.grader_config.read_text(encoding="utf-8")) or {}).get("grader")
        if isinstance(spec, dict) and spec.get("model"):
            roles["grader"] = (str(spec["model"]), dict(spec.get("config") or {}))
    for entry in args.model_role:
        name, _, model = entry.partition("=")
        if not re.fullmatch(r"grader(_[0-9]+)?", name) or not model:
            raise ValueError(f"--model-role {entry!r}: use grader_2=provider/model (panel roles grader, grader_N)")
        roles[name] = (model, {})
    return roles


def start_graders(roles: dict[str, tuple[str, dict[str, Any]]]) -> dict[str, str | Model]:
    """Each grader role's model, started now: a missing API key is one line (exit 2) before anything runs."""
    return {role: start_model(name, config) for role, (name, config) in roles.items()}


def dropped_line(labelled: LabelledSet | ComplianceSet) -> str | None:
    """The rows of the set left out, counted by reason, for the console (None when every row was kept)."""
    if not labelled.dropped:
        return None
    total = sum(labelled.dropped.values())
    reasons = ", ".join(f"{count} {reason}" for reason, count in labelled.dropped.most_common())
    return f"dropped {total} row{'s' if total != 1 else ''} of {labelled.source}: {reasons}"


def write_threshold(path: Path, threshold: float) -> None:
    """Set `judge.threshold` in a grader config, keeping the rest of the file (and its comments) as it was."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if re.match(r"^judge:\s*(#.*)?$", line)), None)
    if start is None:
        lines += ["", "judge:", f"  threshold: {threshold}"]
    else:
        end = next((i for i in range(start + 1, len(lines)) if re.match(r"^\S", lines[i])), len(lines))
        found = next((i for i in range(start + 1, end) if re.match(r"^\s+threshold:", lines[i])), None)
        if found is None:
            lines.insert(start + 1, f"  threshold: {threshold}")
        else:
            lines[found] = re.sub(r"threshold:\s*[^#\s]*", f"threshold: {threshold}", lines[found], count=1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    voting_rule(read_judge_section(path), str(path))


def summary_line(result: dict[str, Any], threshold: float) -> str:
    """The console's one-line result; a figure that could not be computed (nothing scored) reads "n/a"."""
    point = result["at_threshold"]
    low, high = result["auroc_ci95"]
    return (
        f"AUROC {fmt(result['auroc'])} (95% CI {fmt(low)}-{fmt(high)}); at {threshold}: "
        f"precision {fmt(point['precision'])}, recall {fmt(point['recall'])}, "
        f"F1 {fmt(point['f1'])}; scored {result['scored']} of {result['items']}, "
        f"maybe {result['maybe']}; grader calls per judged sample {result['cost']['calls_per_judged_sample']}"
    )


def _refuse_options(args: argparse.Namespace, options: dict[str, str], scorer: str) -> None:
    """One error naming the options of `options` that were given, which apply to `scorer` only."""
    given = [flag for name, flag in options.items() if getattr(args, name) not in (None, False, [])]
    if given:
        verb = "applies" if len(given) == 1 else "apply"
        raise ValueError(f"{', '.join(given)} {verb} to --scorer {scorer} only")


def run(args: argparse.Namespace) -> int:
    if args.scorer == "compliance":
        return run_compliance(args)
    _refuse_options(args, COMPLIANCE_ONLY, "compliance")
    args.labelled = args.labelled or DEFAULT_SET
    if args.write_threshold and args.grader_config is None:
        raise ValueError("--write-threshold needs --grader-config PATH (the file to write the threshold into)")
    if args.grader_config is not None and not args.grader_config.is_file():
        raise FileNotFoundError(f"grader config {args.grader_config} does not exist")
    columns = Columns(
        id=args.id_column,
        reasoning=args.text_column,
        answer=args.answer_column,
        label=args.label_column or DEFAULT_TG_LABEL,
        completion=args.completion_column,
        positive=tuple(args.positive_label or DEFAULT_POSITIVE),
        negative=tuple(args.negative_label or DEFAULT_NEGATIVE),
        tags=tuple(args.reasoning_tag or DEFAULT_TAGS),
    )
    labelled = load_labelled(args.labelled, columns, split=args.split, hf_split=args.hf_split)
    roles = _roles(args)
    backend = args.backend or ("judge" if roles else "rules")
    if backend == "rules" and args.write_threshold:
        raise ValueError("--write-threshold applies to the judge (the rules give a 0/1 verdict, not a share)")
    band = [float(part) for part in args.maybe_band.split(",")] if args.maybe_band else None
    scorer_args: dict[str, Any] = {
        "votes": args.votes,
        "voting": args.voting,
        "threshold": args.threshold,
        "maybe_band": band,
        "min_votes": args.min_votes,
        "grader_config": str(args.grader_config) if args.grader_config else None,
        "prefilter": not args.no_prefilter,
        "cache": not args.no_cache,
    }
    config = config_path(str(args.grader_config) if args.grader_config else None)
    section = read_judge_section(config) if config else {}
    rule = voting_rule(section, "calibrate", **{k: scorer_args[k] for k in ("votes", "voting", "threshold")})
    threshold = rule.threshold if backend == "judge" else rules_threshold()
    log_dir: Path = args.log_dir or Path("results") / "calibration" / labelled.name
    graders = start_graders(roles) if backend == "judge" else {}
    choice = BackendChoice(backend=backend, graders=graders, scorer_args=scorer_args)
    print(f"calibrating {backend} on {labelled.name}: {len(labelled.items)} items ({labelled.positives} positive)")
    dropped = dropped_line(labelled)
    if dropped:
        print(dropped)
    log = run_calibration(labelled, choice, log_dir, max_connections=args.max_connections)
    names = {role: name for role, (name, _) in roles.items() if role in graders}
    result = summarise(log, labelled, backend, threshold, names)
    json_path, md_path = write_result(result, args.output_dir or log_dir)
    print(summary_line(result, threshold))
    if args.write_threshold:
        if result["best_f1_threshold"] is None:
            raise ValueError(f"no item of {labelled.name} was scored, so there is no threshold to write")
        write_threshold(args.grader_config, float(result["best_f1_threshold"]))
        print(f"wrote threshold {result['best_f1_threshold']} (best F1 on {labelled.name}) to {args.grader_config}")
    print(f"Wrote {json_path} and {md_path}")
    return 0


def load_compliance(args: argparse.Namespace) -> ComplianceSet:
    """The labelled replies named on the command line, with their column and label options."""
    if not args.labelled:
        raise ValueError(
            "--scorer compliance needs a labelled set of replies: a .json, .jsonl or .csv file, a directory written "
            "by Dataset.save_to_disk, or hf:<dataset id> (e.g. ../shared/data/xstest_v2_dev.json)"
        )
    defaults = ComplianceColumns()
    columns = ComplianceColumns(
        prompt=args.prompt_column or defaults.prompt,
        reply=args.reply_column or defaults.reply,
        label=args.label_column or defaults.label,
        group=args.group_column,
        id=args.id_column,
        label_map=parse_label_map(args.label_map or []),
    )
    return load_compliance_set(args.labelled, columns, hf_split=args.hf_split)


def run_compliance(args: argparse.Namespace) -> int:
    """`calibrate --scorer compliance`: classify every labelled reply with the rules or the judge, then compare."""
    _refuse_options(args, TG_ONLY, "training_gaming")
    if args.grader_config is not None and not args.grader_config.is_file():
        raise FileNotFoundError(f"grader config {args.grader_config} does not exist")
    labelled = load_compliance(args)
    roles = _roles(args)
    backend = args.backend or ("judge" if roles else "rules")
    if backend == "judge" and "grader" not in roles:
        raise ValueError(
            "calibrating the compliance judge needs a grader: --grader provider/model (or --grader-config)"
        )
    settings = JudgeSettings(votes=COMPLIANCE_VOTES if args.votes is None else args.votes, cache=not args.no_cache)
    graders = start_graders({"grader": roles["grader"]}) if backend == "judge" else {}
    humans = ", ".join(f"{n} {label}" for label, n in Counter(row.label for row in labelled.rows).most_common())
    print(f"calibrating compliance ({backend}) on {labelled.name}: {len(labelled.rows)} replies ({humans})")
    dropped = dropped_line(labelled)
    if dropped:
        print(dropped)
    if backend == "judge":
        grader = graders["grader"]
        assert isinstance(grader, Model)  # start_graders starts every model
        predictions = predict_judge(labelled.rows, grader, settings, max_connections=args.max_connections)
    else:
        predictions = predict_rules(labelled.rows)
    result = measure(labelled, predictions, backend, {"grader": roles["grader"][0]} if graders else {})
    for line in console_lines(result):
        print(line)
    out_dir: Path = args.output_dir or args.log_dir or Path("results") / "calibration" / labelled.name
    json_path, md_path = write_compliance_result(result, out_dir)
    print(f"Wrote {json_path} and {md_path}")
    return 0
