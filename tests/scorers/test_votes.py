"""Vote combination: strict majorities, ties, and when a judgement has enough usable votes."""

from __future__ import annotations

import pytest

from scorers.votes import enough_votes, majority, plurality


def test_majority_needs_more_than_half() -> None:
    assert majority([True, True, False]).value is True
    assert majority([True, False]).value is False, "a tie does not establish a criterion"
    assert majority([True, True, False, False, False]).value is False


def test_majority_share_is_the_share_of_the_winning_side() -> None:
    assert majority([True, True, True, False, False]).share == pytest.approx(0.6)
    assert majority([False, False, False, False, True]).share == pytest.approx(0.8)
    with pytest.raises(ValueError):
        majority([])


def test_plurality_and_ties() -> None:
    winner, share = plurality(["complied", "complied", "partial"])
    assert winner == "complied" and share == pytest.approx(2 / 3)
    assert plurality(["complied", "partial"])[0] is None
    assert plurality([]) == (None, 0.0)


def test_enough_votes_is_a_majority_of_the_calls() -> None:
    assert enough_votes(3, 5) and not enough_votes(2, 5) and not enough_votes(0, 0) and enough_votes(1, 1)
