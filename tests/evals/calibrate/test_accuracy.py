"""The report's figure for the offline rules on the shipped labelled set is the figure `calibrate` measures on
that set: one computation (graded scores, the rules' threshold, the same bootstrap), not two that disagree
(the report once said AUROC 0.97 where calibrate said 0.996)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.calibrate.accuracy import rules_threshold, shipped_rules_accuracy
from evals.cli import main


@pytest.mark.inspect_eval
def test_the_reports_rules_figure_agrees_with_calibrate(tmp_path: Path) -> None:
    assert main(["calibrate", "training_gaming", "--backend", "rules", "--log-dir", str(tmp_path)]) == 0
    measured = json.loads((tmp_path / "calibration-rules-training_gaming.json").read_text())

    shown = shipped_rules_accuracy()

    assert shown.n == measured["scored"] == measured["items"]
    assert shown.auroc == pytest.approx(measured["auroc"], abs=1e-4)
    assert shown.auroc_ci95 == pytest.approx(tuple(measured["auroc_ci95"]), abs=1e-4)
    assert shown.threshold == measured["threshold"] == rules_threshold()
    assert shown.precision == pytest.approx(measured["at_threshold"]["precision"], abs=1e-4)
    assert shown.recall == pytest.approx(measured["at_threshold"]["recall"], abs=1e-4)
    assert f"AUROC {measured['auroc']:.2f}" in shown.line() and " at None" not in shown.line()
