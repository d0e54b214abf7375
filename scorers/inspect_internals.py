"""The only place the package imports Inspect internals (modules whose names start with `_`), each because
Inspect has no public equivalent. Everything else imports them from here, so an Inspect upgrade that moves
one breaks this file alone; ruff's banned-api rule (TID251, see pyproject.toml) keeps other modules off them.
In the lowest layer (`scorers`) so tasks and evals use the same wrapper.

- `PrerequisiteError`: Inspect's CLI prints an exception of this type as its one-line message instead of a
  traceback; user-fixable mistakes (`scorers.errors.ParameterError`, an unknown organism profile) subclass it.
- `active_generate_config`: the generation config of the running eval (`--max-tokens` and the like), which a
  solver reads to tell whether the run set a limit; there is no public accessor.
"""

from __future__ import annotations

from inspect_ai._util.error import PrerequisiteError
from inspect_ai.model._generate_config import active_generate_config

__all__ = ["PrerequisiteError", "active_generate_config"]
