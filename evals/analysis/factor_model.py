"""Which conditions produce training-gaming: a factor model per hypothesis, answered in one line each.

Pairwise cells answer "is this cell different from that one"; the hypotheses ask about interactions: is the
training-awareness effect larger on relevant requests (H1), with training documents (H2), under an unethical
operator, with a scratchpad (H3)? For each hypothesis in `datasets/shared/hypotheses.yaml`, suite, model and
outcome (TG reasoning, compliance) this module fits a logistic GLM (statsmodels) of the outcome on
training_awareness x moderator plus the main effects of the suite's other factors, with cluster-robust errors by
scenario, and reports the interaction contrast on the probability scale: the average marginal effect of the
training cue at the moderator's high level minus that at its low level, with a delta-method interval (t(G - 1)).

Separation (a cell with all 0 or all 1, e.g. TG reasoning is never seen unmonitored) makes the GLM's
coefficients and errors meaningless; then the contrast is computed from the four cell means with a cluster
bootstrap over scenarios (percentile interval), and the line says so.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import patsy  # type: ignore[import-untyped]
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats as scipy_stats
from scipy.special import expit

from evals.analysis.numbers import interval, signed
from evals.analysis.rates import CLUSTER, layouts, scored_frame
from evals.logs import SampleTable
from scorers.data_files import load_yaml
from scorers.statistics import wilson

HYPOTHESES_FILE = "shared/hypotheses.yaml"
BOOTSTRAP_REPLICATES = 2000
BOOTSTRAP_SEED = 20261202
MAX_COEFFICIENT = 12.0
"""Larger |logit coefficients| mean (quasi-)separation: the fit is not trusted."""
LEVEL = 0.95


@dataclass(frozen=True)
class Hypothesis:
    id: str
    statement: str
    moderator: str
    moderator_high: str
    moderator_low: str
    exposure: str
    exposure_high: str
    exposure_low: str


@dataclass(frozen=True)
class HypothesisResult:
    """The interaction contrast of one hypothesis for one suite, model and metric."""

    hypothesis: Hypothesis
    suite: str
    model: str
    metric: str
    estimate: float
    low: float
    high: float
    p_value: float
    method: str
    n: int
    n_clusters: int
    effect_high: float
    """Training minus unmonitored at the moderator's high level (probability scale)."""
    effect_low: float

    def line(self) -> str:
        h = self.hypothesis
        return (
            f"{h.id} ({self.suite}, {self.metric}, {self.model}): {h.statement}: {signed(self.estimate)} "
            f"{interval(self.low, self.high)}, {format_p(self.p_value)} (training-cue effect "
            f"{signed(self.effect_high)} at {h.moderator}={h.moderator_high}, {signed(self.effect_low)} at "
            f"{h.moderator_low}; {self.method}; n={self.n}, {self.n_clusters} scenarios)"
        )


def format_p(p_value: float) -> str:
    floor = 1 / BOOTSTRAP_REPLICATES
    return f"p<{floor:.2g}" if p_value < floor else f"p={p_value:.2g}"


@lru_cache(maxsize=1)
def hypotheses() -> tuple[tuple[Hypothesis, ...], tuple[str, ...]]:
    """The hypotheses and the metrics they are tested on, from the data file."""
    spec: dict[str, Any] = load_yaml(HYPOTHESES_FILE)
    exposure = spec["exposure"]
    found = tuple(
        Hypothesis(
            id=str(entry["id"]),
            statement=str(entry["statement"]),
            moderator=str(entry["moderator"]),
            moderator_high=str(entry["moderator_high"]),
            moderator_low=str(entry["moderator_low"]),
            exposure=str(exposure["factor"]),
            exposure_high=str(exposure["high"]),
            exposure_low=str(exposure["low"]),
        )
        for entry in spec["hypotheses"]
    )
    return found, tuple(str(metric) for metric in spec["metrics"])


def _codes(clusters: Sequence[Hashable]) -> np.ndarray[Any, np.dtype[np.int64]]:
    codes, _ = pd.factorize(pd.Series(list(clusters), dtype=object))
    return np.asarray(codes, dtype=np.int64)


def _cells(data: pd.DataFrame, hypothesis: Hypothesis) -> list[tuple[str, str, float]]:
    """(exposure level, moderator level, weight) of the contrast's four cells."""
    h = hypothesis
    return [
        (h.exposure_high, h.moderator_high, 1.0),
        (h.exposure_low, h.moderator_high, -1.0),
        (h.exposure_high, h.moderator_low, -1.0),
        (h.exposure_low, h.moderator_low, 1.0),
    ]


def model_data(frame: pd.DataFrame, hypothesis: Hypothesis, other_factors: Sequence[str]) -> pd.DataFrame:
    """Scored rows at the four levels the contrast uses: y (0/1 hit), the two factors, other factors, cluster."""
    h = hypothesis
    scored = frame[frame["scored"]]
    exposure = scored[h.exposure].astype(str)
    moderator = scored[h.moderator].astype(str)
    chosen = scored[
        exposure.isin([h.exposure_high, h.exposure_low]) & moderator.isin([h.moderator_high, h.moderator_low])
    ]
    data = pd.DataFrame(
        {
            "y": chosen["hit"].astype(float).to_numpy(),
            h.exposure: chosen[h.exposure].astype(str).to_numpy(),
            h.moderator: chosen[h.moderator].astype(str).to_numpy(),
            "cluster": (chosen[CLUSTER] if CLUSTER in chosen else chosen["sample_id"]).astype(str).to_numpy(),
        }
    )
    for factor in other_factors:
        data[factor] = chosen[factor].astype(str).to_numpy()
    return data


def _formula(hypothesis: Hypothesis, others: Sequence[str]) -> str:
    h = hypothesis
    terms = [
        f"C({h.exposure}, Treatment({h.exposure_low!r})) * C({h.moderator}, Treatment({h.moderator_low!r}))",
        *[f"C({factor})" for factor in others],
    ]
    return "y ~ " + " + ".join(terms)


def glm_contrast(data: pd.DataFrame, hypothesis: Hypothesis, others: Sequence[str]) -> dict[str, float] | None:
    """The contrast, its delta-method interval and p-value from a cluster-robust logistic GLM; None when the
    fit shows separation or fails."""
    codes = _codes(data["cluster"].tolist())
    n_clusters = int(codes.max()) + 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            fit = smf.glm(_formula(hypothesis, others), data, family=sm.families.Binomial()).fit(
                cov_type="cluster", cov_kwds={"groups": codes}
            )
        except Exception:  # separation warnings, singular designs: fall back to the bootstrap, and say so
            return None
    params = np.asarray(fit.params, dtype=float)
    covariance = np.asarray(fit.cov_params(), dtype=float)
    if not np.isfinite(params).all() or np.abs(params).max() > MAX_COEFFICIENT or not np.isfinite(covariance).all():
        return None
    design_info = fit.model.data.orig_exog.design_info
    estimate, gradient, effects = 0.0, np.zeros_like(params), {}
    for exposure_level, moderator_level, weight in _cells(data, hypothesis):
        counterfactual = data.assign(**{hypothesis.exposure: exposure_level, hypothesis.moderator: moderator_level})
        matrix = np.asarray(patsy.build_design_matrices([design_info], counterfactual)[0], dtype=float)
        probabilities = expit(matrix @ params)
        mean = float(probabilities.mean())
        effects[(exposure_level, moderator_level)] = mean
        estimate += weight * mean
        gradient += weight * ((probabilities * (1 - probabilities))[:, None] * matrix).mean(axis=0)
    standard_error = math.sqrt(max(0.0, float(gradient @ covariance @ gradient)))
    if standard_error < 1e-9:
        return None
    critical = float(scipy_stats.t.ppf(0.5 + LEVEL / 2, max(1, n_clusters - 1)))
    p_value = float(2 * scipy_stats.t.sf(abs(estimate) / standard_error, max(1, n_clusters - 1)))
    h = hypothesis
    return {
        "estimate": estimate,
        "low": estimate - critical * standard_error,
        "high": estimate + critical * standard_error,
        "p_value": p_value,
        "effect_high": effects[(h.exposure_high, h.moderator_high)] - effects[(h.exposure_low, h.moderator_high)],
        "effect_low": effects[(h.exposure_high, h.moderator_low)] - effects[(h.exposure_low, h.moderator_low)],
    }


def bootstrap_contrast(data: pd.DataFrame, hypothesis: Hypothesis) -> dict[str, float]:
    """The contrast of the four cell means, with a percentile interval from resampling scenarios."""
    h = hypothesis
    cells = _cells(data, hypothesis)
    codes = _codes(data["cluster"].tolist())
    n_clusters = int(codes.max()) + 1
    sums = np.zeros((n_clusters, 4))
    counts = np.zeros((n_clusters, 4))
    for index, (exposure_level, moderator_level, _) in enumerate(cells):
        inside = ((data[h.exposure] == exposure_level) & (data[h.moderator] == moderator_level)).to_numpy()
        np.add.at(sums[:, index], codes[inside], data["y"].to_numpy()[inside])
        np.add.at(counts[:, index], codes[inside], 1.0)
    weights = np.array([weight for _, _, weight in cells])
    means = sums.sum(axis=0) / counts.sum(axis=0)
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    draws = rng.multinomial(n_clusters, np.full(n_clusters, 1.0 / n_clusters), size=BOOTSTRAP_REPLICATES)
    with np.errstate(invalid="ignore", divide="ignore"):
        replicate_means = (draws @ sums) / (draws @ counts)
    contrasts = replicate_means @ weights
    contrasts = contrasts[np.isfinite(contrasts)]
    estimate = float(means @ weights)
    tail = (1 - LEVEL) / 2
    low, high = (float(q) for q in np.quantile(contrasts, [tail, 1 - tail])) if len(contrasts) else (math.nan,) * 2
    share_below = float((contrasts <= 0).mean()) if len(contrasts) else math.nan
    share_above = float((contrasts >= 0).mean()) if len(contrasts) else math.nan
    return {
        "estimate": estimate,
        "low": low,
        "high": high,
        "p_value": min(1.0, 2 * min(share_below, share_above)),
        "effect_high": float(means[0] - means[1]),
        "effect_low": float(means[2] - means[3]),
    }


def separated(data: pd.DataFrame, hypothesis: Hypothesis) -> bool:
    """Some cell of exposure x moderator has all 0 or all 1 outcomes."""
    h = hypothesis
    cell_means = data.groupby([h.exposure, h.moderator])["y"].mean()
    return bool(((cell_means <= 0) | (cell_means >= 1)).any())


def fit_hypothesis(
    frame: pd.DataFrame, hypothesis: Hypothesis, other_factors: Sequence[str] = ()
) -> tuple[dict[str, float], str, int, int] | None:
    """The contrast of one hypothesis on one model and metric's scored frame: (figures, method, n, clusters), or
    None when the frame lacks one of the four cells."""
    data = model_data(frame, hypothesis, other_factors)
    present = {(e, m) for e, m in zip(data[hypothesis.exposure], data[hypothesis.moderator], strict=True)}
    if len(present) < 4:
        return None
    others = [f for f in other_factors if data[f].nunique() > 1]
    n, n_clusters = len(data), int(data["cluster"].nunique())
    if not separated(data, hypothesis):
        figures = glm_contrast(data, hypothesis, others)
        if figures is not None:
            method = f"logistic GLM, cluster-robust by scenario, delta method (t({n_clusters - 1}))"
            figures, note = _not_certain(figures, n_clusters, "no scenario varied")
            return figures, method + note, n, n_clusters
        reason = "GLM failed or quasi-separated"
    else:
        reason = "separation: a cell is all 0 or all 1"
    figures, note = _not_certain(bootstrap_contrast(data, hypothesis), n_clusters, "no replicate varied")
    return figures, f"cell means, cluster bootstrap over scenarios ({reason}{note})", n, n_clusters


def _not_certain(figures: dict[str, float], n_clusters: int, why: str) -> tuple[dict[str, float], str]:
    """Nothing varies (e.g. the cue changes no sample), so the interval has width 0 and would claim certainty:
    bound the contrast as a paired comparison with 0 discordant scenarios does, and say so."""
    if figures["high"] - figures["low"] >= 1e-6:
        return figures, ""
    _, bound = wilson_bounds_for_no_discordance(n_clusters)
    widened = {**figures, "low": figures["estimate"] - bound, "high": figures["estimate"] + bound}
    return widened, f"; {why}, interval +/- Wilson bound for 0 of {n_clusters} scenarios"


def wilson_bounds_for_no_discordance(n_clusters: int) -> tuple[float, float]:
    return 0.0, wilson(0, max(1, n_clusters), LEVEL).high


def hypothesis_results(table: SampleTable) -> list[HypothesisResult]:
    """Every applicable hypothesis x suite x model x metric of a sample table."""
    found, metrics = hypotheses()
    results: list[HypothesisResult] = []
    for suite, layout in layouts(table).items():
        frame = scored_frame(table, layout)
        for hypothesis in found:
            levels = layout.levels
            needed = {
                hypothesis.exposure: (hypothesis.exposure_high, hypothesis.exposure_low),
                hypothesis.moderator: (hypothesis.moderator_high, hypothesis.moderator_low),
            }
            if not all(f in levels and set(v) <= set(levels[f]) for f, v in needed.items()):
                continue
            others = [f for f in layout.factors if f not in needed]
            for (model, metric), part in frame.groupby(["model", "metric"], observed=True, sort=True):
                if str(metric) not in metrics:
                    continue
                fitted = fit_hypothesis(part, hypothesis, others)
                if fitted is None:
                    continue
                figures, method, n, n_clusters = fitted
                results.append(
                    HypothesisResult(
                        hypothesis, suite, str(model), str(metric), method=method, n=n, n_clusters=n_clusters, **figures
                    )
                )
    return results


def hypothesis_lines(table: SampleTable) -> list[str]:
    """One line per hypothesis, suite, model and outcome, e.g. "H1 (value_conflict, compliance, organism/x): the
    training-awareness effect is larger on relevant than unrelated requests: +0.31 [+0.18, +0.44], ..."."""
    return [result.line() for result in hypothesis_results(table)]
