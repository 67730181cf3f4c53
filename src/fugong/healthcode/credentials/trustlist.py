"""The trust list (信任列表): every issuing region's public keys and their status, signed by the root key.

Publishing it to every gate is what lets a gate in Hangzhou accept a code issued by Ningbo or by the
province: it trusts an issuer because the root vouches for the issuer's key, not because it knows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fugong.errors import InvalidInput
from fugong.healthcode.credentials.keys import ROOT, KeyRecord, KeyStore
from fugong.healthcode.credentials.signed import DocumentCache, SignedDocumentError, open_document, sign_document

TRUST_LIST = "fugong-trust-list"
DEFAULT_VALIDITY = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class TrustList:
    """A version of the trust list: issuers (region code → name) and their keys by key id."""

    version: int
    issued_at: datetime
    expires_at: datetime
    issuers: dict[str, str]
    keys: dict[bytes, KeyRecord]

    def is_expired(self, now: datetime) -> bool:
        """True once the list is past its expiry: the gate must sync before trusting it again."""
        return now >= self.expires_at

    def body(self) -> dict[str, Any]:
        """The CBOR-ready body that the root signs."""
        return {
            "version": self.version,
            "issued_at": int(self.issued_at.timestamp()),
            "expires_at": int(self.expires_at.timestamp()),
            "issuers": dict(sorted(self.issuers.items())),
            "keys": [record.to_json() for record in self.keys.values()],
        }

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> TrustList:
        """Read a verified body; every key record is checked (kid matches key, known status)."""
        try:
            records = [KeyRecord.from_json(item) for item in body["keys"]]
            issuers = {str(code): str(name) for code, name in body["issuers"].items()}
            trust_list = cls(
                version=int(body["version"]),
                issued_at=datetime.fromtimestamp(body["issued_at"], UTC),
                expires_at=datetime.fromtimestamp(body["expires_at"], UTC),
                issuers=issuers,
                keys={bytes.fromhex(r.kid): r for r in records},
            )
        except (KeyError, TypeError, ValueError, AttributeError, InvalidInput) as exc:
            raise SignedDocumentError(f"trust list body is malformed: {exc}") from exc
        strays = sorted({r.issuer for r in records} - set(issuers))
        if strays:
            raise SignedDocumentError(f"trust list has keys of unlisted issuers: {', '.join(strays)}")
        return trust_list


def build_trust_list(
    store: KeyStore,
    version: int,
    names: dict[str, str] | None = None,
    now: datetime | None = None,
    validity: timedelta = DEFAULT_VALIDITY,
) -> TrustList:
    """The trust list of every issuer key in ``store`` (all statuses, so gates can name why they refuse)."""
    if version < 1:
        raise InvalidInput("trust list version must be a positive integer", field="version")
    moment = (now or datetime.now(UTC)).replace(microsecond=0)
    records = [r for r in store.records() if r.issuer != ROOT]
    names = names or {}
    return TrustList(
        version=version,
        issued_at=moment,
        expires_at=moment + validity,
        issuers={r.issuer: names.get(r.issuer, r.issuer) for r in records},
        keys={bytes.fromhex(r.kid): r for r in records},
    )


def publish_trust_list(store: KeyStore, trust_list: TrustList) -> bytes:
    """The trust list signed by the store's root key: the bytes gates fetch."""
    return sign_document(TRUST_LIST, trust_list.body(), store.signer(ROOT))


def read_trust_list(data: bytes, root: KeyRecord) -> TrustList:
    """Verify a fetched trust list against the pinned root key and read it."""
    return TrustList.from_body(open_document(data, root, TRUST_LIST))


class TrustListCache:
    """A gate's cached trust list (a file, e.g. ``gate/trust-list.cose``), updated only by newer signed lists."""

    def __init__(self, path: Path, root: KeyRecord) -> None:
        self._cache = DocumentCache(path, root, TRUST_LIST)

    def update(self, data: bytes, now: datetime | None = None) -> TrustList:
        """Store a fetched list after checking its signature, that it is current and newer than the cached one."""
        trust_list = read_trust_list(data, self._cache.root)
        if trust_list.is_expired(now or datetime.now(UTC)):
            raise SignedDocumentError(f"trust list version {trust_list.version} expired at {trust_list.expires_at}")
        self._cache.store(data)
        return trust_list

    def load(self) -> TrustList:
        """The cached list, its signature checked again."""
        return TrustList.from_body(self._cache.read())
