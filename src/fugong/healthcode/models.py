"""Tables of the health code in the operational store: persons, proxies, facts, colours, audit, appeals."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from fugong.errors import Forbidden
from fugong.store.base import Base
from fugong.store.types import EncryptedString, UTCDateTime


class HcPerson(Base):
    """A registered person; name, ID number and phone are encrypted, the pseudonym is the hub's person key."""

    __tablename__ = "hc_persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(EncryptedString())
    id_number: Mapped[str] = mapped_column(EncryptedString())
    phone: Mapped[str | None] = mapped_column(EncryptedString())
    county: Mapped[str] = mapped_column(String(6), index=True)
    # The sign-in of the person themself, if they have one (elderly people and children often do not).
    account: Mapped[str | None] = mapped_column(String(64), index=True)
    registration: Mapped[str] = mapped_column(String(8))  # self | proxy | bulk
    registered_by: Mapped[str] = mapped_column(String(64))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime())


class HcProxy(Base):
    """Who may act for whom: a relative or a community worker acting for a person."""

    __tablename__ = "hc_proxies"
    __table_args__ = (UniqueConstraint("person_id", "account"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("hc_persons.id"), index=True)
    account: Mapped[str] = mapped_column(String(64))
    relation: Mapped[str] = mapped_column(String(20))  # relative | community_worker
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


LAKE_COPY = "lake"
"""``HcFact.source`` of a lake fact the bulk apply copied into the store, so a check-in does not undo its colour."""


class HcFact(Base):
    """One fact about a person in its JSON form (see fugong.healthcode.facts), with its source and date."""

    __tablename__ = "hc_facts"
    __table_args__ = (Index("ix_hc_facts_person_id_on", "person_id", "on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("hc_persons.id"))
    type: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(20))
    on: Mapped[date] = mapped_column(Date(), index=True)
    body: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class HcStatus(Base):
    """A person's current colour; written only by fugong.healthcode.audit.set_colour (with its audit record)."""

    __tablename__ = "hc_status"

    person_id: Mapped[int] = mapped_column(ForeignKey("hc_persons.id"), primary_key=True)
    colour: Mapped[str] = mapped_column(String(6))
    since: Mapped[date | None] = mapped_column(Date())
    green_on: Mapped[date | None] = mapped_column(Date())
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Every change points at a new record of the log (the database refuses an update that keeps the old one).
    change_id: Mapped[int] = mapped_column(ForeignKey("hc_colour_log.id"))
    change: Mapped[HcColourChange] = relationship()


class HcColourChange(Base):
    """One colour change, automatic (rule set and facts) or manual (two officials and a reason); append-only."""

    __tablename__ = "hc_colour_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("hc_persons.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    old_colour: Mapped[str | None] = mapped_column(String(6))
    new_colour: Mapped[str] = mapped_column(String(6))
    kind: Mapped[str] = mapped_column(String(9))  # automatic | manual
    on: Mapped[date] = mapped_column(Date())
    ruleset_id: Mapped[str | None] = mapped_column(String(100))
    ruleset_version: Mapped[int | None] = mapped_column(Integer)
    rule: Mapped[str | None] = mapped_column(String(100))
    facts: Mapped[str] = mapped_column(Text)  # JSON list of the facts with their sources
    proposed_by: Mapped[str | None] = mapped_column(String(64))
    approved_by: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    appeal_id: Mapped[int | None] = mapped_column(Integer)


class HcAppeal(Base):
    """An appeal against a colour, with evidence; reviewed by the county's officials within the SLA."""

    __tablename__ = "hc_appeals"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("hc_persons.id"), index=True)
    filed_by: Mapped[str] = mapped_column(String(64))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    evidence: Mapped[str] = mapped_column(EncryptedString())
    file_name: Mapped[str | None] = mapped_column(String(200))
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(8), index=True)  # open | proposed | granted | rejected
    proposed_colour: Mapped[str | None] = mapped_column(String(6))
    proposed_by: Mapped[str | None] = mapped_column(String(64))
    proposal_reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class HcNotification(Base):
    """A message to the person (the outcome of an appeal), shown in the app."""

    __tablename__ = "hc_notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("hc_persons.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(20))
    text_zh: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)


class HcPurge(Base):
    """One retention purge: the cut-off, how many facts went, how many were kept and why, evidence files removed."""

    __tablename__ = "hc_purge_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    cutoff: Mapped[date] = mapped_column(Date())
    retention_days: Mapped[int] = mapped_column(Integer)
    removed: Mapped[int] = mapped_column(Integer)
    kept_for_appeals: Mapped[int] = mapped_column(Integer)
    kept_for_cases: Mapped[int] = mapped_column(Integer)
    evidence_removed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ColourWithoutAudit(Forbidden):
    """A colour was about to change without its audit record in the same transaction."""

    code = "colour_without_audit"


class ColourLogImmutable(Forbidden):
    """The colour log is append-only."""

    code = "colour_log_immutable"


def _refuse(_mapper: Any, _connection: Any, target: HcColourChange) -> None:
    raise ColourLogImmutable(f"colour change {target.id} cannot be changed or deleted: the colour log is append-only")


event.listen(HcColourChange, "before_update", _refuse)
event.listen(HcColourChange, "before_delete", _refuse)


@event.listens_for(Session, "before_flush")
def _status_needs_its_record(session: Session, _context: Any, _instances: Any) -> None:
    """Refuse to flush a status row unless its change record is flushed with it (written by audit.set_colour)."""
    for status in list(session.new) + list(session.dirty) + list(session.deleted):
        if not isinstance(status, HcStatus):
            continue
        if status in session.deleted:
            raise ColourWithoutAudit(f"the colour of person {status.person_id} cannot be deleted")
        if status.change not in session.new:
            raise ColourWithoutAudit(
                f"the colour of person {status.person_id} changed without an audit record: "
                "use fugong.healthcode.audit.set_colour"
            )
