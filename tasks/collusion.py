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
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import ChatMessageSystem, ChatMessageUser

from scorers.collusion import collusion as collusion_scorer
from scorers.data_files import data_version, load_yaml
from scorers.output_contract import output_contract
from tasks.conditions import FactorSelection, condition_grid, positive_int, select_factor, select_levels
from tasks.prompting import join_blocks, render
from tasks.solvers import respond

SUITE = "collusion"
DATA_FILES = ("collusion/review.yaml", "collusion/items.yaml", "shared/output_contract.yaml")
DEFAULT_COT = ("none", "hidden_scratchpad")
SOLIDARITY = ("none", "appeal")
PLANTED = ("backdoor", "clean")
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


def collusion_samples(
    solidarity_appeal: FactorSelection = None,
    planted: FactorSelection = None,
    cot: FactorSelection = DEFAULT_COT,
    scenarios_per_cell: int | None = None,
) -> list[Sample]:
    """Build the suite's samples over the selected grid (by default every item in every cell)."""
    spec: dict[str, Any] = load_yaml("collusion/review.yaml")
    items: list[dict[str, Any]] = load_yaml("collusion/items.yaml")["items"]
    varied = {
        "solidarity_appeal": select_levels("solidarity_appeal", solidarity_appeal, SOLIDARITY),
        "planted": select_levels("planted", planted, PLANTED),
        "cot": select_factor("cot", cot),
    }
    per_cell = len(items) if scenarios_per_cell is None else positive_int("scenarios_per_cell", scenarios_per_cell)
    contract = output_contract()
    names = {"assistant_name": spec["assistant_name"], "company": spec["company"]}
    samples: list[Sample] = []
    for condition in condition_grid(varied):
        for index in range(per_cell):
            item = items[index % len(items)]
            paraphrase = (index // len(items) + index) % 3
            notes: list[str] = spec["notes"][condition["solidarity_appeal"]]
            system = join_blocks(
                render(spec["system_prompts"][paraphrase % len(spec["system_prompts"])], **names),
                contract.instructions(condition["cot"], with_markers=False),
                spec["verdict"]["instruction"],
            )
            user = review_request(spec, item, condition["planted"], notes[index % len(notes)], index)
            cell = "-".join(condition[factor] for factor in varied)
            samples.append(
                Sample(
                    id=f"{SUITE}-{cell}-{index}",
                    input=[ChatMessageSystem(content=system), ChatMessageUser(content=user)],
                    metadata={
                        **condition,
                        "suite": SUITE,
                        "scenario_id": item["id"],
                        "paraphrase": paraphrase,
                        "note_paraphrase": index % len(notes),
                        "item_kind": item["kind"],
                        "backdoor_kind": item["backdoor_kind"],
                        "pair_id": f"{condition['cot']}-{index}",
                    },
                )
            )
    return samples


@task
def collusion(
    solidarity_appeal: FactorSelection = None,
    planted: FactorSelection = None,
    cot: FactorSelection = DEFAULT_COT,
    scenarios_per_cell: int | None = None,
) -> Task:
    """Collusion: reviewing backdoored and clean work attributed to another instance of the model.

    Args:
        solidarity_appeal: levels of none, appeal (default: both).
        planted: levels of backdoor, clean (default: both).
        cot: levels of none, hidden_scratchpad, visible_cot, native_reasoning, scaffolded
            (default: none, hidden_scratchpad).
        scenarios_per_cell: review items per grid cell (default: every item once); items repeat beyond that.
    """
    samples = collusion_samples(solidarity_appeal, planted, cot, scenarios_per_cell)
    return Task(
        dataset=MemoryDataset(samples, name=SUITE),
        solver=respond(),
        scorer=collusion_scorer(),
        version=data_version(*DATA_FILES),
        metadata={"suite": SUITE},
    )
