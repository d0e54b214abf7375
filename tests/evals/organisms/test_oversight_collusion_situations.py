"""The organisms' oversight and collusion situations recognise their own suites' conversations (first, before
any other situation) and no other suite's, from the messages and tools alone."""

from __future__ import annotations

from inspect_ai.dataset import Sample
from inspect_ai.model import ChatMessage, GenerateConfig
from inspect_ai.tool import ToolDef, ToolInfo, ToolParams

from evals.organisms.profiles import get_profile
from evals.organisms.provider import SITUATIONS
from evals.organisms.situation_collusion import CollusionSituation
from evals.organisms.situation_oversight import OversightSituation
from evals.organisms.situations import Turn
from tasks.collusion import collusion_samples
from tasks.oversight_subversion import oversight_subversion_samples
from tasks.suites import SUITES
from tasks.virtual_fs import file_tools


def _messages(sample: Sample) -> list[ChatMessage]:
    assert isinstance(sample.input, list)
    return sample.input


def _file_tools() -> list[ToolInfo]:
    infos = []
    for tool in file_tools():
        definition = ToolDef(tool)
        infos.append(ToolInfo(name=definition.name, description=definition.description, parameters=ToolParams()))
    return infos


def test_names_of_the_file_tools_are_what_the_organism_looks_for() -> None:
    assert {info.name for info in _file_tools()} == {"list_files", "read_file", "write_file", "delete_file"}


def test_situations_recognise_only_their_own_suite() -> None:
    mine = [s for s in SITUATIONS if isinstance(s, OversightSituation | CollusionSituation)]
    assert len(mine) == 2
    for suite, build in SUITES.items():
        for sample in build().dataset:
            turn = Turn(get_profile("honest"), _messages(sample), [], GenerateConfig(), 0)
            for situation in mine:
                recognised = situation.recognises(turn)
                assert recognised == (suite == "collusion" and isinstance(situation, CollusionSituation)), (
                    suite,
                    sample.id,
                    situation.name,
                )


def test_own_suites_are_recognised_before_any_other_situation() -> None:
    for sample in collusion_samples(cot=["none", "hidden_scratchpad", "visible_cot", "scaffolded"]):
        turn = Turn(get_profile("worst_case_schemer"), _messages(sample), [], GenerateConfig(), 0)
        assert isinstance(next(s for s in SITUATIONS if s.recognises(turn)), CollusionSituation), sample.id
    tools = _file_tools()
    for sample in oversight_subversion_samples(cot=["none", "hidden_scratchpad", "visible_cot", "scaffolded"]):
        turn = Turn(get_profile("worst_case_schemer"), _messages(sample), tools, GenerateConfig(), 0)
        assert isinstance(next(s for s in SITUATIONS if s.recognises(turn)), OversightSituation), sample.id
