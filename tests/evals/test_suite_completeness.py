"""Every registered suite is complete: the checklist of `docs/adding-a-suite.md`, enforced.

A suite is its design (`tasks/<suite>.py`), its scorer (registered in `scorers/_registry.py`), its data files
(`datasets/`), the organism situation that answers it (`evals/organisms/provider.py`) and its docs page
(`docs/suites/<suite>.md`). Reports, consistency and figures read the rest from the design.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from inspect_ai.util import registry_info

import scorers._registry as scorer_registry
from evals.organisms.provider import FALLBACK, SITUATIONS
from scorers.data_files import datasets_dir
from tasks.design import DECLARED, FACTORS_PLACEHOLDER, TRAINING_GAMING
from tasks.suites import DESIGNS, HYPOTHESES, SUITES, WORST_CASE_BEHAVIOURS

DOCS = Path(__file__).resolve().parents[2] / "docs"
SUITE_NAMES = list(SUITES)


def test_every_suite_has_a_design_and_every_design_a_suite() -> None:
    assert list(DESIGNS) == SUITE_NAMES
    assert {name: design.suite for name, design in DESIGNS.items()} == {name: name for name in SUITE_NAMES}
    assert DECLARED == DESIGNS, "each suite module declares its design with tasks.design.declare"


@pytest.mark.parametrize("suite", SUITE_NAMES)
def test_suite_has_registered_scorers(suite: str) -> None:
    task = SUITES[suite](scenarios_per_cell=1)
    names = [registry_info(scorer).name.split("/")[-1] for scorer in task.scorer or []]
    assert names, f"{suite}: the task has no scorer"
    assert set(names) <= set(scorer_registry.__all__), f"{suite}: scorers {names} not all in scorers/_registry.py"


@pytest.mark.parametrize("suite", SUITE_NAMES)
def test_suite_has_data_files(suite: str) -> None:
    design = DESIGNS[suite]
    assert design.data_files, f"{suite}: declare the suite's data files (they version the task)"
    missing = [name for name in design.data_files if not (datasets_dir() / name).is_file()]
    assert not missing, f"{suite}: data files not under datasets/: {missing}"
    assert any(name.startswith(f"{suite}/") for name in design.data_files) or design.behaviour == TRAINING_GAMING


@pytest.mark.parametrize("suite", SUITE_NAMES)
def test_suite_has_an_organism_situation(suite: str) -> None:
    names = {situation.name for situation in (*SITUATIONS, FALLBACK)}
    assert DESIGNS[suite].situation in names, f"{suite}: no organism situation named {DESIGNS[suite].situation!r}"


@pytest.mark.parametrize("suite", SUITE_NAMES)
def test_suite_has_a_docs_page(suite: str) -> None:
    page = DOCS / "suites" / f"{suite}.md"
    assert page.is_file(), f"{suite}: write {page.relative_to(DOCS.parent)}"
    assert f"docs/suites/{suite}.md" in (DOCS / "suites" / "README.md").read_text() or (
        f"({suite}.md)" in (DOCS / "suites" / "README.md").read_text()
    ), f"{suite}: link its page from docs/suites/README.md"


@pytest.mark.parametrize("suite", SUITE_NAMES)
def test_task_docstring_lists_the_declared_factors(suite: str) -> None:
    design = DESIGNS[suite]
    doc = inspect.getdoc(SUITES[suite]) or ""
    assert FACTORS_PLACEHOLDER not in doc
    for factor in design.factors:
        assert f"{factor.name}: levels of {', '.join(factor.levels)}" in " ".join(doc.split()), factor.name
    for option in design.options:
        assert f"{option}:" in doc, f"{suite}: document the option {option}"


def test_headline_behaviours_and_hypotheses_come_from_the_designs() -> None:
    worst_case = [design for design in DESIGNS.values() if design.behaviour != TRAINING_GAMING]
    assert tuple(design.behaviour for design in worst_case) == WORST_CASE_BEHAVIOURS
    assert len(set(WORST_CASE_BEHAVIOURS)) == len(WORST_CASE_BEHAVIOURS)
    hypothesis_suites = [name for name, design in DESIGNS.items() if design.behaviour == TRAINING_GAMING]
    assert list(HYPOTHESES) == hypothesis_suites
    assert len({label for label, _ in HYPOTHESES.values()}) == len(HYPOTHESES)
    assert all(DESIGNS[name].figure_factors for name in hypothesis_suites)
