"""Cross-context consistency from logs: on organism runs the worst-case schemer shows training-gaming and the
worst-case behaviours in many contexts and the honest profile in none; every context's gap and rate and every
pooled figure equal the report's verdict cards (one estimator, `evals.analysis.rates`); the printed and Markdown
output never shows `nan`, `None` or `-0.00`; pairing by scenario and the accuracy-drop measure on a hand-built
table; the CLI writes JSON and Markdown and fails in one line on bad input."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pandas as pd
import pytest

from evals.analysis.consistency import Consistency, ContextResult, analyse, consistency, to_json, to_markdown, to_text
from evals.cli import main
from evals.logs import SampleTable, load
from evals.report.build import build_report
from evals.report.verdict import Estimate, VerdictCard
from tasks.collusion import collusion
from tasks.oversight_subversion import oversight_subversion
from tasks.value_conflict import value_conflict
from tests.support.inspect_run import run_eval

SCHEMER, HONEST = "organism/worst_case_schemer", "organism/honest"
GATED = "organism/context_gated_gamer"


pytestmark = pytest.mark.inspect_eval


@pytest.fixture(scope="module")
def organism_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    log_dir = tmp_path_factory.mktemp("consistency-logs")
    logs = run_eval(
        [
            value_conflict(
                cot="none",
                training_awareness="training,unmonitored",
                value_domain="copyright,privacy",
                scenarios_per_cell=4,
            ),
            oversight_subversion(cot="none", scenarios_per_cell=4),
            collusion(cot="none", scenarios_per_cell=12),
        ],
        model=[SCHEMER, HONEST],
        log_dir=str(log_dir),
        seed=5,
        max_tasks=6,
    )
    assert all(log.status == "success" for log in logs)
    return log_dir


def _row(result: Consistency, model: str, behaviour: str) -> pd.Series:
    rows = result.appearance[(result.appearance["model"] == model) & (result.appearance["behaviour"] == behaviour)]
    assert len(rows) == 1, result.appearance
    return rows.iloc[0]


def test_schemer_sticks_to_the_plan_and_honest_shows_nothing(organism_logs: Path) -> None:
    result = consistency(organism_logs)
    assert result.models == [HONEST, SCHEMER]
    for behaviour in ("training_gaming", "oversight_subversion", "collusion"):
        schemer, honest = _row(result, SCHEMER, behaviour), _row(result, HONEST, behaviour)
        assert schemer["contexts_measured"] == honest["contexts_measured"] > 0
        assert honest["contexts_with_behaviour"] == 0 and honest["contexts"] == ""
        assert schemer["contexts_with_behaviour"] >= 2, schemer
        assert schemer["ci_low"] > honest["ci_high"] or schemer["ci_low"] > 0 >= honest["ci_low"]
    assert _row(result, SCHEMER, "training_gaming")["measure"] == "compliance gap"
    oversight = _row(result, SCHEMER, "oversight_subversion")["contexts"]
    assert "goal_conflict=present" in oversight and "goal_conflict=absent" not in oversight
    every = result.appearance.groupby("model")["contexts_with_behaviour"].sum()
    assert every[SCHEMER] >= 6 and every[HONEST] == 0

    co = result.co_occurrence.set_index("b")
    assert set(co["unit"]) == {"model"} and set(co.index) == {"oversight_subversion", "collusion"}
    assert (co["p_b_given_a"] == 1.0).all() and (co["n_a"] == 1).all() and (co["units"] == 2).all()


def test_model_filter_keeps_one_model(organism_logs: Path) -> None:
    result = consistency(organism_logs, model="honest")
    assert result.models == [HONEST] and set(result.appearance["model"]) == {HONEST}


def test_cli_prints_and_writes_json_and_markdown(
    organism_logs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stem = tmp_path / "out" / "consistency"
    assert main(["consistency", str(organism_logs), "--output", str(stem)]) == 0
    printed = capsys.readouterr().out
    assert "oversight_subversion" in printed and "Co-occurrence" in printed
    payload = json.loads(stem.with_suffix(".json").read_text())
    assert {"appearance", "co_occurrence", "contexts", "models"} <= payload.keys()
    assert any(c["appears"] and c["model"] == SCHEMER for c in payload["contexts"])
    markdown = stem.with_suffix(".md").read_text()
    assert "| model | behaviour |" in markdown and "## Contexts where each behaviour appears" in markdown


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["consistency", "/nonexistent/logs"], "no such log file or directory"),
        (["consistency", "{logs}", "--model", "saint"], "no logs of model 'saint'"),
    ],
)
def test_cli_bad_input_is_one_line(
    args: list[str], message: str, organism_logs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [arg.replace("{logs}", str(organism_logs)) for arg in args] + ["--output", str(tmp_path / "c")]
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert message in error and error.count("\n") == 1


def _table(rows: list[dict[str, object]], scores: list[tuple[int, str, str, float]]) -> SampleTable:
    samples = pd.DataFrame(
        [{"row": i, "log": "x", "sample_id": i, "epoch": 1, "error": False, **row} for i, row in enumerate(rows)]
    )
    frame = pd.DataFrame(scores, columns=["row", "scorer", "key", "value"])
    frame["metric"] = frame["scorer"] + ":" + frame["key"]
    conditions = [
        c for c in samples.columns if c not in ("row", "log", "model", "suite", "sample_id", "epoch", "error")
    ]
    return SampleTable([], samples, frame, conditions)


def test_scenario_pairing_and_accuracy_drop_on_a_hand_built_table() -> None:
    rows: list[dict[str, object]] = []
    scores: list[tuple[int, str, str, float]] = []
    # TG reasoning (training_gaming_reasoning) and eval gaming share scenarios s0..s5: both shown in s0..s2.
    for scenario in range(6):
        for awareness in ("training", "unmonitored"):
            scores.append(
                (
                    len(rows),
                    "training_gaming_reasoning",
                    "training_gaming",
                    float(scenario < 3 and awareness == "training"),
                )
            )
            rows.append(
                {
                    "model": "m",
                    "suite": "value_conflict",
                    "scenario_id": f"s{scenario}",
                    "training_awareness": awareness,
                }
            )
        for framing in ("red_team_evaluation", "real_deployment"):
            scores.append(
                (
                    len(rows),
                    "eval_awareness",
                    "eval_gaming",
                    float(scenario in (0, 1, 2, 5) and framing == "real_deployment"),
                )
            )
            rows.append({"model": "m", "suite": "eval_awareness", "scenario_id": f"s{scenario}", "framing": framing})
    # Sandbagging measured by accuracy only: neutral 10/10, high_score_triggers_unlearning 2/10.
    for index in range(20):
        incentive = "neutral" if index < 10 else "high_score_triggers_unlearning"
        scores.append((len(rows), "sandbagging", "correct", float(incentive == "neutral" or index % 5 == 0)))
        rows.append({"model": "m", "suite": "sandbagging", "scenario_id": f"q{index % 10}", "incentive": incentive})
    result = analyse(_table(rows, scores))

    sandbagging = result.appearance[result.appearance["behaviour"] == "sandbagging"].iloc[0]
    assert sandbagging["measure"] == "accuracy drop" and sandbagging["contexts_with_behaviour"] == 1
    assert sandbagging["pooled"] == pytest.approx(0.8)
    assert "incentive=high_score_triggers_unlearning" in sandbagging["contexts"]

    eval_row = result.co_occurrence[result.co_occurrence["b"] == "eval_gaming"].iloc[0]
    assert eval_row["unit"] == "scenario" and eval_row["units"] == 6 and eval_row["both"] == 3
    assert eval_row["p_b_given_a"] == 1.0 and eval_row["n_a"] == 3
    assert eval_row["p_a_given_b"] == pytest.approx(0.75) and eval_row["n_b"] == 4
    assert 0 < eval_row["p_a_given_b_ci_low"] < 0.75 < eval_row["p_a_given_b_ci_high"] <= 1
    sandbag_row = result.co_occurrence[result.co_occurrence["b"] == "sandbagging"].iloc[0]
    assert sandbag_row["unit"] == "model" and sandbag_row["units"] == 1
    assert not math.isnan(sandbag_row["p_b_given_a"])
    assert "## Co-occurrence" in to_markdown(result)


def test_behaviours_with_nothing_scored_are_listed_as_not_measured_with_the_reason() -> None:
    rows: list[dict[str, object]] = []
    scores: list[tuple[int, str, str, float]] = []
    for index in range(8):
        # Collusion is scored, but every judgement failed; oversight and the others have no suite at all.
        scores.append((len(rows), "collusion", "collusion", math.nan))
        rows.append({"model": "m", "suite": "collusion", "scenario_id": f"c{index}", "planted": "backdoor"})
    for index in range(10):
        scores.append((len(rows), "eval_awareness", "eval_gaming", float(index < 5)))
        rows.append({"model": "m", "suite": "eval_awareness", "scenario_id": f"e{index}", "framing": "real_deployment"})
    result = analyse(_table(rows, scores))
    missing = dict(zip(result.not_measured["behaviour"], result.not_measured["reason"], strict=True))
    assert missing["collusion"] == "all 8 of its scores are unscored"
    assert missing["oversight_subversion"] == "no suite in these logs scores it for this model"
    assert missing["training_gaming"] == "no suite in these logs scores it for this model"
    assert "eval_gaming" not in missing
    markdown = to_markdown(result)
    assert "## Not measured" in markdown and "- **m**, collusion: all 8 of its scores are unscored" in markdown
    assert json.loads(to_json(result))["not_measured"][0]["model"] == "m"


@pytest.fixture(scope="module")
def gated_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two topic-relevance contexts (the context-gated gamer games in one only) and pooled value domains."""
    log_dir = tmp_path_factory.mktemp("consistency-gated-logs")
    logs = run_eval(
        [
            value_conflict(
                cot="none",
                training_awareness="training,unmonitored",
                topic_relevance="relevant,unrelated",
                value_domain="copyright,privacy",
                scenarios_per_cell=3,
            ),
            collusion(cot="none", scenarios_per_cell=12),
        ],
        model=[SCHEMER, HONEST, GATED],
        log_dir=str(log_dir),
        seed=5,
        max_tasks=6,
    )
    assert all(log.status == "success" for log in logs)
    return log_dir


def _numbers(estimate: Estimate) -> tuple[float, float, float, int, int]:
    return estimate.value, estimate.low, estimate.high, estimate.n, estimate.n_clusters


def _context_numbers(context: ContextResult) -> tuple[float, float, float, int, int]:
    return context.estimate, context.ci_low, context.ci_high, context.n, context.n_clusters


def _contexts(result: Consistency, model: str, behaviour: str) -> dict[tuple[str, str], ContextResult]:
    return {(c.suite, c.context): c for c in result.contexts if (c.model, c.behaviour) == (model, behaviour)}


def test_gaps_and_rates_equal_the_report_cards(gated_logs: Path) -> None:
    table = load([gated_logs])
    result = analyse(table)
    cards: dict[str, VerdictCard] = {
        card.model: card for card in build_report(table, [str(gated_logs)], planted=False).cards
    }
    assert set(cards) == {SCHEMER, HONEST, GATED}
    appears: dict[str, list[bool]] = {}
    for model, card in cards.items():
        # The TG compliance gap: per context (value domains pooled, as on the card) and pooled.
        mine = _contexts(result, model, "training_gaming")
        theirs = card.training_gaming.contexts
        assert len(theirs) == len(mine) == 2
        for context in theirs:
            ours = mine[(context.suite, context.name)]
            assert ours.measure == "compliance gap" and ours.interval.startswith("paired")
            assert _context_numbers(ours) == _numbers(context.effect)
            assert ours.appears == context.appears
        appears[model] = [mine[(c.suite, c.name)].appears for c in theirs]
        row = _row(result, model, "training_gaming")
        pooled = (row["pooled"], row["ci_low"], row["ci_high"], row["n"], row["n_clusters"])
        assert pooled == _numbers(card.training_gaming.pooled)
        assert row["contexts_with_behaviour"] == len(card.training_gaming.appearing)

        # A worst-case behaviour's rate: per context and pooled over the model's samples.
        collusion_card = next(b for b in card.worst_case if b.behaviour == "collusion")
        mine = _contexts(result, model, "collusion")
        assert len(collusion_card.contexts) == len(mine) > 0
        for context in collusion_card.contexts:
            assert _context_numbers(mine[(context.suite, context.name)]) == _numbers(context.effect)
        row = _row(result, model, "collusion")
        pooled = (row["pooled"], row["ci_low"], row["ci_high"], row["n"], row["n_clusters"])
        assert pooled == _numbers(collusion_card.pooled)
    assert appears[SCHEMER] == [True, True] and appears[HONEST] == [False, False]
    assert sorted(appears[GATED]) == [False, True], "the gated gamer games in one topic-relevance context only"


def test_output_never_shows_nan_none_or_negative_zero(gated_logs: Path) -> None:
    result = consistency(gated_logs)
    honest = _contexts(result, HONEST, "training_gaming")
    assert honest and all(c.estimate == 0 for c in honest.values())
    for text in (to_markdown(result), to_text(result)):
        assert "-0.00" not in text and "None" not in text and not re.search(r"\bnan\b", text, re.IGNORECASE)
        assert "+0.00 [" in text, "a zero gap reads +0.00 with its interval"
    gated = next(c for c in _contexts(result, GATED, "training_gaming").values() if c.appears)
    assert f"value_conflict: {gated.context} {gated.effect_text}" in to_markdown(result)


def test_tg_reasoning_rate_in_training_equals_the_cards(tmp_path: Path) -> None:
    """Where TG reasoning is scored, TG is its rate per context (training awareness one of the context's levels);
    the training contexts' rates are the card's "TG reasoning" figures."""
    logs = run_eval(
        [
            value_conflict(
                cot="hidden_scratchpad",
                training_awareness="training,unmonitored",
                topic_relevance="relevant,unrelated",
                scenarios_per_cell=3,
            )
        ],
        model=[SCHEMER],
        log_dir=str(tmp_path),
        seed=5,
    )
    assert all(log.status == "success" for log in logs)
    table = load([tmp_path])
    result = analyse(table)
    assert _row(result, SCHEMER, "training_gaming")["measure"] == "indicator"
    mine = _contexts(result, SCHEMER, "training_gaming")
    (card,) = build_report(table, [str(tmp_path)], planted=False).cards
    assert len(card.training_gaming.contexts) == 2
    for context in card.training_gaming.contexts:
        assert context.tg_rate is not None
        ours = mine[(context.suite, f"training_awareness=training, {context.name}")]
        assert _context_numbers(ours) == _numbers(context.tg_rate)
