"""Colour changes and their append-only log: the one place a person's colour is written.

:func:`set_colour` writes the status row and its :class:`HcColourChange` record in the same transaction; the
model refuses to flush a status row without a new record (``models._status_needs_its_record``) and the database
refuses an update of the status that keeps the old record, and any UPDATE or DELETE of the log.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from fugong.errors import InvalidInput
from fugong.healthcode.facts import Fact, fact_as_json
from fugong.healthcode.models import HcColourChange, HcStatus
from fugong.healthcode.status import Status
from fugong.store.types import utcnow

COLOURS: tuple[str, ...] = ("green", "yellow", "red")


class InvalidColour(InvalidInput):
    """A colour that is not green, yellow or red."""

    code = "invalid_colour"


@dataclass(frozen=True)
class Automatic:
    """Why an automatic change happened: the rule set, the rule and the facts (with their sources)."""

    ruleset_id: str
    ruleset_version: int
    rule: str | None
    facts: Sequence[Fact]


@dataclass(frozen=True)
class Manual:
    """Why a manual change happened: the proposing and approving officials, the reason, the appeal."""

    proposed_by: str
    approved_by: str
    reason: str
    appeal_id: int | None = None


def current(session: Session, person_id: int) -> HcStatus | None:
    """The person's colour as stored, or None before their first evaluation."""
    return session.get(HcStatus, person_id)


def set_colour(
    session: Session,
    person_id: int,
    colour: str,
    on: date,
    why: Automatic | Manual,
    since: date | None = None,
    green_on: date | None = None,
) -> HcColourChange:
    """Write the person's colour and its audit record together (the only writer of ``hc_status``)."""
    record = _change(session, person_id, current(session, person_id), colour, on, why, since, green_on)
    session.flush()
    return record


def _change(
    session: Session,
    person_id: int,
    status: HcStatus | None,
    colour: str,
    on: date,
    why: Automatic | Manual,
    since: date | None,
    green_on: date | None,
) -> HcColourChange:
    """Add the record and the new status to the session, not yet flushed (the model checks them at the flush)."""
    if colour not in COLOURS:
        raise InvalidColour(f"colour {colour!r} is not one of {', '.join(COLOURS)}", field="colour")
    record = HcColourChange(
        person_id=person_id,
        at=utcnow(),
        old_colour=status.colour if status else None,
        new_colour=colour,
        on=on,
        kind="automatic" if isinstance(why, Automatic) else "manual",
        facts="[]",
    )
    if isinstance(why, Automatic):
        record.ruleset_id = why.ruleset_id
        record.ruleset_version = why.ruleset_version
        record.rule = why.rule
        record.facts = json.dumps([fact_as_json(f) for f in why.facts], ensure_ascii=False)
    else:
        record.proposed_by = why.proposed_by
        record.approved_by = why.approved_by
        record.reason = why.reason
        record.appeal_id = why.appeal_id
    session.add(record)
    if status is None:
        status = HcStatus(person_id=person_id)
        session.add(status)
    status.colour = colour
    status.since = since
    status.green_on = green_on
    status.changed_at = record.at
    status.change = record
    return record


def _unchanged(stored: HcStatus | None, status: Status) -> bool:
    return stored is not None and (stored.colour, stored.since, stored.green_on) == (
        status.colour,
        status.since,
        status.green_on,
    )


def _automatic(status: Status) -> Automatic:
    return Automatic(status.ruleset.id, status.ruleset.version, status.rule.id if status.rule else None, status.facts)


def apply_evaluation(session: Session, person_id: int, status: Status) -> HcColourChange | None:
    """Store an evaluation if it changes the colour, its start or its green date; None if nothing changed."""
    if _unchanged(current(session, person_id), status):
        return None
    why = _automatic(status)
    return set_colour(session, person_id, status.colour, status.on, why, status.since, status.green_on)


def apply_evaluations(session: Session, evaluations: Sequence[tuple[int, Status]]) -> list[HcColourChange]:
    """:func:`apply_evaluation` for many persons: one query for their stored colours and one flush (bulk apply)."""
    ids = [person_id for person_id, _ in evaluations]
    stored = {s.person_id: s for s in session.scalars(select(HcStatus).where(HcStatus.person_id.in_(ids)))}
    records = []
    for person_id, status in evaluations:
        before = stored.get(person_id)
        if _unchanged(before, status):
            continue
        why = _automatic(status)
        records.append(
            _change(session, person_id, before, status.colour, status.on, why, status.since, status.green_on)
        )
    session.flush()
    return records


def history(session: Session, person_id: int) -> list[HcColourChange]:
    """Every colour change of the person, oldest first."""
    query = select(HcColourChange).where(HcColourChange.person_id == person_id).order_by(HcColourChange.id)
    return list(session.scalars(query))
