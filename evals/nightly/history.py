"""The nightly history: one record per night, the choice of baseline from it, and the trend across nights.

Every night writes `gate.json` into its run directory and a line into `<log_root>/history.jsonl` (date, model
aliases -> models, config hash, verdict, headline metrics with intervals). The default baseline is the last
night whose recorded verdict is `passed`, so a night that regressed never becomes the reference the next
night is judged against. The trend (Markdown table and a plot) makes a slow drift visible that no single
night-to-night comparison flags.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from evals.analysis.rates import cell_rates, layouts, scored_frame
from evals.logs import SampleTable
from evals.nightly.gate import GateSummary
from evals.report.tables import num

HISTORY_FILE = "history.jsonl"
GATE_FILE = "gate.json"


@dataclass(frozen=True)
class Headline:
    """A headline metric of one night: the pooled rate of one metric for one alias and suite."""

    alias: str
    model: str
    suite: str
    metric: str
    rate: float
    low: float
    high: float
    n: int


@dataclass
class Night:
    """One night's record in the history index."""

    night: str
    run_dir: str
    models: dict[str, str]
    """alias -> model"""
    config_hash: str
    gate: GateSummary
    headlines: list[Headline] = field(default_factory=list)
    samples: int = 0
    gated_pairs: list[list[str]] = field(default_factory=list)
    """The (alias, suite, metric, cell) pairs this night scored that a threshold gated: what a later night
    compared with it must cover, even if its own config no longer gates (or runs) them."""

    @property
    def verdict(self) -> str:
        return self.gate.verdict

    def to_json(self) -> str:
        data = asdict(self)
        data["gate"] = self.gate.to_dict()
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Night:
        return cls(
            night=str(data["night"]),
            run_dir=str(data["run_dir"]),
            models={str(k): str(v) for k, v in (data.get("models") or {}).items()},
            config_hash=str(data.get("config_hash", "")),
            gate=GateSummary.from_dict(data["gate"]),
            headlines=[Headline(**h) for h in data.get("headlines") or []],
            samples=int(data.get("samples", 0)),
            gated_pairs=[[str(part) for part in pair] for pair in data.get("gated_pairs") or []],
        )


def read_night(run_dir: Path) -> Night | None:
    """The record a nightly run left in its directory (`gate.json`), or None (not a nightly run, or damaged)."""
    path = run_dir / GATE_FILE
    if not path.is_file():
        return None
    try:
        return Night.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError):
        return None


def config_hash(text: str) -> str:
    """A short stable hash of a config file's content (which settings produced the night)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def read_history(log_root: Path, warnings: list[str] | None = None) -> list[Night]:
    """The nights recorded under `log_root`, oldest first; a damaged line is skipped with a warning."""
    path = log_root / HISTORY_FILE
    if not path.is_file():
        return []
    nights: dict[str, Night] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            night = Night.from_dict(json.loads(line))
        except (ValueError, KeyError, TypeError) as error:
            if warnings is not None:
                warnings.append(f"{path}:{number}: unreadable history record skipped ({error})")
            continue
        nights[night.night] = night  # a re-run night's newest record wins
    return sorted(nights.values(), key=lambda night: night.night)


def record_night(log_root: Path, night: Night) -> None:
    """Write the night's `gate.json` and put its record into the index (replacing an earlier run of it)."""
    run_dir = Path(night.run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / GATE_FILE).write_text(json.dumps(json.loads(night.to_json()), indent=2) + "\n", encoding="utf-8")
    others = [n for n in read_history(log_root) if n.night != night.night]
    lines = [n.to_json() for n in sorted([*others, night], key=lambda n: n.night)]
    log_root.mkdir(parents=True, exist_ok=True)  # a night run with --run-dir elsewhere has not made it
    (log_root / HISTORY_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")


@dataclass(frozen=True)
class BaselineChoice:
    path: Path | None
    reason: str


def last_passed(log_root: Path, before: str) -> BaselineChoice:
    """The latest night before `before` whose recorded verdict is `passed` and whose directory still exists."""
    skipped: list[str] = []
    for night in reversed(read_history(log_root)):
        if night.night >= before:
            continue
        if night.verdict != "passed":
            skipped.append(f"{night.night} {night.verdict}")
            continue
        if not Path(night.run_dir).is_dir():
            skipped.append(f"{night.night} missing")
            continue
        passed_over = f"; passed over: {', '.join(skipped)}" if skipped else ""
        return BaselineChoice(Path(night.run_dir), f"the last night that passed{passed_over}")
    if skipped:
        return BaselineChoice(None, f"no earlier night passed ({', '.join(skipped)})")
    return BaselineChoice(None, f"no earlier night recorded in {log_root / HISTORY_FILE}")


def headline_rates(table: SampleTable, aliases: dict[str, str], metrics: Sequence[str] | None = None) -> list[Headline]:
    """The pooled (`all` cell) rate of each metric (those in `metrics`, or all) per model and suite."""
    result: list[Headline] = []
    for suite, layout in layouts(table).items():
        frame = scored_frame(table, layout)
        if metrics is not None:
            frame = frame[frame["metric"].isin(list(metrics))]
        if frame.empty:
            continue
        pooled = cell_rates(frame, layout)
        for row in pooled[pooled["cell"] == "all"].itertuples(index=False):
            if not row.n:
                continue
            model = str(row.model)
            result.append(
                Headline(
                    aliases.get(model, model),
                    model,
                    suite,
                    str(row.metric),
                    num(row.rate),
                    num(row.ci_low),
                    num(row.ci_high),
                    int(num(row.n)),
                )
            )
    return result


def scored_pairs(table: SampleTable, aliases: dict[str, str]) -> list[tuple[str, str, str, str]]:
    """Every (alias, suite, metric, cell) with at least one scored sample, the pooled `all` cell included."""
    pairs: list[tuple[str, str, str, str]] = []
    for suite, layout in layouts(table).items():
        rates = cell_rates(scored_frame(table, layout), layout)
        for row in rates[rates["n"] > 0].itertuples(index=False):
            pairs.append((aliases.get(str(row.model), str(row.model)), suite, str(row.metric), str(row.cell)))
    return pairs


def trend_frame(nights: Iterable[Night]) -> pd.DataFrame:
    """One row per night x headline metric, with the night's verdict and the model behind the alias."""
    rows = [
        {"night": night.night, "verdict": night.verdict, **asdict(headline)}
        for night in nights
        for headline in night.headlines
    ]
    columns = ["night", "verdict", "alias", "model", "suite", "metric", "rate", "low", "high", "n"]
    return pd.DataFrame(rows, columns=columns)


def _rate(rate: float, low: float, high: float, n: int) -> str:
    if math.isnan(rate):
        return "-"
    return f"{rate:.2f} [{low:.2f}, {high:.2f}] (n={n})"


def render_trend_markdown(nights: Sequence[Night]) -> str:
    """Nights (verdict, baseline, coverage) and each headline metric across nights, as Markdown."""
    lines = ["# Nightly trend", ""]
    if not nights:
        return "\n".join([*lines, "No nights recorded yet.", ""])
    lines += ["| night | verdict | baseline | coverage | regressions | models | samples |", "| --- " * 7 + "|"]
    for night in nights:
        coverage = night.gate.coverage
        lines.append(
            f"| {night.night} | {night.verdict} | {night.gate.baseline or '-'} | "
            f"{'-' if coverage is None else f'{coverage:.0%}'} | {len(night.gate.regressions)} | "
            f"{', '.join(f'{a} = {m}' for a, m in night.models.items())} | {night.samples} |"
        )
    frame = trend_frame(nights)
    for (alias, suite, metric), part in frame.groupby(["alias", "suite", "metric"], sort=False):
        lines += ["", f"## {alias} {suite} {metric}", "", "| night | model | rate [95% CI] | verdict |"]
        lines.append("| --- | --- | --- | --- |")
        for row in part.itertuples(index=False):
            lines.append(
                f"| {row.night} | {row.model} | {_rate(num(row.rate), num(row.low), num(row.high), int(num(row.n)))} "
                f"| {row.verdict} |"
            )
    return "\n".join(lines) + "\n"


def plot_trend(nights: Sequence[Night], path: Path) -> Path | None:
    """Each headline metric across nights with its 95% interval, one panel per metric; None without data."""
    frame = trend_frame(nights)
    if frame.empty:
        return None
    groups = list(frame.groupby(["suite", "metric"], sort=False))
    figure, axes = plt.subplots(len(groups), 1, figsize=(8, 2.6 * len(groups)), squeeze=False)
    for axis, ((suite, metric), part) in zip(axes[:, 0], groups, strict=True):
        for alias, series in part.groupby("alias", sort=False):
            axis.errorbar(
                series["night"],
                series["rate"],
                yerr=[series["rate"] - series["low"], series["high"] - series["rate"]],
                marker="o",
                capsize=3,
                label=str(alias),
            )
        axis.set_title(f"{suite}: {metric}", fontsize=9)
        axis.set_ylim(-0.05, 1.05)
        axis.set_ylabel("rate, 95% CI", fontsize=7)
        axis.tick_params(axis="x", labelrotation=30, labelsize=7)
        axis.legend(fontsize=7)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return path
