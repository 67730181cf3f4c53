"""Tables of the hub in the operational store: grants of datasets by purpose, and the append-only audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from fugong.errors import Forbidden
from fugong.store.base import Base
from fugong.store.types import UTCDateTime


class HubGrant(Base):
    """A role or an app may read some columns of a dataset, for a declared purpose."""

    __tablename__ = "hub_grants"
    __table_args__ = (UniqueConstraint("grantee_kind", "grantee", "dataset", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grantee_kind: Mapped[str] = mapped_column(String(8))  # role | app
    grantee: Mapped[str] = mapped_column(String(64))
    dataset: Mapped[str] = mapped_column(String(100), index=True)
    # Comma-separated column names, or "*" for every column.
    columns: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(String(200))
    granted_by: Mapped[str] = mapped_column(String(64))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class HubAuditRecord(Base):
    """One read of a dataset (granted or refused); rows are only ever added."""

    __tablename__ = "hub_audit_log"
    __table_args__ = (Index("ix_hub_audit_log_dataset_at", "dataset", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(64), index=True)
    actor_kind: Mapped[str] = mapped_column(String(8))  # user | app
    roles: Mapped[str] = mapped_column(Text)
    via: Mapped[str] = mapped_column(String(16))  # session | token | app | cli
    dataset: Mapped[str] = mapped_column(String(100))
    snapshot_id: Mapped[str | None] = mapped_column(String(40))
    columns: Mapped[str] = mapped_column(Text)
    personal_columns: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(8))  # granted | denied
    rows: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text)


class AuditLogImmutable(Forbidden):
    """The audit log is append-only: the application never changes or removes a record."""

    code = "audit_log_immutable"


def _refuse(_mapper: Any, _connection: Any, target: HubAuditRecord) -> None:
    raise AuditLogImmutable(f"audit record {target.id} cannot be changed or deleted: the audit log is append-only")


event.listen(HubAuditRecord, "before_update", _refuse)
event.listen(HubAuditRecord, "before_delete", _refuse)
