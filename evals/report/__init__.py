"""`schemer-evals report`: turns Inspect logs into one self-contained HTML page and a Markdown summary.

Every number comes from `evals.analysis` (rates, gaps, the factor model, gap attribution); `verdict` and
`heatmap` turn them into the first screen's answer; `build` assembles the report's content;
`tables`, `figures`, `first_screen`, `html` and `markdown` only present it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from evals.analysis.evidence import DEFAULT_MARGIN
from evals.logs import LogInfo, load
from evals.report.build import Report, build_report
from evals.report.html import render_html
from evals.report.markdown import render_markdown

HTML_NAME = "report.html"
MARKDOWN_NAME = "report.md"


@dataclass(frozen=True)
class WrittenReport:
    report: Report
    html: Path
    markdown: Path


def write_report(report: Report, out_dir: Path, preamble_markdown: str = "", preamble_html: str = "") -> WrittenReport:
    """Write both files. The preambles (trusted text built by the caller, e.g. the nightly gate's verdict block)
    go at the very top, above the verdict cards."""
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path, markdown_path = out_dir / HTML_NAME, out_dir / MARKDOWN_NAME
    html_path.write_text(render_html(report, preamble_html), encoding="utf-8")
    markdown_path.write_text(render_markdown(report, HTML_NAME, preamble_markdown), encoding="utf-8")
    return WrittenReport(report, html_path, markdown_path)


def make_report(
    sources: Sequence[str | Path],
    out_dir: Path,
    model: str | None = None,
    examples_per_cell: int = 2,
    progress: Callable[[int, int, LogInfo], None] | None = None,
    preamble_markdown: str = "",
    preamble_html: str = "",
    planted: bool = True,
    margin: float = DEFAULT_MARGIN,
) -> WrittenReport:
    """Read the logs under `sources` and write `report.html` and `report.md` into `out_dir`.

    `preamble_markdown` / `preamble_html` go above the verdict cards (the nightly gate's block); `planted=False`
    skips reading organism transcripts to draw their planted values; `margin` is the largest effect a
    "not found" may leave unexcluded (`evals.analysis.evidence`)."""
    table = load(sources, model=model, progress=progress)
    report = build_report(table, [str(source) for source in sources], examples_per_cell, planted, margin)
    return write_report(report, out_dir, preamble_markdown, preamble_html)


__all__ = ["HTML_NAME", "MARKDOWN_NAME", "Report", "WrittenReport", "build_report", "make_report", "write_report"]
