"""Retention: facts (including the checkpoint scans they come from) older than the period are purged, and logged.

Kept whatever their age: the facts of a person with an undecided appeal (the officials must see what the colour
rested on) and of a confirmed case (contact tracing goes back further than the retention period).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from fugong.errors import InvalidInput
from fugong.healthcode.appeals import OPEN_STATES
from fugong.healthcode.models import HcAppeal, HcFact, HcPurge
from fugong.store.types import utcnow

DEFAULT_RETENTION_DAYS = 28


def purge(session: Session, today: date, days: int = DEFAULT_RETENTION_DAYS, now: datetime | None = None) -> HcPurge:
    """Delete facts dated before ``today - days``, except those still needed; log and return what was done."""
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise InvalidInput(
            f"the retention period must be a whole number of days, at least 1 (got {days!r})", field="days"
        )
    cutoff = today - timedelta(days=days)
    appealing = select(HcAppeal.person_id).where(HcAppeal.state.in_(OPEN_STATES))
    confirmed = select(HcFact.person_id).where(HcFact.type == "diagnosis", HcFact.body.like('%"kind": "confirmed"%'))
    old = HcFact.on < cutoff

    def count(*conditions: ColumnElement[bool]) -> int:
        return int(session.scalar(select(func.count()).select_from(HcFact).where(old, *conditions)) or 0)

    kept_appeals = count(HcFact.person_id.in_(appealing))
    kept_cases = count(HcFact.person_id.in_(confirmed), HcFact.person_id.not_in(appealing))
    needed = (HcFact.person_id.not_in(appealing), HcFact.person_id.not_in(confirmed))
    removed = count(*needed)
    session.execute(delete(HcFact).where(old, *needed).execution_options(synchronize_session=False))
    record = HcPurge(
        at=now or utcnow(),
        cutoff=cutoff,
        retention_days=days,
        removed=removed,
        kept_for_appeals=kept_appeals,
        kept_for_cases=kept_cases,
    )
    session.add(record)
    session.flush()
    return record
