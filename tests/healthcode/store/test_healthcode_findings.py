"""Officials' findings: each is stored with its source, re-evaluates the person with a record, and bad input is
refused without writing anything."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from fugong.auth.principal import Principal
from fugong.healthcode import audit, findings, service
from fugong.healthcode.appeals import OutsideCounty
from fugong.healthcode.facts import Diagnosis, FalseDeclarationFinding, Isolation
from fugong.healthcode.findings import Finding, InvalidFinding, record
from fugong.healthcode.registry import UnknownPerson
from fugong.healthcode.rules import RuleBook
from fugong.hub.lake import get_lake
from fugong.hub.models import HubAuditRecord
from fugong.hub.pseudonyms import Pseudonymiser
from fugong.settings import Settings
from fugong.store import Store

TODAY = date(2020, 2, 20)
Official = Callable[..., Principal]
Rows = Callable[[Session, str], int]


def _record(
    store: Store, settings: Settings, book: RuleBook, who: Principal, pid: int, finding: Finding
) -> dict[str, Any]:
    with store.session() as session:
        return record(session, get_lake(settings), book, who, pid, finding, TODAY)


def test_a_suspected_case_turns_red_and_its_exclusion_completes_the_same_diagnosis(
    store: Store, settings: Settings, book: RuleBook, person_id: int, official: Official
) -> None:
    li = official("li")
    done = _record(store, settings, book, li, person_id, Finding("suspected", date(2020, 2, 15)))
    assert (done["status"]["colour"], done["status"]["rule"]) == ("red", "red-suspected")
    _record(store, settings, book, li, person_id, Finding("cleared", date(2020, 2, 18)))
    with store.session() as session:
        assert service.facts_of(session, person_id) == [
            Diagnosis("suspected", date(2020, 2, 15), date(2020, 2, 18), "manual")
        ]
        (change,) = audit.history(session, person_id)  # still red: 14 days of isolation are not on record
        assert (change.new_colour, change.rule, change.ruleset_id) == ("red", "red-suspected", "zhejiang-default")


def test_an_isolation_is_started_then_ended_as_one_period(
    store: Store, settings: Settings, book: RuleBook, person_id: int, official: Official
) -> None:
    li = official("li")
    _record(store, settings, book, li, person_id, Finding("isolation_start", date(2020, 2, 5), place="centralised"))
    _record(store, settings, book, li, person_id, Finding("isolation_end", date(2020, 2, 18)))
    with store.session() as session:
        assert service.facts_of(session, person_id) == [
            Isolation(date(2020, 2, 5), date(2020, 2, 18), "centralised", "manual")
        ]


def test_a_false_declaration_turns_the_person_red_with_the_officials_note(
    store: Store, settings: Settings, book: RuleBook, person_id: int, official: Official
) -> None:
    done = _record(
        store, settings, book, official("li"), person_id, Finding("false_declaration", TODAY, "隐瞒武汉旅居史")
    )
    assert done["status"]["rule"] == "red-false-declaration"
    with store.session() as session:
        assert service.facts_of(session, person_id) == [FalseDeclarationFinding(TODAY, "隐瞒武汉旅居史", "manual")]
        status = audit.current(session, person_id)
        assert status is not None
        assert status.colour == "red"


def test_a_confirmed_case_runs_the_case_event(
    store: Store, settings: Settings, book: RuleBook, person_id: int, official: Official
) -> None:
    done = _record(store, settings, book, official("li"), person_id, Finding("confirmed", date(2020, 2, 19)))
    assert done["status"]["rule"] == "red-confirmed"
    assert done["case"]["changed"] == [{"person": person_id, "from": None, "to": "red"}]
    assert done["case"]["inputs"]["cdc_cases"] == "absent"
    with store.session() as session:
        assert service.facts_of(session, person_id) == [Diagnosis("confirmed", date(2020, 2, 19), source="manual")]


@pytest.mark.parametrize(
    ("finding", "error", "message"),
    [
        (Finding("recovered", TODAY), InvalidFinding, "unknown finding 'recovered'; known: confirmed, suspected"),
        (Finding("suspected", date(2020, 2, 21)), InvalidFinding, "dated 2020-02-21, after today"),
        (Finding("isolation_start", TODAY, place="hotel"), InvalidFinding, "'hotel' is not 'home' or 'centralised'"),
        (Finding("cleared", TODAY), InvalidFinding, "has no diagnosis to clear on 2020-02-20"),
        (Finding("isolation_end", TODAY), InvalidFinding, "has no isolation going on to end"),
    ],
)
def test_a_bad_finding_is_refused_and_nothing_is_written(
    store: Store,
    settings: Settings,
    book: RuleBook,
    person_id: int,
    official: Official,
    rows: Rows,
    finding: Finding,
    error: type[Exception],
    message: str,
) -> None:
    with pytest.raises(error, match=message):
        _record(store, settings, book, official("li"), person_id, finding)
    with store.session() as session:
        assert (rows(session, "hc_facts"), rows(session, "hc_colour_log")) == (0, 0)


def test_an_unknown_person_or_an_official_of_another_county_is_refused(
    store: Store, settings: Settings, book: RuleBook, person_id: int, official: Official, rows: Rows
) -> None:
    with pytest.raises(UnknownPerson):
        _record(store, settings, book, official("li"), 9999, Finding("suspected", TODAY))
    with pytest.raises(OutsideCounty, match="'zhao' is no official of county 330106"):
        _record(store, settings, book, official("zhao", "330102"), person_id, Finding("suspected", TODAY))
    with store.session() as session:
        assert rows(session, "hc_facts") == 0


def test_finding_a_person_by_id_number_is_audited(
    store: Store, pseudo: Pseudonymiser, person_id: int, ids: Callable[[int], str]
) -> None:
    with store.session() as session:
        assert findings.person_of(session, pseudo, str(person_id), "cdc-li").id == person_id
        assert findings.person_of(session, pseudo, ids(1), "cdc-li").id == person_id
    with store.session() as session:
        audited = list(session.scalars(select(HubAuditRecord).where(HubAuditRecord.dataset == "hc_persons")))
        assert [(r.actor, r.purpose, r.personal_columns) for r in audited] == [
            ("cdc-li", "healthcode_finding", "id_number")
        ]
