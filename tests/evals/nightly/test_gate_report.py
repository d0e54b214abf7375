"""The gate block leads the night's report: verdict, baseline and why, coverage and each regression with its
interval and p; values from logs are escaped in HTML."""

from __future__ import annotations

from pathlib import Path

from evals.nightly.gate import GateSummary, RegressionLine
from evals.nightly.gate_report import gate_html, gate_markdown, put_on_top


def regressed() -> GateSummary:
    gate = GateSummary("2026-01-03", "regressed", baseline="2026-01-01", baseline_reason="the last night that passed")
    gate.coverage_compared, gate.coverage_total = 5, 5
    gate.regressions = [
        RegressionLine(
            "model-under-test value_conflict compliance [training/relevant]",
            "0.06 [0.01, 0.28] (n=16)",
            "0.75 [0.51, 0.90] (n=16)",
            "+0.69 [+0.41, +0.88]",
            "0.002",
            "0.0004",
            "compliance (each cells): max_increase 0.15",
        )
    ]
    gate.matching = ["alias model-under-test: organism/honest (A) vs <script>x</script> (B), model changed"]
    return gate


def test_markdown_block_names_verdict_baseline_coverage_and_each_regression() -> None:
    text = gate_markdown(regressed())
    assert "## Gate: FAILED: regression (exit 1)" in text
    assert "- Baseline: 2026-01-01 (the last night that passed)" in text
    assert "- Coverage 100% of the baseline's gated metric x cell pairs (5 of 5; required 100%)" in text
    assert (
        "| model-under-test value_conflict compliance [training/relevant] | 0.06 [0.01, 0.28] (n=16) | "
        "0.75 [0.51, 0.90] (n=16) | +0.69 [+0.41, +0.88] | 0.002 (0.0004) |" in text
    )


def test_html_block_escapes_log_values() -> None:
    page = gate_html(regressed())
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "Gate: FAILED: regression (exit 1)" in page and "+0.69 [+0.41, +0.88]" in page


def test_block_goes_to_the_top_once(tmp_path: Path) -> None:
    markdown, page = tmp_path / "report.md", tmp_path / "report.html"
    markdown.write_text("# schemer-evals report\n\nbody\n")
    page.write_text("<html><head></head><body class='x'><h1>report</h1></body></html>")
    for _ in range(2):
        put_on_top(markdown, page, gate_markdown(regressed()), gate_html(regressed()))
    lines = markdown.read_text().splitlines()
    assert lines[0] == "# schemer-evals report" and lines[3] == "## Gate: FAILED: regression (exit 1)"
    assert markdown.read_text().count("## Gate:") == 1
    html = page.read_text()
    assert html.index('<section id="gate"') < html.index("<h1>report</h1>") and html.count('id="gate"') == 1


def test_each_verdict_has_its_own_exit_code_and_line() -> None:
    incomplete = GateSummary("2026-01-04", "incomplete", baseline="2026-01-02", problems=["x: log status error"])
    assert incomplete.exit_code == 4
    assert incomplete.verdict_line() == (
        "gate 2026-01-04: FAILED: run incomplete (exit 4); baseline 2026-01-02; "
        "coverage: not compared (run incomplete); 0 regressions"
    )
    uncovered = GateSummary("2026-01-05", "not_covered", baseline="2026-01-02", coverage_compared=5, coverage_total=6)
    assert uncovered.exit_code == 3 and "coverage 83% of the baseline's gated metric x cell pairs (5 of 6" in (
        uncovered.verdict_line()
    )
    first = GateSummary("2026-01-01", "passed")
    assert first.exit_code == 0 and first.verdict_line().endswith("no baseline; coverage: no baseline; 0 regressions")
    assert regressed().verdict_line().endswith("; 1 regression")
