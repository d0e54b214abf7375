"""Fixtures for the scorer tests: the labelled ground-truth sets, scripted model outputs, and a summary of the
measured precision / recall printed at the end of every pytest run (so CI logs always show the figures)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pytest
from inspect_ai import Task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.log import EvalLog
from inspect_ai.model import ChatMessage, GenerateConfig, Model, ModelOutput, ModelUsage, get_model
from inspect_ai.scorer import Scorer
from inspect_ai.solver import Generate, Solver, TaskState, solver
from inspect_ai.tool import ToolChoice, ToolInfo
from statsmodels.stats.inter_rater import cohens_kappa

from scorers.data_files import data_path
from tests.support.inspect_run import run_eval

_REPORT: list[str] = []


@dataclass
class Confusion:
    """Counts of one binary classification against labels."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, predicted: bool, actual: bool, item: str = "") -> None:
        if predicted and actual:
            self.tp += 1
        elif predicted:
            self.fp += 1
            self.errors.append(f"FP {item}")
        elif actual:
            self.fn += 1
            self.errors.append(f"FN {item}")
        else:
            self.tn += 1

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def line(self, name: str) -> str:
        n = self.tp + self.fp + self.fn + self.tn
        return (
            f"{name:58s} n={n:3d} pos={self.tp + self.fn:3d}  "
            f"P={self.precision:.3f} R={self.recall:.3f} F1={self.f1:.3f}"
        )


def _read_jsonl(relative: str) -> list[dict[str, Any]]:
    with data_path(relative).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


@pytest.fixture(scope="session")
def labelled_tg() -> list[dict[str, Any]]:
    """The labelled training-gaming reasoning transcripts."""
    return _read_jsonl("labelled/training_gaming.jsonl")


@pytest.fixture(scope="session")
def labelled_compliance() -> list[dict[str, Any]]:
    """The labelled final answers (complied / partial / refused)."""
    return _read_jsonl("labelled/compliance.jsonl")


@pytest.fixture(scope="session")
def labelled_compliance_realistic() -> list[dict[str, Any]]:
    """The replies in the register of capable hosted models, with two labellers' and the consensus labels."""
    return _read_jsonl("labelled/compliance_realistic.jsonl")


@pytest.fixture
def new_confusion() -> Callable[[], Confusion]:
    """Makes empty confusion counts (precision / recall / F1 against labels)."""
    return Confusion


def labeller_agreement(first: list[str], second: list[str], labels: tuple[str, ...]) -> tuple[int, float]:
    """How many items two labellers label alike, and Cohen's kappa over `labels` (statsmodels)."""
    table = pd.crosstab(pd.Series(first), pd.Series(second)).reindex(index=labels, columns=labels, fill_value=0)
    agree = sum(a == b for a, b in zip(first, second, strict=True))
    return agree, float(cohens_kappa(table.to_numpy()).kappa)


@pytest.fixture
def agreement() -> Callable[[list[str], list[str], tuple[str, ...]], tuple[int, float]]:
    """Two labellers' agreement count and Cohen's kappa (see `labeller_agreement`)."""
    return labeller_agreement


@pytest.fixture
def scripted_output() -> Callable[..., ModelOutput]:
    """Makes a mock model output with explicit token usage."""
    return scripted


def fenced(prompt: str, label: str) -> str:
    """The body of the fenced block `label` in a judge prompt (the instructions quote its fence lines first)."""
    match = re.search(rf"^BEGIN UNTRUSTED {label} ([0-9a-f]+)$", prompt, re.MULTILINE)
    assert match, f"no {label} fence in the judge prompt"
    begin, end = match.group(0), f"END UNTRUSTED {label} {match.group(1)}"
    return prompt.rsplit(begin + "\n", 1)[1].split("\n" + end, 1)[0]


@pytest.fixture
def fenced_body() -> Callable[[str, str], str]:
    """Extracts a fenced block's body from a judge prompt (see `fenced`)."""
    return fenced


@pytest.fixture
def report() -> Callable[[str], None]:
    """Adds a line to the validation summary printed after the test run."""
    return _REPORT.append


def scripted(text: str, tokens: int = 10) -> ModelOutput:
    """A mock model output with explicit usage (mockllm would otherwise need tiktoken's vocabulary)."""
    output = ModelOutput.from_content(model="mockllm", content=text)
    output.usage = ModelUsage(input_tokens=tokens, output_tokens=tokens, total_tokens=2 * tokens)
    return output


Reply = str | ModelOutput
Script = Callable[[list[ChatMessage], list[ToolInfo], ToolChoice, GenerateConfig], ModelOutput]


def mock_model(script: Script, name: str = "mockllm/model", config: GenerateConfig | None = None) -> Model:
    """A mockllm model whose replies come from `script` (called with the messages of each generate)."""
    return get_model(name, config=config or GenerateConfig(), custom_outputs=script, memoize=False)


@solver
def reply_once() -> Solver:
    """Like `generate()`, but keeps an output with no choices (which `generate()` cannot append) for the scorers."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        state.output = await get_model().generate(state.messages)
        if state.output.choices:
            state.messages.append(state.output.message)
        return state

    return solve


def run_scripted(
    replies: dict[str, Reply],
    scorers: list[Scorer],
    grader: Model | None = None,
    metadata: dict[str, dict[str, Any]] | None = None,
    log_dir: str = "logs",
) -> EvalLog:
    """Evaluate one sample per entry of `replies`: the model under test answers sample `key` with its reply.

    The sample's user message is its key, so the scripted model finds its reply from the prompt alone.
    """

    def answer(messages: list[ChatMessage], *_: Any) -> ModelOutput:
        reply = replies[messages[-1].text]
        return reply if isinstance(reply, ModelOutput) else scripted(reply)

    samples = [Sample(id=key, input=key, metadata=(metadata or {}).get(key, {})) for key in replies]
    task = Task(dataset=MemoryDataset(samples), solver=reply_once(), scorer=scorers)
    roles = {"grader": grader} if grader is not None else None
    [log] = run_eval(
        task,
        model=mock_model(answer),
        model_roles=roles,  # type: ignore[arg-type]
        log_dir=log_dir,
        log_samples=True,
        max_connections=8,
    )
    return log


@pytest.fixture
def run_samples(tmp_path: Any) -> Callable[..., EvalLog]:
    """Runs scripted replies through scorers (see `run_scripted`), logging under the test's tmp_path."""

    def run(*args: Any, **kwargs: Any) -> EvalLog:
        kwargs.setdefault("log_dir", str(tmp_path / "logs"))
        return run_scripted(*args, **kwargs)

    return run


@pytest.fixture
def scripted_model() -> Callable[..., Model]:
    """Makes a mockllm model driven by a script (see `mock_model`)."""
    return mock_model


@pytest.fixture
def inspect_cache(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A private Inspect model cache for the test, so cached judge replies never leak between tests."""
    cache = tmp_path / "inspect-cache"
    monkeypatch.setenv("INSPECT_CACHE_DIR", str(cache))
    yield cache


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _REPORT:
        terminalreporter.section("scorer validation against datasets/labelled (measured this run)")
        for line in _REPORT:
            terminalreporter.write_line(line)
