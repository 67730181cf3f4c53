"""Tables of the grassroots forms: loaded form versions, workers' units, assignments, drafts, submissions, corrections.

Values are kept as JSON text keyed by field id; person and enterprise fields hold the hub's pseudonymous keys only.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fugong.store.base import Base
from fugong.store.types import UTCDateTime


class SurveyForm(Base):
    """One version of a form an official loaded from a JSON file (shipped forms need no row)."""

    __tablename__ = "survey_forms"
    __table_args__ = (UniqueConstraint("form_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    definition: Mapped[str] = mapped_column(Text)
    loaded_by: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SurveyWorker(Base):
    """An org unit (township or village code) a grassroots worker fills forms for."""

    __tablename__ = "survey_workers"

    user_id: Mapped[int] = mapped_column(ForeignKey("auth_users.id", ondelete="CASCADE"), primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(12), primary_key=True)


class SurveyAssignment(Base):
    """A form to fill for one org unit and one period (the period's first day), due at ``due_at``."""

    __tablename__ = "survey_assignments"
    __table_args__ = (UniqueConstraint("form_id", "unit_code", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[str] = mapped_column(String(64))
    form_version: Mapped[int] = mapped_column(Integer)
    unit_code: Mapped[str] = mapped_column(String(12), index=True)
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    period: Mapped[date] = mapped_column(Date(), index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    assigned_by: Mapped[str] = mapped_column(String(64))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime())

    draft: Mapped[SurveyDraft | None] = relationship(back_populates="assignment", lazy="selectin")
    submission: Mapped[SurveySubmission | None] = relationship(back_populates="assignment", lazy="selectin")


class SurveyDraft(Base):
    """The valid part of what a worker has entered so far, with the form version it was entered against."""

    __tablename__ = "survey_drafts"

    assignment_id: Mapped[int] = mapped_column(ForeignKey("survey_assignments.id"), primary_key=True)
    form_version: Mapped[int] = mapped_column(Integer)
    answers: Mapped[str] = mapped_column(Text)
    saved_by: Mapped[str] = mapped_column(String(64))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime())

    assignment: Mapped[SurveyAssignment] = relationship(back_populates="draft")


class SurveySubmission(Base):
    """A submitted form: it closes its period; the idempotency key makes a resent submission a no-op."""

    __tablename__ = "survey_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("survey_assignments.id"), unique=True)
    form_version: Mapped[int] = mapped_column(Integer)
    answers: Mapped[str] = mapped_column(Text)
    prefill: Mapped[str] = mapped_column(Text)  # the hub's figures offered, with the snapshot each came from
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(8))  # web | xlsx
    late: Mapped[bool] = mapped_column(Boolean)
    submitted_by: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())

    assignment: Mapped[SurveyAssignment] = relationship(back_populates="submission")


class SurveyCorrection(Base):
    """A worker's figure that differs from the hub's pre-filled one: a data-quality signal; the hub is not changed."""

    __tablename__ = "survey_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("survey_submissions.id"), index=True)
    field: Mapped[str] = mapped_column(String(64))
    hub_value: Mapped[str] = mapped_column(Text)
    reported_value: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(200))
    unit_code: Mapped[str] = mapped_column(String(12), index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
