"""The operational store (SQLite | PostgreSQL): what people write through the app, with transactions."""

from __future__ import annotations

from fugong.store.base import Base
from fugong.store.deps import DbSession, db_session, request_store
from fugong.store.engine import Store, normalise_url, unit_of_work
from fugong.store.types import EncryptedString, UTCDateTime, utcnow

__all__ = [
    "Base",
    "DbSession",
    "EncryptedString",
    "Store",
    "UTCDateTime",
    "db_session",
    "normalise_url",
    "request_store",
    "unit_of_work",
    "utcnow",
]
