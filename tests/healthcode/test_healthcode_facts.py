"""Facts and the data object rules read: shape, selection of the relevant fact, JSON form, bad facts."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from fugong.healthcode.facts import (
    CONTRACT,
    CheckIn,
    CheckpointTemperature,
    CloseContact,
    CoLocation,
    Diagnosis,
    Fact,
    FalseDeclarationFinding,
    InvalidFact,
    Isolation,
    RiskAreaStay,
    SelfDeclaration,
    UnknownFactType,
    fact_as_json,
    fact_from_json,
    facts_from_json,
    rule_data,
)
from fugong.healthcode.status import describe_fact

D = date(2020, 2, 10)


def day(n: int) -> date:
    """Day ``n`` of a scenario, counting ``D`` (10 Feb 2020) as day 1."""
    return D + timedelta(days=n - 1)


ONE_OF_EACH: list[Fact] = [
    Diagnosis("suspected", day(1), cleared_on=day(3)),
    CloseContact(day(2), last_exposure=day(1)),
    RiskAreaStay("420100", date(2020, 1, 20), day(1), reported_on=day(2), source="transport"),
    SelfDeclaration(day(1), symptoms=False, travel=False, contact=True, legal_notice=True),
    CheckpointTemperature(datetime(2020, 2, 11, 8, 30), "杭州东站", 375),
    CoLocation("武林银泰", datetime(2020, 2, 9, 14), day(3)),
    FalseDeclarationFinding(day(4), note="行程不符"),
    Isolation(day(2), place="centralised"),
    CheckIn(day(2), tenths=366),
    CheckIn(day(3)),
]


def test_the_data_object_follows_the_contract() -> None:
    data = rule_data(ONE_OF_EACH, day(4)).data
    assert set(data) == set(CONTRACT)
    for key, value in data.items():
        if isinstance(value, dict):
            assert set(value) == CONTRACT[key], key
    assert data["on"] == "2020-02-13"
    assert data["confirmed"] is None
    assert data["suspected"] == {"on": "2020-02-10", "cleared_on": "2020-02-12", "source": "cdc"}
    assert data["key_area_stay"] == {
        "on": "2020-02-11",
        "area": "420100",
        "start": "2020-01-20",
        "end": "2020-02-10",
        "source": "transport",
    }
    assert data["declared_contact"] == {"on": "2020-02-10", "source": "self_declaration"}
    assert data["travel_denial"] == {"on": "2020-02-10", "source": "self_declaration"}
    assert data["declared_travel"] is None
    assert data["checkpoint_fever"] == {"on": "2020-02-11", "tenths": 375, "place": "杭州东站", "source": "checkpoint"}
    assert data["co_location"] == {
        "on": "2020-02-12",
        "visited_on": "2020-02-09",
        "place": "武林银泰",
        "source": "checkpoint",
    }
    assert data["isolation"] == {"on": "2020-02-11", "start": "2020-02-11", "end": None, "source": "cdc"}
    assert data["checkins"] == {"last_on": "2020-02-12", "streak": 2, "count": 2, "source": "checkin"}
    # Same day at a gate and in a check-in: the check-in, the person's own daily record, is taken.
    assert data["temperature"] == {"on": "2020-02-11", "tenths": 366, "source": "checkin"}


def test_facts_dated_after_the_day_are_not_known_yet() -> None:
    prepared = rule_data(ONE_OF_EACH, day(1))
    assert prepared.data["close_contact"] is None
    assert prepared.data["co_location"] is None
    assert prepared.data["checkins"]["count"] == 0
    assert "close_contact" not in prepared.evidence
    assert prepared.data["suspected"]["cleared_on"] == "2020-02-12"  # the fact itself is from day 1


def test_the_relevant_fact_is_chosen_and_kept_as_evidence() -> None:
    older = RiskAreaStay("330300", date(2020, 1, 25), date(2020, 1, 30))
    newer = RiskAreaStay("420100", date(2020, 1, 28), date(2020, 2, 5))
    not_key = RiskAreaStay("330100", date(2020, 2, 6), date(2020, 2, 8), key_area=False)
    fever = CheckpointTemperature(datetime(2020, 2, 9, 9), "gate A", 381)
    normal = CheckpointTemperature(datetime(2020, 2, 10, 9), "gate B", 362)
    prepared = rule_data([older, newer, not_key, fever, normal], D)
    assert prepared.data["key_area_stay"]["area"] == "420100"
    assert prepared.evidence["key_area_stay"] == (newer,)
    # The latest reading is normal; the latest fever is still what a fever rule reads.
    assert prepared.data["checkpoint_temperature"]["tenths"] == 362
    assert prepared.data["checkpoint_fever"]["tenths"] == 381
    assert prepared.evidence["checkpoint_fever"] == (fever,)


def test_a_denial_counts_only_under_the_legal_notice() -> None:
    without_notice = SelfDeclaration(day(1), symptoms=False, travel=False, contact=False, legal_notice=False)
    assert rule_data([without_notice], day(1)).data["travel_denial"] is None
    # A later truthful declaration does not erase an earlier false one.
    denial = SelfDeclaration(day(1), symptoms=False, travel=False, contact=False, legal_notice=True)
    truthful = SelfDeclaration(day(3), symptoms=False, travel=True, contact=False, legal_notice=True)
    data = rule_data([denial, truthful], day(3)).data
    assert data["travel_denial"]["on"] == "2020-02-10"
    assert data["declared_travel"]["on"] == "2020-02-12"


def test_symptoms_come_from_declarations_and_check_ins() -> None:
    declared = SelfDeclaration(day(1), symptoms=True, travel=False, contact=False, legal_notice=True)
    checked = CheckIn(day(3), symptoms=True)
    assert rule_data([declared, checked], day(3)).data["symptoms"] == {"on": "2020-02-12", "source": "checkin"}
    assert rule_data([declared, checked], day(2)).data["symptoms"] == {"on": "2020-02-10", "source": "self_declaration"}


@pytest.mark.parametrize(
    ("checked_days", "on", "streak"),
    [
        ([1, 2, 3], 3, 3),
        ([1, 2, 3], 4, 3),  # today's check-in may still come
        ([1, 2, 3], 5, 0),  # yesterday was missed
        ([1, 2, 4, 5], 5, 2),  # a gap restarts the count
        ([], 1, 0),
    ],
)
def test_check_in_streak(checked_days: list[int], on: int, streak: int) -> None:
    checkins = [CheckIn(day(n)) for n in checked_days]
    assert rule_data(checkins, day(on)).data["checkins"]["streak"] == streak


def test_a_check_in_with_symptoms_or_fever_breaks_the_streak() -> None:
    checkins = [CheckIn(day(1)), CheckIn(day(2), tenths=373), CheckIn(day(3)), CheckIn(day(3), symptoms=True)]
    assert rule_data(checkins, day(2)).data["checkins"]["streak"] == 0
    assert rule_data(checkins[:3], day(3)).data["checkins"]["streak"] == 1
    assert rule_data(checkins, day(3)).data["checkins"]["streak"] == 0


@pytest.mark.parametrize("fact", ONE_OF_EACH, ids=lambda f: type(f).__name__)
def test_json_round_trip(fact: Any) -> None:
    assert fact_from_json(fact_as_json(fact)) == fact


def test_descriptions_name_source_and_date() -> None:
    stay = ONE_OF_EACH[2]
    assert describe_fact(stay) == "2020-01-20至2020-02-10在重点疫区420100停留（交通部门，2020-02-11）"
    assert describe_fact(stay, "en") == (
        "stay in the key epidemic area 420100, 2020-01-20–2020-02-10 (transport department, 2020-02-11)"
    )
    assert describe_fact(ONE_OF_EACH[4]) == "在杭州东站测得体温37.5 °C（卡口测温，2020-02-11）"


@pytest.mark.parametrize(
    ("items", "error", "field", "words"),
    [
        (
            [{"type": "checkin", "on": "2020-02-10"}, {"type": "vaccination"}],
            UnknownFactType,
            "facts[1].type",
            "unknown fact type 'vaccination'; known: diagnosis, close_contact",
        ),
        ([{"on": "2020-02-10"}], UnknownFactType, "facts[0].type", "unknown fact type None"),
        ([{"type": "checkin", "on": "10/02/2020"}], InvalidFact, "facts[0].on", "not a date in the form YYYY-MM-DD"),
        ([{"type": "checkin", "on": "2020-02-10", "mood": "ok"}], InvalidFact, "facts[0].mood", "has no field(s) mood"),
        ([{"type": "close_contact"}], InvalidFact, "facts[0]", "missing 1 required positional argument: 'on'"),
        (
            [{"type": "checkin", "on": "2020-02-10", "tenths": 37.5}],
            InvalidFact,
            "facts[0].tenths",
            "tenths of a degree between 300 and 450 (37.3 °C is 373)",
        ),
        (
            [{"type": "checkin", "on": "2020-02-10", "source": "cdc"}],
            InvalidFact,
            "facts[0].source",
            "source 'cdc' is not one of checkin",
        ),
        (
            [{"type": "isolation", "start": "2020-02-10", "end": "2020-02-01"}],
            InvalidFact,
            "facts[0].end",
            "isolation ends 2020-02-01, before it starts 2020-02-10",
        ),
        (
            [{"type": "diagnosis", "kind": "recovered", "on": "2020-02-10"}],
            InvalidFact,
            "facts[0].kind",
            "not 'confirmed' or 'suspected'",
        ),
        (
            [{"type": "co_location", "place": "x", "at": "2020-02-10T09:00", "on": "2020-02-09"}],
            InvalidFact,
            "facts[0].on",
            "found on 2020-02-09, before the visit",
        ),
        (
            [{"type": "checkpoint_temperature", "at": "noon", "place": "x", "tenths": 366}],
            InvalidFact,
            "facts[0].at",
            "not a date in the form YYYY-MM-DDThh:mm",
        ),
        ([["checkin"]], InvalidFact, "facts[0]", "a fact must be a JSON object"),
        ({"type": "checkin"}, InvalidFact, "facts", "facts must be a JSON list"),
    ],
)
def test_bad_facts_are_refused_with_the_field(items: Any, error: type[Exception], field: str, words: str) -> None:
    with pytest.raises(error) as caught:
        facts_from_json(items)
    assert getattr(caught.value, "field", None) == field
    assert words in str(caught.value)


def test_a_bad_fact_built_in_code_is_refused() -> None:
    with pytest.raises(InvalidFact, match="reported on 2020-02-01, before it ended"):
        RiskAreaStay("420100", date(2020, 1, 20), date(2020, 2, 5), reported_on=date(2020, 2, 1))
    with pytest.raises(InvalidFact, match="last_exposure 2020-02-12 is after the listing on 2020-02-10"):
        CloseContact(D, last_exposure=date(2020, 2, 12))
