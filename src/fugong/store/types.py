"""Column types shared by every app: UTC timestamps and encrypted personal fields.

``EncryptedString`` stores a personal field (a name, an ID number, a phone) as AES-256-GCM ciphertext, so a copy
of the database file or a database dump does not reveal it. The key is derived (HKDF-SHA256) from
``settings.key("field_encryption")`` and bound to each engine by :class:`fugong.store.Store`; the type itself holds
no key, so models stay importable without settings.
"""

from __future__ import annotations

import base64
import os
import weakref
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import DateTime, Dialect, Text
from sqlalchemy.types import TypeDecorator

_PREFIX = "v1:"
_NONCE_BYTES = 12
_ASSOCIATED_DATA = b"fugong personal field v1"


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp stored in UTC; SQLite's naive values come back as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"a naive datetime ({value.isoformat()}) cannot be stored: give it a time zone")
        utc = value.astimezone(UTC)
        # SQLite has no time zones: store the UTC wall time.
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class FieldCipher:
    """AES-256-GCM with a random nonce per value, keyed from the store's field-encryption secret."""

    def __init__(self, secret: bytes) -> None:
        if not secret:
            raise ValueError("the field-encryption key is empty")
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"fugong field encryption").derive(secret)
        self._aead = AESGCM(key)

    def encrypt(self, plaintext: str) -> str:
        """Ciphertext as text: ``v1:`` + urlsafe base64 of nonce and sealed bytes."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode("utf-8"), _ASSOCIATED_DATA)
        return _PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def decrypt(self, stored: str) -> str:
        """The plaintext of a value made by :meth:`encrypt`; a wrong key or a damaged value is a clear error."""
        if not stored.startswith(_PREFIX):
            raise ValueError("an encrypted field holds a value that was not written by Fugong's field encryption")
        try:
            raw = base64.urlsafe_b64decode(stored[len(_PREFIX) :].encode("ascii"))
            return self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], _ASSOCIATED_DATA).decode("utf-8")
        except (InvalidTag, ValueError) as exc:
            raise ValueError(
                "an encrypted field cannot be decrypted: the field_encryption_key differs from the one it was "
                "written with, or the value is damaged"
            ) from exc


# One cipher per engine (each engine has its own dialect object), so two stores with different keys can live in
# one process and nothing global has to be set up before the models are imported.
_ciphers: weakref.WeakKeyDictionary[Dialect, FieldCipher] = weakref.WeakKeyDictionary()


def bind_cipher(dialect: Dialect, cipher: FieldCipher) -> None:
    """Make ``cipher`` encrypt and decrypt the personal fields of the engine that owns ``dialect``."""
    _ciphers[dialect] = cipher


def _cipher(dialect: Dialect) -> FieldCipher:
    try:
        return _ciphers[dialect]
    except KeyError:
        raise RuntimeError(
            "this engine has no field-encryption key: open the store with fugong.store.Store(url, field_key=...)"
        ) from None


class EncryptedString(TypeDecorator[str]):
    """A personal text field, stored encrypted (AES-GCM); equality queries on it cannot work, by design."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else _cipher(dialect).encrypt(value)

    def process_result_value(self, value: Any | None, dialect: Dialect) -> str | None:
        return None if value is None else _cipher(dialect).decrypt(str(value))
