"""The gate block at the top of a night's report: verdict, baseline and why, coverage, each regression with
its interval and p-value, and, for a nightly root, the trend across nights.

Rendering lives here as functions returning Markdown / HTML strings; `put_on_top` puts a block right after the
report's first heading (Markdown) and after `<body>` (HTML), so the report's own layout is untouched. Every
value that comes from logs (model names, cells) is escaped in HTML.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

from evals.nightly.gate import VERDICT_TEXT, GateSummary, RegressionLine

GATE_MARKER = "<!-- schemer-evals gate -->"


def _markdown_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


REGRESSION_COLUMNS = (
    "where",
    "baseline",
    "tonight",
    "change [95% CI]",
    "p of the allowed change, Bonferroni (raw)",
    "threshold",
    "evidence",
)


def _cells(line: RegressionLine) -> tuple[str, ...]:
    return (
        line.where,
        line.baseline,
        line.tonight,
        line.change,
        f"{line.p_adjusted} ({line.p_raw})",
        line.threshold,
        line.evidence,
    )


def gate_markdown(gate: GateSummary) -> str:
    lines = [
        GATE_MARKER,
        f"## Gate: {VERDICT_TEXT[gate.verdict]} (exit {gate.exit_code})",
        "",
        f"- Baseline: {gate.baseline or 'none'}" + (f" ({gate.baseline_reason})" if gate.baseline_reason else ""),
        f"- {gate.coverage_text()[0].upper()}{gate.coverage_text()[1:]}",
        f"- Regressions: {len(gate.regressions)}",
    ]
    if gate.statistic:
        lines.append(f"- Statistic: {gate.statistic}")
    lines += [f"- Models: {line}" for line in gate.matching]
    lines += [f"- Problem: {problem}" for problem in gate.problems]
    if gate.regressions:
        lines += [
            "",
            f"| {' | '.join(REGRESSION_COLUMNS)} |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        lines += ["| " + " | ".join(_markdown_cell(value) for value in _cells(r)) + " |" for r in gate.regressions]
    if gate.undecided:
        lines += ["", "Cannot decide (too few scenarios for the gate's level; add scenarios or gate fewer cells):", ""]
        lines += [f"- {_markdown_cell(line)}" for line in gate.undecided]
    if gate.coverage_missing:
        shown = gate.coverage_missing[:20]
        more = f" and {len(gate.coverage_missing) - len(shown)} more" if len(gate.coverage_missing) > len(shown) else ""
        lines += ["", "Baseline pairs not compared: " + ", ".join(_markdown_cell(m) for m in shown) + more + "."]
    return "\n".join(lines) + "\n"


def gate_html(gate: GateSummary) -> str:
    e = html.escape
    colour = "#1a7f37" if gate.verdict == "passed" else "#cf222e"
    items = [
        f"<li>Baseline: {e(gate.baseline or 'none')}"
        + (f" ({e(gate.baseline_reason)})" if gate.baseline_reason else "")
        + "</li>",
        f"<li>{e(gate.coverage_text())}</li>",
        f"<li>Regressions: {len(gate.regressions)}</li>",
        *(f"<li>Statistic: {e(gate.statistic)}</li>" for _ in [0] if gate.statistic),
        *(f"<li>Models: {e(line)}</li>" for line in gate.matching),
        *(f"<li>Problem: {e(problem)}</li>" for problem in gate.problems),
    ]
    parts = [
        GATE_MARKER,
        f'<section id="gate" style="border:2px solid {colour};padding:0.6em 1em;margin:1em 0">',
        f'<h2 style="color:{colour}">Gate: {e(VERDICT_TEXT[gate.verdict])} (exit {gate.exit_code})</h2>',
        "<ul>" + "".join(items) + "</ul>",
    ]
    if gate.regressions:
        header = "".join(f"<th>{e(h)}</th>" for h in REGRESSION_COLUMNS)
        rows = "".join("<tr>" + "".join(f"<td>{e(v)}</td>" for v in _cells(r)) + "</tr>" for r in gate.regressions)
        parts.append(f"<table><thead><tr>{header}</tr></thead><tbody>{rows}</tbody></table>")
    if gate.undecided:
        undecided = "".join(f"<li>{e(line)}</li>" for line in gate.undecided)
        parts.append(
            "<p>Cannot decide (too few scenarios for the gate's level; add scenarios or gate fewer cells):</p>"
            f"<ul>{undecided}</ul>"
        )
    if gate.coverage_missing:
        parts.append("<p>Baseline pairs not compared: " + e(", ".join(gate.coverage_missing[:20])) + "</p>")
    parts.append("</section>")
    return "\n".join(parts) + "\n"


def trend_html(markdown_path: Path, plot: Path | None) -> str:
    """A section pointing at the trend table, with the plot embedded (the report stays one file)."""
    parts = ['<section id="trend"><h2>Nightly trend</h2>']
    if plot is not None and plot.is_file():
        data = base64.b64encode(plot.read_bytes()).decode("ascii")
        parts.append(f'<img alt="headline metrics across nights" src="data:image/png;base64,{data}">')
    parts.append(f"<p>Every night and headline metric with its interval: {html.escape(markdown_path.name)}</p>")
    parts.append("</section>")
    return "\n".join(parts) + "\n"


def put_on_top(markdown_path: Path, html_path: Path, markdown_block: str, html_block: str) -> None:
    """Insert the blocks at the top of an already written report (after the title / `<body>`); idempotent."""
    text = markdown_path.read_text(encoding="utf-8")
    if GATE_MARKER not in text:
        lines = text.splitlines(keepends=True)
        title = 1 if lines and lines[0].startswith("# ") else 0
        text = "".join(lines[:title]) + ("\n" if title else "") + markdown_block + "\n" + "".join(lines[title:])
        markdown_path.write_text(text, encoding="utf-8")
    page = html_path.read_text(encoding="utf-8")
    if GATE_MARKER not in page:
        match = re.search(r"<body[^>]*>", page)
        at = match.end() if match else 0
        html_path.write_text(page[:at] + "\n" + html_block + page[at:], encoding="utf-8")


def append_section(markdown_path: Path, html_path: Path, markdown_block: str, html_block: str) -> None:
    """Add a section at the end of a written report (before `</body>`)."""
    markdown_path.write_text(markdown_path.read_text(encoding="utf-8") + "\n" + markdown_block, encoding="utf-8")
    page = html_path.read_text(encoding="utf-8")
    at = page.rfind("</body>")
    at = len(page) if at < 0 else at
    html_path.write_text(page[:at] + html_block + page[at:], encoding="utf-8")
