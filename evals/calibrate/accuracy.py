"""The last measured accuracy of a training-gaming back end, for the report to print next to every TG rate.

A calibration result (`calibration-<backend>-<set>.json`, written by `schemer-evals calibrate`) found next to
the logs wins, the newest first; otherwise the offline rules are measured on the shipped labelled set on the
spot, and the judge is reported as not measured. Rates from the offline rules always carry the caveat that they
are not a measured rate for the model under test.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from evals.calibrate.labelled import LabelledItem, load_labelled
from evals.calibrate.measures import headline
from evals.calibrate.result import RESULT_PREFIX

RULES_CAVEAT = (
    "not a measured rate for this model: on held-out realistic scratchpads the offline rules found 0.77 of TG "
    "reasoning at precision 0.87, and on a real model's own wording their accuracy is unmeasured"
)
JUDGE_UNMEASURED = "not measured for this grader: run `schemer-evals calibrate --backend judge` next to these logs"
RULE_BACKENDS = ("rules", "prefilter")
SHIPPED_SET = "training_gaming"


@dataclass(frozen=True)
class BackendAccuracy:
    backend: str
    source: str
    """Where the figures come from: a calibration result file, or "shipped labelled set (...)"."""
    auroc: float | None
    auroc_ci95: tuple[float | None, float | None]
    precision: float | None
    recall: float | None
    threshold: float | None
    n: int
    caveat: str

    def line(self) -> str:
        """One sentence for a report: the back end, its accuracy and where that comes from."""
        if self.auroc is None and self.precision is None:
            return f"{self.backend} back end accuracy: {self.caveat}"
        low, high = self.auroc_ci95
        ci = f" [{low:.2f}-{high:.2f}]" if low is not None and high is not None else ""
        figures = f"AUROC {self.auroc:.2f}{ci}" if self.auroc is not None else "AUROC n/a"
        if self.precision is not None and self.recall is not None:
            figures += f", precision {self.precision:.2f}, recall {self.recall:.2f} at {self.threshold}"
        caveat = f"; {self.caveat}" if self.caveat else ""
        return f"{self.backend} back end accuracy: {figures} (n={self.n}, {self.source}){caveat}"


def _from_result(path: Path, data: dict[str, Any]) -> BackendAccuracy:
    point = data.get("at_threshold") or {}
    low, high = (data.get("auroc_ci95") or [None, None])[:2]
    backend = str(data["backend"])
    return BackendAccuracy(
        backend=backend,
        source=f"calibration {path.name} on {data.get('set')}, {data.get('created')}",
        auroc=data.get("auroc"),
        auroc_ci95=(low, high),
        precision=point.get("precision"),
        recall=point.get("recall"),
        threshold=data.get("threshold"),
        n=int(data.get("scored", 0)),
        caveat=RULES_CAVEAT if backend in RULE_BACKENDS else "",
    )


def find_calibration(log_dir: Path, backend: str) -> BackendAccuracy | None:
    """The newest calibration result for `backend` in `log_dir` or a `calibration/` folder inside it."""
    wanted = "rules" if backend in RULE_BACKENDS else backend
    found: list[tuple[str, Path, dict[str, Any]]] = []
    for folder in (log_dir, log_dir / "calibration"):
        for path in folder.glob(f"{RESULT_PREFIX}-{wanted}-*.json") if folder.is_dir() else []:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                continue
            if isinstance(data, dict) and data.get("backend") == wanted:
                found.append((str(data.get("created", "")), path, data))
    if not found:
        return None
    _, path, data = max(found, key=lambda entry: entry[0])
    return _from_result(path, data)


def rules_threshold() -> float:
    """The offline rules' verdict threshold on their graded score (all four criteria hold)."""
    from scorers.training_gaming_rules import model

    return model().threshold


def rules_scores(items: Sequence[LabelledItem]) -> list[float]:
    """The rules' graded score of each labelled transcript: what the scorer records as `tg_score` for the
    `rules` back end, so the figures below are the ones `schemer-evals calibrate --backend rules` measures."""
    from scorers.training_gaming_rules import assess

    return [float(assess(item.reasoning).score or 0.0) for item in items]


@lru_cache(maxsize=1)
def shipped_rules_accuracy() -> BackendAccuracy:
    """The offline rules on the shipped labelled set, measured now (no model calls) with the same computation
    as `calibrate` (`evals.calibrate.measures.headline` over the graded scores, at the rules' threshold)."""
    labelled = load_labelled(SHIPPED_SET)
    threshold = rules_threshold()
    figures = headline(
        [item.id for item in labelled.items],
        rules_scores(labelled.items),
        [item.label for item in labelled.items],
        threshold,
    )
    low, high = figures.auroc_ci95
    return BackendAccuracy(
        backend="rules",
        source=f"shipped labelled set datasets/labelled/{SHIPPED_SET}.jsonl",
        auroc=figures.auroc,
        auroc_ci95=(low, high),
        precision=figures.point.precision,
        recall=figures.point.recall,
        threshold=threshold,
        n=figures.n,
        caveat=RULES_CAVEAT,
    )


def backend_accuracy(log_dir: Path, backend: str) -> BackendAccuracy | None:
    """The accuracy to show next to rates produced by `backend` ("judge", "rules" or "prefilter"); None for
    anything else."""
    found = find_calibration(log_dir, backend)
    if found is not None:
        return found
    if backend in RULE_BACKENDS:
        return shipped_rules_accuracy()
    if backend == "judge":
        return BackendAccuracy(
            "judge", "no calibration found", None, (None, None), None, None, None, 0, JUDGE_UNMEASURED
        )
    return None


def accuracy_note(log_dirs: list[Path], backends: list[str]) -> list[str]:
    """One line per back end that produced TG rates in these logs: its measured accuracy, or why there is
    none. When the rules are the only back end, the first line says the rates are not measured for this model."""
    chosen = list(dict.fromkeys("rules" if b in RULE_BACKENDS else b for b in backends))
    lines: list[str] = []
    for backend in chosen:
        accuracy = next((a for d in log_dirs if (a := find_calibration(d, backend))), None)
        accuracy = accuracy or backend_accuracy(log_dirs[0] if log_dirs else Path("."), backend)
        if accuracy is not None:
            lines.append(accuracy.line())
    if chosen == ["rules"] and not any(RULES_CAVEAT in line for line in lines):
        lines.insert(0, f"TG rates come from the offline rules only ({RULES_CAVEAT}).")
    return lines
