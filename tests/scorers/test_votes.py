"""Vote combination: strict majorities, ties, and when a judgement has enough usable votes."""

from __future__ import annotations

import pytest

from scorers.votes import VotingRule, enough_votes, interval, majority, plurality, share, wilson


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


def test_share_and_the_threshold_regions() -> None:
    rule = VotingRule(votes=20, threshold=0.4, maybe_low=0.2, maybe_high=0.4)
    assert share([True, False, False, False, False]) == pytest.approx(0.2)
    assert rule.is_maybe(0.2) and not rule.is_maybe(0.4) and not rule.is_maybe(0.1)
    with pytest.raises(ValueError):
        share([])


@pytest.mark.parametrize(
    "bad",
    [
        {"votes": 0},
        {"threshold": 0.0},
        {"maybe_low": 0.5, "maybe_high": 0.3},
        {"voting": "sometimes"},
        {"min_votes": 0},
        {"confidence": 1.0},
        {"interval": "exact"},
    ],
)
def test_voting_rule_rejects_bad_settings(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="judge"):
        VotingRule(**bad)  # type: ignore[arg-type]


def test_fixed_voting_asks_every_vote() -> None:
    rule = VotingRule(votes=10, voting="fixed")
    assert rule.first_round() == 10 and not rule.settled(10, 10, 9) and rule.settled(10, 10, 10)


def test_adaptive_voting_stops_on_clear_samples_and_not_on_borderline_ones() -> None:
    rule = VotingRule(votes=20, voting="adaptive", min_votes=4, step=2, confidence=0.9)
    assert rule.first_round() == 4 and rule.next_round(4) == 2 and rule.next_round(19) == 1 and rule.next_round(20) == 0
    assert rule.settled(4, 4, 4), "4 of 4 yes: the 90% Wilson interval (0.60-1) is above the threshold"
    assert not rule.settled(0, 4, 4), "0 of 4: the upper bound (0.40) still reaches the maybe band"
    assert not rule.settled(0, 10, 10) and rule.settled(0, 12, 12), "0 of 12: upper bound 0.18 < 0.2"
    assert not rule.settled(5, 16, 16), "a share near the maybe band keeps being asked"
    assert rule.settled(5, 16, 20), "the budget is spent"
    assert not rule.settled(0, 0, 4), "no usable vote yet"


def test_adaptive_voting_stops_when_the_remaining_votes_cannot_move_the_sample() -> None:
    rule = VotingRule(votes=10, voting="adaptive", min_votes=4, confidence=0.99)
    assert rule.settled(4, 9, 9), "4 of 9: with one vote left the share stays at 0.4 or above"
    assert not rule.settled(3, 9, 9), "3 of 9: the last vote decides between maybe (0.3) and yes (0.4)"
    assert rule.settled(0, 9, 9), "0 of 9: with one vote left the share is 0.0 or 0.1, below the band either way"
    assert not rule.settled(0, 8, 8), "0 of 8: two more yes votes would reach the maybe band (0.2)"


def test_jeffreys_interval_is_tighter_at_zero_than_wilson() -> None:
    assert interval(0, 10, 0.9, "jeffreys")[1] < interval(0, 10, 0.9, "wilson")[1]
    assert wilson(5, 10, 0.95) == pytest.approx((0.2366, 0.7634), abs=1e-3)
