"""Power and planning: how small a gap a suite of a given size can detect, and what it costs.

A suite's samples are clustered: a cell holds several samples of each scenario (paraphrases, cue styles,
epochs), and those move together. With m samples per scenario in a cell and an intra-scenario correlation
(ICC) rho, the variance of a cell rate is the binomial one times the design effect 1 + (m - 1) rho, so the
cell is worth n / deff independent samples. The minimum detectable difference (MDD) of two cells is then the
difference a two-sided test at `alpha` finds with the stated power: statsmodels' `NormalIndPower` on Cohen's h
(arcsine scale) with the effective sizes, converted back to a difference of rates at the given baseline rate.
Paired analyses (training vs unmonitored of one cell index, tonight vs baseline) do better when pairs
correlate; the figures here assume they do not, so they are what the harness can promise at least.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from inspect_ai.dataset import Sample
from statsmodels.stats.power import NormalIndPower

from evals.organisms.heterogeneity import default_scenario_sd, intra_scenario_correlation

PLANNING_RATE = 0.5
"""The baseline rate of the default planning figures: a binary outcome's variance is largest there."""


def default_icc() -> float:
    """The intra-scenario correlation of the heterogeneous organisms (logit-normal sd of `gamer_40_clustered`)
    at the planning rate."""
    return round(intra_scenario_correlation(PLANNING_RATE, default_scenario_sd()), 2)


def design_effect(cluster_size: float, icc: float) -> float:
    """1 + (m - 1) rho: how much clustering inflates the variance of a mean over independent samples."""
    if cluster_size < 1:
        raise ValueError(f"cluster size must be at least 1, got {cluster_size}")
    if not 0.0 <= icc <= 1.0:
        raise ValueError(f"the intra-scenario correlation must be between 0 and 1, got {icc}")
    return 1.0 + (cluster_size - 1.0) * icc


def _rate_at(baseline_rate: float, cohen_h: float) -> float:
    angle = 2 * math.asin(math.sqrt(baseline_rate)) + cohen_h
    return math.sin(min(math.pi, max(0.0, angle)) / 2) ** 2


def minimum_detectable_difference(
    n_effective: float, baseline_rate: float = PLANNING_RATE, alpha: float = 0.05, power: float = 0.8
) -> float:
    """The rate increase over `baseline_rate` that a two-sided test at `alpha` detects with `power`, comparing
    two groups of `n_effective` independent samples each (statsmodels NormalIndPower on Cohen's h)."""
    if n_effective <= 1:
        return math.nan
    h = NormalIndPower().solve_power(effect_size=None, nobs1=n_effective, alpha=alpha, power=power, ratio=1.0)
    return _rate_at(baseline_rate, float(h)) - baseline_rate


@dataclass(frozen=True)
class CellShape:
    """How one cell of a suite is filled: samples and distinct scenarios (per epoch)."""

    cell: str
    samples: int
    scenarios: int

    @property
    def samples_per_scenario(self) -> float:
        return self.samples / self.scenarios if self.scenarios else math.nan


def cell_shapes(samples: Sequence[Sample], cell_factors: Sequence[str]) -> list[CellShape]:
    """Samples and scenarios of every cell of `cell_factors` (a sample without `scenario_id` is its own)."""
    counts: Counter[str] = Counter()
    scenarios: dict[str, set[str]] = defaultdict(set)
    for sample in samples:
        metadata: Mapping[str, object] = sample.metadata or {}
        cell = "/".join(str(metadata.get(factor, "?")) for factor in cell_factors) or "all"
        counts[cell] += 1
        scenarios[cell].add(str(metadata.get("scenario_id", sample.id)))
    return [CellShape(cell, counts[cell], len(scenarios[cell])) for cell in sorted(counts)]


@dataclass(frozen=True)
class Plan:
    """What a run of one suite can detect and what it costs."""

    suite: str
    samples: int
    epochs: int
    cells: list[CellShape]
    icc: float
    baseline_rate: float
    alpha: float
    power: float
    family_size: int
    grader_votes: int
    turns_per_sample: int = 1
    """Model calls per sample: 1 for a single-turn suite; for an agentic suite its most turns (an upper bound)."""
    graded_samples: int = 0
    """Samples x grader-calling scorers that may call the grader (0 when no scorer of the suite calls one)."""

    @property
    def model_calls(self) -> int:
        """Calls to the model under test (at most, for an agentic suite)."""
        return self.samples * self.epochs * self.turns_per_sample

    @property
    def grader_calls(self) -> int:
        """Grader calls at most, when a grader is bound: votes for each sample a grader-calling scorer judges."""
        return self.graded_samples * self.epochs * self.grader_votes

    def cost_line(self) -> str:
        """What the run calls: the model under test (per turn for an agentic suite) and the grader, if any."""
        calls = f"{self.samples} samples x {self.epochs} epoch(s)"
        if self.turns_per_sample > 1:
            calls += (
                f" x up to {self.turns_per_sample} turns = at most {self.model_calls} model calls (an upper "
                "bound: an agent that stops early makes fewer)"
            )
        else:
            calls += f" = {self.model_calls} model calls (single-turn)"
        if self.graded_samples == 0:
            return f"{self.suite}: {calls}; no grader calls (its scorers use no grader)"
        return (
            f"{self.suite}: {calls}; with a grader up to {self.grader_calls} grader calls "
            f"({self.grader_votes} votes for each of {self.graded_samples * self.epochs} scorer x sample judgements)"
        )

    @property
    def smallest_cell(self) -> CellShape:
        return min(self.cells, key=lambda cell: cell.samples)

    def effective_n(self, cell: CellShape) -> float:
        m = cell.samples_per_scenario * self.epochs
        return cell.samples * self.epochs / design_effect(m, self.icc)

    def cell_mdd(self, alpha: float | None = None) -> float:
        """MDD between two cells of the smallest size (e.g. training vs unmonitored within a cell)."""
        return minimum_detectable_difference(
            self.effective_n(self.smallest_cell), self.baseline_rate, alpha or self.alpha, self.power
        )

    def naive_cell_mdd(self) -> float:
        n = self.smallest_cell.samples * self.epochs
        return minimum_detectable_difference(n, self.baseline_rate, self.alpha, self.power)

    def lines(self) -> list[str]:
        cell = self.smallest_cell
        per_scenario = cell.samples_per_scenario * self.epochs
        deff = design_effect(per_scenario, self.icc)
        holm_alpha = self.alpha / max(1, self.family_size)
        return [
            self.cost_line(),
            f"  {len(self.cells)} cells; the smallest has {cell.samples * self.epochs} samples from "
            f"{cell.scenarios} scenarios ({per_scenario:g} per scenario)",
            f"  assumed intra-scenario correlation {self.icc:.2f} -> design effect {deff:.2f}, effective n "
            f"{self.effective_n(cell):.1f} per cell",
            f"  minimum detectable gap at {self.power:.0%} power (two cells, baseline rate "
            f"{self.baseline_rate:.2f}): {self.cell_mdd():+.2f} at alpha {self.alpha:g}; "
            f"{self.cell_mdd(holm_alpha):+.2f} "
            f"with a family of {self.family_size} tests (Holm, worst case alpha/{self.family_size}); a naive "
            f"binomial calculation would promise {self.naive_cell_mdd():+.2f}",
            *(
                [
                    f"  note: cells repeat each of their {cell.scenarios} scenarios {per_scenario:g} times; with "
                    "correlated repeats, more scenarios buy more power than more samples per scenario"
                ]
                if per_scenario > 1 and self.icc > 0
                else []
            ),
        ]


def plan_suite(
    suite: str,
    samples: Sequence[Sample],
    cell_factors: Sequence[str],
    *,
    epochs: int = 1,
    icc: float | None = None,
    baseline_rate: float = PLANNING_RATE,
    alpha: float = 0.05,
    power: float = 0.8,
    grader_votes: int = 5,
    metrics: int = 2,
    turns_per_sample: int = 1,
    graded_samples: int = 0,
) -> Plan:
    """The plan of one suite's samples: family size = metrics x (cells + the pooled row)."""
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}")
    if not 0.0 < baseline_rate < 1.0:
        raise ValueError(f"the baseline rate must be strictly between 0 and 1, got {baseline_rate}")
    cells = cell_shapes(samples, cell_factors)
    if not cells:
        raise ValueError(f"{suite}: the selected task parameters give no samples")
    chosen_icc = default_icc() if icc is None else icc
    design_effect(1.0, chosen_icc)  # validates the range
    return Plan(
        suite,
        len(samples),
        epochs,
        cells,
        chosen_icc,
        baseline_rate,
        alpha,
        power,
        metrics * (len(cells) + 1),
        grader_votes,
        turns_per_sample,
        graded_samples,
    )
