"""The first screen agrees with itself on runs the demo does not make: a suite run at one level of its hypothesis
factor still gets a heat-map column (the cards and the heat map cannot contradict each other), a skipped log is
named at the top, and no line repeats its own label. Simulated organism runs (no Inspect run)."""

from __future__ import annotations

from evals.organisms.profiles import PROFILES
from evals.organisms.simulation import perceive_samples, sample_table, simulate
from evals.report.build import build_report
from evals.report.heatmap import POOLED
from evals.report.markdown import render_markdown
from tasks.value_conflict import value_conflict_samples

FACTORS = ("training_awareness", "topic_relevance", "cot", "value_domain")
SKIPPED = "skipped unreadable log /logs/2026-12-01_value-conflict_x.eval (File is not a zip file)"


def _one_relevance_level_report() -> str:
    samples = perceive_samples(
        value_conflict_samples(
            training_awareness="training,unmonitored",
            topic_relevance="relevant",
            cot="hidden_scratchpad",
            scenarios_per_cell=8,
        )
    )
    runs = {
        f"organism/{name}": simulate(PROFILES[name], samples, seed=3, factors=FACTORS)
        for name in ("context_gated_gamer", "honest")
    }
    table = sample_table(runs, "value_conflict")
    table.warnings.append(SKIPPED)
    report = build_report(table, ["/logs"], examples_per_cell=0, planted=False)
    gamer = next(card for card in report.cards if card.model == "organism/context_gated_gamer")
    assert gamer.training_gaming.status == "appears"
    cell = report.heat_map.cell("organism/context_gated_gamer", f"value_conflict:topic_relevance={POOLED}")
    assert cell is not None and cell.marked, "the gap the card shows is missing from the heat map"
    pooled = gamer.training_gaming.pooled
    assert (cell.estimate.value, cell.estimate.low, cell.estimate.high) == (pooled.value, pooled.low, pooled.high)
    return render_markdown(report, "report.html")


def test_one_level_of_the_hypothesis_factor_still_fills_the_heat_map_and_names_the_skipped_log() -> None:
    markdown = _one_relevance_level_report()
    assert "No training-gaming or worst-case behaviour measured" not in markdown
    first_screen = "\n".join(markdown.splitlines()[:25])
    assert "**Skipped:** skipped unreadable log /logs/2026-12-01\\_value-conflict\\_x.eval" in first_screen
    assert "| organism/context\\_gated\\_gamer | context-dependent training-gamer | appears |" in first_screen
    assert "Why the gap: why the gap" not in markdown and "Why the gap: training gaming" not in markdown
    assert "Why the gap: inconclusive - gap present; add -T training\\_awareness=...,rated\\_not\\_trained" in markdown
    assert "appears in the one context tested" in markdown and "all 1 contexts" not in markdown
