"""Retention: facts (including the checkpoint scans they come from) older than the period are purged, and logged.

Kept whatever their age: the facts of a person with an undecided appeal (the officials must see what the colour
rested on) and of a confirmed case (contact tracing goes back further than the retention period). The evidence
file of an appeal decided before the cut-off is deleted too (the appeal keeps the file's name and SHA-256); the
file of an undecided appeal stays.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from fugong.errors import InvalidInput
from fugong.healthcode.appeals import OPEN_STATES
from fugong.healthcode.evidence import EvidenceBox
from fugong.healthcode.models import HcAppeal, HcFact, HcPurge
from fugong.store.types import utcnow

DEFAULT_RETENTION_DAYS = 28


def purge(
    session: Session,
    today: date,
    days: int = DEFAULT_RETENTION_DAYS,
    now: datetime | None = None,
    evidence: EvidenceBox | None = None,
) -> HcPurge:
    """Delete facts dated before ``today - days``, except those still needed, and (given the ``evidence`` box) the
    files of appeals decided before then; log and return what was done."""
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
    files = _purge_evidence(session, evidence, cutoff) if evidence is not None else 0
    record = HcPurge(
        at=now or utcnow(),
        cutoff=cutoff,
        retention_days=days,
        removed=removed,
        kept_for_appeals=kept_appeals,
        kept_for_cases=kept_cases,
        evidence_removed=files,
    )
    session.add(record)
    session.flush()
    return record


def _purge_evidence(session: Session, box: EvidenceBox, cutoff: date) -> int:
    """Delete the files of appeals decided before ``cutoff`` that no other appeal still needs; how many went."""
    start = datetime.combine(cutoff, time(), tzinfo=UTC)
    with_file = select(HcAppeal.file_sha256).where(HcAppeal.file_sha256.is_not(None))
    done = set(session.scalars(with_file.where(HcAppeal.state.not_in(OPEN_STATES), HcAppeal.decided_at < start)))
    needed = set(session.scalars(with_file.where(or_(HcAppeal.state.in_(OPEN_STATES), HcAppeal.decided_at >= start))))
    return sum(box.remove(sha256) for sha256 in sorted(filter(None, done - needed)))
