"""The gate's decision: admit only a valid, current green code below 37.3 °C; every scan recorded exactly once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from fugong.errors import InvalidInput
from fugong.healthcode.gate.models import GateScan
from fugong.healthcode.gate.places import UnknownPlace
from fugong.healthcode.gate.scans import ScanOutcome, ScanRequest, record_scan, scan_counts
from fugong.hub.models import HubAuditRecord
from fugong.store.types import utcnow

from .conftest import PLACE, Gate


def _scan(gate: Gate, scan_id: str, temperature: str | float = "36.5", **kw: object) -> ScanOutcome:
    with gate.store.session() as session:
        request = ScanRequest(scan_id=scan_id, place_id=kw.pop("place_id", PLACE), temperature=temperature, **kw)  # type: ignore[arg-type]
        return record_scan(session, gate.authority, gate.pseudo, gate.guard, request)


def _recorded(gate: Gate) -> list[GateScan]:
    with gate.store.session() as session:
        return list(session.scalars(select(GateScan).order_by(GateScan.id)))


def test_a_green_code_with_a_normal_temperature_is_admitted_and_recorded(gate: Gate) -> None:
    person = gate.person(1, "green")
    code = gate.code(person)
    outcome = _scan(gate, "scan-0001", "36.5", code=code.text)
    assert outcome.admitted
    body = outcome.as_json("zh_CN")
    assert body["message"] == "绿码，体温正常，请通行"
    assert body["colour"] == "green"
    assert body["temperature"] == 36.5
    [scan] = _recorded(gate)
    assert (scan.place_id, scan.subject, scan.result, scan.reason) == (PLACE, code.claims.subject, "admit", "admitted")
    assert scan.subject != ""
    assert "3301" not in (scan.subject or "")


@pytest.mark.parametrize(
    ("colour", "reason", "said"),
    [("yellow", "yellow_code", "黄码，不能通行"), ("red", "red_code", "红码，不能通行，请联系社区")],
)
def test_a_yellow_or_red_code_is_refused_with_a_sentence_a_guard_can_say(
    gate: Gate, colour: str, reason: str, said: str
) -> None:
    person = gate.person(2, colour)
    outcome = _scan(gate, "scan-0002", "36.4", code=gate.code(person).text)
    assert not outcome.admitted
    assert (outcome.scan.reason, outcome.as_json("zh_CN")["message"]) == (reason, said)
    assert outcome.as_json("en")["message"].startswith(colour.capitalize())


@pytest.mark.parametrize(("temperature", "admitted"), [("37.2", True), ("37.3", False), (38.6, False)])
def test_a_fever_of_37_3_or_more_is_refused_even_with_a_green_code(
    gate: Gate, temperature: str | float, admitted: bool
) -> None:
    person = gate.person(3, "green")
    outcome = _scan(gate, "scan-fever-1", temperature, code=gate.code(person).text)
    assert outcome.admitted is admitted
    if not admitted:
        assert outcome.scan.reason == "fever"
        assert str(temperature) in outcome.as_json("zh_CN")["message"]


def test_a_code_made_before_a_colour_change_is_refused_as_superseded(gate: Gate) -> None:
    person = gate.person(4, "green")
    yesterday_green = gate.code(person)
    gate.recolour(person, "yellow")
    gate.recolour(person, "green")  # green again, but the old screenshot is not the current code
    refused = _scan(gate, "scan-old-code", code=yesterday_green.text)
    assert (refused.admitted, refused.scan.reason) == (False, "superseded")
    assert "健康码颜色已变化" in refused.as_json("zh_CN")["message"]
    admitted = _scan(gate, "scan-new-code", code=gate.code(person).text)
    assert admitted.admitted


def test_forged_expired_and_garbage_codes_are_refused_and_still_recorded(gate: Gate) -> None:
    person = gate.person(5, "green")
    genuine = gate.code(person).text
    forged = genuine[:-6] + ("AAAAAA" if genuine[-6:] != "AAAAAA" else "BBBBBB")
    expired = gate.code(person, now=utcnow() - timedelta(hours=25)).text
    reasons = {
        "scan-forged": _scan(gate, "scan-forged", code=forged).scan.reason,
        "scan-expired": _scan(gate, "scan-expired", code=expired).scan.reason,
        "scan-garbage": _scan(gate, "scan-garbage", code="https://example.com/fake").scan.reason,
    }
    assert reasons["scan-expired"] == "expired"
    assert reasons["scan-garbage"] == "wrong_prefix"
    assert reasons["scan-forged"] in {"bad_signature", "bad_base45", "bad_compression", "bad_structure"}
    scans = _recorded(gate)
    assert [s.result for s in scans] == ["refuse"] * 3
    assert scans[-1].subject is None  # nothing readable, nothing invented


def test_the_same_scan_id_is_recorded_once_and_answers_the_same(gate: Gate) -> None:
    person = gate.person(6, "green")
    code = gate.code(person).text
    first = _scan(gate, "retry-0000001", code=code)
    again = _scan(gate, "retry-0000001", code=code)
    assert (first.replayed, again.replayed) == (False, True)
    assert again.admitted
    assert again.as_json("zh_CN")["message"] == first.as_json("zh_CN")["message"]
    assert len(_recorded(gate)) == 1


def test_an_offline_scan_synced_later_keeps_its_time_and_is_decided_at_that_time(gate: Gate) -> None:
    person = gate.person(7, "green")
    issued = utcnow() - timedelta(hours=30)
    code = gate.code(person, now=issued).text  # expired now, valid when it was scanned
    scanned = issued + timedelta(hours=2)
    outcome = _scan(gate, "offline-00000001", code=code, scanned_at=scanned)
    assert outcome.admitted
    assert outcome.scan.offline
    assert outcome.scan.scanned_at == scanned
    with gate.store.session() as session:
        assert scan_counts(session, PLACE) == {"admit": 1, "refuse": 0}


def test_an_id_number_typed_by_the_guard_gives_the_live_colour_and_is_audited(
    gate: Gate, ids: Callable[[int], str]
) -> None:
    gate.person(8, "green")
    admitted = _scan(gate, "id-lookup-0001", "36.6", id_number=ids(8))
    assert admitted.admitted
    assert admitted.scan.method == "id_number"
    unknown = _scan(gate, "id-lookup-0002", "36.6", id_number=ids(9))
    assert (unknown.admitted, unknown.scan.reason) == (False, "unknown_person")
    with gate.store.session() as session:
        logged = list(session.scalars(select(HubAuditRecord).order_by(HubAuditRecord.id)))
    assert [(r.actor, r.purpose, r.rows) for r in logged] == [
        ("menwei", "checkpoint_id_lookup", 1),
        ("menwei", "checkpoint_id_lookup", 0),
    ]
    assert all("id_number" in r.personal_columns for r in logged)


def test_a_person_without_a_colour_yet_is_refused(gate: Gate, ids: Callable[[int], str]) -> None:
    gate.person(10, None)
    outcome = _scan(gate, "no-colour-0001", id_number=ids(10))
    assert (outcome.admitted, outcome.scan.reason) == (False, "no_colour")


# Input checks come before any write: one backend is enough for them.
SQLITE_ONLY = pytest.mark.parametrize("store_template", ["sqlite"], indirect=True)


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("temperature", "needle"),
    [("abc", "not a number"), ("365", "not a body temperature"), ("36.55", "at most one decimal"), ("29.9", "30.0")],
)
def test_an_impossible_temperature_is_refused_and_nothing_is_recorded(
    gate: Gate, temperature: str, needle: str
) -> None:
    person = gate.person(11, "green")
    with pytest.raises(InvalidInput, match=needle) as caught:
        _scan(gate, "bad-temp-0001", temperature, code=gate.code(person).text)
    assert caught.value.field == "temperature"
    assert _recorded(gate) == []


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"scan_id": "short"}, "scan_id"),
        ({"scan_id": "has spaces in it"}, "scan_id"),
        ({"code": None}, "code"),
        ({"id_number": "330102199002150011"}, "code"),
        ({"code": "   "}, "code"),
        ({"scanned_at": utcnow() + timedelta(hours=1)}, "scanned_at"),
        ({"scanned_at": utcnow() - timedelta(days=30)}, "scanned_at"),
        ({"scanned_at": utcnow().replace(tzinfo=None)}, "scanned_at"),
    ],
)
def test_malformed_scans_name_the_field_and_record_nothing(gate: Gate, kw: dict[str, object], field: str) -> None:
    person = gate.person(12, "green")
    values: dict[str, object] = {"scan_id": "malformed-0001", "code": gate.code(person).text, **kw}
    scan_id = str(values.pop("scan_id"))
    with pytest.raises(InvalidInput) as caught:
        _scan(gate, scan_id, "36.5", **values)
    assert caught.value.field == field
    assert _recorded(gate) == []


def test_an_unknown_place_is_refused(gate: Gate) -> None:
    person = gate.person(13, "green")
    with pytest.raises(UnknownPlace):
        _scan(gate, "nowhere-00001", code=gate.code(person).text, place_id="NO-SUCH-PLACE")
    with gate.store.session() as session:
        assert session.scalar(select(func.count()).select_from(GateScan)) == 0
