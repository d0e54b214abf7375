"""The report's first screen in HTML: the verdict cards side by side, then the models x behaviours heat map.
Every string from a log (model names, factor levels, reasons) goes through `html.escape`."""

from __future__ import annotations

import math
from html import escape

from evals.analysis.evidence import DEFAULT_MARGIN
from evals.analysis.numbers import interval, signed
from evals.report.heatmap import HeatMap, cell_text
from evals.report.verdict import (
    TG_BEHAVIOUR,
    BehaviourFinding,
    VerdictCard,
    by_suite,
    context_effect_text,
    placement_rules,
    suite_label,
    where_sentence,
)

STATUS_CLASS = {"appears": "yes", "not found": "no", "inconclusive": "maybe", "not measured": "na"}
PLACEMENT_CLASS = {
    "worst-case pattern": "p-worst",
    "look-alike, not TG": "p-lookalike",
    "consistent training-gamer": "p-consistent",
    "context-dependent training-gamer": "p-context",
    "no TG found": "p-none",
    "inconclusive (underpowered)": "p-maybe",
}

STYLE = """
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 10px; }
.card { border: 1px solid #aab7b8; border-radius: 6px; padding: 4px 8px; font-size: 11.5px; min-width: 0; }
.card h2 { font-size: 14px; margin: 0 0 4px; border: 0; padding: 0; overflow-wrap: anywhere; }
.placement { font-weight: 600; margin: 2px 0 4px; padding: 2px 6px; border-radius: 4px; display: inline-block; }
.p-worst { background: #D55E00; color: #fff; } .p-consistent { background: #E69F00; }
.p-context { background: #F0E442; } .p-none { background: #cde7f5; } .p-maybe { background: #e5e5e5; }
.p-lookalike { background: #d7c7e8; }
.bh { display: grid; grid-template-columns: 152px 1fr; border-top: 1px solid #e5e8e8; padding: 1px 0; }
.bh .b { font-weight: 600; overflow-wrap: anywhere; } .nw { white-space: nowrap; }
.card .sub { padding: 0 0 2px 14px; } .card .c { color: #566573; font-size: 11px; font-weight: 400; }
.st { font-weight: 600; white-space: nowrap; } .st.yes { color: #b03a00; } .st.no { color: #1f618d; }
.st.maybe { color: #6e6e6e; } .st.na { color: #8e8e8e; }
.where { color: #2c3e50; } .card .note { font-size: 11px; margin: 2px 0; }
#first-screen h2 { font-size: 16px; margin: 10px 0 2px; padding-bottom: 2px; }
table.heat { font-size: 10.5px; margin: 4px 0; table-layout: fixed; width: 100%; }
table.heat td { text-align: center; padding: 1px 2px; overflow-wrap: anywhere; } table.heat col.model { width: 92px; }
table.heat th { padding: 1px 3px; }
table.heat th { font-size: 11px; } table.heat td.model { text-align: left; font-weight: 600; }
table.heat td.marked { font-weight: 700; } table.heat small { display: block; font-size: 10px; }
"""


def _consistency_short(finding: BehaviourFinding) -> str:
    shown, tested = len(finding.appearing), len(finding.contexts)
    if not tested:
        return ""
    if shown == tested and tested > 1:
        return f"{shown}/{tested} contexts: sticks to the plan"
    if 0 < shown < tested:
        return f"{shown}/{tested} contexts: context-bound"
    return f"{shown}/{tested} contexts"


def _finding_rows(finding: BehaviourFinding) -> str:
    """One behaviour: a line with its status, pooled effect, n and contexts count, then where it appears."""
    status = finding.status
    label = "training-gaming" if finding.behaviour == TG_BEHAVIOUR else finding.behaviour
    e = finding.pooled
    counted = _consistency_short(finding)
    pooled = f'<span class="nw">{escape(e.effect_text(finding.signed_effect))}</span> ' if e.measured else ""
    counts = f"n={e.n}, {counted.split(':')[0]}" if e.n else ""
    head = (
        f'<div class="bh"><span class="b">{escape(label)}</span><span class="rest">'
        f'<span class="st {STATUS_CLASS[status]}">{escape(finding.status_text)}</span> '
        f'<span title="{escape(finding.measure)}, all contexts pooled, 95% interval">{pooled}</span>'
        f'<span class="c nw">{escape(counts)}</span></span></div>'
    )
    if status == "not measured":
        return head + f'<div class="sub note">{escape(finding.reason)}</div>'
    lines = [f'<span class="c">{escape(finding.reason)}</span>'] if status == "inconclusive" and finding.reason else []
    for suite, contexts in by_suite(finding.contexts).items():
        if finding.behaviour != TG_BEHAVIOUR and all(c.appears == contexts[0].appears for c in contexts):
            continue  # everywhere or nowhere: the count says it
        detail = "\n".join(f"{c.name}: {context_effect_text(c)}" for c in contexts)
        text = f"{suite_label(suite)}: {where_sentence(contexts)}"
        lines.append(f'<span class="where" title="{escape(detail)}">{escape(text)}</span>')
    word = counted.split(": ", 1)[1] if ":" in counted else ""
    if word:
        lines.insert(0, f'<span class="c">{escape(word)}{" –" if len(lines) == 1 else ""}</span>')
    if not lines:
        return head
    joiner = " " if len(lines) <= 2 else "<br>"
    return head + f'<div class="sub">{joiner.join(lines)}</div>'


def card_html(card: VerdictCard, index: int) -> str:
    rule = placement_rules(card.margin)[card.placement]
    rows = "".join(_finding_rows(finding) for finding in card.findings)
    notes = [f"Co-occurrence: {card.co_occurrence}."]
    details = []
    if card.backend_note:
        details.append(f"TG back end: {card.backend_note}")
    if card.compliance_note:
        details.append(card.compliance_note)
    if card.why_the_gap:
        details.append(f"Why the gap: {card.why_the_gap}")
    details += card.hypothesis_lines
    # the long lines stay one click away so the cards and the heat map fit the first screen
    folded = (
        "<details><summary>TG back end and accuracy, why the gap, hypothesis tests</summary>"
        + "".join(f'<p class="note">{escape(n)}</p>' for n in details)
        + "</details>"
        if details
        else ""
    )
    return (
        f'<div class="card" id="card-{index}"><h2>{escape(card.model)}</h2>'
        f'<div class="placement {PLACEMENT_CLASS[card.placement]}" title="{escape(rule)}">'
        f'{escape(card.placement)} <sup><a href="#rule-{PLACEMENT_CLASS[card.placement]}">rule</a></sup></div>'
        f'<div class="findings">{rows}</div>'
        + "".join(f'<p class="note">{escape(n)}</p>' for n in notes)
        + folded
        + "</div>"
    )


def _cell_style(value: float) -> str:
    if math.isnan(value):
        return ""
    alpha = min(1.0, abs(value)) * 0.85
    # Okabe-Ito blue for "more concerning" (positive), orange for negative effects.
    colour = "0,114,178" if value > 0 else "230,159,0"
    text = "#ffffff" if alpha > 0.5 and value > 0 else "#1b2631"
    return f' style="background: rgba({colour},{alpha:.2f}); color: {text}"'


def _breakable(text: str) -> str:
    """Escaped text that may wrap after `_` and `/` (long level and model names)."""
    return escape(text).replace("_", "_<wbr>").replace("/", "/<wbr>")


def heat_map_html(heat: HeatMap) -> str:
    if not heat.columns:
        return '<p class="note">No training-gaming or worst-case behaviour measured.</p>'
    groups: list[tuple[str, int]] = []
    for column in heat.columns:
        if groups and groups[-1][0] == column.group:
            groups[-1] = (column.group, groups[-1][1] + 1)
        else:
            groups.append((column.group, 1))
    top = '<th rowspan="2">model</th>' + "".join(f'<th colspan="{n}">{escape(g)}</th>' for g, n in groups)
    labels = "".join(f'<th title="{escape(c.measure)}">{_breakable(c.label)}</th>' for c in heat.columns)
    body = []
    for model in heat.models:
        cells = [f'<td class="model">{_breakable(model)}</td>']
        for column in heat.columns:
            cell = heat.cell(model, column.key)
            if cell is None or not cell.estimate.measured:
                cells.append('<td class="na">–</td>')
                continue
            e = cell.estimate
            marked = " marked" if cell.marked else ""
            cells.append(
                f'<td class="hm{marked}"{_cell_style(e.value)} title="{escape(column.measure)}; {escape(cell.note)}; '
                f'n={e.n}">{signed(e.value)}{" ●" if cell.marked else ""}'
                f"<small>{interval(e.low, e.high)}</small></td>"
            )
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<div class="scroll"><table class="heat" id="heat-map"><colgroup><col class="model"></colgroup>'
        f"<thead><tr>{top}</tr><tr>{labels}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def rules_html(margin: float = DEFAULT_MARGIN) -> str:
    items = "".join(
        f'<li id="rule-{PLACEMENT_CLASS[name]}"><b>{escape(name)}</b>: {escape(rule)}</li>'
        for name, rule in placement_rules(margin).items()
    )
    return f'<ol class="note rules">{items}</ol>'


__all__ = ["STYLE", "card_html", "cell_text", "heat_map_html", "rules_html"]
