"""Accuracy measures of a graded classifier against labels: AUROC with a bootstrap interval, precision /
recall / F1 with Wilson intervals at a threshold, a threshold sweep, and inter-grader agreement (Fleiss' and
Cohen's kappa). Built on scipy and statsmodels; nothing here knows about Inspect."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from itertools import combinations
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.stats import bootstrap, rankdata
from statsmodels.stats.inter_rater import aggregate_raters, cohens_kappa, fleiss_kappa

from scorers.votes import wilson

Values = Sequence[float] | Sequence[bool] | npt.NDArray[Any]
SWEEP = tuple(round(0.05 * step, 2) for step in range(1, 21))


def auroc(scores: Values, labels: Values) -> float:
    """Area under the ROC curve (ties count one half): the Mann-Whitney U over positives x negatives.
    NaN when either class is absent."""
    values = np.asarray(scores, dtype=float)
    truth = np.asarray(labels, dtype=bool)
    positives, negatives = int(truth.sum()), int((~truth).sum())
    if positives == 0 or negatives == 0:
        return float("nan")
    ranks = rankdata(values)
    return float((ranks[truth].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def auroc_interval(
    scores: Sequence[float], labels: Sequence[bool], confidence: float = 0.95, resamples: int = 2000, seed: int = 0
) -> tuple[float, float]:
    """Percentile bootstrap interval of the AUROC, resampling items (scipy.stats.bootstrap, paired)."""
    values = np.asarray(scores, dtype=float)
    truth = np.asarray(labels, dtype=float)

    def statistic(sample_scores: np.ndarray, sample_labels: np.ndarray) -> float:
        return auroc(sample_scores, sample_labels.astype(bool))

    result = bootstrap(
        (values, truth),
        statistic,
        paired=True,
        vectorized=False,
        n_resamples=resamples,
        confidence_level=confidence,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


@dataclass(frozen=True)
class AtThreshold:
    """Confusion counts and rates of `score >= threshold` against the labels."""

    threshold: float
    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def flagged(self) -> int:
        return self.tp + self.fp

    @property
    def precision(self) -> float:
        return self.tp / self.flagged if self.flagged else float("nan")

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else float("nan")

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        precision_ci = wilson(self.tp, self.flagged) if self.flagged else (float("nan"), float("nan"))
        recall_ci = wilson(self.tp, self.tp + self.fn) if self.tp + self.fn else (float("nan"), float("nan"))
        return {
            **asdict(self),
            "precision": self.precision,
            "precision_ci": list(precision_ci),
            "recall": self.recall,
            "recall_ci": list(recall_ci),
            "f1": self.f1,
            "flagged": self.flagged,
        }


def at_threshold(scores: Sequence[float], labels: Sequence[bool], threshold: float) -> AtThreshold:
    predicted = [score >= threshold for score in scores]
    pairs = list(zip(predicted, labels, strict=True))
    return AtThreshold(
        threshold=threshold,
        tp=sum(p and t for p, t in pairs),
        fp=sum(p and not t for p, t in pairs),
        fn=sum(t and not p for p, t in pairs),
        tn=sum(not p and not t for p, t in pairs),
    )


def sweep(scores: Sequence[float], labels: Sequence[bool], thresholds: Sequence[float] = SWEEP) -> list[AtThreshold]:
    return [at_threshold(scores, labels, threshold) for threshold in thresholds]


def best_threshold(points: Sequence[AtThreshold], current: float) -> float:
    """The threshold with the highest F1 (ties: the one nearest `current`)."""
    return min(points, key=lambda point: (-round(point.f1, 9), abs(point.threshold - current))).threshold


def panel_agreement(verdicts: Mapping[str, Sequence[bool]]) -> dict[str, Any]:
    """Agreement of graders' verdicts on the same items: Fleiss' kappa over all graders and Cohen's kappa per
    pair (statsmodels.stats.inter_rater). Needs two or more graders and at least one item."""
    names = list(verdicts)
    items = len(next(iter(verdicts.values()))) if verdicts else 0
    if len(names) < 2 or items == 0:
        return {"graders": names, "items": items, "fleiss_kappa": None, "cohen_kappa": {}}
    table = np.array([[int(verdicts[name][i]) for name in names] for i in range(items)])
    counts, _ = aggregate_raters(table, n_cat=2)
    pairs: dict[str, float | None] = {}
    for first, second in combinations(range(len(names)), 2):
        contingency = np.zeros((2, 2))
        for a, b in zip(table[:, first], table[:, second], strict=True):
            contingency[a, b] += 1
        kappa = cohens_kappa(contingency, return_results=False)
        pairs[f"{names[first]} x {names[second]}"] = None if np.isnan(kappa) else float(kappa)
    fleiss = float(fleiss_kappa(counts, method="fleiss"))
    return {
        "graders": names,
        "items": items,
        "fleiss_kappa": None if np.isnan(fleiss) else fleiss,
        "cohen_kappa": pairs,
        "agreement": float(np.mean([len(set(row)) == 1 for row in table.tolist()])),
    }


@dataclass(frozen=True)
class Headline:
    """The figures a back end is quoted by: AUROC with its bootstrap interval, and the confusion counts at the
    threshold, over the scored items."""

    auroc: float
    auroc_ci95: tuple[float, float]
    point: AtThreshold
    n: int


def headline(ids: Sequence[str], scores: Sequence[float], labels: Sequence[bool], threshold: float) -> Headline:
    """AUROC, its interval and the point at `threshold`, with the items in id order: the one computation both
    `calibrate` and the report's figure for the shipped set use, so the same items give the same numbers (the
    bootstrap resamples by position, so the order must not depend on how the items were read)."""
    order = sorted(range(len(ids)), key=lambda index: ids[index])
    ordered_scores = [float(scores[i]) for i in order]
    ordered_labels = [bool(labels[i]) for i in order]
    value = auroc(ordered_scores, ordered_labels)
    interval = auroc_interval(ordered_scores, ordered_labels) if not np.isnan(value) else (float("nan"),) * 2
    return Headline(
        auroc=value,
        auroc_ci95=(interval[0], interval[1]),
        point=at_threshold(ordered_scores, ordered_labels, threshold),
        n=len(order),
    )
