"""The report's Markdown summary: the headline tables without plots or transcripts, for a CI job summary,
a chat message or a quick diff between nights."""

from __future__ import annotations

import pandas as pd

from evals.calibrate.accuracy import report_accuracy_lines
from evals.report.build import Report
from evals.report.tables import effects_table, findings, gap_table, headline_table, matrix_table, overview_table


def markdown_table(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "_No data._\n"

    def cell(value: object) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    header = "| " + " | ".join(cell(c) for c in frame.columns) + " |"
    rule = "| " + " | ".join("---" for _ in frame.columns) + " |"
    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *rows]) + "\n"


def render_markdown(report: Report, html_name: str) -> str:
    lines = [
        "# schemer-evals report",
        "",
        f"Logs: {', '.join(report.sources)}. Full report with plots, every metric and example transcripts: "
        f"[{html_name}]({html_name}).",
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
        lines += ["", "## TG scorer back ends and judge cost", "", markdown_table(report.judge_cost)]
        lines += [f"- {line}" for line in report_accuracy_lines(report.sources, report.judge_cost)]
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
