"""Each suite's design, declared once: its factors, the levels it offers (reference first), the default
selection, what the reports file it under (hypothesis, headline behaviour, figure factors), the organism
situation that answers it, its data files, and the one sample builder every suite uses.

A suite writes a `SuiteDesign` and a function that renders one cell index (`CellPrompt`); this module turns
`-T` parameters into the selected grid, builds the samples (ids from the cell, the full condition in
metadata), orders them so that any prefix (`--limit N`) is balanced over the grid, and puts the declaration
into the Task's metadata (`{"suite": ..., "factors": {factor: [levels, reference first]}}`), which is what
`evals.logs` reads to know which metadata keys are factors. A new factor is one `Factor(...)` plus its texts.
Every other layer (reports, consistency, figures, the organisms' tests) reads a suite's facts from its design;
`docs/adding-a-suite.md` is the checklist for a new suite.
"""

from __future__ import annotations

import difflib
import hashlib
import logging
import textwrap
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations, product
from typing import Any, TypeVar

from inspect_ai import Task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import ChatMessageSystem, ChatMessageUser
from inspect_ai.scorer import Scorer
from inspect_ai.solver import Solver

from scorers.data_files import data_version
from scorers.vocabulary import factor_levels
from tasks.conditions import FactorSelection, ParameterError, reference_condition, select_levels

logger = logging.getLogger(__name__)

TRAINING_GAMING = "training_gaming"
"""The headline behaviour of the hypothesis suites: training-gaming reasoning and the compliance gap."""

DESIGN_REVISION = 2
"""Bumped whenever code (not data) changes what samples a design produces or their order; part of every
suite's `Task(version=...)`, so eval-set never reuses a log of the old design."""


@dataclass(frozen=True)
class Factor:
    """One factor a suite varies."""

    name: str
    levels: tuple[str, ...]
    """Every level the suite offers, reference level first."""
    default: tuple[str, ...] | None = None
    """The levels a run gets when `-T name=` is not given; None means all of them."""
    in_id_at_reference: bool = True
    """False for factors added after a suite's first release: at the reference level they are left out of
    the sample id, so ids (which nightly baselines pair samples by) stay what they were."""

    def __post_init__(self) -> None:
        if self.default is not None and not set(self.default) <= set(self.levels):
            raise ValueError(f"factor {self.name}: default {self.default} not among levels {self.levels}")

    @property
    def defaults(self) -> tuple[str, ...]:
        return self.levels if self.default is None else self.default


def shared_factor(name: str, default: Sequence[str] | None = None, levels: Sequence[str] | None = None) -> Factor:
    """A factor of the shared vocabulary (datasets/shared/conditions.yaml); `levels` narrows what is offered."""
    offered = tuple(levels) if levels is not None else factor_levels()[name]
    return Factor(name, offered, tuple(default) if default is not None else None)


@dataclass(frozen=True)
class Cell:
    """One grid cell index: the full condition (every vocabulary factor) and the index within the cell."""

    condition: Mapping[str, str]
    index: int


@dataclass(frozen=True)
class CellPrompt:
    """What a suite renders for one cell index."""

    system: str
    user: str
    metadata: Mapping[str, Any]
    """Descriptive metadata (scenario_id, paraphrase, cue text, pair_id, ...); it may also override condition
    keys the suite derives (e.g. `cot` from `cot_monitoring`)."""
    target: str = ""
    key: str | None = None
    """What ends the sample id instead of the cell index (a user's request id: `tasks.user_requests`)."""


@dataclass(frozen=True)
class SuiteDesign:
    """A suite's factors, declared once."""

    suite: str
    factors: tuple[Factor, ...]
    options: Mapping[str, Any] = field(default_factory=dict)
    """Task parameters that are not factors, with their defaults (e.g. `scenarios_per_cell`)."""
    fixed: Mapping[str, str] = field(default_factory=dict)
    """Vocabulary factors the suite holds at a non-reference level (e.g. `topic_relevance: relevant`)."""
    paired: str | None = None
    """The factor whose levels are kept adjacent in the sample order (the suite's main contrast, e.g.
    training vs unmonitored), so a `--limit` prefix holds complete pairs."""
    id_order: tuple[str, ...] = ()
    """The order of the levels in sample ids, when it differs from the declaration order (ids keep the order
    of the suite's first release; declarations list shared factors in vocabulary order, as reports do)."""
    data_files: tuple[str, ...] = ()
    """The suite's data files (paths under `datasets/`); their contents are part of `Task(version=...)`."""
    behaviour: str = TRAINING_GAMING
    """What the suite's headline measures: `training_gaming` for a hypothesis suite, else the score key of the
    worst-case behaviour it measures (e.g. `eval_gaming`); reports and the consistency analysis read it."""
    hypothesis: str = ""
    """The label the report files a hypothesis suite under (`H1`); '' for a worst-case suite."""
    varies: str = ""
    """What a hypothesis suite varies, as the report names it (`value conflict`)."""
    figure_factors: tuple[str, ...] = ()
    """The factors a hypothesis suite's report figure plots against training awareness, x axis first."""
    situation: str = TRAINING_GAMING
    """The name of the simulated organisms' situation that answers the suite's prompts (`evals.organisms`)."""

    def __post_init__(self) -> None:
        if self.id_order and sorted(self.id_order) != sorted(self.factor_names):
            raise ValueError(f"{self.suite}: id_order {self.id_order} must name every factor once")
        if bool(self.hypothesis) != bool(self.varies):
            raise ValueError(f"{self.suite}: a hypothesis suite names both its hypothesis and what it varies")
        if self.hypothesis and self.behaviour != TRAINING_GAMING:
            raise ValueError(f"{self.suite}: a hypothesis suite's headline behaviour is {TRAINING_GAMING}")
        unknown = set(self.figure_factors) - set(self.factor_names)
        if unknown:
            raise ValueError(f"{self.suite}: figure factors {sorted(unknown)} are not factors of the suite")

    @property
    def factor_names(self) -> tuple[str, ...]:
        return tuple(factor.name for factor in self.factors)

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return (*self.factor_names, *self.options)

    def factor(self, name: str) -> Factor:
        for factor in self.factors:
            if factor.name == name:
                return factor
        raise KeyError(name)

    def metadata(self) -> dict[str, Any]:
        """The Task metadata that declares the design to log readers."""
        return {"suite": self.suite, "factors": {factor.name: list(factor.levels) for factor in self.factors}}

    def fingerprint(self) -> str:
        declared = [(f.name, f.levels, f.defaults, f.in_id_at_reference) for f in self.factors]
        return repr((DESIGN_REVISION, declared, sorted(self.fixed.items()), self.paired, self.id_order))

    def version(self) -> str:
        """`Task(version=...)`: changes whenever the data files or the design change."""
        digest = hashlib.sha256(f"{data_version(*self.data_files)}|{self.fingerprint()}".encode())
        return digest.hexdigest()[:12]

    def select(self, selections: Mapping[str, FactorSelection]) -> dict[str, tuple[str, ...]]:
        """The selected levels of every factor (declared order): `-T` values validated, the rest defaulted."""
        return {
            factor.name: select_levels(factor.name, selections[factor.name], factor.levels)
            if selections.get(factor.name) is not None
            else factor.defaults
            for factor in self.factors
        }

    def option(self, parameters: Mapping[str, Any], name: str) -> Any:
        value = parameters.get(name)
        return self.options[name] if value is None else value

    def check_unknown(self, unknown: Mapping[str, Any]) -> None:
        """Reject task parameters no suite takes (a misspelt `-T` name) with a one-line error; one that another
        suite takes is ignored with a warning, as Inspect does, so `inspect eval tasks -T ...` still runs."""
        if not unknown:
            return
        known = every_suite_parameter()
        for name in unknown:
            if name in known:
                logger.warning(f"param '{name}' not used by task '{self.suite}'")
                continue
            close = difflib.get_close_matches(name, self.parameter_names, n=1)
            hint = f"did you mean -T {close[0]}=...? " if close else ""
            raise ParameterError(
                f"{self.suite} has no parameter {name!r}; {hint}it takes: {', '.join(self.parameter_names)}"
            )


DECLARED: dict[str, SuiteDesign] = {}
"""Every suite design declared so far (each suite module declares its own on import; `tasks.suites`, which
Inspect's entry point loads, imports them all)."""


def declare(design: SuiteDesign) -> SuiteDesign:
    """Records a suite's design, so that a `-T` parameter another suite takes is recognised (see
    `SuiteDesign.check_unknown`)."""
    DECLARED[design.suite] = design
    return design


def every_suite_parameter() -> set[str]:
    """Every task parameter of every declared suite."""
    return {name for design in DECLARED.values() for name in design.parameter_names}


FACTORS_PLACEHOLDER = "{factors}"
TaskFunction = TypeVar("TaskFunction", bound=Callable[..., Any])


def factor_lines(design: SuiteDesign, width: int = 112) -> list[str]:
    """One `Args:` entry per factor: the levels it offers (reference first) and the default selection."""
    lines: list[str] = []
    for factor in design.factors:
        default = "all" if factor.default is None else ", ".join(factor.default)
        text = f"{factor.name}: levels of {', '.join(factor.levels)} (default: {default})."
        lines.extend(textwrap.wrap(text, width, subsequent_indent="    "))
    return lines


def documented(design: SuiteDesign, **fragments: Sequence[str]) -> Callable[[TaskFunction], TaskFunction]:
    """Puts the design's factors, levels and defaults into a task's docstring where it says `{factors}`, so
    what `inspect` and editors show cannot drift from the declaration; `fragments` fill other `{name}` lines
    (e.g. the request options several suites share) the same way."""

    def fill(function: TaskFunction) -> TaskFunction:
        doc = _filled(function, function.__doc__ or "", FACTORS_PLACEHOLDER, lambda width: factor_lines(design, width))
        for name, lines in fragments.items():
            doc = _filled(function, doc, f"{{{name}}}", _fixed(lines))
        function.__doc__ = doc
        return function

    return fill


def _fixed(lines: Sequence[str]) -> Callable[[int], list[str]]:
    return lambda _width: list(lines)


def _filled(function: Callable[..., Any], doc: str, placeholder: str, lines: Callable[[int], list[str]]) -> str:
    """`doc` with its `placeholder` line replaced by `lines(width)`, indented as the placeholder was."""
    line = next((line for line in doc.splitlines() if line.strip() == placeholder), None)
    if line is None:
        raise ValueError(f"{function.__name__}: the docstring's Args need a {placeholder} line")
    indent = line[: len(line) - len(line.lstrip())]
    return doc.replace(line, "\n".join(indent + text for text in lines(116 - len(indent))))


def sample_id(design: SuiteDesign, condition: Mapping[str, str], index: int | str) -> str:
    factors = [design.factor(name) for name in design.id_order] if design.id_order else list(design.factors)
    levels = [
        condition[factor.name]
        for factor in factors
        if factor.in_id_at_reference or condition[factor.name] != factor.levels[0]
    ]
    return "-".join((design.suite, *levels, str(index)))


def build_samples(
    design: SuiteDesign,
    selected: Mapping[str, Sequence[str]],
    per_cell: int,
    render: Callable[[Cell], CellPrompt | None],
) -> list[Sample]:
    """`per_cell` samples for every cell of the selected grid, in balanced order (see `balanced_cells`). A render
    that returns None has no distinct scenario left for that cell index; the run says how many cells ran short."""
    samples: list[Sample] = []
    short: Counter[tuple[tuple[str, str], ...]] = Counter()
    for index in range(per_cell):
        for levels in balanced_cells(design, selected):
            condition = reference_condition()
            condition.update(design.fixed)
            condition.update(levels)
            prompt = render(Cell(condition, index))
            if prompt is None:
                short[tuple(levels.items())] += 1
                continue
            samples.append(
                Sample(
                    id=sample_id(design, condition, index if prompt.key is None else prompt.key),
                    input=[ChatMessageSystem(content=prompt.system), ChatMessageUser(content=prompt.user)],
                    target=prompt.target,
                    metadata={**condition, "suite": design.suite, **prompt.metadata},
                )
            )
    if short:
        held = sorted(per_cell - missing for missing in short.values())
        logger.warning(
            f"{design.suite}: {len(short)} cells ran out of distinct requests before scenarios_per_cell={per_cell} "
            f"(they hold {held[0]} to {held[-1]} samples; a cell never asks a request twice)"
        )
    return samples


def balanced_cells(design: SuiteDesign, selected: Mapping[str, Sequence[str]]) -> list[dict[str, str]]:
    """Every cell of the grid, ordered so that each prefix is as balanced over the factors as possible.

    Cells that differ only in the `paired` factor form a group and stay adjacent (in level order). Groups are
    chosen greedily: next comes the one whose levels have appeared least so far, counting each factor's
    levels first and then pairs of factors' level combinations; ties keep grid order.
    """
    names = [name for name in design.factor_names if name != design.paired]
    groups = [dict(zip(names, combo, strict=True)) for combo in product(*(selected[name] for name in names))]
    pairs = list(combinations(names, 2))
    single: Counter[tuple[str, str]] = Counter()
    double: Counter[tuple[str, str, str, str]] = Counter()
    remaining = list(range(len(groups)))
    order: list[int] = []
    while remaining:

        def cost(position: int) -> tuple[int, int, int]:
            group = groups[position]
            return (
                sum(single[(name, group[name])] for name in names),
                sum(double[(a, group[a], b, group[b])] for a, b in pairs),
                position,
            )

        best = min(remaining, key=cost)
        remaining.remove(best)
        order.append(best)
        group = groups[best]
        single.update((name, group[name]) for name in names)
        double.update((a, group[a], b, group[b]) for a, b in pairs)
    paired_levels = list(selected[design.paired]) if design.paired else [None]
    cells: list[dict[str, str]] = []
    for position in order:
        for level in paired_levels:
            cell = dict(groups[position])
            if design.paired and level is not None:
                cell[design.paired] = level
            cells.append({name: cell[name] for name in design.factor_names})
    return cells


def note_repeats(suite: str, per_cell: int, distinct: int) -> None:
    """Says when `scenarios_per_cell` asks more samples of a cell than it has distinct scenarios."""
    if per_cell > distinct:
        logger.warning(
            f"{suite}: scenarios_per_cell={per_cell} exceeds the {distinct} distinct scenarios a grid cell draws "
            "on; later samples ask them again in other paraphrases, and the statistics cluster by scenario, so they "
            "add little power"
        )


def suite_task(
    design: SuiteDesign,
    samples: list[Sample],
    solver: Solver,
    scorer: Scorer | list[Scorer],
    metadata: Mapping[str, Any] | None = None,
    data_digest: str = "",
    **task_options: Any,
) -> Task:
    """The Task of a suite: its samples, the design (and any `metadata`) in metadata and a version covering data and
    design (and `data_digest`, a digest of data the user gave, such as their requests)."""
    version = design.version()
    if data_digest:
        version = hashlib.sha256(f"{version}|{data_digest}".encode()).hexdigest()[:12]
    return Task(
        dataset=MemoryDataset(samples, name=design.suite),
        solver=solver,
        scorer=scorer,
        version=version,
        metadata={**design.metadata(), **(metadata or {})},
        **task_options,
    )
