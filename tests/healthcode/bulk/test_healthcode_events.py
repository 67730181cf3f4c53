"""Event-driven re-evaluation: a hand-made confirmed case turns their contact red and who shared their hour yellow."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from fugong.healthcode import audit, registry, service
from fugong.healthcode.events import InvalidCase, new_case
from fugong.healthcode.facts import CheckIn, Isolation
from fugong.healthcode.registry import UnknownPerson
from fugong.healthcode.rules import RuleBook
from fugong.hub.lake import get_lake
from fugong.hub.pseudonyms import pseudonymiser
from fugong.settings import Settings

from .conftest import PEOPLE

ON = date(2020, 2, 12)  # the province rules are in force from 11 Feb; the CDC confirmed on 10 Feb


def _register(store: Any, settings: Settings, names: str) -> dict[str, int]:
    keys = pseudonymiser(settings)
    with store.session() as session:
        regs = {n: registry.Registration(f"测试{n}", PEOPLE[n], "330382") for n in names}
        ids = {}
        for n, reg in regs.items():
            ids[n] = registry.register_self(session, keys, reg, f"person-{n.lower()}").id
        return ids


def test_a_new_case_changes_the_colours_of_the_people_around_them(
    store: Any, small_lake: Settings, book: RuleBook
) -> None:
    ids = _register(store, small_lake, "ADE")
    with store.session() as session:
        impact = new_case(session, get_lake(small_lake), book, ids["A"], date(2020, 2, 10), ON)
    assert impact.co_located == [ids["D"]]  # E came an hour later
    assert impact.contacts == []  # B is on the CDC's list but not registered
    assert impact.unregistered == 1
    assert sorted(impact.changed) == sorted([(ids["A"], None, "red"), (ids["D"], None, "yellow")])
    assert impact.inputs["checkpoint_scans"].startswith("checkpoint_scans@v1-")
    with store.session() as session:
        record = audit.history(session, ids["D"])
        assert len(record) == 1
        assert (record[0].kind, record[0].rule, record[0].new_colour) == ("automatic", "yellow-co-location", "yellow")
        facts = json.loads(record[0].facts)
        assert facts == [
            {
                "type": "co_location",
                "place": "gate-1",
                "at": "2020-02-07T10:00:00",
                "on": "2020-02-10",
                "source": "checkpoint",
            }
        ]
        assert audit.current(session, ids["E"]) is None  # never evaluated: nothing changed for E
        assert audit.history(session, ids["A"])[0].rule == "red-confirmed"


def test_the_case_contacts_registered_later_turn_red(store: Any, small_lake: Settings, book: RuleBook) -> None:
    ids = _register(store, small_lake, "AB")
    with store.session() as session:
        impact = new_case(session, get_lake(small_lake), book, ids["A"], date(2020, 2, 10), ON)
        assert impact.contacts == [ids["B"]]
        status = audit.current(session, ids["B"])
        assert status is not None
        assert status.colour == "red"
        assert audit.history(session, ids["B"])[0].rule == "red-close-contact"


def test_a_case_without_lake_data_still_turns_red(store: Any, settings: Settings, book: RuleBook) -> None:
    ids = _register(store, settings, "A")
    with store.session() as session:
        impact = new_case(session, get_lake(settings), book, ids["A"], date(2020, 2, 10), ON)
    assert impact.changed == [(ids["A"], None, "red")]
    assert impact.inputs == {"cdc_cases": "absent", "cdc_contacts": "absent", "checkpoint_scans": "absent"}


def test_an_unknown_person_or_a_future_confirmation_is_refused(
    store: Any, small_lake: Settings, book: RuleBook
) -> None:
    ids = _register(store, small_lake, "A")
    with store.session() as session, pytest.raises(UnknownPerson):
        new_case(session, get_lake(small_lake), book, 9999, date(2020, 2, 10), ON)
    with (
        store.session() as session,
        pytest.raises(InvalidCase, match="confirmed on 2020-02-13, after the evaluation day"),
    ):
        new_case(session, get_lake(small_lake), book, ids["A"], date(2020, 2, 13), ON)
    with store.session() as session:
        assert audit.history(session, ids["A"]) == []  # nothing was written


def test_a_close_contact_gets_their_observation_as_isolation_and_a_green_date(
    store: Any, small_lake: Settings, book: RuleBook
) -> None:
    ids = _register(store, small_lake, "AB")
    with store.session() as session:
        new_case(session, get_lake(small_lake), book, ids["A"], date(2020, 2, 10), ON)
        stored = [f for f in service.facts_of(session, ids["B"]) if isinstance(f, Isolation)]
        assert stored == [Isolation(date(2020, 2, 10), date(2020, 2, 23), "home", "cdc")]  # 隔离 10–23 Feb
        status = audit.current(session, ids["B"])
        assert status is not None
        # 14 days of observation (to 23 Feb) and 14 healthy check-ins from the 12th: green on 25 Feb, not never.
        assert (status.colour, status.green_on) == ("red", date(2020, 2, 25))
        for day in range(12, 26):
            service.add_fact(session, ids["B"], CheckIn(date(2020, 2, day)))
        province = book.for_region("330382", date(2020, 2, 25))
        assert service.reevaluate(session, ids["B"], province, date(2020, 2, 24)).colour == "red"
        assert service.reevaluate(session, ids["B"], province, date(2020, 2, 25)).colour == "green"
