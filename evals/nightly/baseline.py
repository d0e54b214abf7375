"""Which run tonight is compared with, and why: `--baseline`, else a baseline pinned in the config, else the
last night that passed (`evals.nightly.history.last_passed`). A baseline that is not a directory of readable,
finished logs is rejected before any model is called."""

from __future__ import annotations

from pathlib import Path

from evals.logs import find_log_files, read_log_infos
from evals.nightly.config import ConfigError, NightlyConfig
from evals.nightly.history import BaselineChoice, last_passed


def validate_baseline(path: Path, what: str) -> None:
    """A baseline must hold readable logs that finished; anything else is rejected before a model is called."""
    if not path.is_dir():
        raise ConfigError(f"{what} {path} is not a run directory; pass a directory of a finished run")
    try:
        infos = read_log_infos(find_log_files([path]), strict=True)
    except ValueError as error:
        raise ConfigError(f"{what} {path} is unusable: {' '.join(str(error).split())}") from None
    if not infos or not any(info.complete for info in infos):
        raise ConfigError(f"{what} {path} has no finished logs; pass the directory of a run that finished")


def resolve_baseline(
    config: NightlyConfig, run_dir: Path, override: Path | None = None, night: str | None = None
) -> BaselineChoice:
    """The run to compare with and why: `--baseline`, else a pinned baseline, else the last night that passed
    before `night` (tonight's name in the history; by default the run directory's name)."""
    if override is not None:
        validate_baseline(override, "--baseline")
        return BaselineChoice(override, "given with --baseline")
    if not config.baseline_is_automatic:
        pinned = Path(config.baseline)
        validate_baseline(pinned, f"{config.path}: baseline")
        return BaselineChoice(pinned, f"pinned in {config.path.name}")
    choice = last_passed(config.log_root, night or run_dir.name)
    if choice.path is not None:
        validate_baseline(choice.path, "the last passing night")
    return choice
