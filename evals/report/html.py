"""The report as one self-contained HTML page (inline CSS, figures as inline SVG, no scripts or external
resources). The first screen answers the question (verdict cards side by side, then the heat map); then one
figure per hypothesis, details per model, and an appendix of logs, judge cost and unscored samples. Every string
that comes from a log, model output above all, goes through `html.escape`."""

from __future__ import annotations

import datetime as dt
import re
from html import escape

import pandas as pd

from evals.report.build import Report, SuiteSection
from evals.report.examples import Example
from evals.report.first_screen import STYLE as FIRST_SCREEN_STYLE
from evals.report.first_screen import card_html, heat_map_html, rules_html
from evals.report.tables import (
    cell_table,
    effects_table,
    findings,
    gap_table,
    headline_table,
    label_table,
    matrix_table,
    overview_table,
    scorer_title,
    unscored_display,
)
from evals.report.texts import GLOSSARY, HEAT_MAP_NOTE, MATRIX_NOTE

STYLE = """
body { font-family: system-ui, sans-serif; margin: 12px 18px; color: #1b2631; }
header h1 { font-size: 20px; margin: 0 0 2px; } header p { margin: 0 0 8px; }
.scroll { overflow-x: auto; max-width: 100%; }
h2 { border-bottom: 2px solid #2c3e50; padding-bottom: 4px; margin-top: 36px; }
h3 { margin-top: 26px; color: #1a5276; } h4 { margin: 18px 0 6px; }
table { border-collapse: collapse; margin: 8px 0 14px; font-size: 13px; }
th, td { border: 1px solid #aab7b8; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #d6eaf8; } tr:nth-child(even) td { background: #f4f6f7; }
.note { color: #566573; font-size: 13px; } .warning { color: #922b21; }
.figure svg { display: block; max-width: 100%; height: auto; border: 1px solid #d5d8dc; margin: 8px 0; }
details { margin: 4px 0 8px; } summary { cursor: pointer; }
.turn { border-left: 4px solid #aab7b8; margin: 4px 0 4px 8px; padding: 2px 8px; }
.turn.assistant { border-color: #1e8449; } .turn.reasoning { border-color: #b9770e; background: #fef9e7; }
.turn pre { white-space: pre-wrap; word-break: break-word; margin: 2px 0; font-size: 12px; }
code { background: #f2f3f4; padding: 0 3px; }
"""


def html_table(frame: pd.DataFrame, css_class: str = "rates") -> str:
    if frame.empty:
        return '<p class="note">No data.</p>'
    head = "".join(f"<th>{escape(str(column))}</th>" for column in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(value))}</td>" for value in row) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return (
        f'<div class="scroll"><table class="{css_class}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def anchor(*parts: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_-]+", "-", "-".join(parts)).strip("-")


def _example(example: Example) -> str:
    ref = example.ref
    scores = "; ".join(f"{name}: {text}" for name, text in example.scores.items())
    turns = []
    for turn in example.turns:
        label = turn.role + (" (reasoning)" if turn.kind == "reasoning" else "")
        classes = f"turn {turn.role}" + (" reasoning" if turn.kind == "reasoning" else "")
        cut = '<div class="note">(cut; full text in inspect view)</div>' if turn.truncated else ""
        body = f'<div class="{classes}"><b>{escape(label)}</b><pre>{escape(turn.text)}</pre>{cut}</div>'
        # The system prompt is long and the same template across a cell: fold it.
        if turn.role == "system":
            body = f"<details><summary>system prompt</summary>{body}</details>"
        turns.append(body)
    return (
        f"<details><summary>sample <code>{escape(str(ref.sample_id))}</code> (epoch {ref.epoch}), "
        f"{escape(ref.outcome)}</summary>"
        f'<p class="note">scores: {escape(scores)}<br>open in <code>{escape(example.view_command)}</code>, then '
        f'<a href="{escape(example.view_url)}">{escape(example.view_url)}</a></p>' + "".join(turns) + "</details>"
    )


def _suite(section: SuiteSection, model: str) -> str:
    parts = [f'<h3 id="{anchor(model, section.suite)}">Suite {escape(section.suite)}</h3>']
    factors = ", ".join(section.layout.factors) or "none"
    parts.append(
        f'<p class="note">Factors varied: {escape(factors)}. Rows of the condition tables cross: '
        f"{escape(', '.join(section.layout.cell_factors) or 'none')}.</p>"
    )
    gap = gap_table(section, model)
    if not gap.empty:
        parts.append(
            "<h4>Compliance gap: training minus unmonitored (compliance and TG reasoning)</h4>" + html_table(gap, "gap")
        )
    parts.append(
        "<h4>Main effects of each factor (headline metrics)</h4>"
        + html_table(effects_table(section, model, True), "effects")
    )
    others = effects_table(section, model, False)
    if not others.empty:
        parts.append(
            "<details><summary>Main effects of every other metric</summary>"
            + html_table(others, "effects")
            + "</details>"
        )
    for scorer in section.scorers():
        parts.append(
            f"<h4>{escape(scorer_title(scorer))} by condition</h4>" + html_table(cell_table(section, model, scorer))
        )
    motives = label_table(section.motives, model, "motive")
    if not motives.empty:
        parts.append(
            "<h4>Motive of training-gaming reasoning (samples judged TG)</h4>" + html_table(motives, "motives")
        )
    examples = [e for e in section.examples if e.ref.model == model]
    if examples:
        parts.append("<h4>Example transcripts</h4>")
        for cell in dict.fromkeys(e.ref.cell for e in examples):
            chosen = [e for e in examples if e.ref.cell == cell]
            parts.append(f"<details><summary>cell {escape(cell)} ({len(chosen)} examples)</summary>")
            parts += [_example(e) for e in chosen]
            parts.append("</details>")
    return "\n".join(parts)


def _model(report: Report, model: str) -> str:
    parts = [f'<section class="model" id="{anchor(model)}"><h2>Model {escape(model)}</h2>']
    parts.append(
        "<h3>Headline rates (all conditions pooled)</h3>" + html_table(headline_table(report, model), "headline")
    )
    lines = findings(report, model)
    parts.append("<h3>Significant effects (95% interval excludes 0)</h3>")
    parts.append(
        "<ul>" + "".join(f"<li>{escape(line)}</li>" for line in lines) + "</ul>"
        if lines
        else '<p class="note">None of the headline effects is significant.</p>'
    )
    parts.append(f'<h3>TG-vs-worst-case matrix</h3><p class="note">{escape(MATRIX_NOTE)}</p>')
    matrix = matrix_table(report, model)
    parts.append(
        html_table(matrix, "matrix")
        if not matrix.empty
        else '<p class="note">Not measured: these logs have no training-gaming or worst-case scorer for this model.</p>'
    )
    parts += [_suite(section, model) for section in report.sections if (section.cells["model"] == model).any()]
    parts.append("</section>")
    return "\n".join(parts)


def render_html(report: Report, preamble_html: str = "") -> str:
    """The page. `preamble_html` (trusted HTML built by the caller, e.g. the nightly gate's verdict) goes above
    the verdict cards."""
    generated = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    nav = " · ".join(f'<a href="#{anchor(m)}">{escape(m)}</a>' for m in report.models)
    warnings = "".join(f'<li class="warning">{escape(w)}</li>' for w in report.warnings)
    glossary = "".join(f"<li><b>{escape(term)}</b>: {escape(text)}</li>" for term, text in GLOSSARY)
    cards = "".join(card_html(card, index) for index, card in enumerate(report.cards))
    figures = "".join(
        f'<div class="figure" id="figure-{escape(figure.hypothesis)}"><h3>{escape(figure.title)}</h3>{figure.svg}</div>'
        for figure in report.figures
    )
    warning_note = (
        f' <a href="#warnings" class="warning">{len(report.warnings)} warning(s)</a>' if report.warnings else ""
    )
    body = [
        "<header><h1>schemer-evals report</h1>"
        f'<p class="note">Generated {generated} from {escape(", ".join(report.sources))}; '
        f"{len(report.logs)} logs, models: {nav}.{warning_note} Rates and effects carry 95% intervals; "
        "● marks an interval that excludes 0. Hover a line for its numbers.</p></header>",
        *(f'<p class="warning">Skipped: {escape(line)}</p>' for line in report.skipped_logs),
        preamble_html,
        f'<section id="first-screen"><div class="cards" id="verdict-cards">{cards}</div>',
        '<h2 id="heat-map-title">Models x behaviours (higher = more concerning)</h2>',
        heat_map_html(report.heat_map),
        f'<p class="note">{escape(HEAT_MAP_NOTE)}</p></section>',
        "<h2>Placement rules</h2>" + rules_html(report.margin),
        *(["<h2>One figure per hypothesis</h2>", figures] if figures else []),
        f"<details><summary>What the numbers mean</summary><ul>{glossary}</ul></details>",
        "<h2>Details per model</h2>",
        *[_model(report, model) for model in report.models],
        '<h2 id="appendix">Appendix: logs, judge cost, unscored samples</h2>',
        html_table(overview_table(report), "logs"),
        f'<ul id="warnings">{warnings}</ul>' if warnings else "",
        *(
            ["<h3>Judge cost (every judge, per log and in total)</h3>", html_table(report.judge_cost, "judge-cost")]
            if not report.judge_cost.empty
            else []
        ),
        "<h3>Unscored samples: by-design exclusions and failures, with the reason</h3>",
        html_table(unscored_display(report), "unscored"),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>schemer-evals report</title>"
        f"<style>{STYLE}{FIRST_SCREEN_STYLE}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )
