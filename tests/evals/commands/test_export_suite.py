"""`schemer-evals export-suite` writes exactly the suites' samples as Hugging Face datasets and JSONL."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import pytest

from evals.cli import main
from tasks.cot_availability import cot_availability_samples
from tasks.training_info import training_info_samples
from tests.support.request_sets import strongreject_rows, write_rows


def _export(out: Path, *extra: str) -> int:
    return main(["export-suite", "--output-dir", str(out), *extra])


def test_export_round_trips_every_sample(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "suites"
    code = _export(
        out, "--suites", "training_info,cot_availability", "-T", "scenarios_per_cell=1", "-T", "value_domain=privacy"
    )
    assert code == 0
    expected = {
        "training_info": training_info_samples(value_domain="privacy", scenarios_per_cell=1),
        "cot_availability": cot_availability_samples(value_domain="privacy", scenarios_per_cell=1),
    }
    manifest = json.loads((out / "manifest.json").read_text())
    for suite, samples in expected.items():
        reloaded = datasets.load_from_disk(str(out / suite))
        lines = (out / f"{suite}.jsonl").read_text(encoding="utf-8").splitlines()
        assert len(reloaded) == len(lines) == len(samples) == manifest[suite]["samples"]
        assert manifest[suite]["parameters"] == {"scenarios_per_cell": 1, "value_domain": "privacy"}
        by_id = {row["id"]: row for row in reloaded}
        assert [json.loads(line)["id"] for line in lines] == [str(s.id) for s in samples]
        for sample in samples:
            row = by_id[str(sample.id)]
            assert isinstance(sample.input, list)
            assert row["messages"] == [{"role": m.role, "content": m.text} for m in sample.input]
            assert {key: row[key] for key in sample.metadata or {}} == sample.metadata
        assert {row["value_domain"] for row in reloaded} == {"privacy"}
    assert "training_info" in capsys.readouterr().out


def test_parameters_reach_only_the_suites_that_take_them(tmp_path: Path) -> None:
    out = tmp_path / "suites"
    code = _export(
        out,
        "--suites",
        "training_info,cot_availability",
        "-T",
        "operator_ethics=unethical",
        "-T",
        "cot=none,scaffolded",
    )
    assert code == 0
    training = datasets.load_from_disk(str(out / "training_info"))
    cot = datasets.load_from_disk(str(out / "cot_availability"))
    assert set(training["operator_ethics"]) == {"unethical"} and set(training["cot"]) == {"none", "scaffolded"}
    assert set(cot["operator_ethics"]) == {"neutral"} and len(cot) == 2 * 3 * 5 * 4


def test_the_former_out_option_still_names_the_output_directory(tmp_path: Path) -> None:
    """`--out` was the option's name before `--output-dir`; it is still accepted (hidden from --help)."""
    out = tmp_path / "suites"
    assert main(["export-suite", "--out", str(out), "--suites", "training_info", "-T", "scenarios_per_cell=1"]) == 0
    assert len(datasets.load_from_disk(str(out / "training_info"))) == 90
    assert json.loads((out / "manifest.json").read_text())["training_info"]["samples"] == 90


def test_re_export_replaces_the_previous_dataset(tmp_path: Path) -> None:
    out = tmp_path / "suites"
    assert _export(out, "--suites", "training_info", "-T", "scenarios_per_cell=2") == 0
    assert _export(out, "--suites", "training_info", "-T", "scenarios_per_cell=1") == 0
    assert len(datasets.load_from_disk(str(out / "training_info"))) == 90


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-T", "flavour=mint"], "no selected suite takes this parameter"),
        (["-T", "scenarios_per_cell"], "is not KEY=VALUE"),
        (["-T", "cot=telepathy"], "unknown cot level"),
        (["--suites", "astrology"], "unknown suite level(s) 'astrology'"),
    ],
)
def test_bad_arguments_are_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert _export(tmp_path / "suites", "--suites", "training_info", *args) == 2
    error = capsys.readouterr().err
    assert message in error and error.count("\n") == 1 and "Traceback" not in error


def test_refuses_to_overwrite_a_directory_it_did_not_write(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    precious = tmp_path / "training_info"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    assert _export(tmp_path, "--suites", "training_info", "-T", "scenarios_per_cell=1") == 2
    assert (precious / "notes.txt").read_text() == "keep me"
    error = capsys.readouterr().err
    assert "not an exported dataset" in error and "choose another --output-dir" in error


def test_export_a_suite_built_on_the_users_requests(tmp_path: Path) -> None:
    requests = write_rows(tmp_path / "strongreject_dataset.csv", strongreject_rows())
    out = tmp_path / "suites"
    assert _export(out, "--suites", "value_conflict", "-T", f"requests={requests}", "-T", "scenarios_per_cell=2") == 0
    reloaded = datasets.load_from_disk(str(out / "value_conflict"))
    prompts = {row["forbidden_prompt"] for row in strongreject_rows()}
    assert {row["messages"][-1]["content"].rsplit("\n\n", 1)[-1] for row in reloaded} <= prompts
    assert {row["request_category"] for row in reloaded} <= {row["category"] for row in strongreject_rows()}
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["value_conflict"]["parameters"]["requests"] == str(requests)
