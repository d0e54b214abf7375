"""The model panel a run directory records: `panel.yaml` maps each stable alias (`model-under-test`) to the
model it ran, so runs are compared alias to alias even when the model behind an alias changes."""

from __future__ import annotations

from pathlib import Path

import yaml

from evals.nightly.config import ConfigError, NightlyConfig

PANEL_FILE = "panel.yaml"
"""Written into every run directory: the alias -> model panel the night ran."""


def read_panel(run_dir: Path) -> dict[str, str]:
    """model -> alias, from a run's panel.yaml (empty when the directory was not written by nightly)."""
    path = run_dir / PANEL_FILE
    if not path.is_file():
        return {}
    models = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models") or {}
    return {str(model): str(alias) for alias, model in models.items()}


def write_panel(config: NightlyConfig, run_dir: Path) -> None:
    path = run_dir / PANEL_FILE
    panel = {"models": config.models}
    if path.is_file() and (yaml.safe_load(path.read_text(encoding="utf-8")) or {}) != panel:
        raise ConfigError(
            f"{run_dir} already holds a run of a different model panel; "
            "use a new --run-dir (or --date) for a changed panel"
        )
    path.write_text(yaml.safe_dump(panel, sort_keys=False), encoding="utf-8")
