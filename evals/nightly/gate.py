"""The regression gate's verdict: its exit codes and the summary a night records, prints and reports.

A gate must be right both ways: a night passes only when the run finished, the baseline's gated metric x cell
pairs were compared (coverage) and none regressed past a threshold. Each way of not passing has its own exit
code, so cron and CI can tell "the model got worse" from "the gate could not check".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Verdict = Literal["passed", "regressed", "not_covered", "incomplete"]

EXIT_PASSED = 0
EXIT_REGRESSED = 1
EXIT_USAGE = 2
EXIT_NOT_COVERED = 3
EXIT_INCOMPLETE = 4

EXIT_CODES: dict[Verdict, int] = {
    "passed": EXIT_PASSED,
    "regressed": EXIT_REGRESSED,
    "not_covered": EXIT_NOT_COVERED,
    "incomplete": EXIT_INCOMPLETE,
}

VERDICT_TEXT: dict[Verdict, str] = {
    "passed": "PASSED",
    "regressed": "FAILED: regression",
    "not_covered": "FAILED: baseline not covered",
    "incomplete": "FAILED: run incomplete",
}


@dataclass(frozen=True)
class RegressionLine:
    """One regression, formatted for tables: where, both rates with intervals, the change and the rule."""

    where: str
    baseline: str
    tonight: str
    change: str
    p_adjusted: str
    p_raw: str
    threshold: str


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
        return (
            f"gate {self.night}: {VERDICT_TEXT[self.verdict]} (exit {self.exit_code}); {baseline}; "
            f"{self.coverage_text()}; {count} regression{'' if count == 1 else 's'}"
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GateSummary:
        values = dict(data)
        values["regressions"] = [RegressionLine(**line) for line in values.get("regressions", [])]
        known = set(cls.__dataclass_fields__)
        return cls(**{key: value for key, value in values.items() if key in known})
