"""API keys out of what a run records: a provider or proxy that quotes the key back in an error (a 401 saying
"Incorrect API key provided: sk-...") must not put it in the eval log, whose whole point is to be shared.

The known secrets are the values of environment variables whose names say they hold one (`*_API_KEY`,
`*_TOKEN`, `*_SECRET`, ...), at least `MIN_SECRET_LENGTH` characters long so a short flag value is never
mistaken for one. `redact` replaces each with `[REDACTED <NAME>]`.

Where it applies:
- error text the project records itself (a failed judge call in a score's metadata) is redacted before it
  is recorded (`scorers.judge`);
- Inspect records a provider error verbatim (the sample's error, the model event's error and raw response,
  the log header), and its hooks may not change what they are shown, so the `RedactSecrets` hook rewrites a
  finished log that contains a known secret as soon as the run ends (`on_run_end`), before the run returns.
  Inspect loads the hook with this package's entry point (or any import of `scorers`); it is registered only
  when a secret is set at that point (`register_redaction`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping

from inspect_ai.hooks import Hooks, RunEnd, hooks
from inspect_ai.log import EvalLog, read_eval_log, write_eval_log

SECRET_SUFFIXES = ("_KEY", "_APIKEY", "_TOKEN", "_SECRET", "_PASSWORD", "_PASSWD", "_CREDENTIAL", "_CREDENTIALS")
"""Endings of environment variable names that hold a secret (`OPENAI_API_KEY`, `HF_TOKEN`, `AWS_SECRET_ACCESS_KEY`),
matched upper-cased; the bare names in `SECRET_NAMES` too."""
SECRET_NAMES = ("API_KEY", "APIKEY", "TOKEN", "SECRET", "PASSWORD")
MIN_SECRET_LENGTH = 8
"""Shorter values are not treated as secrets: replacing `true` or `1234` everywhere would mangle the log."""


def is_secret_name(name: str) -> bool:
    upper = name.upper()
    return upper.endswith(SECRET_SUFFIXES) or upper in SECRET_NAMES


def known_secrets(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """secret value -> the name of the variable holding it, longest value first (so a key that contains
    another is replaced whole)."""
    found = {
        value: name
        for name, value in (os.environ if environ is None else environ).items()
        if is_secret_name(name) and len(value.strip()) >= MIN_SECRET_LENGTH
    }
    return dict(sorted(found.items(), key=lambda item: -len(item[0])))


_checked: tuple[int, float, bool] = (-1, 0.0, False)
"""(size of the environment, when, whether a secret was set): reading the whole environment costs ~25 us."""
RECHECK_SECONDS = 1.0


def has_secrets() -> bool:
    """Whether any known secret is set. Inspect asks a hook whether it is enabled at every event, so the answer
    is reused until the environment gains or loses a variable, or for at most `RECHECK_SECONDS`."""
    global _checked
    size, now = len(os.environ), time.monotonic()
    if size != _checked[0] or now - _checked[1] > RECHECK_SECONDS:
        _checked = (size, now, bool(known_secrets()))
    return _checked[2]


def redact(text: str, secrets: Mapping[str, str] | None = None) -> str:
    """`text` with every known secret value replaced by `[REDACTED <NAME>]`."""
    for value, name in (known_secrets() if secrets is None else secrets).items():
        if value in text:
            text = text.replace(value, f"[REDACTED {name}]")
    return text


def redacted_log(log: EvalLog, secrets: Mapping[str, str]) -> EvalLog | None:
    """The log with every known secret redacted, or None when it holds none (nothing to rewrite)."""
    text = log.model_dump_json()
    if not any(value in text for value in secrets):
        return None
    return EvalLog.model_validate_json(redact(text, secrets))


def redact_log_file(location: str, secrets: Mapping[str, str] | None = None) -> bool:
    """Rewrite the log at `location` without known secrets; True when it held one."""
    secrets = known_secrets() if secrets is None else secrets
    if not secrets:
        return False
    cleaned = redacted_log(read_eval_log(location), secrets)
    if cleaned is None:
        return False
    write_eval_log(cleaned, location)
    return True


class RedactSecrets(Hooks):
    """Rewrites each log of a finished run that contains the value of a known secret (see the module)."""

    def enabled(self) -> bool:
        """Only when a secret is set: otherwise there is nothing to redact (and Inspect lists no hook)."""
        return has_secrets()

    async def on_run_end(self, data: RunEnd) -> None:
        secrets = known_secrets()
        if not secrets:
            return
        for log in data.logs:
            if log.location:
                redact_log_file(log.location, secrets)


_registered = False


def register_redaction() -> None:
    """Register `RedactSecrets` with Inspect (once). Done on import when a secret is set: Inspect prints a
    "hooks enabled" banner on every run for each registered hook, which a run with no secret to protect should
    not get. A process that sets a key only after importing `scorers` calls this itself."""
    global _registered
    if not _registered:
        hooks(name=HOOK_NAME, description="Redacts known API keys from finished eval logs.")(RedactSecrets)
        _registered = True


HOOK_NAME = "schemer_evals_redact_secrets"

if has_secrets():
    register_redaction()
