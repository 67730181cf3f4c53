"""Access (授权): roles and apps are granted a dataset's columns for a declared purpose; reads are checked.

A read names its dataset, the columns it wants and (optionally) its purpose. It is admitted when an active
grant to one of the reader's roles (or to the app) covers every column asked for, including the columns it
filters on, for that purpose. Anything else is refused with 403 and recorded in the audit log; an admitted
read that touches personal columns is recorded too. Admins are admitted to every dataset, and audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fugong.errors import Conflict, Forbidden, InvalidInput, NotFound
from fugong.hub import audit
from fugong.hub.audit import Reader
from fugong.hub.lake import Relation, relation
from fugong.hub.models import HubGrant
from fugong.hub.sources import sql_name
from fugong.settings import Settings
from fugong.store.types import utcnow

ALL_COLUMNS = "*"
MAX_ROWS = 10_000


class AccessDenied(Forbidden):
    """A read outside every grant the reader holds."""

    code = "access_denied"


@dataclass(frozen=True)
class ReadResult:
    """Rows of a dataset as read, with the snapshot they came from."""

    dataset: str
    snapshot_id: str
    columns: list[str]
    rows: list[dict[str, Any]]
    personal_columns: list[str]


def grant(
    session: Session,
    *,
    grantee_kind: str,
    grantee: str,
    dataset: str,
    columns: list[str] | None,
    purpose: str,
    granted_by: str,
    settings: Settings | None = None,
    now: datetime | None = None,
) -> HubGrant:
    """Grant ``columns`` (None: all) of ``dataset`` to a role or an app for ``purpose``."""
    from fugong.auth.roles import parse_role

    if grantee_kind not in ("role", "app"):
        raise InvalidInput("a grant is to a 'role' or an 'app'", field="grantee_kind")
    if grantee_kind == "role":
        grantee = parse_role(grantee, field="grantee").value
    if not grantee.strip():
        raise InvalidInput("name the app the grant is for", field="grantee")
    if not purpose.strip():
        raise InvalidInput("a grant needs a purpose (what the data is read for)", field="purpose")
    known = relation(dataset, settings).columns
    if columns and (unknown := [c for c in columns if c not in known]):
        raise InvalidInput(
            f"dataset {dataset!r} has no column(s) {', '.join(unknown)}; columns: {', '.join(known)}",
            field="columns",
        )
    entry = HubGrant(
        grantee_kind=grantee_kind,
        grantee=grantee.strip(),
        dataset=dataset,
        columns=",".join(columns) if columns else ALL_COLUMNS,
        purpose=purpose.strip(),
        granted_by=granted_by,
        granted_at=now or utcnow(),
    )
    session.add(entry)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict(f"{grantee_kind} {grantee} already holds a grant on {dataset} for this purpose") from None
    return entry


def revoke(session: Session, grant_id: int, now: datetime | None = None) -> HubGrant:
    """End a grant (kept, with the time it was revoked)."""
    entry = session.get(HubGrant, grant_id)
    if entry is None or entry.revoked_at is not None:
        raise NotFound(f"no active grant {grant_id}", field="grant_id")
    entry.revoked_at = now or utcnow()
    session.flush()
    return entry


def grants(session: Session, dataset: str | None = None, *, active: bool = True) -> list[HubGrant]:
    """Grants (active ones by default), optionally of one dataset."""
    statement = select(HubGrant).order_by(HubGrant.dataset, HubGrant.id)
    if dataset:
        statement = statement.where(HubGrant.dataset == dataset)
    if active:
        statement = statement.where(HubGrant.revoked_at.is_(None))
    return list(session.scalars(statement))


def grant_dict(entry: HubGrant) -> dict[str, Any]:
    """A grant as the API and CLI show it."""
    return {
        "id": entry.id,
        "grantee_kind": entry.grantee_kind,
        "grantee": entry.grantee,
        "dataset": entry.dataset,
        "columns": entry.columns,
        "purpose": entry.purpose,
        "granted_by": entry.granted_by,
        "granted_at": entry.granted_at.isoformat(timespec="seconds"),
        "revoked_at": entry.revoked_at.isoformat(timespec="seconds") if entry.revoked_at else None,
    }


def _matching(session: Session, reader: Reader, dataset: str, purpose: str | None) -> list[HubGrant]:
    found = []
    for entry in grants(session, dataset):
        holder = entry.grantee in reader.roles if entry.grantee_kind == "role" else entry.grantee == reader.name
        kind_matches = reader.kind == ("app" if entry.grantee_kind == "app" else "user")
        if holder and kind_matches and (purpose is None or entry.purpose == purpose):
            found.append(entry)
    return found


def authorise(
    session: Session,
    reader: Reader,
    found: Relation,
    columns: list[str],
    purpose: str | None,
) -> str:
    """The purpose under which ``reader`` may read ``columns`` of ``found``; refuse (and audit) otherwise."""
    if unknown := [c for c in columns if c not in found.columns]:
        raise InvalidInput(
            f"dataset {found.dataset!r} has no column(s) {', '.join(unknown)}; columns: {', '.join(found.columns)}",
            field="columns",
        )
    if reader.is_admin:
        return purpose or "administration"
    for entry in _matching(session, reader, found.dataset, purpose):
        allowed = set(found.columns) if entry.columns == ALL_COLUMNS else set(entry.columns.split(","))
        if set(columns) <= allowed:
            return entry.purpose
    who = f"{reader.kind} {reader.name}" + (f" (roles {', '.join(sorted(reader.roles))})" if reader.roles else "")
    wanted = f"for purpose {purpose!r}" if purpose else "for any purpose"
    detail = f"{who} holds no grant on {found.dataset} covering {', '.join(columns)} {wanted}"
    audit.record(
        session,
        reader,
        dataset=found.dataset,
        snapshot_id=found.snapshot_id,
        columns=columns,
        personal_columns=[c for c in columns if c in found.personal_columns],
        purpose=purpose or "",
        outcome="denied",
        detail=detail,
    )
    session.commit()  # the refusal is recorded even though the request fails
    raise AccessDenied(detail, field="columns")


def read_rows(
    session: Session,
    reader: Reader,
    dataset: str,
    *,
    columns: list[str] | None = None,
    where: dict[str, str] | None = None,
    purpose: str | None = None,
    limit: int = 100,
    offset: int = 0,
    settings: Settings | None = None,
) -> ReadResult:
    """Rows of ``dataset`` the reader is granted: checked, audited if personal, from the current snapshot."""
    if not 1 <= limit <= MAX_ROWS:
        raise InvalidInput(f"limit must be between 1 and {MAX_ROWS}", field="limit")
    if offset < 0:
        raise InvalidInput("offset cannot be negative", field="offset")
    found = relation(dataset, settings)
    visible = [c for c in found.columns if c not in ("_source", "_line")]
    wanted = list(columns) if columns else visible
    filters = dict(where or {})
    used_purpose = authorise(session, reader, found, list(dict.fromkeys([*wanted, *filters])), purpose)
    clause = " AND ".join(f"CAST({sql_name(c)} AS VARCHAR) = ?" for c in filters)
    query = (
        f"SELECT {', '.join(sql_name(c) for c in wanted)} FROM ({found.sql}) "
        f"{'WHERE ' + clause if clause else ''} LIMIT {int(limit)} OFFSET {int(offset)}"
    )
    with duckdb.connect() as con:
        rows = con.execute(query, list(filters.values())).fetchall()
    personal = [c for c in dict.fromkeys([*wanted, *filters]) if c in found.personal_columns]
    if personal:
        audit.record(
            session,
            reader,
            dataset=dataset,
            snapshot_id=found.snapshot_id,
            columns=wanted,
            personal_columns=personal,
            purpose=used_purpose,
            outcome="granted",
            rows=len(rows),
            detail=f"filters: {', '.join(f'{k}={v}' for k, v in filters.items())}" if filters else "",
        )
    return ReadResult(
        dataset=dataset,
        snapshot_id=found.snapshot_id,
        columns=wanted,
        rows=[dict(zip(wanted, row, strict=True)) for row in rows],
        personal_columns=personal,
    )


def open_table(
    session: Session,
    app: str,
    dataset: str,
    columns: list[str],
    purpose: str,
    settings: Settings | None = None,
) -> tuple[Any, str]:
    """An Ibis table of ``columns`` of ``dataset`` for an app holding a grant, and the snapshot id it reads.

    Opening personal columns is audited once per open (the app's later queries are its own figures).
    """
    from fugong.hub.lake import table

    found = relation(dataset, settings)
    used_purpose = authorise(session, Reader.of_app(app), found, columns, purpose)
    if personal := [c for c in columns if c in found.personal_columns]:
        audit.record(
            session,
            Reader.of_app(app),
            dataset=dataset,
            snapshot_id=found.snapshot_id,
            columns=columns,
            personal_columns=personal,
            purpose=used_purpose,
            outcome="granted",
            detail="opened as an Ibis table",
        )
    snapshot = None if found.derived else found.snapshot_id
    return table(dataset, snapshot, settings=settings).select(*columns), found.snapshot_id
