"""The enterprise register (企业名录) from the lake, and enterprise accounts bound to it by credit code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb
from sqlalchemy import select
from sqlalchemy.orm import Session

from fugong.auth.models import User
from fugong.auth.principal import Principal
from fugong.auth.roles import Role
from fugong.enterprise.models import EntAccount, EntEnterprise
from fugong.errors import Conflict, Forbidden, InvalidInput, NotFound
from fugong.hub import lake
from fugong.hub.pseudonyms import Pseudonymiser
from fugong.settings import Settings

DATASET = "market_registry"
FLAGS = ("epidemic_supplies", "daily_necessities", "utilities", "exporter", "key_project")
COLUMNS = ("enterprise_key", "name", "county_code", "industry_section", "industry_division", "size_class", *FLAGS)


class UnknownEnterprise(NotFound):
    """No enterprise in the register matches."""

    code = "unknown_enterprise"


class NotBound(Forbidden):
    """The enterprise account is not bound to an enterprise yet."""

    code = "not_bound"


@dataclass(frozen=True)
class SyncReport:
    """What a sync from the lake did, and the snapshot it read."""

    source: str
    added: int
    updated: int

    def as_json(self) -> dict[str, Any]:
        """The report as the API and CLI show it."""
        return {"source": self.source, "added": self.added, "updated": self.updated}


def upsert(session: Session, rows: list[dict[str, Any]], source: str) -> SyncReport:
    """Add or update enterprises from register rows (lake column names) read from ``source``."""
    known = {e.enterprise_key: e for e in session.scalars(select(EntEnterprise))}
    added = updated = 0
    for row in rows:
        values = {c: row.get(c) for c in COLUMNS}
        for flag in FLAGS:
            values[flag] = bool(values[flag])
        values["registered_employees"] = row.get("employees")
        values["source"] = source
        existing = known.get(str(row["enterprise_key"]))
        if existing is None:
            entry = EntEnterprise(**values)
            session.add(entry)
            known[entry.enterprise_key] = entry
            added += 1
        else:
            for name, value in values.items():
                setattr(existing, name, value)
            updated += 1
    session.flush()
    return SyncReport(source, added, updated)


def sync_from_lake(session: Session, settings: Settings) -> SyncReport:
    """Copy the lake's current market_registry into the store (the key, never a credit code, is in either)."""
    version = lake.get_lake(settings).current(DATASET)
    if version is None:
        raise NotFound(
            f"the lake has no {DATASET} dataset yet: ingest the market register first (fugong hub ingest {DATASET} "
            "FILE, or fugong demo)",
            field=DATASET,
        )
    with duckdb.connect() as con:
        names = {str(r[0]) for r in con.execute(f"DESCRIBE {lake.scan_sql(version)}").fetchall()}
        wanted = [c for c in (*COLUMNS, "employees") if c in names]
        cursor = con.execute(lake.scan_sql(version, wanted))
        rows = [dict(zip(wanted, r, strict=True)) for r in cursor.fetchall()]
    return upsert(session, rows, version.reference)


def get(session: Session, enterprise_id: int) -> EntEnterprise:
    """The enterprise with this record number."""
    found = session.get(EntEnterprise, enterprise_id)
    if found is None:
        raise UnknownEnterprise(f"no enterprise number {enterprise_id}", field="enterprise_id")
    return found


def by_credit_code(session: Session, pseudonymiser: Pseudonymiser, credit_code: str) -> EntEnterprise:
    """The enterprise with this credit code (checked: format and check character), found by its pseudonym."""
    key = pseudonymiser.enterprise(credit_code)
    found = session.scalar(select(EntEnterprise).where(EntEnterprise.enterprise_key == key))
    if found is None:
        raise UnknownEnterprise(
            f"no enterprise with credit code {credit_code.strip()!r} is in the market register", field="credit_code"
        )
    return found


def bind(
    session: Session, pseudonymiser: Pseudonymiser, principal: Principal, credit_code: str, now: datetime
) -> EntEnterprise:
    """Bind an enterprise account to the enterprise with ``credit_code`` (several accounts may share one)."""
    if Role.enterprise not in principal.roles:
        raise Forbidden("only an account with the enterprise role binds to an enterprise", field="credit_code")
    if not credit_code.strip():
        raise InvalidInput("give the enterprise's unified social credit code (统一社会信用代码)", field="credit_code")
    enterprise = by_credit_code(session, pseudonymiser, credit_code)
    current = session.get(EntAccount, principal.user_id)
    if current is not None:
        if current.enterprise_id == enterprise.id:
            return enterprise
        raise Conflict("this account is already bound to another enterprise", field="credit_code")
    if session.get(User, principal.user_id) is None:
        raise NotFound(f"no user {principal.username!r}", field="user")
    session.add(EntAccount(user_id=principal.user_id, enterprise_id=enterprise.id, bound_at=now))
    session.flush()
    return enterprise


def enterprise_of(session: Session, principal: Principal) -> EntEnterprise:
    """The enterprise an enterprise account acts for (a clear error if it has not bound one)."""
    account = session.get(EntAccount, principal.user_id)
    if account is None:
        raise NotBound(
            f"{principal.username!r} is not bound to an enterprise: bind it with the credit code first",
            field="credit_code",
        )
    return get(session, account.enterprise_id)


def as_json(enterprise: EntEnterprise) -> dict[str, Any]:
    """An enterprise as the API shows it (its pseudonymous key is not shown)."""
    return {
        "id": enterprise.id,
        "name": enterprise.name,
        "county_code": enterprise.county_code,
        "industry_section": enterprise.industry_section,
        "size_class": enterprise.size_class,
        "registered_employees": enterprise.registered_employees,
        "flags": [f for f in FLAGS if getattr(enterprise, f)],
        "source": enterprise.source,
    }
