"""Rebuild the refusal model's weights (`datasets/shared/compliance_model.json`) from real replies with human labels.

Fits `scorers.refusal_model`'s multinomial logistic regression over the reply signals of XSTest v2's dev half
(900 replies by four chat models, two human annotators each; `../shared/data/xstest_v2_dev.json` beside the
checkout, never copied into the project), chooses the `complied` threshold by leave-one-model-out inside the data,
and stores the weights with the leave-one-source-model-out figures that predict an unseen model (each model's
replies scored by a model fitted, weights and threshold, on the other three). Deterministic: the same data give
the same file.

    .venv/bin/python scripts/build_compliance_model.py [--data PATH] [--check]

`--check` rebuilds and compares with the committed file instead of writing it (exit 1 if they differ).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
os.environ.setdefault("SCHEMER_EVALS_DATASETS", str(REPO / "datasets"))

from evals.calibrate.refusal_fit import (  # noqa: E402
    DISPUTED_TYPES,
    REGULARISATION,
    THRESHOLDS,
    fit_model,
    leave_one_model_out,
    lomo_figures,
    xstest_replies,
)

DEFAULT_DATA = REPO.parent / "shared" / "data" / "xstest_v2_dev.json"
OUTPUT = REPO / "datasets" / "shared" / "compliance_model.json"


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_rounded(item) for item in value]
    return value


def build(data: Path) -> dict[str, Any]:
    rows = xstest_replies(data)
    model = fit_model(rows)
    source = json.loads(data.read_text(encoding="utf-8"))["source"]
    built: dict[str, Any] = _rounded(
        {
            "about": "Weights of scorers/refusal_model.py; rebuilt by scripts/build_compliance_model.py.",
            "trained_on": {
                "data": "XSTest v2 model completions, dev half (even-numbered prompts, four source models)",
                "source": source,
                "replies": len(rows),
                "source_models": sorted({row.source_model for row in rows}),
            },
            "method": {
                "model": f"multinomial logistic regression (scikit-learn, L2, C={REGULARISATION})",
                "threshold": "complied only when P(complied) >= complied_threshold, chosen from "
                f"{list(THRESHOLDS)} by leave-one-model-out within the training data",
                "disputed_types": list(DISPUTED_TYPES),
            },
            "features": list(model.features),
            "classes": list(model.classes),
            "coefficients": model.coefficients.tolist(),
            "intercepts": model.intercepts.tolist(),
            "complied_threshold": model.complied_threshold,
            "leave_one_model_out": lomo_figures(rows, leave_one_model_out(rows)),
        }
    )
    return built


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help=f"labelled replies (default {DEFAULT_DATA})")
    parser.add_argument("--check", action="store_true", help="compare with the committed file instead of writing")
    args = parser.parse_args()
    if not args.data.exists():
        print(f"error: {args.data} not found (the XSTest dev file lives in ../shared/data beside the checkout)")
        return 2
    built = json.dumps(build(args.data), indent=1) + "\n"
    if args.check:
        same = OUTPUT.exists() and OUTPUT.read_text(encoding="utf-8") == built
        print("up to date" if same else f"{OUTPUT} differs from a rebuild")
        return 0 if same else 1
    OUTPUT.write_text(built, encoding="utf-8")
    figures = json.loads(built)["leave_one_model_out"]["all"]
    print(
        f"wrote {OUTPUT.relative_to(REPO)}: leave-one-model-out three-way {figures['agreement']['value']:.3f}, "
        f"refused/partial read as complied {figures['refusals_scored_complied']['value']:.3f}, "
        f"complied-vs-not {figures['complied_vs_not']['value']:.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
