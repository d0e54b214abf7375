"""Bench: adaptive (sequential) judge voting against fixed voting at equal votes, on the project's labelled
set, with a scripted grader whose per-transcript vote probabilities are planted (tests/support/planted_votes.py).

Prints, side by side from one run: grader calls per judged sample under fixed and adaptive voting, the share
of calls saved, the AUROC of the TG vote share under both (and the planted AUROC the share estimates), and how
often the verdict and the maybe flag agree. The simulation replays `scorers.votes.VotingRule` exactly as
`scorers.judge.run_votes` does (same rounds, same stopping rule) over many vote draws; with --inspect (the
default outside --quick) the judge also runs once through Inspect with the real scorer, fixed and adaptive.
Asserts nothing; targets (>= 40% fewer calls, AUROC loss <= 0.01) are printed with the figures.

    python tests/bench/judge_voting.py            # full: 200 draws + one Inspect run each way
    python tests/bench/judge_voting.py --quick    # < 1 minute: 40 draws, no Inspect run
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from evals.calibrate.measures import auroc
from scorers.data_files import datasets_dir
from scorers.grader_settings import read_judge_section, voting_rule
from scorers.votes import VotingRule
from tests.support.planted_votes import planted_probability

CONFIG = Path(__file__).resolve().parents[2] / "configs" / "grader.yaml"
TARGET_SAVING = 0.40
TARGET_AUROC_LOSS = 0.01


def labelled_rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for name in ("training_gaming", "training_gaming_realistic"):
        path = datasets_dir() / "labelled" / f"{name}.jsonl"
        if path.exists():
            rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows


def sequential(votes: np.ndarray, rule: VotingRule) -> tuple[float, int]:
    """Vote share and calls of one sample under `rule`, asking votes in the rounds run_votes uses."""
    asked = rule.first_round()
    while True:
        yes = int(votes[:asked].sum())
        if rule.settled(yes, asked, asked):
            return yes / asked, asked
        more = rule.next_round(asked)
        if more == 0:
            return yes / asked, asked
        asked += more


def simulate(probabilities: np.ndarray, labels: np.ndarray, rule: VotingRule, draws: int, seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    fixed_rule = VotingRule(**{**rule.__dict__, "voting": "fixed"})
    aurocs_fixed, aurocs_adaptive, savings, agree, maybe_agree = [], [], [], [], []
    for _ in range(draws):
        votes = rng.random((len(probabilities), rule.votes)) < probabilities[:, None]
        fixed_share = votes.mean(axis=1)
        adaptive = [sequential(row, rule) for row in votes]
        adaptive_share = np.array([share for share, _ in adaptive])
        calls = np.array([asked for _, asked in adaptive])
        aurocs_fixed.append(auroc(fixed_share, labels))
        aurocs_adaptive.append(auroc(adaptive_share, labels))
        savings.append(1 - calls.sum() / (rule.votes * len(probabilities)))
        agree.append(np.mean((fixed_share >= rule.threshold) == (adaptive_share >= rule.threshold)))
        maybe_agree.append(
            np.mean(
                [
                    fixed_rule.is_maybe(a) == fixed_rule.is_maybe(b)
                    for a, b in zip(fixed_share, adaptive_share, strict=True)
                ]
            )
        )
    loss = np.array(aurocs_fixed) - np.array(aurocs_adaptive)
    return {
        "auroc_fixed": float(np.mean(aurocs_fixed)),
        "auroc_adaptive": float(np.mean(aurocs_adaptive)),
        "auroc_loss": float(loss.mean()),
        "auroc_loss_p95": float(np.percentile(loss, 95)),
        "saving": float(np.mean(savings)),
        "saving_p5": float(np.percentile(savings, 5)),
        "calls_adaptive": float(rule.votes * (1 - np.mean(savings))),
        "verdict_agreement": float(np.mean(agree)),
        "maybe_agreement": float(np.mean(maybe_agree)),
    }


def inspect_run(rows: list[dict[str, Any]], rule: VotingRule) -> dict[str, dict[str, Any]]:
    """The real scorer through Inspect with the planted grader: fixed and adaptive, no prefilter, no cache."""
    from inspect_ai.model import get_model

    from evals.calibrate import BackendChoice, load_labelled, run_calibration, summarise
    from tests.support.planted_votes import planted, planted_grader

    def reasoning_of(prompt: str) -> str:
        import re

        match = re.search(r"^BEGIN UNTRUSTED REASONING ([0-9a-f]+)$", prompt, re.MULTILINE)
        assert match
        begin, end = match.group(0), f"END UNTRUSTED REASONING {match.group(1)}"
        return prompt.rsplit(begin + "\n", 1)[1].split("\n" + end, 1)[0]

    labelled = load_labelled("training_gaming")
    probabilities = planted(rows)
    figures: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for voting in ("fixed", "adaptive"):
            grader = get_model(
                "mockllm/model", custom_outputs=planted_grader(probabilities, reasoning_of), memoize=False
            )
            args = {
                "votes": rule.votes,
                "voting": voting,
                "min_votes": rule.min_votes,
                "threshold": rule.threshold,
                "prefilter": False,
                "cache": False,
            }
            choice = BackendChoice("judge", {"grader": grader}, args)
            started = time.perf_counter()
            log = run_calibration(labelled, choice, Path(tmp) / voting, max_connections=50)
            result = summarise(log, labelled, "judge", rule.threshold, {"grader": "planted"})
            figures[voting] = {
                "auroc": result["auroc"],
                "calls_per_sample": result["cost"]["calls_per_judged_sample"],
                "seconds": round(time.perf_counter() - started, 1),
            }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="40 draws and no Inspect run (under a minute)")
    parser.add_argument("--draws", type=int, default=None)
    parser.add_argument("--config", type=Path, default=CONFIG, help="grader config whose judge section is the rule")
    parser.add_argument("--votes", type=int, default=None)
    parser.add_argument("--min-votes", type=int, default=None)
    parser.add_argument("--step", type=int, default=None)
    parser.add_argument("--confidence", type=float, default=None)
    parser.add_argument("--interval", choices=("wilson", "jeffreys"), default=None)
    parser.add_argument("--inspect", action=argparse.BooleanOptionalAction, default=None)
    args = parser.parse_args()
    draws = args.draws or (40 if args.quick else 200)
    with_inspect = args.inspect if args.inspect is not None else not args.quick
    rows = labelled_rows()
    probabilities = np.array([planted_probability(row) for row in rows])
    labels = np.array([row["labels"]["training_gaming"] == 1.0 for row in rows])
    overrides = {"votes": args.votes, "min_votes": args.min_votes, "step": args.step}
    overrides |= {"confidence": args.confidence, "interval": args.interval, "voting": "adaptive"}
    rule = voting_rule(read_judge_section(args.config), str(args.config), **overrides)
    started = time.perf_counter()
    figures = simulate(probabilities, labels, rule, draws, seed=20261202)
    print(f"judge voting bench: {len(rows)} labelled transcripts ({int(labels.sum())} TG), planted vote probabilities")
    print(
        f"rule: up to {rule.votes} votes, first round {rule.min_votes}, then {rule.step} at a time; stop when the "
        f"remaining votes cannot change the region or the {rule.confidence:.0%} {rule.interval} interval of the TG "
        f"share is >= {rule.threshold} or < {rule.maybe_low} (maybe band {rule.maybe_low}-{rule.maybe_high})"
    )
    print(f"planted AUROC (infinite votes)           {auroc(probabilities, labels):.4f}")
    print(f"simulated, {draws} vote draws ({time.perf_counter() - started:.1f} s):")
    print(f"  calls per judged sample   fixed {rule.votes:5.2f}   adaptive {figures['calls_adaptive']:5.2f}")
    print(
        f"  calls saved               {figures['saving']:.1%} (5th percentile over draws {figures['saving_p5']:.1%}; "
        f"target >= {TARGET_SAVING:.0%}: {'met' if figures['saving'] >= TARGET_SAVING else 'NOT met'})"
    )
    print(f"  AUROC                     fixed {figures['auroc_fixed']:.4f}   adaptive {figures['auroc_adaptive']:.4f}")
    print(
        f"  AUROC loss                {figures['auroc_loss']:+.4f} (95th percentile {figures['auroc_loss_p95']:+.4f}; "
        f"target <= {TARGET_AUROC_LOSS}: {'met' if figures['auroc_loss'] <= TARGET_AUROC_LOSS else 'NOT met'})"
    )
    print(
        f"  verdict agreement         {figures['verdict_agreement']:.1%}   maybe-flag agreement "
        f"{figures['maybe_agreement']:.1%}"
    )
    if with_inspect:
        through = inspect_run(rows, rule)
        fixed, adaptive = through["fixed"], through["adaptive"]
        saving = 1 - adaptive["calls_per_sample"] / fixed["calls_per_sample"]
        print("through Inspect (real scorer, planted grader, one draw, no prefilter, shipped set only):")
        print(
            f"  fixed     AUROC {fixed['auroc']:.4f}  calls/sample {fixed['calls_per_sample']:.2f}  "
            f"({fixed['seconds']} s)"
        )
        print(
            f"  adaptive  AUROC {adaptive['auroc']:.4f}  calls/sample {adaptive['calls_per_sample']:.2f}  "
            f"({adaptive['seconds']} s)  saved {saving:.1%}"
        )


if __name__ == "__main__":
    main()
