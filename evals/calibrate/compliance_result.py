"""Shows a compliance calibration (`evals.calibrate.compliance.measure`): console lines, and the JSON + Markdown
written as `calibration-compliance-<backend>-<set>` next to the other calibration results. The human refusals
scored `complied` (the error that manufactures compliance findings) come first in both."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from evals.calibrate.result import RESULT_PREFIX, fmt, md_quote

SCORER_PART = "compliance"


def result_stem(result: dict[str, Any]) -> str:
    return f"{RESULT_PREFIX}-{SCORER_PART}-{result['backend']}-{result['set']}"


def _share(figure: dict[str, Any]) -> str:
    """`0.812 (95% CI 0.785-0.836, n=880)`, or `n/a (n=0)`."""
    low, high = figure["ci95"]
    if figure["value"] is None:
        return f"n/a (n={figure['n']})"
    return f"{fmt(figure['value'])} (95% CI {fmt(low)}-{fmt(high)}, n={figure['n']})"


def refusals_line(result: dict[str, Any]) -> str:
    figure = result["refusals_scored_complied"]
    low, high = figure["ci95"]
    if not figure["n"]:
        return "human refused or partial scored complied: no human refused / partial reply was scored"
    return (
        f"human refused or partial scored complied: {figure['count']} of {figure['n']} "
        f"({100 * figure['value']:.1f}%, 95% CI {100 * low:.1f}-{100 * high:.1f}%) "
        "<- the error that manufactures compliance findings"
    )


def _table(result: dict[str, Any]) -> list[list[str]]:
    matrix = result["confusion"]
    header = ["human \\ predicted", *matrix["columns"]]
    return [header] + [
        [label, *(str(count) for count in counts)]
        for label, counts in zip(matrix["rows"], matrix["counts"], strict=True)
    ]


def _group_line(name: str, group: dict[str, Any]) -> str:
    refusals = group["refusals_scored_complied"]
    return (
        f"{name}: agreement {_share(group['agreement'])}, kappa {fmt(group['cohen_kappa'])}, "
        f"refused/partial scored complied {refusals['count']} of {refusals['n']}"
    )


def console_lines(result: dict[str, Any]) -> list[str]:
    """The figures for the terminal: counts, the manufactured-compliance error, agreement, the matrix, per label
    and per group."""
    unclear, unscored = result["unclear"], result["unscored"]
    lines = [
        f"scored {result['scored']} of {result['items']} (predicted unclear {unclear['predicted']}, human unclear "
        f"{unclear['human']}, unscored {unscored['count']})",
        refusals_line(result),
        f"3-way agreement {_share(result['agreement'])}; Cohen's kappa {fmt(result['cohen_kappa'])}; "
        f"complied vs not: accuracy {_share(result['complied_vs_not'])}",
        "confusion matrix (rows: human label, columns: predicted):",
    ]
    table = _table(result)
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    lines += [
        "  "
        + "  ".join(cell.rjust(w) if i else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True)))
        for row in table
    ]
    lines.append(
        "per label: "
        + "; ".join(
            f"{label} precision {fmt(f['precision'])} recall {fmt(f['recall'])} (human {f['human']}, "
            f"predicted {f['predicted']})"
            for label, f in result["per_label"].items()
        )
    )
    if result["by_group"]:
        lines.append(f"by {result['group_column']}:")
        lines += [f"  {_group_line(name, group)}" for name, group in result["by_group"].items()]
    if unscored["count"]:
        lines.append("unscored: " + "; ".join(f"{count} {reason}" for reason, count in unscored["reasons"].items()))
    return lines


def to_markdown(result: dict[str, Any]) -> str:
    graders = ", ".join(f"{k}={v}" for k, v in result["graders"].items())
    humans = ", ".join(f"{count} {label}" for label, count in result["human_labels"].items() if count)
    dropped = result["dropped_rows"]
    table = _table(result)
    lines = [
        f"# Calibration of the compliance classifier (`{result['backend']}`) on `{md_quote(result['set'])}`",
        "",
        f"Graders: {md_quote(graders) or 'none (offline rules)'}. Source `{md_quote(result['source'])}`. "
        f"Items: {result['items']} ({humans}), scored {result['scored']}, predicted unclear "
        f"{result['unclear']['predicted']}, unscored {result['unscored']['count']}. Created {result['created']}.",
    ]
    if dropped:
        reasons = "; ".join(f"{md_quote(r)}: {n}" for r, n in sorted(dropped.items(), key=lambda e: -e[1]))
        lines += ["", f"Dropped {sum(dropped.values())} rows of the set before classifying ({reasons})."]
    lines += [
        "",
        f"- **{refusals_line(result).replace(' <- ', ': ')}**",
        f"- 3-way agreement (complied / partial / refused) {_share(result['agreement'])}",
        f"- Cohen's kappa {fmt(result['cohen_kappa'])}",
        f"- Complied vs not: accuracy {_share(result['complied_vs_not'])}",
        "- Agreement is over every reply the humans put in complied / partial / refused; a predicted `unclear` "
        "(unscored by the scorer) counts as a disagreement, and the matrix shows where those replies went.",
        "",
        "## Confusion matrix",
        "",
        "| " + " | ".join(table[0]) + " |",
        "| --- |" + " ---: |" * (len(table[0]) - 1),
        *("| " + " | ".join(row) + " |" for row in table[1:]),
        "",
        "## Per label",
        "",
        "| label | precision | recall | F1 | human (scored) | predicted |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        *(
            f"| {label} | {fmt(f['precision'])} | {fmt(f['recall'])} | {fmt(f['f1'])} | {f['human']} | "
            f"{f['predicted']} |"
            for label, f in result["per_label"].items()
        ),
    ]
    if result["by_group"]:
        lines += [
            "",
            f"## By {md_quote(str(result['group_column']))}",
            "",
            "| group | items | scored | agreement | kappa | complied vs not | refused/partial scored complied |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for name, g in result["by_group"].items():
            refusals = g["refusals_scored_complied"]
            lines.append(
                f"| {md_quote(name) or '(none)'} | {g['items']} | {g['scored']} | {_share(g['agreement'])} | "
                f"{fmt(g['cohen_kappa'])} | {_share(g['complied_vs_not'])} | {refusals['count']} of {refusals['n']} |"
            )
    if result["refusals_scored_complied_examples"]:
        lines += ["", "## Human refused or partial, scored complied (first few)", ""]
        for ex in result["refusals_scored_complied_examples"]:
            where = f", {md_quote(ex['group'])}" if ex["group"] else ""
            lines.append(
                f"- `{md_quote(ex['id'])}`{where} (human {ex['human']}; {md_quote(ex['reason'])}): "
                f"prompt > {md_quote(ex['prompt'])}; reply > {md_quote(ex['reply'])}"
            )
    if result["unscored"]["count"]:
        lines += ["", "## Unscored", ""]
        lines += [f"- {md_quote(reason)}: {count}" for reason, count in result["unscored"]["reasons"].items()]
    cost = result["cost"]
    if cost["grader_calls"]:
        lines += ["", f"Grader calls {cost['grader_calls']}, tokens {cost['grader_tokens']}."]
    return "\n".join(lines) + "\n"


def write_compliance_result(result: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = result_stem(result)
    json_path, md_path = out_dir / f"{stem}.json", out_dir / f"{stem}.md"
    json_path.write_text(json.dumps(result, indent=2), encoding="utf-8")
    md_path.write_text(to_markdown(result), encoding="utf-8")
    return json_path, md_path
