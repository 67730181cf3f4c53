"""A person's stored facts, and their re-evaluation into a stored colour (through the audit log)."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fugong.healthcode import audit, registry
from fugong.healthcode.facts import Fact, fact_as_json, fact_from_json
from fugong.healthcode.models import HcFact
from fugong.healthcode.rules import RuleSet
from fugong.healthcode.status import Status, evaluate
from fugong.store.types import utcnow


def add_fact(session: Session, person_id: int, fact: Fact) -> HcFact:
    """Store one fact about a registered person (its JSON form, its source and its date)."""
    registry.get(session, person_id)
    body = fact_as_json(fact)
    row = HcFact(
        person_id=person_id,
        type=body["type"],
        source=fact.source,
        on=fact.on,
        body=json.dumps(body, ensure_ascii=False),
        recorded_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def facts_of(session: Session, person_id: int) -> list[Fact]:
    """The stored facts of a person, oldest first."""
    rows = session.scalars(select(HcFact.body).where(HcFact.person_id == person_id).order_by(HcFact.on, HcFact.id))
    return [fact_from_json(json.loads(body)) for body in rows]


def reevaluate(session: Session, person_id: int, ruleset: RuleSet, on: date) -> Status:
    """Evaluate the person's facts under ``ruleset`` on ``on`` and store the colour if it changed.

    A colour set by two officials stands until a fact is recorded after their decision: re-running the rules
    on the facts they already weighed would silently undo the appeal.
    """
    registry.get(session, person_id)
    status = evaluate(facts_of(session, person_id), ruleset, on)
    stored = audit.current(session, person_id)
    if stored is not None and stored.change.kind == "manual":
        newest = session.scalar(select(func.max(HcFact.recorded_at)).where(HcFact.person_id == person_id))
        if newest is None or newest <= stored.changed_at:
            return status
    audit.apply_evaluation(session, person_id, status)
    return status
