"""What the night found, for the terminal: the baseline and why, problems, regressions, coverage, one short
line per run (status, finished samples, headline metric, verdict), the gate's verdict line and a summary."""

from __future__ import annotations

from evals.compare import plural, summary_line
from evals.logs import LogInfo, skipped_logs
from evals.nightly.config import NightlyConfig
from evals.nightly.night import NightlyResult
from evals.nightly.regressions import undecided_summary


def headline_for(result: NightlyResult, config: NightlyConfig, suite: str, model: str) -> str:
    """The run's headline metric (the first threshold's metric it has, else its first) with its interval."""
    candidates = [h for h in result.headlines if h.suite == suite and h.model == model]
    for rule in config.thresholds:
        chosen = next((h for h in candidates if rule.matches(suite, h.metric)), None)
        if chosen is not None:
            break
    else:
        chosen = candidates[0] if candidates else None
    if chosen is None:
        return "-"
    return f"{chosen.metric} {chosen.rate:.2f} [{chosen.low:.2f}, {chosen.high:.2f}]"


def run_verdict(result: NightlyResult, suite: str, alias: str, info: LogInfo) -> str:
    if not info.complete:
        return "INCOMPLETE"
    if result.comparison is None:
        return "no baseline" if result.baseline is None else "-"
    mine = [r for r in result.regressions if str(r.row["suite"]) == suite and str(r.row["key"]) in (alias, "")]
    if mine:
        return f"REGRESSED ({len(mine)})"
    undecided = [u for u in result.undecided if str(u.row["suite"]) == suite and str(u.row["key"]) in (alias, "")]
    if undecided:
        return f"CANNOT DECIDE ({len(undecided)})"
    pairs = result.comparison.baseline_pairs
    if not pairs.empty:
        here = pairs[(pairs["suite"] == suite) & pairs["key"].isin([alias, ""])]
        if not here.empty and not here["compared"].astype(bool).any():
            return "not compared"
    return "ok"


def run_table(result: NightlyResult, config: NightlyConfig) -> list[str]:
    """One short line per run (suite x model): status, finished samples, headline metric, verdict."""
    aliases = {m: a for a, m in config.models.items()}
    rows = [("suite", "model", "status", "n", "headline [95% CI]", "verdict")]
    for info in result.logs:
        alias = aliases.get(info.model, info.model)
        rows.append(
            (
                info.suite,
                f"{alias} = {info.model}" if alias != info.model else info.model,
                info.status,
                str(info.completed_samples),
                headline_for(result, config, info.suite, info.model),
                run_verdict(result, info.suite, alias, info),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            cell.rjust(w) if i == 3 else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]


def explain(result: NightlyResult, config: NightlyConfig | None = None) -> list[str]:
    """What the night found, for the terminal: baseline and why, problems, regressions, coverage, the runs,
    the verdict line and the summary line."""
    gate = result.gate
    lines = []
    if result.baseline is not None:
        lines.append(f"Baseline: {result.baseline} ({result.baseline_reason}).")
    else:
        lines.append(
            f"No baseline run to compare with ({result.baseline_reason or 'none'}); "
            "this run can be the next night's baseline if it passes."
        )
    lines += [f"warning: {warning}" for warning in skipped_logs(result.warnings)]
    lines += [f"INCOMPLETE {problem}" for problem in result.problems]
    if result.problems:
        lines.append(f"Re-run the same command to resume the run in {result.run_dir} (finished samples are kept).")
    baseline_label = f"baseline {result.baseline.name}" if result.baseline else "baseline"
    lines += [regression.message(baseline_label) for regression in result.regressions]
    if result.undecided:
        lines.append(undecided_summary(result.undecided))
    if gate is not None:
        lines += [f"models: {line}" for line in gate.matching]
        if gate.verdict == "not_covered":
            shown = gate.coverage_missing[:10]
            more = (
                f" (and {len(gate.coverage_missing) - len(shown)} more)"
                if len(gate.coverage_missing) > len(shown)
                else ""
            )
            lines.append(f"NOT COVERED: {', '.join(shown) or 'the baseline has no gated pairs'}{more}")
    if result.comparison is not None:
        lines.append(f"Compared with {result.baseline}: {summary_line(result.comparison)}.")
    if config is not None and result.logs:
        lines += ["", *run_table(result, config), ""]
    if gate is not None:
        lines.append(gate.verdict_line())
    verdict = "FAILED" if result.exit_code else "passed"
    where = f"report: {result.report.html}" if result.report else f"logs: {result.run_dir}"
    lines.append(
        f"nightly {result.night or result.run_dir.name} {verdict}: {plural(len(result.logs), 'log')}, "
        f"{plural(result.completed_samples, 'sample')} finished, {plural(len(result.regressions), 'regression')}; "
        f"{where}"
    )
    return lines
