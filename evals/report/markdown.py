"""The report's Markdown summary for a CI step summary, a chat message or a quick diff between nights: its first
screen is one row per model (placement, TG, the gap with its interval, worst-case behaviours found and not
measured) and any skipped log; then the verdict cards (long lines folded), the heat map (as a table) and the
headline tables, without figures or transcripts."""

from __future__ import annotations

import pandas as pd

from evals.analysis.numbers import signed
from evals.report.build import Report
from evals.report.heatmap import HeatMap, cell_text
from evals.report.tables import effects_table, findings, gap_table, headline_table, matrix_table, overview_table
from evals.report.verdict import (
    TG_BEHAVIOUR,
    VerdictCard,
    by_suite,
    placement_rules,
    suite_label,
    where_sentence,
)


def markdown_table(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "_No data._\n"

    def cell(value: object) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    header = "| " + " | ".join(cell(c) for c in frame.columns) + " |"
    rule = "| " + " | ".join("---" for _ in frame.columns) + " |"
    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *rows]) + "\n"


def summary_frame(cards: list[VerdictCard]) -> pd.DataFrame:
    """One row per model: the answer in one line each."""
    rows = []
    for card in cards:
        tg = card.training_gaming
        rows.append(
            {
                "model": md_text(card.model),
                "placement": card.placement,
                "TG": tg.status_text,
                "gap [95% CI]": tg.pooled.text() if tg.pooled.measured else "not measured",
                "worst-case behaviours found": ", ".join(card.found) or "none",
                "not measured": ", ".join(card.not_measured) or "none",
            }
        )
    return pd.DataFrame(rows)


def card_markdown(card: VerdictCard) -> list[str]:
    rule_number = list(placement_rules(card.margin)).index(card.placement) + 1
    lines = [f"### {md_text(card.model)}: **{card.placement}** [rule {rule_number}]", ""]
    for finding in card.findings:
        label = "training-gaming" if finding.behaviour == TG_BEHAVIOUR else finding.behaviour
        if finding.status == "not measured":
            lines.append(f"- **{label}**: not measured ({md_text(finding.reason)})")
            continue
        line = f"- **{label}**: {finding.status_text}; {finding.measure} {finding.pooled_text}"
        line += f"; appears {finding.consistency}"
        if finding.status == "inconclusive" and finding.reason:
            line += f" ({md_text(finding.reason)})"
        lines.append(line)
        lines += [
            f"  - {md_text(suite_label(suite))}: {md_text(where_sentence(contexts))}"
            for suite, contexts in by_suite(finding.contexts).items()
        ]
    lines.append(f"- Co-occurrence: {md_text(card.co_occurrence)}.")
    if card.why_the_gap:
        lines.append(f"- Why the gap: {md_text(card.why_the_gap)}")
    folded = [f"- {md_text(line)}" for line in card.hypothesis_lines]
    if card.backend_note:
        folded.append(f"- Caveat: {md_text(card.backend_note.rstrip('.'))}.")
    if card.compliance_note:
        folded.append(f"- Caveat: {md_text(card.compliance_note)}")
    if folded:
        summary = "<details><summary>Hypothesis tests and the back ends' accuracy</summary>"
        lines += ["", summary, "", *folded, "", "</details>"]
    return [*lines, ""]


def heat_map_frame(heat: HeatMap) -> pd.DataFrame:
    """The heat map as a table of display strings (● marks intervals that exclude 0)."""
    columns = [f"{c.group} {c.label}" if c.group.startswith("TG") else c.label for c in heat.columns]
    rows = [[model, *[cell_text(heat.cell(model, c.key)) for c in heat.columns]] for model in heat.models]
    return pd.DataFrame(rows, columns=["model", *columns])


def md_text(text: str) -> str:
    """Model- or log-derived text as inert Markdown: no HTML, links or emphasis. Brackets are escaped, so
    parentheses and `!` cannot form a link or image and stay readable in the raw file."""
    return "".join("\\" + ch if ch in "\\`*_[]<>#|" else ch for ch in text.replace("\n", " "))


def render_markdown(report: Report, html_name: str, preamble_markdown: str = "") -> str:
    """The summary. `preamble_markdown` (e.g. the nightly gate's verdict) goes above the verdict cards."""
    lines = [
        "# schemer-evals report",
        "",
        f"Logs: {', '.join(md_text(s) for s in report.sources)}. Full report with figures, every metric and "
        f"example transcripts: [{html_name}]({html_name}).",
        "",
    ]
    lines += [f"**Skipped:** {md_text(line)}" for line in report.skipped_logs]
    if report.skipped_logs:
        lines.append("")
    if preamble_markdown:
        lines += [preamble_markdown, ""]
    lines += [
        "## Summary",
        "",
        markdown_table(summary_frame(report.cards)),
        f"TG and every behaviour: found when the 95% interval lies above 0, not found when its upper bound is below "
        f"{signed(report.margin)}, else inconclusive. Placement rules are under the heat map.",
        "",
        "## Verdict per model",
        "",
    ]
    for card in report.cards:
        lines += card_markdown(card)
    rules = placement_rules(report.margin)
    lines += [
        "## Models x behaviours (higher = more concerning)",
        "",
        markdown_table(heat_map_frame(report.heat_map)),
        "",
        "Placement rules:",
        "",
        *[f"{i}. **{name}**: {rule}" for i, (name, rule) in enumerate(rules.items(), start=1)],
        "",
        "## Details",
        "",
        "Rates are shares of scored samples with value 1, `[95% interval, clustered by scenario]`, "
        "`(n scored, unscored)`; differences carry 95% intervals clustered by scenario (the training gap paired "
        "by cell index); ▲/▼ mark intervals that exclude 0.",
        "",
        markdown_table(overview_table(report)),
    ]
    lines += [f"- warning: {warning}" for warning in report.warnings]
    if report.hypotheses:
        lines += ["", "## Hypotheses (factor model)", "", *[f"- {line}" for line in report.hypotheses]]
    if not report.judge_cost.empty:
        lines += ["", "## Judge cost (every judge, per log and in total)", "", markdown_table(report.judge_cost)]
    for model in report.models:
        lines += ["", f"## {model}", "", markdown_table(headline_table(report, model))]
        found = findings(report, model)
        lines += ["### Significant effects", ""]
        lines += [f"- {line}" for line in found] if found else ["None of the headline effects is significant."]
        lines.append("")
        matrix = matrix_table(report, model)
        if not matrix.empty:
            lines += ["", "### TG-vs-worst-case matrix", "", markdown_table(matrix)]
        for section in report.sections:
            if not (section.cells["model"] == model).any():
                continue
            gap = gap_table(section, model)
            if not gap.empty:
                lines += [f"### {section.suite}: training minus unmonitored", "", markdown_table(gap)]
            lines += [f"### {section.suite}: main effects", "", markdown_table(effects_table(section, model, True))]
    return "\n".join(lines) + "\n"
