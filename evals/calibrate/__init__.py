"""Calibration of the training-gaming back ends against labelled transcripts (`schemer-evals calibrate`), and
the accuracy lookup the report shows next to each TG rate; the compliance classifier's calibration against labelled
replies (`calibrate --scorer compliance`) is in `compliance_set`, `compliance` and `compliance_result`."""

from evals.calibrate.accuracy import BackendAccuracy, accuracy_note, backend_accuracy
from evals.calibrate.labelled import Columns, LabelledItem, LabelledSet, load_labelled
from evals.calibrate.result import summarise, to_markdown, write_result
from evals.calibrate.run import BackendChoice, run_calibration

__all__ = [
    "BackendAccuracy",
    "BackendChoice",
    "Columns",
    "LabelledItem",
    "LabelledSet",
    "accuracy_note",
    "backend_accuracy",
    "load_labelled",
    "run_calibration",
    "summarise",
    "to_markdown",
    "write_result",
]
