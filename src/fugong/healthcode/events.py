"""Event-driven re-evaluation (事件触发重新赋码): a new confirmed case turns the people around them yellow or red.

When the CDC confirms a case, :func:`new_case` records the diagnosis, then finds who was near them: their close
contacts on the CDC's list (``cdc_contacts`` rows of the person's cases in ``cdc_cases``) and everyone scanned at
the same place in the same hour within the 14 days before the confirmation (``checkpoint_scans``). Each of them
registered in the store gets the facts (a close contact with their medical observation as isolation, or a
co-location known on the confirmation day) and is re-evaluated through ``service.reevaluate``, so every colour
that changes has its record in the colour log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import duckdb
from sqlalchemy import select
from sqlalchemy.orm import Session

from fugong.errors import InvalidInput
from fugong.healthcode import audit, registry, service
from fugong.healthcode.facts import CloseContact, CoLocation, Diagnosis, Fact, Isolation, Source
from fugong.healthcode.models import HcPerson
from fugong.healthcode.rules import RuleBook
from fugong.hub.lake import Lake, Version, scan_sql
from fugong.hub.sources import sql_string

CO_LOCATION_DAYS = 14
"""How far back from the confirmation a shared place and hour counts (the incubation period)."""


class InvalidCase(InvalidInput):
    """A case event that cannot be right: a confirmation in the future of the evaluation day."""

    code = "invalid_case"


@dataclass
class CaseImpact:
    """What a new case changed: who was found, whose colour changed (each with its log record), and the inputs."""

    case: int
    contacts: list[int] = field(default_factory=list)
    co_located: list[int] = field(default_factory=list)
    changed: list[tuple[int, str | None, str]] = field(default_factory=list)
    unregistered: int = 0
    inputs: dict[str, str] = field(default_factory=dict)


def _rows(version: Version | None, sql: str, *params: object) -> list[tuple[object, ...]]:
    if version is None or not version.files():
        return []
    with duckdb.connect() as con:
        columns = [entry["name"] for entry in version.manifest["schema"]]
        return con.execute(sql.replace("{scan}", f"({scan_sql(version, columns)})"), list(params)).fetchall()


def _co_located(scans: Version | None, pseudonym: str, confirmed: date) -> list[tuple[str, str, datetime]]:
    """(pseudonym, place, hour) of everyone scanned where and when the case was, before the confirmation."""
    first = confirmed - timedelta(days=CO_LOCATION_DAYS - 1)
    sql = """
        WITH mine AS (
            SELECT DISTINCT place_id, date_trunc('hour', scanned_at) AS hour FROM {scan}
            WHERE person_key = ? AND CAST(scanned_at AS DATE) BETWEEN ? AND ?
        )
        SELECT DISTINCT s.person_key, s.place_id, date_trunc('hour', s.scanned_at) AS hour
        FROM {scan} AS s JOIN mine AS m ON s.place_id = m.place_id AND date_trunc('hour', s.scanned_at) = m.hour
        WHERE s.person_key <> ? ORDER BY 1, 3, 2
    """
    found = _rows(scans, sql, pseudonym, first, confirmed, pseudonym)
    return [(str(p), str(place), hour) for p, place, hour in found if isinstance(hour, datetime)]


def _contacts(lake: Lake, pseudonym: str) -> list[tuple[str, date | None, date | None, date | None]]:
    """(pseudonym, last contact, observation from, observation to) of the CDC's close contacts of the person's
    cases."""
    cases, contacts = lake.current("cdc_cases"), lake.current("cdc_contacts")
    if cases is None or not cases.files():
        return []
    ids = [str(row[0]) for row in _rows(cases, "SELECT DISTINCT case_id FROM {scan} WHERE person_key = ?", pseudonym)]
    if not ids:
        return []
    listed = ", ".join(sql_string(i) for i in ids)
    sql = (
        "SELECT person_key, last_contact_on, observation_from, observation_to FROM {scan} "
        f"WHERE case_id IN ({listed}) ORDER BY 1"
    )
    return [
        (str(p), _day(last), _day(start), _day(end)) for p, last, start, end in _rows(contacts, sql) if p is not None
    ]


def _day(value: object) -> date | None:
    return value if isinstance(value, date) else None


def _observation(start: date | None, end: date | None) -> list[Fact]:
    """The contact's medical observation as isolation (as the bulk path reads ``cdc_contacts``): an end before the
    start is unknown, so the isolation goes on."""
    if start is None:
        return []
    return [Isolation(start, end if end is not None and end >= start else None, "home", "cdc")]


def _registered(session: Session, pseudonyms: set[str]) -> dict[str, int]:
    if not pseudonyms:
        return {}
    query = select(HcPerson.pseudonym, HcPerson.id).where(HcPerson.pseudonym.in_(sorted(pseudonyms)))
    return {p: pid for p, pid in session.execute(query)}


def new_case(
    session: Session,
    lake: Lake,
    book: RuleBook,
    person_id: int,
    confirmed_on: date,
    on: date,
    source: Source = "cdc",
) -> CaseImpact:
    """Record that the person is a confirmed case and re-evaluate them, their contacts and who shared their hour.

    ``source`` is who confirmed it: the CDC, or ``manual`` for an official's finding entered by hand.
    """
    if confirmed_on > on:
        raise InvalidCase(f"confirmed on {confirmed_on}, after the evaluation day {on}", field="confirmed_on")
    case = registry.get(session, person_id)
    impact = CaseImpact(person_id)
    scans = lake.current("checkpoint_scans")
    for name in ("cdc_cases", "cdc_contacts", "checkpoint_scans"):
        version = lake.current(name)
        impact.inputs[name] = version.reference if version else "absent"
    found: dict[str, list[Fact]] = {}
    for pseudonym, last, start, end in _contacts(lake, case.pseudonym):
        listed = max(d for d in (start, last, confirmed_on) if d is not None)
        facts = found.setdefault(pseudonym, [])
        facts.append(CloseContact(listed, last if last and last <= listed else None))
        facts.extend(_observation(start, end))
    for pseudonym, place, hour in _co_located(scans, case.pseudonym, confirmed_on):
        found.setdefault(pseudonym, []).append(CoLocation(place, hour, confirmed_on))
    ids = _registered(session, set(found))
    impact.unregistered = len(set(found) - set(ids))
    _apply(session, book, impact, person_id, [Diagnosis("confirmed", confirmed_on, source=source)], on)
    for pseudonym, facts in sorted(found.items()):
        if pseudonym not in ids:
            continue
        pid = ids[pseudonym]
        kinds = {type(f) for f in facts}
        if CloseContact in kinds:
            impact.contacts.append(pid)
        if CoLocation in kinds:
            impact.co_located.append(pid)
        _apply(session, book, impact, pid, facts, on)
    return impact


def _apply(session: Session, book: RuleBook, impact: CaseImpact, person_id: int, facts: list[Fact], on: date) -> None:
    person = registry.get(session, person_id)
    for fact in facts:
        service.add_fact(session, person_id, fact)
    before = audit.current(session, person_id)
    old, old_change = (before.colour, before.change_id) if before else (None, None)
    status = service.reevaluate(session, person_id, book.for_region(person.county, on), on)
    after = audit.current(session, person_id)
    if after is not None and after.change_id != old_change and after.colour != old:
        impact.changed.append((person_id, old, status.colour))
