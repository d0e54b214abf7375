"""The trend of a nightly root: `trend.md` and `trend.png` from the history of nights, appended to a written
report when one is given."""

from __future__ import annotations

from pathlib import Path

from evals.nightly.gate_report import append_section, trend_html
from evals.nightly.history import plot_trend, read_history, render_trend_markdown
from evals.report import WrittenReport

TREND_FILE = "trend.md"
TREND_PLOT = "trend.png"


def write_trend(log_root: Path, out_dir: Path, written: WrittenReport | None = None) -> Path:
    """`trend.md` and `trend.png` from the history under `log_root`; appended to a written report if given."""
    nights = read_history(log_root)
    markdown = render_trend_markdown(nights)
    path = out_dir / TREND_FILE
    out_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(markdown, encoding="utf-8")
    plot = plot_trend(nights, out_dir / TREND_PLOT)
    if written is not None:
        section = markdown.replace("# Nightly trend", "## Nightly trend", 1)
        section = (
            "\n".join(
                "#" + line if line.startswith("## ") and not line.startswith("## Nightly") else line
                for line in section.splitlines()
            )
            + "\n"
        )
        append_section(written.markdown, written.html, section, trend_html(path, plot))
    return path
