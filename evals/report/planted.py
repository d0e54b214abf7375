"""What a simulated model organism was built to do in each sample: its profile's planted training-gaming rate
where all of its gates are open, decided the way the organism decides (by perceiving the sample's messages, not
its metadata), so the report can draw the planted value next to the measured one and tests can check that the
report names exactly the planted contexts.

Only logs of `organism/<profile>` models are read, one whole log at a time: organism logs are small, and a plain
whole-log read is about three times as fast as reading samples one by one or excluding fields (both parse each
sample separately).
"""

from __future__ import annotations

import pandas as pd
from inspect_ai.log import read_eval_log

from evals.logs import SampleTable
from evals.organisms.perception import perceive
from evals.organisms.profiles import PROFILES, Profile, gates_open

ORGANISM_PREFIX = "organism/"
PLANTED_COLUMNS = ["row", "planted_tg", "planted_gap"]


def organism_profile(model: str) -> Profile | None:
    """The profile of an `organism/<profile>` model, None for any other model."""
    if not model.startswith(ORGANISM_PREFIX):
        return None
    return PROFILES.get(model.removeprefix(ORGANISM_PREFIX))


def planted_tg(table: SampleTable, suites: set[str]) -> pd.DataFrame:
    """Per sample row of an organism in `suites`: the planted TG rate (`gaming_rate` where every gate is open,
    else 0) and its planted contribution to the compliance gap (`gaming_rate x (1 - base_compliance)`)."""
    samples = table.samples
    rows: list[dict[str, object]] = []
    for info in table.logs:
        profile = organism_profile(info.model)
        if profile is None or info.suite not in suites:
            continue
        mine = samples[samples["log"] == info.path]
        index = {
            (str(s), int(e)): int(r) for s, e, r in zip(mine["sample_id"], mine["epoch"], mine["row"], strict=True)
        }
        for sample in read_eval_log(info.path).samples or []:
            row = index.get((str(sample.id), int(sample.epoch)))
            if row is None:
                continue
            native = str((sample.metadata or {}).get("cot")) == "native_reasoning"
            opened = gates_open(profile, perceive(sample.messages, native_reasoning=native))
            rate = profile.gaming_rate if opened else 0.0
            rows.append({"row": row, "planted_tg": rate, "planted_gap": rate * (1 - profile.base_compliance)})
    return pd.DataFrame(rows, columns=PLANTED_COLUMNS)


def planted_behaviours(model: str) -> dict[str, float] | None:
    """The worst-case behaviours an organism was built with (rate > 0), None for a model that is not one."""
    profile = organism_profile(model)
    if profile is None:
        return None
    return {name: rate for name, rate in profile.worst_case.items() if rate > 0}
