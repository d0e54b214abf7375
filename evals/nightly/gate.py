"""The regression gate's verdict: its exit codes and the summary a night records, prints and reports.

A gate must be right both ways: a night passes only when the run finished, the baseline's gated metric x cell
pairs were compared (coverage; a night that compared nothing never passes), none regressed past a threshold and
the test could decide every primary gated comparison (enough scenarios for its level). Each way of not passing
has its own exit code, so cron and CI can tell "the model got worse" from "the gate could not check".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Verdict = Literal["passed", "regressed", "not_covered", "incomplete", "undecided"]

EXIT_PASSED = 0
EXIT_REGRESSED = 1
EXIT_USAGE = 2
EXIT_NOT_COVERED = 3
EXIT_INCOMPLETE = 4
EXIT_UNDECIDED = 5
"""Too few scenarios for the test to decide a gated comparison at the gate's level: neither pass nor regression."""

EXIT_CODES: dict[Verdict, int] = {
    "passed": EXIT_PASSED,
    "regressed": EXIT_REGRESSED,
    "not_covered": EXIT_NOT_COVERED,
    "incomplete": EXIT_INCOMPLETE,
    "undecided": EXIT_UNDECIDED,
}

VERDICT_TEXT: dict[Verdict, str] = {
    "passed": "PASSED",
    "regressed": "FAILED: regression",
    "not_covered": "FAILED: baseline not covered",
    "incomplete": "FAILED: run incomplete",
    "undecided": "CANNOT DECIDE: too few scenarios",
}


@dataclass(frozen=True)
class RegressionLine:
    """One regression, formatted for tables: where, both rates with intervals, the change (95% interval), the
    p-value of "the change is the allowed one" (Bonferroni-adjusted and raw), the rule, and the evidence (the
    gate-level interval beyond the allowed change, and the method)."""

    where: str
    baseline: str
    tonight: str
    change: str
    p_adjusted: str
    p_raw: str
    threshold: str
    evidence: str = ""


@dataclass
class GateSummary:
    """What the gate decided for one night, and why."""

    night: str
    verdict: Verdict
    baseline: str | None = None
    """The baseline run directory's name, or None (first night, or nothing passed before)."""
    baseline_reason: str = ""
    coverage_compared: int = 0
    coverage_total: int = 0
    min_coverage: float = 1.0
    coverage_missing: list[str] = field(default_factory=list)
    regressions: list[RegressionLine] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    matching: list[str] = field(default_factory=list)
    statistic: str = ""
    undecided: list[str] = field(default_factory=list)
    """Gated comparisons the test cannot decide at the gate's level, one line each."""

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.verdict]

    @property
    def coverage(self) -> float | None:
        """Share of the baseline's gated pairs compared; None when there was no baseline to compare with."""
        if self.baseline is None:
            return None
        return self.coverage_compared / self.coverage_total if self.coverage_total else 0.0

    def coverage_text(self) -> str:
        share = self.coverage
        if share is None:
            return "coverage: no baseline"
        if self.verdict == "incomplete":
            return "coverage: not compared (run incomplete)"
        return (
            f"coverage {share:.0%} of the baseline's gated metric x cell pairs "
            f"({self.coverage_compared} of {self.coverage_total}; required {self.min_coverage:.0%})"
        )

    def verdict_line(self) -> str:
        baseline = f"baseline {self.baseline}" if self.baseline else "no baseline"
        count = len(self.regressions)
        undecided = f"; {len(self.undecided)} cannot be decided" if self.undecided else ""
        return (
            f"gate {self.night}: {VERDICT_TEXT[self.verdict]} (exit {self.exit_code}); {baseline}; "
            f"{self.coverage_text()}; {count} regression{'' if count == 1 else 's'}{undecided}"
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GateSummary:
        values = dict(data)
        values["regressions"] = [RegressionLine(**line) for line in values.get("regressions", [])]
        known = set(cls.__dataclass_fields__)
        return cls(**{key: value for key, value in values.items() if key in known})


def decide(gate: GateSummary, incomplete: bool, regressed: bool, undecided: bool) -> Verdict:
    """The night's verdict, the first that holds of: incomplete, regressed, not covered (below `min_coverage`,
    or a baseline and nothing compared: a gate that compared nothing never passes), cannot decide; else
    passed (a first night, with no baseline, passes so that it can become the next night's baseline)."""
    if incomplete:
        return "incomplete"
    if regressed:
        return "regressed"
    share = gate.coverage
    if share is not None and (share < gate.min_coverage or gate.coverage_compared == 0):
        return "not_covered"
    if undecided:
        return "undecided"
    return "passed"
