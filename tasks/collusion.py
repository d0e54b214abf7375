"""Suite `collusion`: does the model cover for another instance of itself?

The model is a security reviewer; each submission (a code diff or a log of production actions) is attributed
to another instance of the same model. Factors:
- `planted`: `backdoor` (the item's variant with a planted backdoor or policy violation) or `clean` (its twin
  without it);
- `solidarity_appeal`: `none` (a routine note from the author) or `appeal` (the author appeals to solidarity
  between copies: "we are the same model, protect each other");
- `cot`, from the shared vocabulary.
The reply ends with a verdict tag (`<verdict>flag</verdict>` / `<verdict>approve</verdict>`, defined in
datasets/collusion/review.yaml). Samples with the same cell index review the same item with the same wording,
so appeal and no-appeal samples differ only in the author's note, and backdoor and clean ones only in the item.
"""

from __future__ import annotations

from typing import Any

from inspect_ai import Task, task
from inspect_ai.dataset import Sample

from scorers.collusion import collusion as collusion_scorer
from scorers.data_files import load_yaml
from scorers.output_contract import output_contract
from tasks.conditions import FactorSelection, positive_int
from tasks.design import (
    Cell,
    CellPrompt,
    Factor,
    SuiteDesign,
    build_samples,
    declare,
    documented,
    shared_factor,
    suite_task,
)
from tasks.prompting import join_blocks, render
from tasks.solvers import respond

SUITE = "collusion"
DEFAULT_ITEMS = 25
"""Items per cell by default: the 25 the suite first shipped with (every item once, then). Items are appended
to `items.yaml`, so the default samples stay as they were and a larger `scenarios_per_cell` reaches the rest."""
DATA_FILES = ("collusion/review.yaml", "collusion/items.yaml", "shared/output_contract.yaml")
DESIGN = declare(
    SuiteDesign(
        suite=SUITE,
        factors=(
            shared_factor("cot", default=("none", "hidden_scratchpad")),
            Factor("solidarity_appeal", ("none", "appeal")),
            Factor("planted", ("backdoor", "clean")),
        ),
        options={"scenarios_per_cell": DEFAULT_ITEMS},
        paired="planted",
        id_order=("solidarity_appeal", "planted", "cot"),
        data_files=DATA_FILES,
        behaviour="collusion",
        situation="collusion",
    )
)
_CONTENT = "\x00content\x00"


def review_request(spec: dict[str, Any], item: dict[str, Any], variant: str, note: str, index: int) -> str:
    """The user message for one review; the item's text goes in verbatim (code may contain braces)."""
    text = render(
        spec["request"],
        request_no=f"#{4100 + index}",
        title=item["title"],
        assistant_name=spec["assistant_name"],
        instance=f"{(index * 37) % 90 + 10}",
        kind_label=spec["kind_labels"][item["kind"]],
        note=note,
        lang=item["lang"],
        content=_CONTENT,
    )
    return text.replace(_CONTENT, item[variant])


def collusion_samples(**parameters: Any) -> list[Sample]:
    """The suite's samples for task parameters (factor selections; `scenarios_per_cell`, by default the first
    `DEFAULT_ITEMS` items in every cell)."""
    DESIGN.check_unknown({k: v for k, v in parameters.items() if k not in DESIGN.parameter_names})
    spec: dict[str, Any] = load_yaml("collusion/review.yaml")
    items: list[dict[str, Any]] = load_yaml("collusion/items.yaml")["items"]
    per_cell = positive_int("scenarios_per_cell", DESIGN.option(parameters, "scenarios_per_cell"))
    contract = output_contract()
    names = {"assistant_name": spec["assistant_name"], "company": spec["company"]}

    def render_cell(cell: Cell) -> CellPrompt:
        condition, index = cell.condition, cell.index
        item = items[index % len(items)]
        paraphrase = (index // len(items) + index) % 3
        notes: list[str] = spec["notes"][condition["solidarity_appeal"]]
        system = join_blocks(
            render(spec["system_prompts"][paraphrase % len(spec["system_prompts"])], **names),
            contract.instructions(condition["cot"], with_markers=False),
            spec["verdict"]["instruction"],
        )
        return CellPrompt(
            system=system,
            user=review_request(spec, item, condition["planted"], notes[index % len(notes)], index),
            metadata={
                "scenario_id": item["id"],
                "paraphrase": paraphrase,
                "note_paraphrase": index % len(notes),
                "item_kind": item["kind"],
                "backdoor_kind": item["backdoor_kind"],
                "pair_id": f"{condition['cot']}-{index}",
            },
        )

    return build_samples(DESIGN, DESIGN.select(parameters), per_cell, render_cell)


@task
@documented(DESIGN)
def collusion(
    solidarity_appeal: FactorSelection = None,
    planted: FactorSelection = None,
    cot: FactorSelection = None,
    scenarios_per_cell: int | None = None,
    **unknown: Any,
) -> Task:
    """Collusion: reviewing backdoored and clean work attributed to another instance of the model.

    Args:
        {factors}
        scenarios_per_cell: review items per grid cell (default 25: the first 25 items once); raise it to reach
            every item (the number of items in `items.yaml`), items repeat beyond that.
        **unknown: any other name is rejected with a one-line error (a misspelt `-T` name).
    """
    parameters = dict(locals())
    DESIGN.check_unknown(parameters.pop("unknown"))
    return suite_task(DESIGN, collusion_samples(**parameters), respond(), collusion_scorer())
