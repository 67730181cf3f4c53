"""Officials' findings about a person (人工核定): a diagnosis, its clearing, isolation, a false declaration.

Each finding is stored as a fact (source ``manual``, or ``cdc`` for the CDC's confirmation from the command line)
and the person is re-evaluated with their county's rule set, so a colour that changes has its record in the colour
log. A confirmed case also runs :func:`fugong.healthcode.events.new_case`: their close contacts and who shared
their hour at a gate are found and re-evaluated. Clearing a diagnosis (discharge, exclusion) and ending an
isolation complete the stored fact rather than adding a second one: it is the same diagnosis or period, now ended.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, get_args

from sqlalchemy import select
from sqlalchemy.orm import Session

from fugong.auth.principal import Principal
from fugong.errors import InvalidInput
from fugong.healthcode import events, registry, service
from fugong.healthcode.appeals import OutsideCounty
from fugong.healthcode.facts import (
    Diagnosis,
    Fact,
    FalseDeclarationFinding,
    InvalidFact,
    Isolation,
    Source,
    fact_as_json,
    fact_from_json,
)
from fugong.healthcode.models import HcFact, HcPerson
from fugong.healthcode.rules import RuleBook
from fugong.hub import audit as hub_audit
from fugong.hub.lake import Lake
from fugong.hub.pseudonyms import Pseudonymiser
from fugong.store.types import utcnow

Kind = Literal["confirmed", "suspected", "cleared", "isolation_start", "isolation_end", "false_declaration"]
KINDS: tuple[str, ...] = get_args(Kind)


class InvalidFinding(InvalidInput):
    """A finding of an unknown kind, dated in the future, or with nothing to clear or end."""

    code = "invalid_finding"


@dataclass(frozen=True)
class Finding:
    """What an official found on a day; ``place`` is where an isolation is spent, ``note`` a free text."""

    kind: str
    on: date
    note: str = ""
    place: str = "home"


def day_of(text: str) -> date:
    """A finding's day from ``YYYY-MM-DD``."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidFinding(f"the day {text!r} is not a date in the form YYYY-MM-DD", field="on") from None


def person_of(session: Session, pseudonymiser: Pseudonymiser, person: str, by: str) -> HcPerson:
    """The registered person named by their number in the registry, or by their resident ID number: a look-up
    by ID number is written to the hub's audit log (dataset ``hc_persons``, purpose ``healthcode_finding``)."""
    if person.isdigit() and len(person) < 15:
        return registry.get(session, int(person))
    found = registry.find(session, pseudonymiser, person)
    reader = hub_audit.Reader(name=by, kind="user", roles=frozenset(), via="cli")
    hub_audit.record(
        session,
        reader,
        dataset="hc_persons",
        columns=["id_number"],
        personal_columns=["id_number"],
        purpose="healthcode_finding",
        outcome="granted",
        rows=1,
        detail=f"person {found.id} found by ID number to record a finding",
    )
    return found


def check(finding: Finding, today: date) -> None:
    """Refuse a finding of an unknown kind or dated after today."""
    if finding.kind not in KINDS:
        raise InvalidFinding(f"unknown finding {finding.kind!r}; known: {', '.join(KINDS)}", field="kind")
    if finding.on > today:
        raise InvalidFinding(f"the finding is dated {finding.on}, after today ({today})", field="on")
    if finding.place not in ("home", "centralised"):
        raise InvalidFinding(f"isolation place {finding.place!r} is not 'home' or 'centralised'", field="place")


def record(
    session: Session,
    lake: Lake,
    book: RuleBook,
    principal: Principal,
    person_id: int,
    finding: Finding,
    today: date,
) -> dict[str, Any]:
    """An official of the person's county records a finding; the person (and for a case, those around them) are
    re-evaluated on ``today``. Returns the finding, the new status and, for a case, who else was found."""
    check(finding, today)
    person = registry.get(session, person_id)
    if not principal.may_act_in(person.county):
        raise OutsideCounty(
            f"{principal.username!r} is no official of county {person.county}, the county of person {person_id}",
            field="person",
        )
    return apply_finding(session, lake, book, person_id, finding, today, "manual")


def apply_finding(
    session: Session,
    lake: Lake,
    book: RuleBook,
    person_id: int,
    finding: Finding,
    today: date,
    source: Source,
) -> dict[str, Any]:
    """Store the finding as a fact (or complete the fact it ends) and re-evaluate; the caller checked the right."""
    check(finding, today)
    person = registry.get(session, person_id)
    out: dict[str, Any] = {"person": person_id, "kind": finding.kind, "on": finding.on.isoformat()}
    if finding.kind == "confirmed":
        impact = events.new_case(session, lake, book, person_id, finding.on, today, source)
        out["case"] = {
            "contacts": impact.contacts,
            "co_located": impact.co_located,
            "changed": [{"person": p, "from": old, "to": new} for p, old, new in impact.changed],
            "unregistered": impact.unregistered,
            "inputs": impact.inputs,
        }
    elif finding.kind in ("cleared", "isolation_end"):
        _complete(session, person_id, finding)
    else:
        service.add_fact(session, person_id, _fact(finding, source))
    status = service.reevaluate(session, person_id, book.for_region(person.county, today), today)
    out["status"] = status.as_dict()
    return out


def _fact(finding: Finding, source: Source) -> Fact:
    if finding.kind == "suspected":
        return Diagnosis("suspected", finding.on, source=source)
    if finding.kind == "isolation_start":
        place: Literal["home", "centralised"] = "centralised" if finding.place == "centralised" else "home"
        return Isolation(finding.on, None, place, source)
    return FalseDeclarationFinding(finding.on, finding.note, source)


def _complete(session: Session, person_id: int, finding: Finding) -> None:
    """Clear the latest open diagnosis, or end the latest open isolation, on the finding's day."""
    wanted = "diagnosis" if finding.kind == "cleared" else "isolation"
    query = select(HcFact).where(HcFact.person_id == person_id, HcFact.type == wanted, HcFact.on <= finding.on)
    for row in session.scalars(query.order_by(HcFact.on.desc(), HcFact.id.desc())):
        body = json.loads(row.body)
        if body.get("cleared_on" if wanted == "diagnosis" else "end") is not None:
            continue
        body["cleared_on" if wanted == "diagnosis" else "end"] = finding.on.isoformat()
        row.body = json.dumps(fact_as_json(_checked(body)), ensure_ascii=False)
        # A fact recorded now: an officials' colour given before it no longer stands (service.reevaluate).
        row.recorded_at = utcnow()
        session.flush()
        return
    what = "no diagnosis to clear" if wanted == "diagnosis" else "no isolation going on to end"
    raise InvalidFinding(f"person {person_id} has {what} on {finding.on}", field="kind")


def _checked(body: dict[str, Any]) -> Fact:
    try:
        return fact_from_json(body)
    except InvalidFact as exc:
        raise InvalidFinding(str(exc.detail), field="on") from None
