"""Tables of the enterprise platform: firms, accounts, declarations and their state log, white list, staff, tasks."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event, false, text
from sqlalchemy.orm import Mapped, mapped_column

from fugong.errors import Forbidden
from fugong.store.base import Base
from fugong.store.types import EncryptedString, UTCDateTime


class EntEnterprise(Base):
    """A registered enterprise as the lake's market_registry holds it (pseudonymous key, never the credit code)."""

    __tablename__ = "ent_enterprises"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_key: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    industry_section: Mapped[str | None] = mapped_column(String(1))
    industry_division: Mapped[str | None] = mapped_column(String(2))
    size_class: Mapped[str | None] = mapped_column(String(4))
    epidemic_supplies: Mapped[bool] = mapped_column(Boolean, server_default=false())
    daily_necessities: Mapped[bool] = mapped_column(Boolean, server_default=false())
    utilities: Mapped[bool] = mapped_column(Boolean, server_default=false())
    exporter: Mapped[bool] = mapped_column(Boolean, server_default=false())
    key_project: Mapped[bool] = mapped_column(Boolean, server_default=false())
    registered_employees: Mapped[int | None] = mapped_column(Integer)
    # The market_registry snapshot the row was read from (every figure names its inputs).
    source: Mapped[str] = mapped_column(String(100))


class EntAccount(Base):
    """A user with the enterprise role bound to one enterprise (an enterprise may have several)."""

    __tablename__ = "ent_accounts"

    user_id: Mapped[int] = mapped_column(ForeignKey("auth_users.id", ondelete="CASCADE"), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("ent_enterprises.id"), index=True)
    bound_at: Mapped[datetime] = mapped_column(UTCDateTime())


OPEN_STATES_SQL = "state IN ('submitted', 'under_review')"


class EntDeclaration(Base):
    """A request to resume work; ``version`` guards against two officials deciding at once."""

    __tablename__ = "ent_declarations"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "idempotency_key"),
        # The review queue: open declarations by priority (read backwards), then submission time.
        Index(
            "ix_ent_declarations_open",
            "priority",
            "submitted_at",
            postgresql_where=text(OPEN_STATES_SQL),
            sqlite_where=text(OPEN_STATES_SQL),
        ),
        Index("ix_ent_declarations_county_state", "county_code", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("ent_enterprises.id"), index=True)
    county_code: Mapped[str] = mapped_column(String(6))
    state: Mapped[str] = mapped_column(String(12))
    version: Mapped[int] = mapped_column(Integer)
    idempotency_key: Mapped[str] = mapped_column(String(64))
    planned_on: Mapped[date] = mapped_column(Date())
    workforce_total: Mapped[int] = mapped_column(Integer)
    workforce_returning: Mapped[int] = mapped_column(Integer)
    origin_in_county: Mapped[int] = mapped_column(Integer)
    origin_in_province: Mapped[int] = mapped_column(Integer)
    origin_out_of_province: Mapped[int] = mapped_column(Integer)
    origin_key_areas: Mapped[int] = mapped_column(Integer)
    mask_stock_days: Mapped[int] = mapped_column(Integer)
    temperature_checks: Mapped[bool] = mapped_column(Boolean)
    disinfection: Mapped[bool] = mapped_column(Boolean)
    canteen: Mapped[str] = mapped_column(String(200))
    isolation_room: Mapped[bool] = mapped_column(Boolean)
    responsible_person: Mapped[str] = mapped_column(EncryptedString())
    responsible_phone: Mapped[str] = mapped_column(EncryptedString())
    production_plan: Mapped[str] = mapped_column(Text)
    suppliers: Mapped[str] = mapped_column(Text)  # JSON list of {name, county_code, enterprise_key}
    employee_ids: Mapped[str] = mapped_column(Text)  # JSON list of ent_employees ids returning
    priority: Mapped[int] = mapped_column(Integer)
    precheck: Mapped[str | None] = mapped_column(Text)  # JSON of the pre-check made at submission
    auto_approved: Mapped[bool] = mapped_column(Boolean, server_default=false())
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(Text)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declarative mapping


class EntStateChange(Base):
    """One change of a declaration's state, by whom and why; append-only (the audit of the workflow)."""

    __tablename__ = "ent_state_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("ent_declarations.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    from_state: Mapped[str | None] = mapped_column(String(12))
    to_state: Mapped[str] = mapped_column(String(12))
    actor: Mapped[str] = mapped_column(String(64))
    automatic: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(Text)


class EntNotice(Base):
    """A message to an enterprise (its declaration was suspended, returned …), shown in its portal."""

    __tablename__ = "ent_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("ent_enterprises.id"), index=True)
    declaration_id: Mapped[int | None] = mapped_column(ForeignKey("ent_declarations.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    text: Mapped[str] = mapped_column(Text)


class EntWhitelistEntry(Base):
    """A key enterprise (白名单) of a county, by category; removal keeps the row with who removed it."""

    __tablename__ = "ent_whitelist"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("ent_enterprises.id"), index=True)
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    category: Mapped[str] = mapped_column(String(20))
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(Text)  # why it was listed (None for entries made before 0008)
    removed_by: Mapped[str | None] = mapped_column(String(64))
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    removed_reason: Mapped[str | None] = mapped_column(Text)


class EntEmployee(Base):
    """An employee of an enterprise; name, ID number and phone encrypted, matched to the person by pseudonym."""

    __tablename__ = "ent_employees"
    __table_args__ = (UniqueConstraint("enterprise_id", "person_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("ent_enterprises.id"), index=True)
    person_key: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(EncryptedString())
    id_number: Mapped[str] = mapped_column(EncryptedString())
    phone: Mapped[str | None] = mapped_column(EncryptedString())
    returned_from_outside: Mapped[bool] = mapped_column(Boolean)
    returned_from: Mapped[str | None] = mapped_column(String(6))
    arrived_on: Mapped[date | None] = mapped_column(Date())
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class EntCheckin(Base):
    """An employee's daily health check-in (每日健康打卡): temperature and symptoms, one per day."""

    __tablename__ = "ent_checkins"
    __table_args__ = (UniqueConstraint("employee_id", "on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("ent_employees.id"), index=True)
    on: Mapped[date] = mapped_column(Date())
    temperature_tenths: Mapped[int] = mapped_column(Integer)  # 36.5 °C is 365
    symptoms: Mapped[bool] = mapped_column(Boolean)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class EntServiceTask(Base):
    """A task for county officials to help a held-back firm (a supplier to coordinate, a power shortfall)."""

    __tablename__ = "ent_service_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("ent_enterprises.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # supplier | power_shortfall | other
    title: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), index=True)  # open | assigned | done
    assignee: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(Text)


class EntTaskChange(Base):
    """One change of a service task's state (opened, assigned, done), by whom, when and with what note; append-only."""

    __tablename__ = "ent_task_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("ent_service_tasks.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    from_state: Mapped[str | None] = mapped_column(String(10))
    to_state: Mapped[str] = mapped_column(String(10))
    actor: Mapped[str] = mapped_column(String(64))
    assignee: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)


class StateLogImmutable(Forbidden):
    """The declarations' state log (and the service tasks' log) is append-only."""

    code = "state_log_immutable"


def _refuse(_mapper: Any, _connection: Any, target: EntStateChange | EntTaskChange) -> None:
    raise StateLogImmutable(
        f"{target.__tablename__} row {target.id} cannot be changed or deleted: the log is append-only"
    )


for _log in (EntStateChange, EntTaskChange):
    event.listen(_log, "before_update", _refuse)
    event.listen(_log, "before_delete", _refuse)
