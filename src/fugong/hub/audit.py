"""Audit (审计): every read of personal data, and every refused read, in an append-only log.

The application only ever adds records: there is no function that changes or removes one, the ORM refuses
updates and deletes of :class:`~fugong.hub.models.HubAuditRecord`, and the database refuses them too (a
trigger on SQLite and on PostgreSQL, created by the migration). An admin queries the log with
``fugong hub audit`` or ``GET /api/hub/audit``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from fugong.hub.models import HubAuditRecord
from fugong.store.types import utcnow

Outcome = Literal["granted", "denied"]


@dataclass(frozen=True)
class Reader:
    """Who reads the lake: a signed-in person, a department system's token, or an app in the platform."""

    name: str
    kind: Literal["user", "app"]
    roles: frozenset[str]
    via: str
    is_admin: bool = False

    @classmethod
    def of_principal(cls, principal: Any) -> Reader:
        """The reader behind an authenticated :class:`fugong.auth.principal.Principal`."""
        return cls(
            name=principal.username,
            kind="user",
            roles=frozenset(principal.roles),
            via=principal.via,
            is_admin=bool(principal.is_admin),
        )

    @classmethod
    def of_app(cls, name: str) -> Reader:
        """An app of the platform (power, riskmap …) reading under its own grants."""
        return cls(name=name, kind="app", roles=frozenset(), via="app")


def record(
    session: Session,
    reader: Reader,
    *,
    dataset: str,
    columns: Iterable[str],
    personal_columns: Iterable[str],
    purpose: str,
    outcome: Outcome,
    snapshot_id: str | None = None,
    rows: int | None = None,
    detail: str = "",
    now: datetime | None = None,
) -> HubAuditRecord:
    """Append one record to the audit log (flushed with the caller's transaction)."""
    entry = HubAuditRecord(
        at=now or utcnow(),
        actor=reader.name,
        actor_kind=reader.kind,
        roles=",".join(sorted(reader.roles)),
        via=reader.via,
        dataset=dataset,
        snapshot_id=snapshot_id,
        columns=",".join(columns),
        personal_columns=",".join(personal_columns),
        purpose=purpose,
        outcome=outcome,
        rows=rows,
        detail=detail,
    )
    session.add(entry)
    session.flush()
    return entry


def query(
    session: Session,
    *,
    dataset: str | None = None,
    actor: str | None = None,
    outcome: str | None = None,
    since: datetime | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Audit records, newest first, optionally of one dataset, actor or outcome, or since a time."""
    statement = select(HubAuditRecord).order_by(HubAuditRecord.id.desc()).limit(max(1, min(limit, 10_000)))
    if dataset:
        statement = statement.where(HubAuditRecord.dataset == dataset)
    if actor:
        statement = statement.where(HubAuditRecord.actor == actor)
    if outcome:
        statement = statement.where(HubAuditRecord.outcome == outcome)
    if since is not None:
        statement = statement.where(HubAuditRecord.at >= since)
    return [as_dict(r) for r in session.scalars(statement)]


def as_dict(entry: HubAuditRecord) -> dict[str, Any]:
    """An audit record as the API and the CLI show it."""
    return {
        "id": entry.id,
        "at": entry.at.isoformat(timespec="seconds"),
        "actor": entry.actor,
        "actor_kind": entry.actor_kind,
        "roles": entry.roles,
        "via": entry.via,
        "dataset": entry.dataset,
        "snapshot_id": entry.snapshot_id,
        "columns": entry.columns,
        "personal_columns": entry.personal_columns,
        "purpose": entry.purpose,
        "outcome": entry.outcome,
        "rows": entry.rows,
        "detail": entry.detail,
    }
