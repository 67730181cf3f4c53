"""A small key authority for credential tests: a root, Hangzhou, Ningbo and the province, and one trust list."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from fugong.healthcode.credentials.credential import DEFAULT_LIFETIME, IssuedCode, issue_code
from fugong.healthcode.credentials.keys import KeyRecord, KeyStore
from fugong.healthcode.credentials.trustlist import TrustList, build_trust_list, publish_trust_list, read_trust_list
from fugong.healthcode.credentials.verify import OfflineVerifier

# 20 Feb 2020, 16:00 Beijing time: every test reads clocks relative to this moment, never the wall clock.
NOW = datetime(2020, 2, 20, 8, 0, tzinfo=UTC)
NAMES = {"330100": "杭州市", "330200": "宁波市", "330000": "浙江省"}
SUBJECT = "9f2c4e1a7b3d5c6e8f0a1b2c3d4e5f60"

Issue = Callable[..., IssuedCode]


@dataclass
class Authority:
    """The key store, the pinned root record and the signed trust list that gates fetch."""

    store: KeyStore
    root: KeyRecord
    signed_trust_list: bytes

    def trust_list(self) -> TrustList:
        """The trust list as a gate reads it after checking the root signature."""
        return read_trust_list(self.signed_trust_list, self.root)

    def republish(self, version: int, now: datetime = NOW) -> bytes:
        """A new signed trust list from the store's current keys."""
        self.signed_trust_list = publish_trust_list(self.store, build_trust_list(self.store, version, NAMES, now))
        return self.signed_trust_list


@pytest.fixture
def authority(tmp_path: Path) -> Authority:
    """Root key, ES256 keys for Hangzhou (330100) and Ningbo (330200), an EdDSA key for the province."""
    store = KeyStore(tmp_path / "keys")
    created = NOW - timedelta(days=1)
    root = store.create_root(now=created)
    store.create_issuer_key("330100", now=created)
    store.create_issuer_key("330200", now=created)
    store.create_issuer_key("330000", alg="EdDSA", now=created)
    signed = publish_trust_list(store, build_trust_list(store, 1, NAMES, now=NOW - timedelta(hours=1)))
    return Authority(store=store, root=root, signed_trust_list=signed)


@pytest.fixture
def verifier(authority: Authority) -> OfflineVerifier:
    """A gate's verifier over the current trust list and an empty revocation list."""
    return OfflineVerifier(authority.trust_list())


@pytest.fixture
def issue(authority: Authority) -> Issue:
    """Issue a code with the active key of a region (default: a green Hangzhou code issued at NOW)."""

    def _issue(
        issuer: str = "330100",
        colour: str = "green",
        status_seq: int = 1,
        at: datetime = NOW,
        lifetime: timedelta = DEFAULT_LIFETIME,
        subject: str = SUBJECT,
    ) -> IssuedCode:
        return issue_code(authority.store.signer(issuer), subject, colour, status_seq, now=at, lifetime=lifetime)

    return _issue


@pytest.fixture
def now() -> datetime:
    """The fixed moment the tests live in (20 Feb 2020, 16:00 Beijing time)."""
    return NOW


@pytest.fixture
def subject() -> str:
    """The pseudonymous subject of the default code."""
    return SUBJECT
