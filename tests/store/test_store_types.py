"""Personal fields are encrypted at rest: readable through the app, unreadable in the database itself."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from fugong.auth.models import User
from fugong.settings import Settings
from fugong.store import Store, migrate
from fugong.store.types import FieldCipher, utcnow

NAME = "张三丰 13800138000"


def _add_user(store: Store, username: str, display_name: str) -> None:
    with store.session() as session:
        session.add(User(username=username, display_name=display_name, active=True, created_at=utcnow()))


def _raw_display_names(store: Store) -> list[str]:
    with store.engine.connect() as connection:
        return list(connection.execute(sa.text("SELECT display_name FROM auth_users ORDER BY id")).scalars())


def test_the_app_reads_what_it_wrote(store: Store) -> None:
    _add_user(store, "zhang", NAME)
    with store.session() as session:
        assert session.scalars(sa.select(User.display_name)).one() == NAME


def test_the_database_holds_only_ciphertext(store: Store) -> None:
    _add_user(store, "zhang", NAME)
    _add_user(store, "zhang2", NAME)
    first, second = _raw_display_names(store)
    assert first.startswith("v1:")
    assert "张三丰" not in first
    assert "13800138000" not in first
    # A fresh nonce each time: equal names do not give equal ciphertexts (no frequency analysis).
    assert first != second


def test_the_raw_sqlite_file_does_not_contain_the_plaintext(tmp_path: Path, settings: Settings) -> None:
    url = f"sqlite:///{tmp_path / 'raw.db'}"
    migrate.upgrade(url)
    store = Store(url, field_key=settings.key("field_encryption"))
    _add_user(store, "zhang", NAME)
    with store.session() as session:
        assert session.scalars(sa.select(User.display_name)).one() == NAME
    store.dispose()
    files = sorted(tmp_path.glob("raw.db*"))
    assert files  # the database and any write-ahead log beside it
    raw = b"".join(f.read_bytes() for f in files)
    assert b"zhang" in raw  # the username is not personal data and is stored as it is...
    for secret in ("张三丰", "13800138000"):
        assert secret.encode("utf-8") not in raw  # ...the name and the phone are not
        assert secret.encode("utf-16-le") not in raw


def test_a_different_key_cannot_read_the_field(store: Store, store_url: str) -> None:
    _add_user(store, "zhang", NAME)
    other = Store(store_url, field_key=b"another key entirely")
    with pytest.raises(ValueError, match="field_encryption_key differs"), other.session() as session:
        session.scalars(sa.select(User.display_name)).all()
    other.dispose()


def test_a_store_opened_without_a_key_says_so(store: Store, store_url: str) -> None:
    keyless = Store(store_url)
    user = User(username="zhang", display_name=NAME, active=True, created_at=utcnow())
    with pytest.raises(sa.exc.StatementError, match="no field-encryption key"), keyless.session() as session:
        session.add(user)
    keyless.dispose()


def test_tampered_ciphertext_is_refused() -> None:
    cipher = FieldCipher(b"k" * 32)
    sealed = cipher.encrypt(NAME)
    flipped = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    with pytest.raises(ValueError, match="cannot be decrypted"):
        cipher.decrypt(flipped)
    with pytest.raises(ValueError, match="not written by Fugong"):
        cipher.decrypt(NAME)
    assert cipher.decrypt(sealed) == NAME
